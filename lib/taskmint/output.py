"""Printing results for people and for --json."""
from __future__ import annotations

import json
import sys

from taskmint import yamltext

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any


def json_safe(value: Any) -> Any:
    """``value`` with everything YAML can hold and JSON cannot made JSON-safe: a hand-edited
    task file may carry dates as keys (`2020-01-01: synced`), sets, binary or .nan, and
    --json must never fail on it (nor after a command did its work)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value:  # nan, without importing math
            return ".nan"
        return value if abs(value) != float("inf") else (".inf" if value > 0 else "-.inf")
    if yamltext.is_date(value):
        from taskmint.frontmatter import as_text

        return as_text(value)
    if isinstance(value, dict):
        return {_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(v) for v in value), key=str)
    if isinstance(value, bytes):
        import base64  # here: only a !!binary value needs it, and a create would pay for it

        return base64.b64encode(value).decode("ascii")
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    safe = json_safe(key)
    return safe if isinstance(safe, str) else json.dumps(safe, ensure_ascii=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(json_safe(data), ensure_ascii=False, allow_nan=False) + "\n")


def describe(task: dict[str, Any]) -> str:
    external = ", ".join(f"{tool}: {value}" for tool, value in task.get("external_ids", {}).items())
    line = (f"{task['id'] or '(no id)'}  [{task.get('status') or 'no status'}]  {task.get('title') or '(no title)'}"
            f"\n  path: {task['path']}")
    if external:
        line += f"\n  external IDs: {external}"
    for tool, url in task.get("external_urls", {}).items():
        line += f"\n  {tool}: {url}"
    if task.get("pending"):
        line += f"\n  pending: {', '.join(task['pending'])} (not confirmed by the tracker yet; `taskmint sync` retries)"
    return line


def open_subtasks_line(task: dict[str, Any]) -> str:
    """One line for a completed parent whose subtasks are still open (they stay open)."""
    open_ids = [sub["id"] for sub in task["open_subtasks"]]
    shown = ", ".join(open_ids[:5]) + (f" and {len(open_ids) - 5} more" if len(open_ids) > 5 else "")
    return (f"note: {task['id']} has {len(open_ids)} open subtask{'s' * (len(open_ids) != 1)} ({shown}); "
            "they stay open, complete them with `taskmint complete <ID>`")
