"""Crash harness: fork a child that creates and completes tasks in a loop, printing one
line per success, SIGKILL it after a random delay, check the invariants, repeat.

    python crash_driver.py ROUNDS SEED MAX_DELAY_MS ROOT [ROOT...]

The roots must be initialised taskmint projects (e.g. two worktrees of one repository);
each round picks one. The parent has imported taskmint already, so a forked child is
inside a create within microseconds and the kills land in the critical section rather than
in interpreter start-up. Prints a JSON summary; exits 1 if any invariant broke.

After every kill: the state loads under the lock (recovering if it must), no external
number or internal ID was ever issued to two tasks over the whole run, every create and
complete that printed success is still on disk as printed, the counters are at or above
every number in use, every mapping entry names its task file, and (when `taskmint doctor`
exists) `doctor --fix` brings the mapping and folders into full agreement with the tasks.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from taskmint import service
from taskmint.project import find_project
from taskmint.transaction import transaction

import invariants

TITLES = ["Crash me", 'quoted "title" #1', "--- dashes", "yes", "Ünïcødé"]


def child(root: Path, write_fd: int, seed: int, open_tasks: list[dict]) -> None:
    """Create and complete until killed; one line per success, written in one syscall."""
    rng = random.Random(seed)
    project = find_project(str(root))
    while True:
        if open_tasks and rng.random() < 0.3:
            target = open_tasks.pop(rng.randrange(len(open_tasks)))
            ref = rng.choice([target["id"], *target["ext"].values()])
            task, _ = service.complete(project, ref)
            os.write(write_fd, (json.dumps({"op": "complete", "id": task["id"]}) + "\n").encode())
        else:
            task = service.create(project, rng.choice(TITLES), tags=["crash"])
            entry = {"op": "create", "id": task["id"], "ext": task["external_ids"], "root": str(root)}
            os.write(write_fd, (json.dumps(entry) + "\n").encode())


def run_child(root: Path, seed: int, delay: float, open_tasks: list[dict]) -> tuple[list[dict], int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 0
        try:
            child(root, write_fd, seed, open_tasks)
        except BaseException as e:  # noqa: BLE001 - report, the parent fails the run
            os.write(write_fd, (json.dumps({"op": "error", "error": f"{type(e).__name__}: {e}"}) + "\n").encode())
            code = 1
        os._exit(code)
    os.close(write_fd)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    lines = b"".join(chunks).decode().splitlines()
    return [json.loads(line) for line in lines], status


def doctor_cli() -> list[str] | None:
    """The doctor command once it exists: `taskmint doctor --fix`."""
    probe = subprocess.run([sys.executable, "-m", "taskmint.main", "--help"], capture_output=True, text=True)
    return [sys.executable, "-m", "taskmint.main"] if " doctor " in probe.stdout else None


def main() -> int:
    rounds, seed, max_delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
    roots = [Path(p) for p in sys.argv[4:]]
    rng = random.Random(seed)
    doctor = doctor_cli()
    created: dict[str, dict] = {}  # id -> what the create printed
    completed: set[str] = set()
    owner: dict[tuple[str, str, int], str] = {}  # every number ever seen -> the one ID it belongs to
    problems: list[str] = []
    stats = {"rounds": 0, "creates_printed": 0, "completes_printed": 0, "kills_with_visible_trace": 0, "recovered_loads": 0,
             "doctor_runs": 0, "child_exited_early": 0, "doctor_errors": []}
    snaps = [invariants.snapshot(r) for r in roots]
    for n in range(rounds):
        root = roots[n % len(roots)]
        project = find_project(str(root))
        before = snaps[roots.index(root)]
        open_tasks = [t for t in created.values() if t["id"] not in completed and t["root"] == str(root)]
        lines, status = run_child(root, rng.randrange(2**32), rng.uniform(0, max_delay), open_tasks)
        stats["rounds"] += 1
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            stats["child_exited_early"] += 1
        for entry in lines:
            if entry["op"] == "error":
                problems.append(f"round {n}: child failed: {entry['error']}")
            elif entry["op"] == "create":
                created[entry["id"]] = entry
                stats["creates_printed"] += 1
            else:
                completed.add(entry["id"])
                stats["completes_printed"] += 1

        # The state loads (recovery, if any, is persisted under the lock).
        try:
            with transaction(project) as txn:
                stats["recovered_loads"] += bool(txn.state.repaired)
        except Exception as e:  # noqa: BLE001 - any failure to load is a finding
            problems.append(f"round {n}: state does not load after the kill: {type(e).__name__}: {e}")
            break
        if doctor and (n % 20 == 19 or n == rounds - 1):
            for each in roots:
                proc = subprocess.run([*doctor, "--root", str(each), "doctor", "--fix"], capture_output=True, text=True)
                stats["doctor_runs"] += 1
                if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
                    problems.append(f"round {n}: doctor --fix exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
                # Exit 1 may be findings left to a person, or an error line: keep the errors for the report.
                stats["doctor_errors"] += [f"round {n}: {line}" for line in proc.stderr.splitlines()
                                           if line.startswith("taskmint: error")]
        snaps = [invariants.snapshot(r) for r in roots]
        settled = bool(doctor and (n % 20 == 19 or n == rounds - 1))
        round_problems = invariants.shared_problems(snaps, settled)
        for snap in snaps:
            round_problems += invariants.mapping_problems(snap, allow_unmapped=0 if settled else len(snap.files))
        this = snaps[roots.index(root)]
        # Every number ever seen belongs to one ID for the whole run (numbers are never reused,
        # even after a crash left a gap or a recovery rolled a file back).
        for (tool, key, number), holders in invariants.number_owners(snaps).items():
            for holder in holders:
                first = owner.setdefault((tool, key, number), holder)
                if first != holder:
                    round_problems.append(f"{tool} {key}-{number} issued to {first} and later to {holder}")
        for entry in created.values():
            snap = snaps[[str(r) for r in roots].index(entry["root"])]
            files = snap.files.get(entry["id"])
            if not files:
                round_problems.append(f"printed create {entry['id']} is gone")
                continue
            meta = files[0][1]
            if snap.mapping.get(entry["id"]) != entry["ext"]:
                round_problems.append(f"printed create {entry['id']} is not in the mapping")
            if meta.get("external_ids") != entry["ext"]:
                round_problems.append(f"{entry['id']} printed {entry['ext']} but the file has {meta.get('external_ids')}")
            if entry["id"] in completed and meta.get("status") != "completed":
                round_problems.append(f"printed complete {entry['id']} is {meta.get('status')}")
        if set(this.files) - set(before.files) - {e["id"] for e in lines if e["op"] == "create"}:
            stats["kills_with_visible_trace"] += 1
        elif invariants.counter_items(this.counters) != invariants.counter_items(before.counters) and not any(
                e["op"] == "create" for e in lines):
            stats["kills_with_visible_trace"] += 1
        problems += [f"round {n}: {p}" for p in round_problems]
        if len(problems) > 20:
            break
    leftovers = [str(p) for r in roots for p in Path(r).rglob(".*.tmp*")]
    stats["tmp_files_left"] = len(leftovers)
    stats["tmp_files_seen"] = leftovers[:5]
    stats["tasks_on_disk"] = sum(len(invariants.snapshot(r).files) for r in roots)
    stats["doctor"] = bool(doctor)
    print(json.dumps({"stats": stats, "problems": problems[:50]}, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
