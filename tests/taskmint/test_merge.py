"""The state-file merge driver and the post-merge check, with real `git merge` of real
branches and clones in temporary repositories."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from taskmint import merge, service, tasks
from taskmint.project import find_project

STATE = ".claude/state"


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    identity = ("-c", "user.name=taskmint tests", "-c", "user.email=tests@example.invalid")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_", "GIT_"))}
    proc = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def create(taskmint, root: Path, *args: str) -> dict:
    proc = taskmint("create", *args, "--json", root=root)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, taskmint) -> Path:
    """A repository with taskmint initialised, the merge driver installed, one task, all committed."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    assert taskmint("init", "--jira", "PROJ", "--github", root=root).returncode == 0
    proc = taskmint("install-merge-driver", root=root)
    assert proc.returncode == 0, proc.stderr
    create(taskmint, root, "base task")
    commit_all(root, "base")
    return root


def all_tasks(root: Path) -> list[dict]:
    return [{"path": p, **meta} for p, meta in tasks.iter_frontmatter(find_project(str(root)))]


def state_file(root: Path, name: str) -> dict:
    return json.loads((root / STATE / name).read_text())


def doctor(taskmint, root: Path, *args: str) -> tuple[int, dict]:
    proc = taskmint("doctor", "--json", *args, root=root)
    return proc.returncode, json.loads(proc.stdout)


