"""The first code every taskmint hook runs: decide fast whether the call concerns taskmint.

hooks/run.sh starts ``hooks/hook.py EVENT`` with the plugin's own interpreter under ``-E -S``,
so neither site-packages nor anything heavy is loaded, and hook.py already let most tool calls
go after one stdin read. A tool call that got here costs one ``json`` parse to see whether its
file lies under ``tasks/`` or ``.claude/state/``. Only a call that concerns taskmint takes the
slow path: it sets up site-packages (yaml, filelock, jsonschema) and imports the handler.

Whatever goes wrong, the hook answers and exits 0 with a one-line warning (a slash command
exits 2 instead, which blocks only that command), so the session never breaks.
"""
from __future__ import annotations

import os
import sys

TOOL_EVENTS = ("pre-tool-use", "post-tool-use")
EVENTS = ("session-start", "prompt", *TOOL_EVENTS)
# Seconds a hook waits for the project lock; below the 30 s timeouts in hooks/hooks.json so a
# busy lock gives a clear message instead of a killed hook.
HOOK_LOCK_TIMEOUT = "20"


def locate(root: str, cwd: str, file_path: str) -> str | None:
    """Where a tool call's ``file_path`` lies inside the project ``root`` (relative, with
    os.sep), or None. The one comparison every hook makes: the root or the path may reach
    the project through a symlink, so both are also compared with their folders resolved
    (the file itself is not: a symlinked task file is refused, not followed)."""
    path = os.path.normpath(os.path.join(cwd, file_path))
    rel = _inside(path, os.path.normpath(root))
    if rel is None:
        real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        rel = _inside(real, os.path.realpath(root))
    return rel


def area(root: str, cwd: str, file_path: str) -> str | None:
    """"task" for a Markdown file under tasks/, "state" for .claude/state/*.json, else None."""
    rel = locate(root, cwd, file_path)
    if rel is None:
        return None
    parts = rel.split(os.sep)
    if parts[0] == "tasks" and len(parts) > 1 and rel.endswith(".md"):
        return "task"
    if parts[:2] == [".claude", "state"] and len(parts) == 3 and rel.endswith(".json"):
        return "state"
    return None


def _inside(path: str, root: str) -> str | None:
    prefix = root.rstrip(os.sep) + os.sep
    return path[len(prefix):] if path.startswith(prefix) else None


def _tool_area(payload: dict) -> str | None:
    tool_input = payload.get("tool_input")
    file_path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
    if not isinstance(file_path, str) or not file_path:
        return None
    cwd = payload.get("cwd") if isinstance(payload.get("cwd"), str) else os.getcwd()
    root = os.environ.get("CLAUDE_PROJECT_DIR") or cwd
    return area(root, cwd, file_path)


def main(event: str, raw: bytes) -> int:
    """Handle hook ``event`` whose stdin was ``raw``; returns the exit code."""
    try:
        import json

        payload = json.loads(raw or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("the hook input is not a JSON object")
        if event in TOOL_EVENTS:
            kind = _tool_area(payload)
            if kind is None or (event == "post-tool-use" and kind != "task"):
                return 0
        return _slow_path(event, payload).send()
    except Exception as e:  # noqa: BLE001 - a hook must never break the session
        if os.environ.get("TASKMINT_DEBUG"):
            raise
        detail = (str(e).splitlines() or [""])[0]
        line = f"taskmint: {'error' if event == 'prompt' else 'warning'}: the {event or 'unknown'} hook failed " \
               f"({type(e).__name__}: {detail}); set TASKMINT_DEBUG=1 for details"
        sys.stderr.write(line + "\n")
        return 2 if event == "prompt" else 0


def _slow_path(event: str, payload: dict):  # -> answer.Answer
    if event == "session-start":
        # Runs on whatever interpreter run.sh found, maybe before the venv exists: it
        # provisions the venv and needs only the standard library.
        from taskmint.plugin import session

        return session.handle(payload)
    if event not in EVENTS:
        from taskmint.plugin.answer import warning

        return warning(f"unknown hook event {event!r}; reinstall the plugin")
    from taskmint import shortlived

    shortlived.import_pathlib()
    from taskmint.plugin.layout import use_venv_packages

    use_venv_packages()  # skipped by -S on the fast path
    from taskmint import lock
    from taskmint.plugin.answer import with_warning

    # A bad timeout would stop every CLI command (exit 2); a hook must still do its job, so
    # it uses its own timeout instead and says why, rather than failing silently.
    problem = lock.timeout_problem()
    if problem:
        os.environ[lock.TIMEOUT_ENV] = HOOK_LOCK_TIMEOUT
    os.environ.setdefault(lock.TIMEOUT_ENV, HOOK_LOCK_TIMEOUT)
    answer = _handler(event)(payload)
    if problem:
        answer = with_warning(answer, f"{problem}; this hook waited up to {HOOK_LOCK_TIMEOUT}s instead")
    return answer


def _handler(event: str):  # -> Callable[[dict], answer.Answer]
    if event == "prompt":
        from taskmint.plugin import slash

        return slash.handle
    if event == "pre-tool-use":
        from taskmint.plugin import guard

        return guard.handle
    from taskmint.plugin import register

    return register.handle
