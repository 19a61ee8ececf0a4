"""Drive the plugin's PostToolUse hook the way Claude Code does: the command from
hooks/hooks.json as a subprocess, the JSON payload on stdin, CLAUDE_PROJECT_DIR and
CLAUDE_PLUGIN_ROOT set, after the agent's Write put a task file without an ID on disk."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from taskmint import tasks, yamltext
from taskmint.project import Project

REPO = Path(__file__).resolve().parents[2]
_MESSAGE_RE = re.compile(r"taskmint: (\S+) is (TASK-\S+)")


def hook_command() -> list[str] | None:
    """The PostToolUse command (with its args, ${CLAUDE_PLUGIN_ROOT} expanded) from the
    plugin's hooks/hooks.json, or None while the plugin does not ship one."""
    try:
        config = json.loads((REPO / "hooks" / "hooks.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for group in config.get("hooks", {}).get("PostToolUse", []):
        for hook in group.get("hooks", []):
            if hook.get("type") == "command":
                return [part.replace("${CLAUDE_PLUGIN_ROOT}", str(REPO))
                        for part in [hook["command"], *hook.get("args", [])]]
    return None


def plugin_data(data: Path) -> Path:
    """A plugin data directory whose venv interpreter is the one running the tests (which
    has taskmint's dependencies), as the SessionStart hook would have provisioned it."""
    (data / "venv" / "bin").mkdir(parents=True)
    python = data / "venv" / "bin" / "python"
    # A script, not a symlink: a symlinked venv interpreter would lose its pyvenv.cfg.
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return data


def run_hook(project: Project, payload: dict, data: Path) -> subprocess.CompletedProcess[str]:
    command = hook_command()
    assert command is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    env.update(CLAUDE_PROJECT_DIR=str(project.root), CLAUDE_PLUGIN_ROOT=str(REPO), CLAUDE_PLUGIN_DATA=str(data))
    return subprocess.run(command, input=json.dumps(payload), capture_output=True, text=True, env=env,
                          cwd=project.root, timeout=120)


def write_payload(project: Project, path: Path, content: str) -> dict:
    return {
        "session_id": "stress", "transcript_path": str(project.root / ".transcript.jsonl"), "cwd": str(project.root),
        "permission_mode": "acceptEdits", "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": {"file_path": str(path), "content": content},
        "tool_response": {"type": "create", "filePath": str(path), "content": content, "structuredPatch": [],
                          "originalFile": None},
    }


def create_via_hook(project: Project, title: str, tags: list[str], data: Path, name: str) -> dict:
    """Write a task file without an ID, as the agent's Write tool would, then run the hook;
    returns what it registered, shaped like service.create's answer."""
    content = f"---\ntitle: {yamltext.scalar(title.strip())}\ntags: {yamltext.flow_list(tags)}\n---\n\nWritten by the agent.\n"
    path = project.tasks_dir / "backlog" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    proc = run_hook(project, write_payload(project, path, content), data)
    if proc.returncode != 0 or proc.stderr.strip():
        raise RuntimeError(f"hook exited {proc.returncode}: {proc.stderr.strip()}")
    message = json.loads(proc.stdout).get("systemMessage", "")
    found = _MESSAGE_RE.match(message)
    if not found:
        raise RuntimeError(f"hook registered nothing: {proc.stdout.strip()}")
    meta = tasks.read(project, project.root / found.group(1)).meta
    if meta.get("id") != found.group(2):
        raise RuntimeError(f"hook said {found.group(2)} but the file says {meta.get('id')}")
    return {"id": meta["id"], "external_ids": meta["external_ids"]}
