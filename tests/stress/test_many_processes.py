"""Many OS processes on one repository and its second worktree at once: library workers,
real CLI subprocesses and the plugin's PostToolUse hook. Afterwards every
ID and number is unique, every create is on disk and in the mapping, and the counters
equal the highest number issued.

Workers 0 and 3 send every third operation through the CLI; workers 1 and 7 every third
create through the PostToolUse hook (an agent's Write of a task file without an ID).
Default: 16 processes x 100 operations. TASKMINT_STRESS=full: 16 x 400.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

import hookrun
import invariants
from projects import FULL
from taskmint import state

HERE = Path(__file__).resolve().parent
WORKERS = 16
OPS = 400 if FULL else 100
TIMEOUT = 1800 if FULL else 600


def run_workers(tmp_path: Path, plan: list[tuple[Path, str]], ops: int) -> list[dict]:
    """Start one process per (root, channel), release them together, return every record."""
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    start = tmp_path / "go"
    procs = []
    for n, (root, channel) in enumerate(plan):
        cmd = [sys.executable, str(HERE / "worker.py"), str(root), str(results_dir / f"{n}.jsonl"), str(n),
               str(ops), channel, str(start), str(results_dir / "*.jsonl")]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    time.sleep(0.5)
    start.touch()
    deadline = time.monotonic() + TIMEOUT
    for proc in procs:
        out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
        assert proc.returncode == 0, f"worker died ({proc.returncode}): {err[-2000:]}"
        assert "Traceback" not in err, err[-2000:]
    records = []
    for path in sorted(results_dir.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


def test_many_processes_two_worktrees(tmp_path: Path, repo_with_worktree: tuple[Path, Path]) -> None:
    main, second = repo_with_worktree
    hook = hookrun.hook_command() is not None
    plan = []
    for n in range(WORKERS):
        root = second if n % 4 == 3 else main  # 12 workers in the main worktree, 4 in the second
        channel = "cli" if n in (0, 3) else "hook" if hook and n in (1, 7) else "lib"
        plan.append((root, channel))
    records = run_workers(tmp_path, plan, OPS)

    errors = [r for r in records if r["op"] == "error"]
    assert not errors, errors[:10]
    assert sum(r["op"] == "done" for r in records) == WORKERS
    creates = [r for r in records if r["op"] == "create"]
    by_op = defaultdict(int)
    for r in records:
        by_op[(r["op"], r.get("via", ""))] += 1
    print(f"\n{len(records) - WORKERS} operations: {dict(by_op)}")
    assert by_op[("create", "cli")] > 0 and by_op[("create", "lib")] > 0
    assert by_op[("create", "hook")] > 0 or not hook
    assert {r["root"] for r in creates} == {str(main), str(second)}

    snaps = [invariants.snapshot(main), invariants.snapshot(second)]
    problems = invariants.shared_problems(snaps)
    for snap in snaps:
        problems += invariants.mapping_problems(snap)
    assert not problems, problems[:20]

    # Every create that reported success is on disk and mapped, in its own worktree, with
    # the status the completes gave it.
    completed = {(r["root"], r["id"]) for r in records if r["op"] == "complete"}
    snap_of = {str(s.project.root): s for s in snaps}
    ids = [r["id"] for r in creates]
    assert len(ids) == len(set(ids)), "an internal ID was handed out twice"
    for r in creates:
        snap = snap_of[r["root"]]
        entries = snap.files.get(r["id"])
        assert entries and len(entries) == 1, f"{r['id']} missing from {r['root']}"
        meta = entries[0][1]
        assert meta["external_ids"] == r["ext"] and snap.mapping.get(r["id"]) == r["ext"]
        assert meta["title"] == r["title"]
        assert meta["status"] == ("completed" if (r["root"], r["id"]) in completed else "backlog")
        if r["parent"]:
            assert meta["parent"] == r["parent"] and r["id"].startswith(r["parent"] + ".")
    assert sum(len(s.files) for s in snaps) == len(creates), "a task file appeared that no worker created"

    # No crash happened, so every tool's numbers are exactly 1..N with no gap and no repeat,
    # and the shared high-water mark equals the highest number issued.
    for tool, key in (("jira", "PROJ"), ("linear", "ENG"), ("github", ""), ("azure_devops", "")):
        numbers = sorted(int(r["ext"][tool].split("-")[-1].lstrip("#")) for r in creates)
        assert numbers == list(range(1, len(creates) + 1)), f"{tool}: gaps or repeats"
        registry = snaps[0].registry["counters"]
        assert (registry[tool][key] if key else registry[tool]) == len(creates)
        for snap in snaps:
            local = max(int(r["ext"][tool].split("-")[-1].lstrip("#")) for r in creates if r["root"] == str(snap.project.root))
            value = snap.counters[tool][key] if key else snap.counters[tool]
            assert local <= value <= len(creates)
    assert set(state.registry_ids(snaps[0].registry)) == set(ids)


LOCK_WORKER = """
import sys, time
from pathlib import Path
from taskmint import lock
path, counter, start, rounds = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
while not start.exists():
    time.sleep(0.005)
for _ in range(rounds):
    with lock.held(path):
        value = int(counter.read_text())
        time.sleep(0.0005)  # widen the window a second holder would hit
        counter.write_text(str(value + 1))
"""


def test_lock_excludes_many_processes(tmp_path: Path) -> None:
    """16 processes increment a plain file under the lock with a read-sleep-write; a lost
    update would show. The lock file is never deleted (filelock#574)."""
    lock_path, counter, start = tmp_path / "taskmint.lock", tmp_path / "n", tmp_path / "go"
    counter.write_text("0")
    rounds = 200 if FULL else 40
    procs = [subprocess.Popen([sys.executable, "-c", LOCK_WORKER, str(lock_path), str(counter), str(start), str(rounds)],
                              stderr=subprocess.PIPE, text=True) for _ in range(WORKERS)]
    time.sleep(0.5)
    start.touch()
    inodes = set()
    while any(p.poll() is None for p in procs):
        if lock_path.exists():
            inodes.add(os.stat(lock_path).st_ino)
        time.sleep(0.01)
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read()
    assert int(counter.read_text()) == WORKERS * rounds
    assert lock_path.exists() and len(inodes) == 1
