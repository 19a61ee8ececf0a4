"""Task files on disk: finding them, reading them, and where each status lives."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from taskmint import frontmatter, ids
from taskmint.errors import TaskmintError
from taskmint.project import Project

STATUSES = ("backlog", "in_progress", "in_review", "blocked", "completed")


@dataclass
class TaskFile:
    path: Path
    text: str
    doc: frontmatter.Document | None
    meta: dict[str, Any]


def walk(directory: Path) -> Iterator[Path]:
    """Every *.md file below ``directory``; symlinks are not followed, so a link cannot
    pull files from outside the project into it."""
    return map(Path, _md_files(str(directory)))


def _md_files(directory: str) -> Iterator[str]:
    # Plain strings: building a Path per file cost more than the scan at 10,000 tasks.
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _md_files(entry.path)
        elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
            yield entry.path


def ids_by_filename(project: Project) -> dict[str, list[Path]]:
    """Upper-cased ID -> files named after it; cheap enough for every create."""
    found: dict[str, list[Path]] = {}
    for task_id, path in _ids(project):
        found.setdefault(task_id, []).append(Path(path))
    return found


def task_ids(project: Project) -> set[str]:
    """The upper-cased IDs ids_by_filename knows, without building its paths."""
    return {task_id for task_id, _ in _ids(project)}


def _ids(project: Project) -> Iterator[tuple[str, str]]:
    for path in _md_files(str(project.tasks_dir)):
        task_id = ids.id_from_filename(os.path.basename(path))
        if task_id is None:
            # TASK-a3f8-x.md or notes.md (written by hand or another tool): only the
            # frontmatter says which ID the file holds, and create must not issue it again.
            task_id = _id_inside(project, Path(path))
        if task_id:
            yield task_id.upper(), path


def _id_inside(project: Project, path: Path) -> str | None:
    try:
        value = read(project, path).meta.get("id")
    except TaskmintError:
        return None
    return value if ids.is_valid_id(value) else None


def read(project: Project, path: Path) -> TaskFile:
    rel = project.rel(path)
    if path.is_symlink():
        raise TaskmintError(f"{rel} is a symlink; taskmint only manages real files inside tasks/")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TaskmintError(f"cannot read {rel}: {e.strerror}") from None
    if len(raw) > frontmatter.MAX_BYTES:
        raise TaskmintError(f"{rel} is over {frontmatter.MAX_BYTES // 1024 // 1024} MiB; taskmint leaves it alone")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TaskmintError(f"{rel} is not valid UTF-8 (byte {e.start}); re-save it as UTF-8") from None
    doc = frontmatter.split(text)
    meta = frontmatter.parse(doc, rel) if doc else {}
    return TaskFile(path=path, text=text, doc=doc, meta=meta)


def iter_frontmatter(project: Project) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, frontmatter) of every readable task file; unreadable ones are skipped."""
    for path in walk(project.tasks_dir):
        try:
            task = read(project, path)
        except TaskmintError:
            continue
        yield path, task.meta


def status_dir(project: Project, status: str, when: datetime | None = None) -> Path:
    if status == "completed":
        when = when or datetime.now(timezone.utc)
        return project.tasks_dir / "completed" / when.strftime("%Y-%m")
    return project.tasks_dir / status


def status_of_folder(project: Project, path: Path) -> str | None:
    try:
        first = path.relative_to(project.tasks_dir).parts[0]
    except (ValueError, IndexError):
        return None
    return first if first in STATUSES else None
