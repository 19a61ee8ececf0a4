"""SessionStart through the real hook script: silent when all is well, one line otherwise."""
from __future__ import annotations

import subprocess
from pathlib import Path

from hook_helpers import hook_output, run_hook
from taskmint import service
from taskmint.plugin import provision
from taskmint.project import Project

START = {"hook_event_name": "SessionStart", "source": "startup", "session_id": "s", "cwd": "/"}


def test_provisioned_and_consistent_is_silent(tm_project: Project, project_env, fake_data: Path) -> None:
    service.create(tm_project, "One")
    proc = run_hook("session-start", START, env={**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_session_start_writes_the_cli_on_the_venv(tm_project: Project, project_env, fake_data: Path) -> None:
    run_hook("session-start", START, env={**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)})
    cli = provision.cli_path(fake_data)
    out = subprocess.run([str(cli), "--root", str(tm_project.root), "create", "Via the CLI", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert '"jira": "PROJ-1"' in out.stdout


def test_inconsistency_names_the_problem_and_the_fix(tm_project: Project, project_env, fake_data: Path,
                                                     write_file) -> None:
    write_file(tm_project.tasks_dir / "backlog" / "TASK-0BAD-x.md", "---\nid: TASK-0BAD\ntitle: X\n---\n")
    proc = run_hook("session-start", START, env={**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)})
    out = hook_output(proc)
    context = out["hookSpecificOutput"]["additionalContext"]
    cli = provision.cli_path(fake_data)
    assert proc.returncode == 0 and out["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert "task file(s) have IDs the mapping does not know (TASK-0BAD)" in context
    assert f"`{cli} doctor --fix`" in context
    assert out["systemMessage"] == f"taskmint: tasks and state disagree (1 problem(s)); run `{cli} doctor --fix`"


def test_impossible_provisioning_is_one_line_and_the_session_goes_on(tm_project: Project, project_env,
                                                                      tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run_hook("session-start", START, env={**project_env, "CLAUDE_PLUGIN_DATA": str(blocker / "data")})
    out = hook_output(proc)
    assert proc.returncode == 0
    assert out["systemMessage"].startswith(f"taskmint: cannot install its dependencies: cannot create {blocker / 'data'}")
    assert "\n" not in out["systemMessage"]
    assert "hooks are off in this session" in out["hookSpecificOutput"]["additionalContext"]


def test_missing_plugin_data_variable_is_explained(tm_project: Project, project_env) -> None:
    proc = run_hook("session-start", START, env=project_env)
    out = hook_output(proc)
    assert proc.returncode == 0 and "CLAUDE_PLUGIN_DATA is not set" in out["systemMessage"]


def test_missing_project_commands_are_named_once_per_project(tm_project: Project, project_env,
                                                             fake_data: Path) -> None:
    (tm_project.root / ".claude" / "commands" / "task-move.md").unlink()
    (tm_project.root / ".claude" / "commands" / "task-show.md").unlink()
    env = {**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)}
    out = hook_output(run_hook("session-start", START, env=env))
    cli = provision.cli_path(fake_data)
    assert out == {"systemMessage": f"taskmint: this project lacks /task-move, /task-show; run `{cli} "
                                    "install-commands` to add them (until then type /taskmint:task-move and the like)"}
    again = run_hook("session-start", START, env=env)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_a_project_that_did_not_opt_in_hears_nothing_of_commands(tmp_path: Path, fake_data: Path) -> None:
    (tmp_path / "plain").mkdir()
    proc = run_hook("session-start", START, env={"CLAUDE_PROJECT_DIR": str(tmp_path / "plain"),
                                                 "CLAUDE_PLUGIN_DATA": str(fake_data)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
