"""PreToolUse: keep task IDs and external IDs fixed, and state written only by taskmint.

Denied, with a reason the model can act on:

- a Write, Edit or MultiEdit whose result would change an existing task's ``id`` or
  ``external_ids`` (or remove them, or leave frontmatter that no longer parses). An edit is
  judged by the file it would produce: old_string/new_string/replace_all applied to the
  file as it is now;
- any write to ``.claude/state/*.json``, which taskmint changes only under its lock.

Everything else is allowed, and so is every call this module cannot judge (an unreadable
file, an edit whose old_string is not found: the tool itself will fail), because a guard
that errs must not stop the session.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from taskmint import frontmatter, ids
from taskmint.plugin.answer import Answer, cli_hints
from taskmint.plugin.entry import area
from taskmint.project import CONFIG_FILE, STATE_DIR

EVENT = "PreToolUse"
_UNJUDGED = object()


def handle(payload: dict) -> Answer:
    tool_input = payload.get("tool_input") or {}
    cwd = payload.get("cwd") or os.getcwd()
    root = os.environ.get("CLAUDE_PROJECT_DIR") or cwd
    file_path = tool_input.get("file_path", "")
    path = Path(os.path.normpath(os.path.join(cwd, file_path)))
    kind = area(root, cwd, file_path)
    if kind is not None and not os.path.isfile(os.path.join(root, CONFIG_FILE)):
        return Answer()  # no `taskmint init` here: these files are not taskmint's
    if kind == "state":
        return deny(
            f"{STATE_DIR.as_posix()}/{path.name} is taskmint's state, which it writes only under its lock; "
            "do not write it directly. Create or complete tasks with /taskmint:task-create, "
            "/taskmint:task-complete or the taskmint CLI, write new task files under tasks/ (taskmint then assigns "
            "their IDs), and repair state with `taskmint doctor --fix`"
        )
    if kind != "task":
        return Answer()
    reason = judge(path, payload.get("tool_name", ""), tool_input)
    return deny(reason) if reason else Answer()


def deny(reason: str) -> Answer:
    return Answer(output={"hookSpecificOutput": {
        "hookEventName": EVENT, "permissionDecision": "deny", "permissionDecisionReason": cli_hints(f"taskmint: {reason}"),
    }})


def judge(path: Path, tool: str, tool_input: dict[str, Any]) -> str | None:
    """Why this change to a task file must not happen, or None to allow it."""
    try:
        before = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # a new file (PostToolUse registers it) or one taskmint cannot read either
    old = _ids_of(before)
    if old is _UNJUDGED or old is None or not ids.is_valid_id(old[0]):
        return None  # not a task with an ID yet: anything goes
    after = _result(before, tool, tool_input)
    if after is None:
        return None
    old_id, old_ext = old
    new = _ids_of(after)
    name = path.name
    if new is _UNJUDGED:
        return (f"this change would leave {name} without valid YAML frontmatter, and so without its id {old_id}; "
                "keep the frontmatter intact (the lines between the two `---` lines) and change only other text")
    new_id, new_ext = new if new is not None else (None, None)
    if str(new_id).upper() != str(old_id).upper():
        return (f"{name} is task {old_id}, and a task's id never changes (other files, the state and PM tools refer "
                f"to it); this change would make it {new_id!r}. Keep `id: {old_id}` and change only other fields. "
                "To create a new task, write a new file under tasks/ without an id, or use /taskmint:task-create")
    if new_ext != old_ext:
        return (f"the external_ids of task {old_id} in {name} are issued by taskmint and must not change "
                f"(now {_show(old_ext)}, this change would make them {_show(new_ext)}); keep the external_ids "
                "block exactly as it is and change only other fields")
    return None


def meta_of(text: str) -> dict[str, Any] | None:
    """The frontmatter of a task text; None without one; FrontmatterError when it does not parse."""
    doc = frontmatter.split(text)
    return None if doc is None else frontmatter.parse(doc, "the task file")


def _ids_of(text: str) -> Any:
    """(id, external_ids) of a task text; None without frontmatter; _UNJUDGED when unparsable."""
    try:
        meta = meta_of(text)
    except frontmatter.FrontmatterError:
        return _UNJUDGED
    if meta is None:
        return None
    ext = meta.get("external_ids")
    if isinstance(ext, dict):
        ext = {str(k): str(v) for k, v in ext.items()}
    return meta.get("id"), ext


def _show(ext: Any) -> str:
    if isinstance(ext, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in ext.items()) + "}" if ext else "{}"
    return "none" if ext is None else repr(ext)


def _result(before: str, tool: str, tool_input: dict[str, Any]) -> str | None:
    """The file text the tool call would produce, or None when the tool would fail anyway."""
    if tool == "Write":
        content = tool_input.get("content")
        return content if isinstance(content, str) else None
    if tool == "Edit":
        edits = [tool_input]
    elif tool == "MultiEdit":
        edits = tool_input.get("edits") or []
    else:
        return None
    # The Edit tool shows the model LF line endings and keeps a file's CRLF when it writes.
    text = before.replace("\r\n", "\n")
    for edit in edits:
        if not isinstance(edit, dict):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            return None
        count = text.count(old)
        if count == 0 or (count > 1 and not edit.get("replace_all")):
            return None  # the Edit tool refuses these itself
        text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text
