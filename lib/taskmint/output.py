"""Printing results for people and for --json."""
from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def describe(task: dict[str, Any]) -> str:
    external = ", ".join(f"{tool}: {value}" for tool, value in task.get("external_ids", {}).items())
    line = f"{task['id']}  [{task.get('status')}]  {task.get('title')}\n  path: {task['path']}"
    if external:
        line += f"\n  external IDs: {external}"
    for tool, url in task.get("external_urls", {}).items():
        line += f"\n  {tool}: {url}"
    if task.get("pending"):
        line += f"\n  pending: {', '.join(task['pending'])} (not confirmed by the tracker yet; `taskmint sync` retries)"
    return line


def warn_pending(errors: dict[str, str]) -> None:
    """One line per tool left pending, on stderr: the work succeeded, the tracker is behind."""
    for tool, error in errors.items():
        sys.stderr.write(f"taskmint: warning: {tool} left pending: {error}\n")
