"""The hooks with tracker-backed tools, through their real entry point: a task file the agent
writes gets its tracker keys, and no hook waits on a slow tracker for more than ~2 s."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from helpers import assert_recorded, outbox, task_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugin"))
from hook_helpers import fake_plugin_data, hook_output, run_hook  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def fake_data(tmp_path: Path) -> Path:
    return fake_plugin_data(tmp_path)


def _write_payload(root: Path, rel: str) -> dict:
    return {"hook_event_name": "PostToolUse", "session_id": "s", "transcript_path": "/nowhere/t.jsonl",
            "cwd": str(root), "tool_name": "Write", "tool_input": {"file_path": str(root / rel)}}


def test_post_tool_use_gives_an_agent_written_task_its_tracker_keys(tracked, github, jira, tracker_env):
    root = tracked()
    (root / "tasks" / "backlog" / "login.md").write_text("---\ntitle: Fix the login\n---\n\nBody.\n")
    proc = run_hook("post-tool-use", _write_payload(root, "tasks/backlog/login.md"),
                    env={**tracker_env, "CLAUDE_PROJECT_DIR": str(root)})
    assert proc.returncode == 0, proc.stderr
    context = hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    assert "github #1" in context and "jira PROJ-1" in context
    assert_recorded(root, github, jira)


def test_hooks_do_not_wait_for_a_held_tracker(tm, tracked, github, jira, tracker_env):
    root = tracked()
    github.fault("POST", r"/issues$", "hold-before")  # GitHub does not answer until released
    env = {**tracker_env, "CLAUDE_PROJECT_DIR": str(root)}
    env.pop("TASKMINT_TRACKER_SETTLE")  # the background sync keeps the real guard
    (root / "tasks" / "backlog" / "slow.md").write_text("---\ntitle: Slow tracker\n---\n")
    proc = run_hook("post-tool-use", _write_payload(root, "tasks/backlog/slow.md"), env=env)
    slash = run_hook("prompt", {"hook_event_name": "UserPromptExpansion", "session_id": "s", "cwd": str(root),
                                "command_name": "taskmint:task-create", "command_args": "Second slow one",
                                "prompt": "/taskmint:task-create Second slow one"}, env=env)
    # both hooks answered while GitHub still held the first request
    assert github.in_flight.is_set() and not github.held_done.is_set()
    assert proc.returncode == 0 and slash.returncode == 0, proc.stderr + slash.stderr
    assert "Tracker issues pending for it: github" in hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    assert "taskmint created the task" in hook_output(slash)["hookSpecificOutput"]["additionalContext"]
    github.release()
    assert github.held_done.wait(60)
    # The hooks left the rest to a detached `taskmint sync` this test cannot join; sync until
    # it is done (a busy claim means that process is still pushing), at most a minute.
    deadline = time.monotonic() + 60
    while True:
        synced = tm("sync", root=root)
        if synced.returncode == 0 or time.monotonic() > deadline:
            break
        assert "another taskmint process is pushing it" in synced.stdout, synced.stdout
    assert synced.returncode == 0, synced.stdout
    assert len(task_files(root)) == 2 and outbox(root) == {}
    assert_recorded(root, github, jira)
    assert len(github.issues) == 2 and len(jira.issues) == 2


def test_session_start_hands_pending_work_to_a_background_sync(tm, tracked, github, jira, tracker_env, fake_data):
    root = tracked()
    task = json.loads(tm("create", "offline", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}).stdout)
    proc = run_hook("session-start", {"hook_event_name": "SessionStart", "session_id": "s", "cwd": str(root)},
                    env={**tracker_env, "CLAUDE_PROJECT_DIR": str(root), "CLAUDE_PLUGIN_DATA": str(fake_data)})
    assert proc.returncode == 0, proc.stderr
    assert "wait for their tracker issue" in hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    deadline = time.monotonic() + 60  # the detached sync: wait for its result, at most a minute
    while outbox(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox(root) == {}
    assert task_files(root)[task["id"]]["external_ids"]["github"] == "#1"


def test_slash_complete_closes_the_issues(tracked, github, jira, tracker_env):
    root = tracked()
    env = {**tracker_env, "CLAUDE_PROJECT_DIR": str(root)}

    def slash(command: str, args: str):
        return run_hook("prompt", {"hook_event_name": "UserPromptExpansion", "session_id": "s", "cwd": str(root),
                                   "command_name": f"taskmint:{command}", "command_args": args,
                                   "prompt": f"/taskmint:{command} {args}"}, env=env)

    assert slash("task-create", "Close me").returncode == 0
    (task_id,) = task_files(root)
    done = slash("task-complete", task_id)
    assert done.returncode == 0, done.stderr
    assert github.issues[1]["state"] == "closed"
    assert jira.issues["PROJ-1"]["fields"]["status"]["statusCategory"]["key"] == "done"
    assert outbox(root) == {}
