"""What taskmint still owes the trackers: .claude/state/tracker_outbox.json, and per-task claims.

An entry is written under the project lock *before* any request, and removed under the lock
once the tracker's answer is recorded in the task file and the mapping:

    {"version": 1, "tasks": {"TASK-A3F2": {"github": {
        "create": true,            # the issue is not confirmed yet
        "close": false,            # the issue must be closed (the task was completed)
        "since": 1767225600.0,     # when the work was queued (epoch seconds)
        "attempts": 1,
        "uncertain_since": 1767225601.0,  # a create may have reached the tracker: look first
        "retry_at": null,          # rate limited until then
        "error": null}}}}          # the last failure, one line

A claim is a lock file per (task, tool) under the shared taskmint folder (every worktree of
a clone sees it), held with a non-blocking OS lock while a process talks to the tracker about
that task. The OS drops it when the holder dies, even by kill -9, and the file is never
deleted (see lock.py for why).
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager

from taskmint import atomic
from taskmint.errors import StateError
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

NAME = "tracker_outbox.json"
VERSION = 1


def path(project: Project):
    return project.state_dir / NAME


def load(project: Project) -> dict[str, dict[str, dict[str, Any]]]:
    """Task ID -> tool -> entry. Readers without the lock get the last complete version."""
    try:
        raw = path(project).read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise StateError(f"cannot read {project.rel(path(project))}: {e.strerror}; check its permissions") from None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict):
            raise ValueError
    except ValueError:
        raise StateError(f"{project.rel(path(project))} is not a taskmint outbox; move it aside and run "
                         "`taskmint doctor` (work it held stays pending in no file)") from None
    if data.get("version") != VERSION:
        raise StateError(f"{project.rel(path(project))} has version {data.get('version')!r}, which this "
                         "taskmint does not know; upgrade taskmint")
    return data["tasks"]


def save(project: Project, tasks: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Caller holds the project lock."""
    tasks = {t: tools for t, tools in tasks.items() if tools}
    if not tasks and not path(project).exists():
        return
    body = json.dumps({"version": VERSION, "tasks": tasks}, indent=2, sort_keys=True) + "\n"
    _keep_out_of_git(project)
    atomic.write_atomic(path(project), body.encode("utf-8"))


def _keep_out_of_git(project: Project) -> None:
    """The outbox and the claims belong to this worktree: committed and pulled into another
    clone, its pending creates would be pushed twice. A .gitignore beside them says so."""
    ignore = project.state_dir / ".gitignore"
    if not ignore.exists():
        project.state_dir.mkdir(parents=True, exist_ok=True)
        atomic.write_atomic(ignore, f"# taskmint: this worktree's pending tracker work\n{NAME}\ntracker_claims/\n"
                            .encode("utf-8"))


def pending(project: Project) -> dict[str, list[str]]:
    """Task ID -> the tools it still waits on, for show/list/create (no lock needed)."""
    try:
        return {t: sorted(tools) for t, tools in load(project).items() if tools}
    except StateError:
        return {}


def new_entry(project: Project, create: bool, close: bool = False, look_first: bool = False) -> dict[str, Any]:
    """``look_first``: whether an issue exists is unknown (work queued by doctor for a task
    made before its tracker was configured), so the push looks the marker up before any
    create; nothing was sent from here, so an empty look-up is trusted at once."""
    return {"create": create, "close": close, "since": time.time(), "attempts": 0,
            "uncertain_since": EPOCH if look_first else None, "retry_at": None, "error": None,
            "where": where(project)}


# An uncertain_since long past: look first, with no recent send to wait out (sync's settle guard).
EPOCH = 1.0


def where(project: Project) -> str:
    """Which worktree queued an entry: one copied elsewhere (a clone, a restored backup) may
    have been pushed there already, so it is treated as uncertain and looked up first."""
    import socket

    return f"{socket.gethostname()}:{project.root}"


def _claims_dir(project: Project):
    return (project.shared_dir or project.state_dir) / "tracker_claims"


@contextmanager
def claim(project: Project, task_id: str, tool: str) -> Iterator[bool]:
    """True while this process alone talks to ``tool`` about ``task_id``; False when another
    process does (it is not waited for)."""
    from filelock import FileLock, Timeout

    directory = _claims_dir(project)
    directory.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(directory / f"{task_id.upper()}.{tool}.lock"), is_singleton=True)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
