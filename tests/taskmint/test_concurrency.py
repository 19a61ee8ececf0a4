"""Many OS processes at once: creates on one project, and raw mutual exclusion of lock.held.

TASKMINT_STRESS=full runs bigger variants."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter

import yaml

from taskmint import state

FULL = os.environ.get("TASKMINT_STRESS") == "full"
PROCS = 16 if FULL else 8
CREATES = 40 if FULL else 12
ROUNDS = 200 if FULL else 40

# Every worker imports first, then waits for the go file, so they all start at once.
START = """
import os, sys, time
from pathlib import Path
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.005)
"""

CREATE_WORKER = START + textwrap.dedent("""
    import json
    from taskmint import service
    from taskmint.project import find_project
    project = find_project(sys.argv[2])
    for n in range(int(sys.argv[3])):
        task = service.create(project, f"worker {os.getpid()} task {n}", tags=["load"])
        if n % 4 == 0:
            task = service.complete(project, task["external_ids"]["jira"])[0]
        print(json.dumps(task), flush=True)
""")

LOCK_WORKER = START + textwrap.dedent("""
    from taskmint import lock
    held = lock.held
    if sys.argv[6] == "574":  # the filelock#574 release: unlink the lock file, then unlock
        import fcntl
        from contextlib import contextmanager

        @contextmanager
        def held(path, timeout):
            fd = os.open(path, os.O_RDWR | os.O_CREAT)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    lock_path, counter, inside = Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    overlaps = 0
    for _ in range(int(sys.argv[5])):
        with held(lock_path, timeout=120):
            try:  # a second holder at the same time would find the marker
                fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.close(fd)
            except FileExistsError:
                overlaps += 1
            try:  # a deliberately non-atomic read-modify-write
                value = int(counter.read_text())
            except ValueError:  # read while another holder was rewriting it
                overlaps += 1
                value = 0
            time.sleep(0.0005)
            counter.write_text(str(value + 1))
            inside.unlink(missing_ok=True)
        time.sleep(0.0002)  # let the others in
    print(overlaps, flush=True)
""")


def run_lock_workers(tmp_path, env, variant):
    tmp_path.mkdir(exist_ok=True)
    lock_path = tmp_path / "state" / "taskmint.lock"
    counter, inside = tmp_path / "counter", tmp_path / "inside"
    counter.write_text("0")
    outputs = run_all(tmp_path, env, LOCK_WORKER,
                      lambda i: [str(lock_path), str(counter), str(inside), str(ROUNDS), variant])
    return sum(int(out) for out in outputs), int(counter.read_text()), lock_path


def run_all(tmp_path, env, code, args_for):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(go), *args_for(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for i in range(PROCS)]
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        results.append(out)
    return results


def test_concurrent_creates_never_share_an_id_or_a_number(project, tmp_path, subprocess_env):
    outputs = run_all(tmp_path, subprocess_env, CREATE_WORKER, lambda i: [str(project.root), str(CREATES)])
    made = [json.loads(line) for out in outputs for line in out.splitlines()]
    total = PROCS * CREATES
    assert len(made) == total

    task_ids = [t["id"] for t in made]
    assert len(set(task_ids)) == total, [i for i, c in Counter(task_ids).items() if c > 1]
    for tool, fmt in (("jira", "PROJ-{}"), ("linear", "ENG-{}"), ("github", "#{}"), ("azure_devops", "{}")):
        issued = sorted(t["external_ids"][tool] for t in made)
        # no duplicates and no gaps: exactly the numbers 1..total
        assert issued == sorted(fmt.format(n) for n in range(1, total + 1)), tool

    loaded = state.load(project)
    assert loaded.mappings == {t["id"]: t["external_ids"] for t in made}  # every mapping present
    assert loaded.counters == {"jira": {"PROJ": total}, "linear": {"ENG": total}, "github": total,
                               "azure_devops": total}

    files = sorted(project.tasks_dir.rglob("*.md"))
    assert len(files) == total
    by_id = {t["id"]: t for t in made}
    for path in files:
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0][4:])
        task = by_id[meta["id"]]
        assert project.rel(path) == task["path"]
        assert meta["external_ids"] == task["external_ids"] and meta["status"] == task["status"]
    assert sum(t["status"] == "completed" for t in made) == PROCS * len(range(0, CREATES, 4))


def test_lock_held_excludes_many_processes(tmp_path, subprocess_env):
    """Would catch filelock#574: a release that deletes the lock file lets a waiter lock the
    orphaned inode while a newcomer locks a fresh file of the same name."""
    overlaps, count, lock_path = run_lock_workers(tmp_path, subprocess_env, "taskmint")
    assert overlaps == 0  # never two holders at once
    assert count == PROCS * ROUNDS  # no lost update
    assert lock_path.is_file()  # never deleted on release


def test_the_exclusion_check_catches_a_574_style_lock(tmp_path, subprocess_env):
    """The harness above must be able to fail: with a lock that deletes its file on release
    it sees two holders (a race, so a few attempts are allowed)."""
    for attempt in range(5):
        overlaps, count, _ = run_lock_workers(tmp_path / str(attempt), subprocess_env, "574")
        if overlaps or count != PROCS * ROUNDS:
            return
    raise AssertionError("a lock that deletes its file on release went unnoticed in 5 runs")
