"""The statuses a project's tasks may have, and the folder each one lives in.

A project declares them in .claude/taskmint.yaml (``statuses:``, status -> category);
without the key the five default statuses apply. Statuses compare case-insensitively
(``BACKLOG`` is ``backlog``) and are written in their declared spelling. ``completed`` lives
in tasks/completed/YYYY-MM/, every other status in tasks/<status>/.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from taskmint.errors import TaskmintError, UsageError
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

CATEGORIES = ("open", "started", "review", "blocked", "done")
DEFAULT = {"backlog": "open", "in_progress": "started", "in_review": "review", "blocked": "blocked",
           "completed": "done"}
NEW = "backlog"  # the status create gives a task
COMPLETED = "completed"  # the status complete gives a task; its folder is split by month
REQUIRED = (NEW, COMPLETED)
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"
_NAME_RE = re.compile(NAME_PATTERN)


class Statuses:
    # A plain class, not a dataclass: config loads this on every create, and importing
    # dataclasses (it loads inspect) cost a create more than its own work.
    __slots__ = ("categories",)

    def __init__(self, categories: dict[str, str]) -> None:
        self.categories = categories  # declared spelling -> category, in declared order

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Statuses) and other.categories == self.categories

    def __repr__(self) -> str:
        return f"Statuses({self.categories!r})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.categories)

    def canonical(self, value: Any) -> str | None:
        """The declared spelling of ``value``, or None when it is not a declared status."""
        if not isinstance(value, str):
            return None
        wanted = value.strip().lower()
        for name in self.categories:
            if name.lower() == wanted:
                return name
        return None

    def require(self, value: str) -> str:
        """The declared spelling of ``value``; a one-line error naming the choices otherwise."""
        found = self.canonical(value)
        if found is None:
            raise UsageError(f"unknown status {value!r}; use one of {', '.join(self.names)} "
                             "(declare more under `statuses:` in .claude/taskmint.yaml)")
        return found

    def rank(self, value: Any) -> int:
        found = self.canonical(value)
        return self.names.index(found) if found is not None else len(self.names)

    def folder(self, project: Project, status: str, when: datetime | None = None) -> Path:
        """Where a task with (declared) ``status`` lives."""
        if status == COMPLETED:
            month = when.strftime("%Y-%m") if when else time.strftime("%Y-%m", time.gmtime())
            return project.tasks_dir / COMPLETED / month
        return project.tasks_dir / status

    def of_folder(self, project: Project, path: Path) -> str | None:
        """The declared status whose folder holds ``path``, or None (tasks/README.md, tasks/x/)."""
        try:
            parts = path.relative_to(project.tasks_dir).parts
        except ValueError:
            return None
        if len(parts) < 2:
            return None
        return self.canonical(parts[0])


DEFAULTS = Statuses(dict(DEFAULT))


def from_mapping(value: Any, where: str) -> Statuses:
    """The statuses a validated config declares (``value`` is its ``statuses`` mapping or None)."""
    if value is None:
        return DEFAULTS
    fix = f"fix `statuses:` in {where}"
    if not isinstance(value, dict) or not value:
        raise TaskmintError(f"`statuses:` in {where} must map each status to one of {', '.join(CATEGORIES)}; {fix}")
    seen: dict[str, str] = {}
    for name, category in value.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise TaskmintError(f"status {name!r} is not a folder-safe name (a letter, then letters, digits, _ or -); "
                                f"{fix}")
        if category not in CATEGORIES:
            raise TaskmintError(f"status {name} has category {category!r}, not one of {', '.join(CATEGORIES)}; {fix}")
        if name.lower() in seen:
            raise TaskmintError(f"statuses {seen[name.lower()]} and {name} differ only in case; keep one ({fix})")
        seen[name.lower()] = name
    for name in REQUIRED:
        if name not in value:
            raise TaskmintError(f"`statuses:` in {where} lacks {name} (spelled so): taskmint creates tasks in "
                                f"{NEW} and completes them to {COMPLETED}; {fix}")
    if value[COMPLETED] != "done":
        raise TaskmintError(f"status {COMPLETED} must have category done; {fix}")
    return Statuses(dict(value))


def load(project: Project) -> Statuses:
    from taskmint import config

    return config.load(project).statuses
