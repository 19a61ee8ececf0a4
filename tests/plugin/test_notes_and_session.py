"""Issue 10 items 10 and 11, through the real CLI and hook processes: notes beside the tasks
are not tasks (one rule, tasks.is_note), and SessionStart agrees with doctor."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hook_helpers import hook_output, run_hook, tool_payload
from taskmint.project import Project

START = {"hook_event_name": "SessionStart", "source": "startup", "session_id": "s", "cwd": "/"}
NOTE = "# Implementation guide\n\nNotes kept beside the tasks, no frontmatter.\n"


def _doctor(taskmint, project: Project) -> tuple[int, dict]:
    proc = taskmint("doctor", "--json", root=project.root)
    return proc.returncode, json.loads(proc.stdout)


def _session(project_env, fake_data: Path):
    return run_hook("session-start", START, env={**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)})


def _create(taskmint, project: Project, title: str) -> dict:
    proc = taskmint("create", title, "--json", root=project.root)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_item10_notes_are_counted_by_doctor_and_ignored_by_list_session_and_hooks(
        tm_project: Project, project_env, fake_data: Path, taskmint, write_file) -> None:
    task = _create(taskmint, tm_project, "A real task")
    write_file(tm_project.tasks_dir / "README.md", NOTE)
    write_file(tm_project.tasks_dir / "completed" / "2026-01" / "TASK-REPORT.md", NOTE)
    note = write_file(tm_project.tasks_dir / "backlog" / "implementation-guide.md", NOTE)

    rc, report = _doctor(taskmint, tm_project)
    assert (rc, report["ok"], report["notes"], report["problems"]) == (0, True, 3, [])
    human = taskmint("doctor", root=tm_project.root)
    assert human.returncode == 0 and "3 notes (Markdown without frontmatter) under tasks/" in human.stdout
    listed = json.loads(taskmint("list", "--json", root=tm_project.root).stdout)["tasks"]
    assert [t["id"] for t in listed] == [task["id"]]
    session = _session(project_env, fake_data)
    assert (session.returncode, session.stdout, session.stderr) == (0, "", "")

    post = run_hook("post-tool-use", tool_payload("PostToolUse", tm_project, tm_project.rel(note), content=NOTE),
                    env=project_env)
    assert (post.returncode, post.stdout) == (0, "") and note.read_text() == NOTE


def test_item10_a_failed_attempt_at_a_task_file_is_still_explained(tm_project: Project, project_env,
                                                                   write_file) -> None:
    text = "title: Forgot the dashes\nstatus: backlog\n"
    write_file(tm_project.tasks_dir / "backlog" / "attempt.md", text)
    post = run_hook("post-tool-use", tool_payload("PostToolUse", tm_project, "tasks/backlog/attempt.md",
                                                  content=text), env=project_env)
    assert "no YAML frontmatter" in hook_output(post)["hookSpecificOutput"]["additionalContext"]


def _digit_title_old_name(project: Project, taskmint) -> None:
    task = _create(taskmint, project, "2024 roadmap")
    path = project.root / task["path"]
    path.rename(path.with_name(f"{task['id']}-2024-roadmap.md"))  # as taskmint named it before


def _digit_title(project: Project, taskmint) -> None:
    _create(taskmint, project, "2024 roadmap")


def _renamed_by_hand(project: Project, taskmint) -> None:
    task = _create(taskmint, project, "Renamed")
    path = project.root / task["path"]
    path.rename(path.with_name("TASK-BEEF-a-better-name.md"))


def _archived(project: Project, taskmint) -> None:
    task = _create(taskmint, project, "Old news")
    path = project.root / task["path"]
    (project.tasks_dir / "archive").mkdir()
    path.rename(project.tasks_dir / "archive" / path.name)


@pytest.mark.parametrize("make", [_digit_title_old_name, _digit_title, _renamed_by_hand, _archived],
                         ids=lambda f: f.__name__.strip("_"))
def test_item11_session_start_agrees_with_doctor(tm_project: Project, project_env, fake_data: Path, taskmint,
                                                make) -> None:
    _create(taskmint, tm_project, "Plain")
    make(tm_project, taskmint)
    rc, report = _doctor(taskmint, tm_project)
    assert (rc, report["problems"]) == (0, [])
    session = _session(project_env, fake_data)
    assert (session.returncode, session.stdout, session.stderr) == (0, "", "")


def test_item11_session_start_still_reports_what_doctor_reports(tm_project: Project, project_env,
                                                               fake_data: Path, taskmint) -> None:
    task = _create(taskmint, tm_project, "Copied")
    path = tm_project.root / task["path"]
    (tm_project.tasks_dir / "archive").mkdir()
    (tm_project.tasks_dir / "archive" / "copy.md").write_text(path.read_text())
    rc, report = _doctor(taskmint, tm_project)
    assert rc == 1 and "duplicate-id" in {p["code"] for p in report["problems"]}
    context = hook_output(_session(project_env, fake_data))["hookSpecificOutput"]["additionalContext"]
    assert f"ID {task['id']} is used by 2 files" in context
