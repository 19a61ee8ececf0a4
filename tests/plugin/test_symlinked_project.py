"""Issue 10 item 13: both tool hooks see a task file the same way when the project directory
is reached through a symlink, whichever side the symlink is on."""
from __future__ import annotations

from pathlib import Path

import pytest

from hook_helpers import hook_output, run_hook
from taskmint import tasks
from taskmint.project import Project

TEXT = "---\ntitle: Through a link\n---\n"


def _payload(event: str, cwd: Path, file_path: Path, **extra) -> dict:
    return {"hook_event_name": event, "session_id": "s", "transcript_path": "/nowhere/t.jsonl", "cwd": str(cwd),
            "tool_name": "Write", "tool_input": {"file_path": str(file_path), "content": TEXT, **extra}}


@pytest.mark.parametrize("project_dir_is_the_link", [True, False])
def test_item13_symlinked_project_dir_registers_and_guards_the_same_file(tm_project: Project, tmp_path: Path,
                                                                        project_dir_is_the_link: bool) -> None:
    real = tm_project.root
    link = tmp_path / "link-to-proj"
    link.symlink_to(real)
    project_dir, file_root = (link, real) if project_dir_is_the_link else (real, link)
    env = {"CLAUDE_PROJECT_DIR": str(project_dir)}
    (real / "tasks" / "backlog" / "linked.md").write_text(TEXT)

    proc = run_hook("post-tool-use", _payload("PostToolUse", project_dir, file_root / "tasks/backlog/linked.md"),
                    env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Its ID is TASK-" in hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    [(path, meta)] = list(tasks.iter_frontmatter(tm_project))
    assert meta["external_ids"] == {"jira": "PROJ-1", "github": "#1"}

    # the guard protects that same file, seen the same way
    changed = path.read_text().replace(f"id: {meta['id']}", "id: TASK-FFFF")
    guard = run_hook("pre-tool-use", {**_payload("PreToolUse", project_dir, file_root / path.relative_to(real)),
                                      "tool_input": {"file_path": str(file_root / path.relative_to(real)),
                                                     "content": changed}}, env=env)
    assert hook_output(guard)["hookSpecificOutput"]["permissionDecision"] == "deny"
