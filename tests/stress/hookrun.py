"""Drive the plugin's PostToolUse hook the way Claude Code does: as a subprocess with the
JSON payload on stdin and CLAUDE_PROJECT_DIR set."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from taskmint.project import Project

REPO = Path(__file__).resolve().parents[2]


def hook_command() -> str | None:
    """The PostToolUse command from the plugin's hooks/hooks.json, or None before it exists."""
    try:
        config = json.loads((REPO / "hooks" / "hooks.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for group in config.get("hooks", {}).get("PostToolUse", []):
        for hook in group.get("hooks", []):
            if hook.get("type") == "command":
                return hook["command"]
    return None


def create_via_hook(project: Project, title: str, tags: list[str]) -> dict:
    raise NotImplementedError
