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
    return line
