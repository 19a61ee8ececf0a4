"""Worktrees of one repository share one lock and one high-water mark (the registry in the
git common dir): real `git worktree add`, many OS processes creating tasks in both."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taskmint import service, state, tasks, worktrees
from taskmint.project import find_project

PER_PROCESS = int(os.environ.get("TASKMINT_WORKTREE_CREATES", "12"))
PROCESSES_PER_WORKTREE = 3

_WORKER = """
import os, sys, time
from taskmint import service
from taskmint.project import find_project
root, count, tag, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
project = find_project(root)
while not os.path.exists(go):
    time.sleep(0.002)
for i in range(count):
    service.create(project, f"{tag} {i}")
"""


def git(cwd: Path, *args: str) -> str:
    identity = ("-c", "user.name=taskmint tests", "-c", "user.email=tests@example.invalid")
    return subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def worktrees_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with taskmint set up, two tasks committed, and a second worktree made
    from that commit (so it starts with the committed, older state files)."""
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    service.init(find_project(str(main)), "PROJ", "ENG", True, True, False)
    for title in ("first", "second"):
        service.create(find_project(str(main)), title)
    git(main, "add", "-A")
    git(main, "commit", "-q", "-m", "tasks")
    other = tmp_path / "other"
    git(main, "worktree", "add", "-q", "-b", "other", str(other))
    return main, other


def _all_tasks(*roots: Path) -> list[dict]:
    found = []
    for root in roots:
        project = find_project(str(root))
        found += [{"root": root, "path": p, **meta} for p, meta in tasks.iter_frontmatter(project)]
    return found


def _doctor(taskmint, root: Path) -> dict:
    proc = taskmint("doctor", "--json", root=root)
    return {"rc": proc.returncode, **json.loads(proc.stdout)}


