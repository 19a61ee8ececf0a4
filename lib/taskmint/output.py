"""Printing results for people and for --json."""
from __future__ import annotations

import json
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def describe(task: dict[str, Any]) -> str:
    external = ", ".join(f"{tool}: {value}" for tool, value in task.get("external_ids", {}).items())
    line = f"{task['id']}  [{task.get('status')}]  {task.get('title')}\n  path: {task['path']}"
    if external:
        line += f"\n  external IDs: {external}"
    return line
