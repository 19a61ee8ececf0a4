"""taskmint benchmark: one run prints every figure as a ratio to a bare interpreter start
(`python -c pass` on the interpreter taskmint runs on), plus absolute times.

    python3 bench/bench.py [--runs N] [--quick]

Not a test: nothing here asserts a time. Projects with 10,000 tasks are generated directly
(valid task files and state, as taskmint would write them) and cached under bench/.cache/.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402

TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")


def taskmint_cmd() -> list[str]:
    """The installed console script next to this interpreter (what a user's `taskmint` runs)."""
    script = Path(sys.executable).with_name("taskmint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskmint.main"]


def timed(cmd: list[str], runs: int, *, stdin: bytes | None = None, env: dict | None = None,
          before: callable = None) -> float:
    """Median wall-clock seconds of ``runs`` runs (after one warm-up)."""
    times = []
    for n in range(runs + 1):
        if before:
            before(n)
        start = time.perf_counter()
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
        if n:
            times.append(elapsed)
    return statistics.median(times)


def hook_env(tmp: Path, root: Path) -> dict:
    data = tmp / "plugin-data"
    if not data.exists():
        (data / "venv" / "bin").mkdir(parents=True)
        (data / "venv" / "bin" / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    env.update(CLAUDE_PROJECT_DIR=str(root), CLAUDE_PLUGIN_ROOT=str(REPO), CLAUDE_PLUGIN_DATA=str(data))
    return env


def hook_command() -> list[str]:
    config = json.loads((REPO / "hooks" / "hooks.json").read_text())
    hook = config["hooks"]["PostToolUse"][0]["hooks"][0]
    return [p.replace("${CLAUDE_PLUGIN_ROOT}", str(REPO)) for p in [hook["command"], *hook.get("args", [])]]


def parallel_creates(root: Path, processes: int, each: int) -> float:
    """Wall-clock seconds for ``processes`` OS processes doing ``each`` library creates."""
    code = ("import sys\nfrom taskmint import service\nfrom taskmint.project import find_project\n"
            "p = find_project(sys.argv[1])\nsys.stdin.read()\n"
            "for i in range(int(sys.argv[2])):\n    service.create(p, f'parallel {i}')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(root), str(each)], stdin=subprocess.PIPE)
             for _ in range(processes)]
    time.sleep(1.0)  # every process has imported taskmint and waits on stdin
    start = time.perf_counter()
    for proc in procs:
        proc.stdin.close()
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("a parallel create process failed")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per figure (median is shown)")
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke check")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    tm = taskmint_cmd()
    results: list[tuple[str, float, float | None, str]] = []

    bare = timed([sys.executable, "-c", "pass"], runs * 2)
    shim = shutil.which("python3")
    results.append(("bare interpreter: python -c pass", bare, None, sys.executable))
    with tempfile.TemporaryDirectory(prefix="taskmint-bench-") as tmp_name:
        tmp = Path(tmp_name)
        small = fixtures.project(tmp / "small", 10)
        big = fixtures.project(tmp / "big", 10_000)

        env = hook_env(tmp, small)
        payload = json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Write", "cwd": str(small),
                              "tool_input": {"file_path": str(small / "src" / "app.py"), "content": "print(1)\n"},
                              "tool_response": {"type": "create", "filePath": str(small / "src" / "app.py")}}).encode()
        results.append(("hook fast path (PostToolUse, Write of a non-task file)",
                         timed(hook_command(), runs * 2, stdin=payload, env=env), 1.5, "sh hooks/run.sh post-tool-use"))

        def agent_file(n: int) -> None:
            (small / "tasks" / "backlog" / f"agent-{n}.md").write_text(f"---\ntitle: agent task {n}\n---\n")

        n_task = [0]

        def task_payload() -> bytes:
            path = small / "tasks" / "backlog" / f"agent-{n_task[0]}.md"
            return json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Write", "cwd": str(small),
                               "tool_input": {"file_path": str(path), "content": ""}}).encode()

        slow = []
        for n in range(runs + 1):
            n_task[0] = n
            agent_file(n)
            start = time.perf_counter()
            proc = subprocess.run(hook_command(), input=task_payload(), capture_output=True, env=env)
            if proc.returncode or b"is TASK-" not in proc.stdout:
                raise SystemExit(f"hook did not register: {proc.stdout!r} {proc.stderr!r}")
            if n:
                slow.append(time.perf_counter() - start)
        results.append(("hook registering a task file the agent wrote", statistics.median(slow), None, "slow path"))

        create_small = timed([*tm, "--root", str(small), "create", "bench task", "--tag", "bench"], runs)
        results.append(("create, 4 PM tools, 10 existing tasks", create_small, 5.0, "taskmint create"))
        import tracker_bench

        tracked = tracker_bench.create_with_trackers(fixtures.project(tmp / "tracked", 10), tm, runs, timed)
        results.append(("create, GitHub + Jira issuing the keys (loopback fakes)", tracked, None,
                        f"{tracked / create_small:.2f}x a local-numbering create"))
        create_big = timed([*tm, "--root", str(big), "create", "bench task", "--tag", "bench"], runs)
        results.append(("create, 4 PM tools, 10,000 existing tasks", create_big, None,
                        f"{create_big / create_small:.2f}x create at 10 (target <= 1.5x)"))
        results.append(("show by external ID, 10,000 tasks", timed([*tm, "--root", str(big), "show", "PROJ-5000"], runs),
                        None, "taskmint show"))
        doctor = [*tm, "--root", str(big), "doctor"]
        if subprocess.run(doctor, capture_output=True).returncode in (0, 1):
            results.append(("doctor over 10,000 tasks", timed(doctor + ["--quiet"], max(3, runs // 3)), None,
                            "taskmint doctor (check)"))

        serial_root = fixtures.project(tmp / "serial", 10)
        serial = parallel_creates(serial_root, 1, 400)
        parallel_root = fixtures.project(tmp / "parallel", 10)
        parallel = parallel_creates(parallel_root, 8, 50)
        results.append(("400 creates, 1 process (library)", serial, None, f"{serial / 400 * 1000:.1f} ms per create"))
        results.append(("400 creates, 8 processes x 50 (library)", parallel, None,
                        f"{parallel / serial:.2f}x the serial time"))

    print(f"taskmint benchmark: median of {runs} runs; ratio = time / bare `python -c pass` "
          f"({bare * 1000:.1f} ms on {sys.executable}; `python3` on PATH is {shim})")
    print(f"{'figure':58} {'seconds':>9} {'ratio':>8}  {'target':>7}  note")
    for name, seconds, target, note in results:
        ratio = seconds / bare
        mark = "" if target is None else (f"<= {target:g}x" + (" ok" if ratio <= target else " MISSED"))
        print(f"{name:58} {seconds:9.4f} {ratio:7.2f}x  {mark:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
