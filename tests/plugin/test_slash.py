"""/taskmint:task-* through the real UserPromptExpansion hook script."""
from __future__ import annotations

from pathlib import Path

import pytest

from hook_helpers import hook_output, run_hook
from taskmint import service, tasks
from taskmint.project import Project

HOSTILE = "Fix \"quoted\" it's $(touch pwned) `touch pwned2` ; touch pwned3 # not a comment: ! café ✓ 日本\nsecond line"


def prompt(command: str, args: str) -> dict:
    return {"hook_event_name": "UserPromptExpansion", "expansion_type": "slash_command",
            "command_name": f"taskmint:{command}", "command_args": args, "prompt": f"/taskmint:{command} {args}",
            "session_id": "s", "cwd": "/"}


def task_files(project: Project) -> list[Path]:
    return sorted(tasks.walk(project.tasks_dir))


def test_create_keeps_a_hostile_title_byte_exact_and_runs_nothing(tm_project: Project, project_env) -> None:
    proc = run_hook("prompt", prompt("task-create", f"priority:high {HOSTILE} tags:auth,api"), env=project_env)
    assert proc.returncode == 0, proc.stderr
    [path] = task_files(tm_project)
    meta = tasks.read(tm_project, path).meta
    assert meta["title"] == HOSTILE and meta["priority"] == "high" and meta["tags"] == ["auth", "api"]
    assert not list(tm_project.root.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    out = hook_output(proc)
    context = out["hookSpecificOutput"]["additionalContext"]
    assert out["hookSpecificOutput"]["hookEventName"] == "UserPromptExpansion"
    assert f"{meta['id']}  [backlog]  {HOSTILE}" in context and f"path: {tm_project.rel(path)}" in context
    assert "external IDs: jira: PROJ-1, github: #1" in context
    assert out["systemMessage"] == f"taskmint: created {meta['id']} (PROJ-1, #1) at {tm_project.rel(path)}"


@pytest.mark.parametrize("args", ["", "priority:high", "--"])
def test_create_without_a_title_blocks_with_usage(tm_project: Project, project_env, args: str) -> None:
    proc = run_hook("prompt", prompt("task-create", args), env=project_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("taskmint: error: no title given; usage: /taskmint:task-create <title>")
    assert proc.stderr.count("\n") == 1
    assert task_files(tm_project) == []


def test_create_with_a_bad_option_blocks_and_creates_nothing(tm_project: Project, project_env) -> None:
    proc = run_hook("prompt", prompt("task-create", "Fix it priority:urgent"), env=project_env)
    assert proc.returncode == 2 and "unknown priority 'urgent'" in proc.stderr
    assert task_files(tm_project) == []


def test_complete_by_external_id_moves_the_task(tm_project: Project, project_env) -> None:
    info = service.create(tm_project, "Finish me")
    proc = run_hook("prompt", prompt("task-complete", "proj-1"), env=project_env)
    assert proc.returncode == 0, proc.stderr
    [path] = task_files(tm_project)
    assert path.parent.parent.name == "completed" and tasks.read(tm_project, path).meta["status"] == "completed"
    context = hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    assert context.startswith(f"taskmint completed the task; it is now at {tm_project.rel(path)}")
    assert info["id"] in context
    again = run_hook("prompt", prompt("task-complete", info["id"]), env=project_env)
    assert "was already completed" in hook_output(again)["hookSpecificOutput"]["additionalContext"]


@pytest.mark.parametrize("args, problem", [
    ("PROJ-99", "no task has external ID PROJ-99"),
    ("TASK-FFFF", "no task file has ID TASK-FFFF"),
    ("", "no task ID given; usage: /taskmint:task-complete <ID>"),
    ("PROJ-1 PROJ-2", "2 words given; usage: /taskmint:task-complete <ID>"),
])
def test_complete_of_an_unknown_id_changes_nothing(tm_project: Project, project_env, args: str, problem: str) -> None:
    service.create(tm_project, "Stay")
    before = {p: p.read_bytes() for p in task_files(tm_project)}
    state_before = tm_project.mapping_path.read_bytes()
    proc = run_hook("prompt", prompt("task-complete", args), env=project_env)
    assert proc.returncode == 2 and proc.stderr.startswith(f"taskmint: error: {problem}")
    assert proc.stderr.count("\n") == 1
    assert {p: p.read_bytes() for p in task_files(tm_project)} == before
    assert tm_project.mapping_path.read_bytes() == state_before


def test_show_reports_the_task(tm_project: Project, project_env) -> None:
    info = service.create(tm_project, "Look at me", priority="low", tags=["ui"])
    proc = run_hook("prompt", prompt("task-show", "#1"), env=project_env)
    out = hook_output(proc)
    assert proc.returncode == 0 and "systemMessage" not in out
    context = out["hookSpecificOutput"]["additionalContext"]
    assert f"{info['id']}  [backlog]  Look at me" in context and "priority: low; tags: ui" in context


def test_unknown_command_is_blocked(tm_project: Project, project_env) -> None:
    proc = run_hook("prompt", prompt("task-delete", "x"), env=project_env)
    assert proc.returncode == 2 and "unknown command 'taskmint:task-delete'" in proc.stderr


@pytest.mark.parametrize("data", [None, "plugin data"])
def test_a_repair_hint_names_the_cli_the_plugin_installed(tm_project: Project, project_env, tmp_path: Path,
                                                          data: str | None) -> None:
    service.create(tm_project, "one")
    for path in (tm_project.mapping_path, tm_project.mapping_path.with_name(tm_project.mapping_path.name + ".bak")):
        path.write_text("{broken", encoding="utf-8")
    env = dict(project_env, **({"CLAUDE_PLUGIN_DATA": str(tmp_path / data)} if data else {}))
    proc = run_hook("prompt", prompt("task-create", "Two"), env=env)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    cli = f"'{tmp_path / data / 'bin' / 'taskmint'}'" if data else "taskmint"  # quoted: the path has a space
    assert f"run `{cli} doctor --fix` to rebuild state from the task files" in proc.stderr


def test_show_lists_subtasks_and_complete_says_which_stay_open(tm_project: Project, project_env) -> None:
    parent = service.create(tm_project, "Parent")
    child = service.create(tm_project, "Child", parent=parent["id"])
    out = hook_output(run_hook("prompt", prompt("task-show", parent["id"]), env=project_env))
    assert f"\n  subtask {child['id']}  [backlog]  Child" in out["hookSpecificOutput"]["additionalContext"]
    proc = run_hook("prompt", prompt("task-complete", "PROJ-1"), env=project_env)
    out = hook_output(proc)
    note = f"note: {parent['id']} has 1 open subtask ({child['id']}); they stay open"
    assert proc.returncode == 0 and note in out["hookSpecificOutput"]["additionalContext"]
    assert note in out["systemMessage"] and "\n" not in out["systemMessage"]


def bare(command: str, args: str) -> dict:
    """A project command's payload, as Claude Code sends it for .claude/commands/NAME.md."""
    return {**prompt(command, args), "command_name": command, "command_source": "projectSettings",
            "prompt": f"/{command} {args}"}


def test_bare_name_runs_when_the_project_command_is_taskmints(tm_project: Project, project_env) -> None:
    proc = run_hook("prompt", bare("task-create", f"{HOSTILE} priority:high"), env=project_env)
    assert proc.returncode == 0, proc.stderr
    [path] = task_files(tm_project)
    assert tasks.read(tm_project, path).meta["title"] == HOSTILE
    assert "taskmint created the task" in hook_output(proc)["hookSpecificOutput"]["additionalContext"]


def test_bare_name_of_a_users_own_command_is_left_alone(tm_project: Project, project_env) -> None:
    own = tm_project.root / ".claude" / "commands" / "task-create.md"
    own.write_text("---\ndescription: mine\n---\nDo it my way.\n")
    proc = run_hook("prompt", bare("task-create", "Not for taskmint"), env=project_env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert task_files(tm_project) == []
    # the plugin's own name still works
    assert run_hook("prompt", prompt("task-create", "For taskmint"), env=project_env).returncode == 0
    assert len(task_files(tm_project)) == 1


def test_bare_name_without_a_command_file_is_left_alone(tm_project: Project, project_env) -> None:
    (tm_project.root / ".claude" / "commands" / "task-move.md").unlink()
    service.create(tm_project, "Stay")
    proc = run_hook("prompt", bare("task-move", "PROJ-1 blocked"), env=project_env)
    assert (proc.returncode, proc.stdout) == (0, "")
    [path] = task_files(tm_project)
    assert path.parent.name == "backlog"


def test_move_reopens_a_completed_task(tm_project: Project, project_env) -> None:
    info = service.create(tm_project, "Again")
    service.complete(tm_project, info["id"])
    proc = run_hook("prompt", bare("task-move", "PROJ-1 In_Progress"), env=project_env)
    assert proc.returncode == 0, proc.stderr
    [path] = task_files(tm_project)
    meta = tasks.read(tm_project, path).meta
    assert path.parent.name == "in_progress" and meta["status"] == "in_progress" and "completed" not in meta
    out = hook_output(proc)
    line = f"reopened {info['id']} from completed to in_progress: {tm_project.rel(path)}"
    assert out["systemMessage"] == f"taskmint: {line}"
    assert out["hookSpecificOutput"]["additionalContext"].startswith(f"taskmint {line}")


@pytest.mark.parametrize("args, problem", [
    ("PROJ-1", "1 word given; usage: /task-move <ID> <status>"),
    ("PROJ-1 someday", "unknown status 'someday'"),
    ("PROJ-7 blocked", "no task has external ID PROJ-7"),
])
def test_move_with_bad_arguments_blocks_and_changes_nothing(tm_project: Project, project_env, args: str,
                                                            problem: str) -> None:
    service.create(tm_project, "Stay")
    before = {p: p.read_bytes() for p in task_files(tm_project)}
    proc = run_hook("prompt", bare("task-move", args), env=project_env)
    assert proc.returncode == 2 and proc.stderr.startswith(f"taskmint: error: {problem}"), proc.stderr
    assert {p: p.read_bytes() for p in task_files(tm_project)} == before


def test_complete_hands_the_model_the_facts_and_says_what_is_open(tm_project: Project, project_env) -> None:
    info = service.create(tm_project, "Checked")
    path = tm_project.root / info["path"]
    path.write_text(path.read_text() + "## Acceptance criteria\n- [x] one\n- [ ] two\n* [ ] three\n\n## Notes\n"
                    "- [ ] not a criterion\n")
    proc = run_hook("prompt", bare("task-complete", "PROJ-1"), env=project_env)
    assert proc.returncode == 0, proc.stderr
    out = hook_output(proc)
    context = out["hookSpecificOutput"]["additionalContext"]
    assert "acceptance criteria: 1 of 3 checked\n    open: two\n    open: three\n" in context
    assert "commits: none (the project is not a git repository)" in context
    assert "Append a `## Completion report` section to" in context
    assert out["systemMessage"].endswith("; 2 of 3 acceptance criteria are not checked")
    done = tm_project.root / service.show(tm_project, "PROJ-1")["path"]
    done.write_text(done.read_text() + "\n## Completion report\n- [ ] two (open)\n")
    again = hook_output(run_hook("prompt", bare("task-complete", "PROJ-1"), env=project_env))
    context = again["hookSpecificOutput"]["additionalContext"]
    assert "already has a `## Completion report` section: do not add another" in context
    assert "1 of 3 checked" in context  # the report's own checkbox is not counted
