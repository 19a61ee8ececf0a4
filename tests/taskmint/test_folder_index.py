"""Issue 10 items 2 and 3: create never issues a number that a task file in tasks/ carries,
whatever the state says. Through the CLI, as a user meets it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import folder_index, service, tasks
from taskmint.project import find_project


def _ok(proc):
    assert proc.returncode == 0, proc.stderr
    return proc


def _create(taskmint, root, title: str) -> dict:
    return json.loads(_ok(taskmint("create", title, "--json", root=root)).stdout)


def _init(tmp_path, taskmint, git: bool = False):
    root = tmp_path / "proj"
    root.mkdir()
    if git:
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    _ok(taskmint("init", "--jira", "PROJ", "--github", root=root))
    return root


def _git(root, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def _hand_written(task_id: str, jira: str, github: str) -> str:
    return (f"---\nid: {task_id}\ntitle: From a teammate\nstatus: backlog\n"
            f"external_ids:\n  jira: {jira}\n  github: '{github}'\n---\n")


def test_item2_state_restored_from_a_backup_outside_git_reissues_no_number(tmp_path, taskmint):
    root = _init(tmp_path, taskmint)
    _create(taskmint, root, "first")
    backup = tmp_path / "state-backup"
    shutil.copytree(root / ".claude" / "state", backup)  # everything in it: the floor cache too
    second = _create(taskmint, root, "second")
    assert second["external_ids"]["jira"] == "PROJ-2"
    shutil.rmtree(root / ".claude" / "state")
    shutil.copytree(backup, root / ".claude" / "state")

    third = _create(taskmint, root, "third")
    assert third["external_ids"] == {"jira": "PROJ-3", "github": "#3"}


def test_item3_git_checkout_of_task_files_from_another_branch_reissues_no_number(tmp_path, taskmint):
    root = _init(tmp_path, taskmint, git=True)
    (root / ".gitignore").write_text(".claude/state/\n")
    _create(taskmint, root, "first")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    _git(root, "checkout", "-q", "-b", "other")
    # written in another clone: this repository's state and registry never saw PROJ-5 and PROJ-6
    (root / "tasks" / "backlog" / "TASK-B0B2-from-a-teammate.md").write_text(_hand_written("TASK-B0B2", "PROJ-5", "#5"))
    (root / "tasks" / "backlog" / "TASK-B0B3-from-a-teammate.md").write_text(_hand_written("TASK-B0B3", "PROJ-6", "#6"))
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "teammate")
    _git(root, "checkout", "-q", "main")
    assert _create(taskmint, root, "cached")["external_ids"]["jira"] == "PROJ-2"  # tasks/ as it was, cached
    _git(root, "checkout", "other", "--", "tasks/")

    created = _create(taskmint, root, "after the checkout")
    assert created["external_ids"] == {"jira": "PROJ-7", "github": "#7"}
    problems = json.loads(taskmint("doctor", "--json", root=root).stdout)["problems"]
    assert [p for p in problems if p["code"] == "duplicate-external-id"] == []


def test_item3_number_written_by_hand_into_a_new_task_file_is_taken(tmp_path, taskmint):
    root = _init(tmp_path, taskmint)
    _create(taskmint, root, "first")
    (root / "tasks" / "in_progress" / "TASK-C0DE-by-hand.md").write_text(_hand_written("TASK-C0DE", "PROJ-7", "#7"))

    created = _create(taskmint, root, "next")
    assert created["external_ids"] == {"jira": "PROJ-8", "github": "#8"}


def test_item3_a_damaged_numbers_cache_costs_a_read_never_a_number(project):
    service.create(project, "first")
    (project.tasks_dir / "blocked").mkdir(exist_ok=True)
    (project.tasks_dir / "blocked" / "TASK-C0DF-x.md").write_text(_hand_written("TASK-C0DF", "PROJ-5", "#5"))
    for damage in ("{ not json", json.dumps({"folders": {str(project.tasks_dir / "blocked"): {"mtime_ns": "x"}}})):
        folder_index.path(project).write_text(damage)
        created = service.create(project, damage[:5])
        assert int(created["external_ids"]["jira"].split("-")[1]) > 5


def test_creates_in_a_row_read_no_task_file_again(project, monkeypatch):
    service.create(project, "first")
    read = files_read(monkeypatch)
    service.create(project, "second")
    info = service.create(project, "third")
    service.complete(find_project(str(project.root)), info["id"])
    service.create(project, "fourth")
    # the month folder the complete made is read: the one file in it
    assert [p.parent.name for p in read] == [project.tasks_dir.joinpath("completed").iterdir().__next__().name]


def test_an_index_written_before_with_ids_in_lines_is_still_used(project, monkeypatch):
    service.create(project, "first")
    index = folder_index.path(project)
    data = json.loads(index.read_text())
    for entry in data["folders"].values():
        for key in ("ids", "inside"):
            entry[key] = "\n" + "".join(f"{i}\n" for i in entry[key].split())
    index.write_text(json.dumps(data))
    held = [e["ids"] for e in data["folders"].values() if e["ids"] != "\n"]
    assert held and all(ids.startswith("\nTASK-") for ids in held)
    read = files_read(monkeypatch)
    second = service.create(project, "second")
    assert read == []  # no folder was read again for its form
    entries = json.loads(index.read_text())["folders"].values()
    assert all(e["ids"].startswith(" ") and e["inside"].startswith(" ") for e in entries)
    assert any(f" {second['id']} " in e["ids"] for e in entries)


def files_read(monkeypatch) -> list:
    read: list = []
    real = folder_index._numbers_in
    monkeypatch.setattr(folder_index, "_numbers_in", lambda p, path: read.append(path) or real(p, path))
    return read


def _old(path, seconds: int = 60) -> None:
    """Age a file past the racy window, as if written a minute ago."""
    then = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


def test_a_file_added_to_a_large_folder_is_the_only_one_read(project, monkeypatch):
    backlog = project.tasks_dir / "backlog"
    for n in range(30):
        service.create(project, f"task {n}")
    for path in backlog.iterdir():
        _old(path)
    os.utime(backlog)  # a change of the folder: read again, all files once (their records are racy)
    service.create(project, "records the files")
    read = files_read(monkeypatch)
    (backlog / "TASK-C0DE-by-hand.md").write_text(_hand_written("TASK-C0DE", "PROJ-77", "#77"))
    created = service.create(project, "after the agent's file")
    # the agent's file, and the one taskmint wrote after the files were recorded (records lag
    # behind taskmint's own writes): none of the 30 older ones
    assert sorted(p.name for p in read) == sorted(["TASK-C0DE-by-hand.md", *(
        p.name for p in backlog.glob("*records-the-files.md"))])
    assert created["external_ids"]["jira"] == "PROJ-78"
    assert folder_index.Folders(project).has_id("TASK-C0DE")


@pytest.mark.parametrize("how", ["replaced through a new file", "rewritten in place just now"])
def test_a_file_changed_under_the_same_name_is_read_again(project, monkeypatch, how):
    backlog = project.tasks_dir / "backlog"
    for n in range(5):
        service.create(project, f"task {n}")
    target = sorted(backlog.iterdir())[2]
    for path in backlog.iterdir():
        _old(path)
    os.utime(backlog)
    service.create(project, "records the files")
    _old(target)
    read = files_read(monkeypatch)
    text = target.read_text().replace("jira: PROJ-", "jira: PROJ-9")  # PROJ-3 -> PROJ-93, say
    carried = int(text.split("jira: PROJ-")[1].split()[0])
    if how == "replaced through a new file":
        (backlog / "staged.tmp").write_text(text)
        os.replace(backlog / "staged.tmp", target)
    else:
        with open(target, "r+") as f:  # the same inode; the folder changes by another file
            f.write(text)
        (backlog / "notes.md").write_text("a note\n")
    created = service.create(project, "after the change")
    assert target in read
    assert int(created["external_ids"]["jira"].split("-")[1]) == carried + 1


@pytest.mark.parametrize("damage", ["{ not json", '{"folders": {"x": 1}}', "restored"])
def test_damaged_or_stale_records_cost_a_whole_read_never_a_number(project, monkeypatch, damage):
    backlog = project.tasks_dir / "backlog"
    service.create(project, "first")
    os.utime(backlog)
    service.create(project, "records")
    older = folder_index.records_path(project).read_bytes()
    os.utime(backlog)
    service.create(project, "new token")
    folder_index.records_path(project).write_text(older.decode() if damage == "restored" else damage)
    (backlog / "TASK-C0DE-by-hand.md").write_text(_hand_written("TASK-C0DE", "PROJ-40", "#40"))
    read = files_read(monkeypatch)
    created = service.create(project, "after")
    assert len(read) == len(list(backlog.iterdir())) - 1  # every file but the one created after
    assert created["external_ids"]["jira"] == "PROJ-41"


def _lookups_agree(project) -> None:
    index = folder_index.Folders(project)
    every = {i for i in tasks.ids_by_filename(project)}
    assert index.ids() == every
    for task_id in [*every, "TASK-0000", "TASK-F00D"]:
        assert sorted(tasks.named(project, task_id, index.where(task_id))) == sorted(tasks.named(project, task_id))
        head = task_id + "."
        assert tasks.named_under(project, head, index.where_under(head)) == tasks.named_under(project, head)
    index.save()


def test_lookups_through_the_index_find_what_a_full_scan_finds(project):
    parent = service.create(project, "parent")
    for n in range(3):
        service.create(project, f"child {n}", parent=parent["id"])
    service.complete(project, service.create(project, "done")["id"])
    _lookups_agree(project)
    backlog, blocked = project.tasks_dir / "backlog", project.tasks_dir / "blocked"
    blocked.mkdir(exist_ok=True)
    child = next(backlog.glob(f"{parent['id']}.2-*.md"))
    child.rename(blocked / child.name)  # moved by hand
    (backlog / "renamed-by-hand.md").write_text(_hand_written(f"{parent['id']}.7", "PROJ-70", "#70"))
    (backlog / "notes.md").write_text("no frontmatter\n")
    # fits both readings (TASK-98C8 with slug 2024-roadmap, TASK-98C8-2024), so only its frontmatter says
    (blocked / "TASK-98C8-2024-roadmap.md").write_text(_hand_written("TASK-98C8-2024", "PROJ-72", "#72"))
    (project.tasks_dir / "in_review" / "deep").mkdir(parents=True)
    (project.tasks_dir / "in_review" / "deep" / "TASK-DEE9-deep.md").write_text(_hand_written("TASK-DEE9", "PROJ-71", "#71"))
    _lookups_agree(project)
    shown = service.show(project, parent["id"])
    assert [s["id"] for s in shown["subtasks"]] == [f"{parent['id']}.{n}" for n in (1, 2, 3, 7)]
    assert service.show(project, f"{parent['id']}.2")["path"].startswith("tasks/blocked/")
    assert service.show(project, "PROJ-71")["id"] == "TASK-DEE9"
    (blocked / child.name).unlink()
    _lookups_agree(project)
    assert [s["id"] for s in service.show(project, parent["id"])["subtasks"]] == [
        f"{parent['id']}.{n}" for n in (1, 3, 7)]


def test_a_complete_into_a_new_month_folder_is_seen_by_the_same_transaction(project):
    from taskmint.transaction import transaction

    info = service.create(project, "to complete")
    with transaction(project) as txn:
        assert txn.on_disk().where(info["id"]).folders == [str(project.tasks_dir / "backlog")]
        month = project.tasks_dir / "completed" / "2031-01"
        month.mkdir(parents=True)
        moved = month / f"{info['id']}-to-complete.md"
        (project.tasks_dir / "backlog" / moved.name).rename(moved)
        txn.wrote(moved, info["id"], [])
        assert txn.on_disk().where(info["id"]).folders == [str(month)]  # both folders looked at again
    assert str(month) in folder_index.Folders(project).where(info["id"]).folders


_FOUND = st.lists(st.text("TASK-F0.9nN\\\"\u00e9\t", min_size=1, max_size=10), max_size=6)
_ID_WORDS = st.one_of(_FOUND.map(lambda found: " " + "".join(f"{i} " for i in found)),
                      _FOUND.map(lambda found: "\n" + "".join(f"{i}\n" for i in found)))  # as written before


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.fixed_dictionaries({
    "mtime_ns": st.integers(0, 2**63), "counters": st.just({"jira": {"P": 2}, "linear": {}, "github": 1, "azure_devops": 0}),
    "ids": _ID_WORDS, "inside": _ID_WORDS, "dirs": st.lists(st.text(max_size=5), max_size=2),
    "token": st.text(max_size=4)}), max_size=4))
def test_the_index_file_is_the_json_of_its_entries(entries):
    """index_text writes the IDs strings as they stand where nothing in them needs escaping;
    whatever they hold, the file reads back as json.dumps would have written it."""
    assert json.loads(folder_index.index_text(entries)) == {"folders": entries}
