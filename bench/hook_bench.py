"""How much a taskmint hook costs per tool call, next to bare interpreters (not a test).

    python3 bench/hook_bench.py [--runs N]

Provisions the plugin's venv once under bench/.cache/ (as the SessionStart hook would), then
times, interleaved round by round so machine drift hits every command alike:

- ``python3 -c pass``: whatever python3 is first on PATH (a pyenv shim on many machines);
- the venv's own ``python -c pass`` and ``python -E -S -c pass``;
- the PreToolUse hook exactly as Claude Code starts it (``sh hooks/run.sh pre-tool-use``, JSON
  on stdin) for the common case, a Write of a file outside tasks/; for a Write whose content
  mentions tasks/ (so the payload is parsed); and, for scale, the slow path of an Edit of a
  task file (yaml loaded, the edit judged).

Prints the median and each command's ratio to ``python3 -c pass`` and to the venv's python.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from taskmint import service  # noqa: E402
from taskmint.plugin import provision  # noqa: E402
from taskmint.project import find_project  # noqa: E402

CACHE = REPO / "bench" / ".cache"


def _payload(project: Path, rel: str, **tool_input: str) -> bytes:
    return json.dumps({
        "session_id": "bench", "transcript_path": str(Path.home() / ".claude" / "projects" / "p" / "s.jsonl"),
        "cwd": str(project), "permission_mode": "acceptEdits", "hook_event_name": "PreToolUse",
        "tool_name": "Edit" if "old_string" in tool_input else "Write",
        "tool_input": {"file_path": str(project / rel), **tool_input}, "tool_use_id": "toolu_bench",
    }).encode()


def _setup() -> tuple[Path, Path, Path]:
    data = CACHE / "plugin-data"
    provision.ensure(REPO, data)
    project = CACHE / "project"
    if not (project / ".claude" / "taskmint.yaml").exists():
        project.mkdir(parents=True, exist_ok=True)
        service.init(find_project(str(project)), jira="PROJ", linear=None, github=True, azure_devops=False, force=True)
    found = find_project(str(project))
    existing = next(iter(sorted(found.tasks_dir.glob("backlog/TASK-*.md"))), None)
    task = existing or found.root / service.create(found, "Benchmark task")["path"]
    return data, project, task


def _time(cmd: list[str], stdin: bytes, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    data, project, task = _setup()
    venv_python = str(provision.venv_link(data) / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    env.update(CLAUDE_PLUGIN_ROOT=str(REPO), CLAUDE_PLUGIN_DATA=str(data), CLAUDE_PROJECT_DIR=str(project))
    hook = ["sh", str(REPO / "hooks" / "run.sh"), "pre-tool-use"]
    task_rel = str(task.relative_to(project))
    cases = {
        "python3 -c pass (PATH)": (["python3", "-c", "pass"], b""),
        "venv python -c pass": ([venv_python, "-c", "pass"], b""),
        "venv python -E -S -c pass": ([venv_python, "-E", "-S", "-c", "pass"], b""),
        "hook: Write src/app.py (common)": (hook, _payload(project, "src/app.py", content="print('hi')\n" * 20)),
        "hook: Write docs/x.md naming tasks/": (hook, _payload(project, "docs/x.md", content="see tasks/ and state\n")),
        "hook: Edit of a task file (slow path)": (hook, _payload(project, task_rel, old_string="## Description",
                                                                 new_string="## What")),
    }
    for cmd, stdin in cases.values():  # warm caches and write .pyc files before timing
        _time(cmd, stdin, env)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (cmd, stdin) in cases.items():
            samples[name].append(_time(cmd, stdin, env))
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    bare, venv = medians["python3 -c pass (PATH)"], medians["venv python -c pass"]
    print(f"{args.runs} runs each, interleaved; median wall time per process")
    print(f"{'command':42} {'ms':>7} {'vs python3':>11} {'vs venv py':>11}")
    for name, ms in medians.items():
        print(f"{name:42} {ms:7.1f} {ms / bare:10.2f}x {ms / venv:10.2f}x")
    fast = medians["hook: Write src/app.py (common)"]
    print(f"\nhook fast path = {fast / bare:.2f}x python3 -c pass, {fast / venv:.2f}x the venv's own python -c pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
