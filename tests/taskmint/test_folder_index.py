"""Issue 10 items 2 and 3: create never issues a number that a task file in tasks/ carries,
whatever the state says. Through the CLI, as a user meets it."""
from __future__ import annotations

import json
import shutil
import subprocess

from taskmint import folder_index, service
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
    read: list[str] = []
    real = folder_index._read_folder
    monkeypatch.setattr(folder_index, "_read_folder", lambda p, folder, mtime: read.append(folder) or real(p, folder, mtime))
    service.create(project, "second")
    info = service.create(project, "third")
    service.complete(find_project(str(project.root)), info["id"])
    service.create(project, "fourth")
    # the month folder the complete made (and completed/, which got it) are read: one file
    assert str(project.tasks_dir / "backlog") not in read and len(read) <= 2