def test_concurrent_processes_in_two_worktrees_never_share_a_number_or_id(worktrees_pair, tmp_path, taskmint) -> None:
    main, other = worktrees_pair
    go = tmp_path / "go"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(root), str(PER_PROCESS), f"{root.name}-{n}", str(go)],
                         env=env, stderr=subprocess.PIPE, text=True)
        for root in (main, other) for n in range(PROCESSES_PER_WORKTREE)
    ]
    # The CLI too, racing the library callers from both worktrees.
    cli = [subprocess.Popen([sys.executable, "-m", "taskmint.main", "--root", str(root), "create", f"cli {n}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
           for root in (main, other) for n in range(2)]
    time.sleep(0.3)  # let every worker import and wait at the barrier
    go.touch()
    for proc in procs + cli:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err

    found = _all_tasks(main, other)
    created = 2 * PROCESSES_PER_WORKTREE * PER_PROCESS + 4
    # main has the 2 committed tasks, and other has its own checked-out copies of them.
    assert len(found) == created + 4
    distinct = {}
    for t in found:
        distinct.setdefault(t["id"].upper(), set()).add(json.dumps(t["external_ids"], sort_keys=True))
    assert len(distinct) == created + 2, "an internal ID was issued twice"
    assert all(len(v) == 1 for v in distinct.values()), "one ID, two sets of external IDs"
    exts = [json.loads(next(iter(v))) for v in distinct.values()]
    for tool, width in (("jira", "PROJ-"), ("linear", "ENG-"), ("github", "#"), ("azure_devops", "")):
        numbers = sorted(int(e[tool][len(width):]) for e in exts)
        # Every number exactly once: nothing issued twice, nothing lost.
        assert numbers == list(range(1, created + 3)), tool

    registry = state.load_registry(find_project(str(main)))
    assert registry.counters["github"] == created + 2
    assert set(distinct) <= registry.ids
    for root in (main, other):
        report = _doctor(taskmint, root)
        assert report["rc"] == 0 and report["problems"] == [], report


def test_the_registry_and_lock_live_in_the_git_common_dir(worktrees_pair) -> None:
    main, other = worktrees_pair
    a, b = find_project(str(main)), find_project(str(other))
    common = Path(git(main, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    assert a.shared_dir == b.shared_dir == common / "taskmint"
    assert a.lock_path == b.lock_path and a.registry_path == b.registry_path
    assert a.state_dir != b.state_dir  # each worktree keeps its own (committed) state files


def test_a_lost_registry_is_rebuilt_from_every_worktree_not_reset(worktrees_pair, taskmint) -> None:
    """Regression: a damaged registry with a damaged .bak made a worktree fall back to its own
    counters, so it reissued the numbers another worktree had handed out."""
    main, other = worktrees_pair
    for n in range(3):
        assert taskmint("create", f"other {n}", root=other).returncode == 0  # numbers 3, 4, 5
    registry = find_project(str(main)).registry_path
    for damage in (b'{"version": "2.0"', None):
        for path in (registry, registry.with_name(registry.name + ".bak")):
            if damage is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(damage)
        proc = taskmint("create", "main after damage", "--json", root=main)
        assert proc.returncode == 0, proc.stderr
        issued = json.loads(proc.stdout)["external_ids"]
        assert issued["jira"] == ("PROJ-6" if damage else "PROJ-7"), proc.stderr
        if damage:
            assert "rebuilding it from every worktree" in proc.stderr


def test_doctor_rebuilds_a_damaged_registry_and_raises_one_that_is_behind(worktrees_pair, taskmint) -> None:
    main, other = worktrees_pair
    assert taskmint("create", "in other", root=other).returncode == 0  # PROJ-3
    registry = find_project(str(main)).registry_path
    registry.write_text("not json")
    report = _doctor(taskmint, main)
    assert report["rc"] == 1 and [p["code"] for p in report["problems"]] == ["registry-unusable"]
    fixed = _doctor_fix(taskmint, main)
    assert fixed["rc"] == 0, fixed
    rebuilt = state.load_registry(find_project(str(main)))
    assert rebuilt.counters["jira"]["PROJ"] == 3  # the other worktree's number, seen from main

    data = json.loads(registry.read_text())
    data["counters"]["jira"]["PROJ"] = 1
    registry.write_text(json.dumps(data))
    report = _doctor(taskmint, main)
    assert [p["code"] for p in report["problems"]] == ["counter-low"], report
    assert "PROJ-3 is in use" in report["problems"][0]["message"]
    assert str(other) in report["problems"][0]["message"]  # found in the other worktree's state
    assert _doctor_fix(taskmint, main)["rc"] == 0
    assert _doctor(taskmint, main)["problems"] == []


def _doctor_fix(taskmint, root: Path) -> dict:
    proc = taskmint("doctor", "--fix", "--json", root=root)
    return {"rc": proc.returncode, **json.loads(proc.stdout)}


def test_every_worktree_is_found_without_running_git(worktrees_pair, tmp_path) -> None:
    main, other = worktrees_pair
    third = tmp_path / "third"
    git(main, "worktree", "add", "-q", "-b", "third", str(third))
    gone = tmp_path / "gone"
    git(main, "worktree", "add", "-q", "-b", "gone", str(gone))
    subprocess.run(["rm", "-rf", str(gone)], check=True)  # deleted without `git worktree remove`
    found = [p.root.resolve() for p in worktrees.projects(find_project(str(other)))]
    assert found[0] == other.resolve()
    assert sorted(found) == sorted(p.resolve() for p in (main, other, third))
    assert [p.root for p in worktrees.projects(find_project(str(tmp_path)))] == [tmp_path]  # outside git


def test_a_project_in_a_subfolder_is_found_in_every_worktree(tmp_path) -> None:
    main = tmp_path / "main"
    (main / "app").mkdir(parents=True)
    git(main, "init", "-q", "-b", "main")
    (main / "app" / "README").write_text("x\n")
    git(main, "add", "-A")
    git(main, "commit", "-q", "-m", "app")
    other = tmp_path / "other"
    git(main, "worktree", "add", "-q", "-b", "other", str(other))
    found = [p.root.resolve() for p in worktrees.projects(find_project(str(main / "app")))]
    assert found == [(main / "app").resolve(), (other / "app").resolve()]


def test_numbers_in_any_state_content_whatever_its_shape() -> None:
    data = {"version": "1.0", "mappings": {"TASK-A3F8": {"jira": "PROJ-4", "github": "7"}, "task-b4c9": {},
                                           "notes": {"jira": "PROJ-9"}},
            "ids": ["TASK-C5D0", "x", 3], "counters": {"jira": {"proj": 6, "OPS": 2, "1X": 9}, "github": True,
                                                       "azure_devops": 5, "linear": []}}
    counters = {"jira": {"PROJ": 9, "OPS": 2}, "linear": {}, "github": 7, "azure_devops": 5}
    found = {"TASK-A3F8", "TASK-B4C9", "TASK-C5D0"}
    assert worktrees.numbers_in(data) == (counters, found)
    assert (worktrees.counters_in(data), worktrees.ids_in(data)) == (counters, found)
    for junk in (None, [], "x", {"mappings": []}):
        assert worktrees.numbers_in(junk) == ({"jira": {}, "linear": {}, "github": 0, "azure_devops": 0}, set())
