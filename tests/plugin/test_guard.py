"""PreToolUse: IDs and external IDs of existing tasks never change; state is never written directly."""
from __future__ import annotations

from pathlib import Path

import pytest

from hook_helpers import hook_output, run_hook, tool_payload
from taskmint import service
from taskmint.plugin.guard import judge
from taskmint.project import Project


@pytest.fixture
def task(tm_project: Project) -> Path:
    info = service.create(tm_project, "Fix login", tags=["auth"])
    return tm_project.root / info["path"]


def test_write_that_changes_the_id_is_denied(task: Path) -> None:
    text = task.read_text()
    reason = judge(task, "Write", {"content": text.replace("id: TASK-", "id: TASK-0")})
    assert reason and "a task's id never changes" in reason and "Keep `id: TASK-" in reason


def test_edit_is_judged_by_the_text_it_produces(task: Path) -> None:
    text = task.read_text()
    old_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    # The old_string does not mention "id:" at all, yet the result changes the ID.
    reason = judge(task, "Edit", {"old_string": old_id[-2:] + "\ntitle", "new_string": "ZZ\ntitle"})
    assert reason and "would make it 'TASK-" in reason


def test_edit_of_other_fields_is_allowed(task: Path) -> None:
    assert judge(task, "Edit", {"old_string": "title: Fix login", "new_string": "title: Fix the login"}) is None
    assert judge(task, "Edit", {"old_string": "## Description", "new_string": "## What"}) is None


def test_replace_all_counts_every_occurrence(task: Path) -> None:
    text = task.read_text()
    old_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    task.write_text(text + f"\nSee {old_id}.\n")
    # replace_all also hits the id line: denied; only the body mention: allowed.
    assert judge(task, "Edit", {"old_string": old_id, "new_string": "TASK-FFFF", "replace_all": True})
    assert judge(task, "Edit", {"old_string": f"See {old_id}", "new_string": "See it"}) is None


def test_external_id_change_or_removal_is_denied(task: Path) -> None:
    reason = judge(task, "Edit", {"old_string": "jira: PROJ-1", "new_string": "jira: PROJ-7"})
    assert reason and "external_ids of task" in reason and "PROJ-7" in reason
    assert judge(task, "Edit", {"old_string": "  jira: PROJ-1\n", "new_string": ""})


def test_removing_or_breaking_the_frontmatter_is_denied(task: Path) -> None:
    assert "without valid YAML frontmatter" in judge(task, "Edit", {"old_string": "tags: [auth]", "new_string": "tags: [auth"})
    assert "would make it None" in judge(task, "Write", {"content": "just text\n"})


def test_multi_edit_applies_edits_in_order(task: Path) -> None:
    edits = [{"old_string": "title: Fix login", "new_string": "title: X"},
             {"old_string": "jira: PROJ-1", "new_string": "jira: PROJ-2"}]
    assert judge(task, "MultiEdit", {"edits": edits})
    assert judge(task, "MultiEdit", {"edits": edits[:1]}) is None


def test_crlf_task_file_is_judged_like_lf(task: Path) -> None:
    task.write_bytes(task.read_bytes().replace(b"\n", b"\r\n"))
    assert judge(task, "Edit", {"old_string": "jira: PROJ-1\n  github", "new_string": "jira: PROJ-9\n  github"})


@pytest.mark.parametrize("edit", [
    {"old_string": "not in the file", "new_string": "x"},  # the Edit tool fails by itself
    {"old_string": "", "new_string": "x"},
])
def test_edits_the_tool_would_refuse_are_left_to_it(task: Path, edit: dict) -> None:
    assert judge(task, "Edit", edit) is None


def test_ambiguous_edit_without_replace_all_is_left_to_the_tool(task: Path) -> None:
    task.write_text(task.read_text() + "\nid: again\n")
    assert judge(task, "Edit", {"old_string": "id: ", "new_string": "id: TASK-0"}) is None


def test_new_files_and_tasks_without_an_id_are_free(tm_project: Project, write_file) -> None:
    new = tm_project.tasks_dir / "backlog" / "new.md"
    assert judge(new, "Write", {"content": "---\nid: TASK-1234\n---\n"}) is None
    draft = write_file(tm_project.tasks_dir / "backlog" / "draft.md", "---\ntitle: Draft\n---\n")
    assert judge(draft, "Write", {"content": "---\nid: TASK-BEEF\ntitle: Draft\n---\n"}) is None


def test_hook_denies_with_a_reason_and_allows_the_rest(tm_project: Project, task: Path, project_env) -> None:
    rel = tm_project.rel(task)
    denied = run_hook("pre-tool-use", tool_payload("PreToolUse", tm_project, rel, "Edit",
                                                   old_string="jira: PROJ-1", new_string="jira: PROJ-2"), env=project_env)
    out = hook_output(denied)["hookSpecificOutput"]
    assert denied.returncode == 0 and out["permissionDecision"] == "deny"
    assert out["permissionDecisionReason"].startswith("taskmint: the external_ids of task")
    allowed = run_hook("pre-tool-use", tool_payload("PreToolUse", tm_project, rel, "Edit",
                                                    old_string="Fix login", new_string="Fix logout"), env=project_env)
    assert (allowed.returncode, allowed.stdout, allowed.stderr) == (0, "", "")


@pytest.mark.parametrize("rel", [".claude/state/external_id_mapping.json", ".claude/state/external_id_counters.json",
                                 ".claude/state/anything.json"])
def test_hook_denies_every_direct_state_write(tm_project: Project, project_env, rel: str) -> None:
    before = (tm_project.root / rel).read_bytes() if (tm_project.root / rel).exists() else None
    proc = run_hook("pre-tool-use", tool_payload("PreToolUse", tm_project, rel, content="{}"), env=project_env)
    out = hook_output(proc)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny" and "taskmint's state" in out["permissionDecisionReason"]
    after = (tm_project.root / rel).read_bytes() if (tm_project.root / rel).exists() else None
    assert before == after


@pytest.mark.parametrize("rel", [".claude/state/notes.txt", ".claude/state/sub/x.json", ".claude/settings.json",
                                 "src/tasks/x.md", "tasks.md"])
def test_hook_allows_files_that_are_not_state_or_tasks(tm_project: Project, project_env, rel: str) -> None:
    proc = run_hook("pre-tool-use", tool_payload("PreToolUse", tm_project, rel, content="{}"), env=project_env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
