"""Printing results for people and for --json."""
from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def describe(task: dict[str, Any]) -> str:
    external = ", ".join(f"{tool}: {value}" for tool, value in task.get("external_ids", {}).items())
    line = (f"{task['id'] or '(no id)'}  [{task.get('status') or 'no status'}]  {task.get('title') or '(no title)'}"
            f"\n  path: {task['path']}")
    if external:
        line += f"\n  external IDs: {external}"
    return line


def open_subtasks_line(task: dict[str, Any]) -> str:
    """One line for a completed parent whose subtasks are still open (they stay open)."""
    open_ids = [sub["id"] for sub in task["open_subtasks"]]
    shown = ", ".join(open_ids[:5]) + (f" and {len(open_ids) - 5} more" if len(open_ids) > 5 else "")
    return (f"note: {task['id']} has {len(open_ids)} open subtask{'s' * (len(open_ids) != 1)} ({shown}); "
            "they stay open, complete them with `taskmint complete <ID>`")
