"""Clients of the real trackers that issue a tool's numbers (one module per tracker).

Every client offers the same four calls, so the outbox never knows which tracker it talks to:

- ``create(task_id, title)`` -> Issue: a new issue that carries the marker ``taskmint: <ID>``;
- ``find(task_id, since)`` -> Issue | None: the issue carrying that marker, created at or
  after ``since`` (epoch seconds), read from a listing the tracker answers consistently;
- ``close(key)``: mark it done (idempotent);
- ``get(key)`` -> Issue: an existing issue, for ``taskmint link``.

Errors are TrackerError, whose text is one line fit for a user and never holds a token.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from taskmint.config import Tracker
from taskmint.trackers.http import Budget, TrackerError

__all__ = ["Budget", "Issue", "TrackerError", "client", "marker", "has_marker", "summary"]


@dataclass(frozen=True)
class Issue:
    key: str  # as taskmint stores it: "#12", "PROJ-45"
    url: str  # the page a person opens
    closed: bool = False


def marker(task_id: str) -> str:
    """The line every issue taskmint creates carries: the ID as a whole token."""
    return f"taskmint: {task_id}"


def has_marker(text: str, task_id: str) -> bool:
    # A whole line, so TASK-A3F2 never matches the marker of TASK-A3F2D or TASK-A3F2.1.
    return re.search(rf"(?m)^taskmint: {re.escape(task_id)}[ \t\r]*$", text or "", re.IGNORECASE) is not None


def summary(title: str, limit: int) -> str:
    """What a tracker's one-line title field gets: the first line, cut to ``limit``; the task
    file keeps the full title and the issue body repeats it."""
    first = " ".join(title.strip().splitlines()[0].split()) if title.strip() else "task"
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def token(tracker: Tracker) -> tuple[str, str]:
    """(environment variable, token) for ``tracker``; TrackerError when none is set."""
    for name in tracker.token_envs:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    names = " or ".join(tracker.token_envs)
    raise TrackerError(f"no {tracker.tool} token: set {names} (see README, Trackers)", definite=True)


def client(tracker: Tracker, budget: Budget):
    if tracker.tool == "github":
        from taskmint.trackers.github import GitHub

        return GitHub(tracker, budget)
    from taskmint.trackers.jira import Jira

    return Jira(tracker, budget)
