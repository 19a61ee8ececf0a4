"""No project, no consent: in a repository without .claude/taskmint.yaml the real hooks change
nothing (issue 13, point 3)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from hook_helpers import hook_output, run_hook, tool_payload
from taskmint.plugin import provision
from taskmint.project import find_project

START = {"hook_event_name": "SessionStart", "source": "startup", "session_id": "s", "cwd": "/"}
NOTES = "---\ntitle: my own notes\n---\nnot a taskmint task\n"


def stranger(tmp_path: Path) -> Path:
    """A git repository that never ran `taskmint init`."""
    root = tmp_path / "other"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def test_a_task_file_written_in_a_project_that_did_not_opt_in_is_left_alone(tmp_path: Path, write_file) -> None:
    root = stranger(tmp_path)
    write_file(root / "tasks" / "backlog" / "notes.md", NOTES)
    before = files(root)
    project = find_project(str(root))
    env = {"CLAUDE_PROJECT_DIR": str(root)}
    for event, name in (("pre-tool-use", "PreToolUse"), ("post-tool-use", "PostToolUse")):
        payload = tool_payload(name, project, "tasks/backlog/notes.md", content=NOTES)
        proc = run_hook(event, payload, env=env)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), event
    # taskmint's state is not taskmint's here either: a write to it is not denied
    proc = run_hook("pre-tool-use", tool_payload("PreToolUse", project, ".claude/state/external_id_mapping.json",
                                                 content="{}"), env=env)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert files(root) == before and not (root / ".claude").exists()


def test_session_start_says_how_to_opt_in_only_where_there_is_a_tasks_folder(tmp_path: Path, fake_data: Path) -> None:
    root = stranger(tmp_path)
    env = {"CLAUDE_PROJECT_DIR": str(root), "CLAUDE_PLUGIN_DATA": str(fake_data)}
    proc = run_hook("session-start", START, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    (root / "tasks").mkdir()
    proc = run_hook("session-start", START, env=env)
    cli = provision.cli_path(fake_data)
    assert proc.returncode == 0 and hook_output(proc) == {"systemMessage": (
        "taskmint: this project has a tasks/ folder but is not a taskmint project, so task IDs are not assigned "
        f"here; run `{cli} init` in it to opt in")}
    assert not (root / ".claude").exists()


def test_slash_create_outside_a_project_is_blocked_with_the_way_to_opt_in(tmp_path: Path) -> None:
    root = stranger(tmp_path)
    payload = {"hook_event_name": "UserPromptExpansion", "command_name": "taskmint:task-create",
               "command_args": "Fix login", "cwd": str(root), "session_id": "s"}
    proc = run_hook("prompt", payload, env={"CLAUDE_PROJECT_DIR": str(root)})
    assert proc.returncode == 2
    assert proc.stderr == (f"taskmint: error: {root} is not a taskmint project (it has no .claude/taskmint.yaml); "
                           "run `taskmint init` there to opt in\n")
    assert files(root) == {} and not (root / ".claude").exists()