def test_branches_that_each_created_tasks_merge_cleanly(repo: Path, taskmint) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    feature = [create(taskmint, repo, f"feature {n}") for n in range(3)]
    commit_all(repo, "feature tasks")
    git(repo, "checkout", "-q", "main")
    mainline = [create(taskmint, repo, f"main {n}") for n in range(2)]
    commit_all(repo, "main tasks")

    proc = git(repo, "merge", "--no-edit", "feature", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CONFLICT" not in proc.stdout
    mapping = state_file(repo, "external_id_mapping.json")["mappings"]
    for task in feature + mainline:
        assert mapping[task["id"]] == task["external_ids"]
    assert state_file(repo, "external_id_counters.json")["counters"]["jira"]["PROJ"] == 6
    for name in os.listdir(repo / STATE):  # the .bak copies too: no conflict markers anywhere
        assert "<<<<<<<" not in (repo / STATE / name).read_text()
    assert doctor(taskmint, repo) == (0, {"ok": True, "tasks": 6, "notes": 0, "fixed": [], "problems": []})
    assert create(taskmint, repo, "after the merge")["external_ids"]["jira"] == "PROJ-7"


def test_without_the_driver_the_same_merge_conflicts(repo: Path, taskmint) -> None:
    """The baseline the driver exists for: git's text merge cannot merge the state files."""
    (repo / ".gitattributes").unlink()
    commit_all(repo, "no attributes")
    git(repo, "checkout", "-q", "-b", "feature")
    create(taskmint, repo, "feature")
    commit_all(repo, "feature")
    git(repo, "checkout", "-q", "main")
    create(taskmint, repo, "main")
    commit_all(repo, "main")
    proc = git(repo, "merge", "--no-edit", "feature", check=False)
    assert proc.returncode != 0 and "CONFLICT" in proc.stdout


def test_clones_that_issued_the_same_numbers_are_merged_then_renumbered(repo: Path, tmp_path: Path, taskmint) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert taskmint("install-merge-driver", root=clone).returncode == 0
    # Two clones share no lock: both hand out PROJ-2, PROJ-3 and #2, #3.
    ours = [create(taskmint, repo, f"ours {n}") for n in range(2)]
    theirs = [create(taskmint, clone, f"theirs {n}") for n in range(2)]
    assert [t["external_ids"] for t in ours] == [t["external_ids"] for t in theirs]
    commit_all(repo, "ours")
    commit_all(clone, "theirs")

    proc = git(repo, "pull", "--no-rebase", "--no-edit", str(clone), "main", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr
    assert "PROJ-2 is recorded for" in said  # the driver's warning
    assert "duplicate-external-id" in said  # the post-merge check
    assert "taskmint doctor --fix" in said
    mapping = state_file(repo, "external_id_mapping.json")["mappings"]
    assert {t["id"] for t in ours + theirs} <= set(mapping)  # both entries kept
    assert state_file(repo, "external_id_counters.json")["counters"]["jira"]["PROJ"] == 3

    rc, report = doctor(taskmint, repo)
    assert rc == 1
    codes = sorted(p["code"] for p in report["problems"])
    assert codes == ["duplicate-external-id"] * 4  # two numbers of two tools
    rc, fixed = doctor(taskmint, repo, "--fix")
    assert rc == 0 and fixed["problems"] == [], fixed
    assert doctor(taskmint, repo)[0] == 0

    found = all_tasks(repo)
    for tool in ("jira", "github"):
        values = [t["external_ids"][tool] for t in found]
        assert len(values) == len(set(values)) == 5, tool
    renumbered = [t for t in found if t.get("previous_external_ids")]
    assert len(renumbered) == 2  # the later task of each clash, never the earlier one
    assert {t["id"] for t in renumbered} <= {t["id"] for t in ours + theirs}
    for task in renumbered:
        assert all(v.split(":")[0] in ("jira", "github") for v in task["previous_external_ids"])
        assert int(task["external_ids"]["jira"].split("-")[1]) > 3
    assert create(taskmint, repo, "next")["external_ids"]["jira"] == "PROJ-6"


def test_the_same_subtask_id_on_both_branches_is_renumbered(repo: Path, tmp_path: Path, taskmint) -> None:
    parent = all_tasks(repo)[0]["id"]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    ours = create(taskmint, repo, "our subtask", "--parent", parent)
    create(taskmint, clone, "their other task")
    theirs = create(taskmint, clone, "their subtask", "--parent", parent)
    assert ours["id"] == theirs["id"] == f"{parent}.1"
    assert ours["external_ids"] != theirs["external_ids"]
    commit_all(repo, "ours")
    commit_all(clone, "theirs")
    proc = git(repo, "pull", "--no-rebase", "--no-edit", str(clone), "main", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{parent}.1 has jira" in proc.stderr  # one ID, two sets of numbers: ours kept, warned
    assert "duplicate-id" in proc.stdout + proc.stderr

    rc, fixed = doctor(taskmint, repo, "--fix")
    assert rc == 0, fixed
    subtasks = sorted((t["id"], t.get("previous_ids")) for t in all_tasks(repo) if t.get("parent") == parent)
    assert subtasks == [(f"{parent}.1", None), (f"{parent}.2", [f"{parent}.1"])]
    assert doctor(taskmint, repo)[0] == 0


def test_a_state_file_from_a_newer_taskmint_is_a_conflict_not_a_merge(repo: Path, taskmint) -> None:
    git(repo, "checkout", "-q", "-b", "future")
    create(taskmint, repo, "future")
    path = repo / STATE / "external_id_counters.json"
    future = json.loads(path.read_text())
    future["version"] = "3.0"
    path.write_text(json.dumps(future))
    commit_all(repo, "from the future")
    git(repo, "checkout", "-q", "main")
    create(taskmint, repo, "present")
    commit_all(repo, "present")
    proc = git(repo, "merge", "--no-edit", "future", check=False)
    assert proc.returncode != 0
    assert "newer taskmint" in proc.stderr
    assert "external_id_counters.json" in git(repo, "diff", "--name-only", "--diff-filter=U").stdout


# --- the driver's rules, on bytes --------------------------------------------------------


def _mapping(entries: dict, updated: str = "2026-01-01T00:00:00Z") -> bytes:
    return json.dumps({"version": "2.0", "updated": updated, "mappings": entries}).encode()


def _counters(jira: int, github: int) -> bytes:
    return json.dumps({"version": "2.0", "updated": "2026-01-01T00:00:00Z",
                       "counters": {"jira": {"PROJ": jira}, "linear": {}, "github": github,
                                    "azure_devops": 0}}).encode()


def test_mappings_merge_three_ways() -> None:
    base = _mapping({"TASK-AAAA": {"jira": "PROJ-1"}, "TASK-BBBB": {"jira": "PROJ-2"},
                     "TASK-CCCC": {"jira": "PROJ-3", "github": "#3"}})
    ours = _mapping({"TASK-AAAA": {"jira": "PROJ-1"}, "TASK-CCCC": {"jira": "PROJ-3", "github": "#3"},
                     "TASK-DDDD": {"jira": "PROJ-4"}}, updated="2026-01-02T00:00:00Z")
    theirs = _mapping({"TASK-AAAA": {"jira": "PROJ-1"}, "TASK-BBBB": {"jira": "PROJ-2"},
                       "TASK-CCCC": {"jira": "PROJ-3", "github": "#9"}, "TASK-EEEE": {"jira": "PROJ-4"}})
    data, warnings = merge.merge_state(base, ours, theirs)
    merged = json.loads(data)
    assert merged["mappings"] == {
        "TASK-AAAA": {"jira": "PROJ-1"},  # unchanged
        # TASK-BBBB: deleted on our side, untouched on theirs: stays deleted
        "TASK-CCCC": {"jira": "PROJ-3", "github": "#9"},  # changed on one side only
        "TASK-DDDD": {"jira": "PROJ-4"}, "TASK-EEEE": {"jira": "PROJ-4"},  # both added: both kept
    }
    assert merged["updated"] == "2026-01-02T00:00:00Z"
    assert len(warnings) == 1 and "jira PROJ-4 is recorded for TASK-DDDD, TASK-EEEE" in warnings[0]


def test_counters_take_the_maximum_of_every_side() -> None:
    data, warnings = merge.merge_state(_counters(5, 1), _counters(7, 2), _counters(6, 9))
    assert json.loads(data)["counters"] == {"jira": {"PROJ": 7}, "linear": {}, "github": 9, "azure_devops": 0}
    assert warnings == []
    assert json.loads(merge.merge_state(b"", _counters(1, 4), _counters(3, 0))[0])["counters"]["github"] == 4


def test_a_guardkit_v1_side_is_migrated_while_merging() -> None:
    v1 = json.dumps({"version": "1.0", "updated": "2025-01-01T00:00:00Z",
                     "mappings": {"TASK-001": {"jira": "PROJ-1", "github": "12"}}}).encode()
    data, _ = merge.merge_state(v1, v1, _mapping({"TASK-001": {"jira": "PROJ-1", "github": "#12"},
                                                  "TASK-ABCD": {"jira": "PROJ-2"}}))
    assert json.loads(data)["version"] == "2.0"
    assert json.loads(data)["mappings"]["TASK-001"] == {"jira": "PROJ-1", "github": "#12"}


@pytest.mark.parametrize("theirs, says", [
    (b"<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> x\n", "not valid JSON"),
    (b'{"version": "2.0", "updated": "x", "mappings": {"TASK-1": {"jira": 5}}}', "unusable"),
    (b'{"version": "9.0", "mappings": {}}', "newer taskmint"),
    (b'{"version": "2.0", "ids": []}', "not a taskmint mapping or counters file"),
    (_counters(1, 1), "different kinds"),
])
def test_unmergeable_sides_are_reported_as_conflicts(theirs: bytes, says: str) -> None:
    with pytest.raises(merge.MergeConflict, match=says):
        merge.merge_state(_mapping({}), _mapping({}), theirs)


def test_the_driver_command_writes_ours_and_exits_non_zero_on_a_conflict(tmp_path: Path, taskmint) -> None:
    base, ours, theirs = (tmp_path / n for n in ("O", "A", "B"))
    base.write_bytes(_counters(1, 1))
    ours.write_bytes(_counters(2, 1))
    theirs.write_bytes(_counters(1, 5))
    proc = taskmint("merge-driver", str(base), str(ours), str(theirs), root=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(ours.read_text())["counters"]["github"] == 5
    theirs.write_text("{broken")
    before = ours.read_bytes()
    proc = taskmint("merge-driver", str(base), str(ours), str(theirs), root=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("taskmint: error: the other branch's version is not valid JSON")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert ours.read_bytes() == before


# --- installing -------------------------------------------------------------------------


def test_install_is_idempotent_and_shared_by_worktrees(repo: Path, tmp_path: Path, taskmint) -> None:
    attributes = (repo / ".gitattributes").read_text()
    hook = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-path", "hooks/post-merge").stdout.strip())
    assert hook.stat().st_mode & stat.S_IXUSR
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "other", str(other))
    proc = taskmint("install-merge-driver", root=other)
    assert proc.returncode == 0 and proc.stdout.count("\n") == 1, proc.stdout  # only the config line: nothing new
    assert (repo / ".gitattributes").read_text() == attributes == (other / ".gitattributes").read_text()
    for line in merge.ATTRIBUTES:
        assert attributes.count(line) == 1
        path = line.split()[0]
        assert git(other, "check-attr", "merge", path).stdout.strip().endswith(f"merge: {merge.DRIVER}")
    driver = git(other, "config", f"merge.{merge.DRIVER}.driver").stdout
    assert "merge-driver %O %A %B" in driver


def test_install_keeps_attributes_and_someone_elses_hook(tmp_path: Path, taskmint) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".gitattributes").write_text("*.png binary")  # no final newline
    hook = root / ".git" / "hooks" / "post-merge"
    hook.write_text("#!/bin/sh\necho mine\n")
    proc = taskmint("install-merge-driver", root=root)
    assert proc.returncode == 0, proc.stderr
    assert "someone else's hook" in proc.stdout and "doctor --quiet" in proc.stdout
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    assert (root / ".gitattributes").read_text().startswith("*.png binary\n# taskmint")


def test_install_outside_git_is_one_clear_error(tmp_path: Path, taskmint) -> None:
    proc = taskmint("install-merge-driver", root=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("taskmint: error: ") and "not in a git repository" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_the_post_merge_check_is_quiet_when_all_is_well(repo: Path, taskmint) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    create(taskmint, repo, "feature")
    commit_all(repo, "feature")
    git(repo, "checkout", "-q", "main")
    service.create(find_project(str(repo)), "main")
    commit_all(repo, "main")
    proc = git(repo, "merge", "--no-edit", "feature")
    assert "taskmint" not in proc.stdout + proc.stderr
