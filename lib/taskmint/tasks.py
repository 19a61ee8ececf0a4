"""Task files on disk: finding them, reading them, and where each status lives."""
from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from taskmint import frontmatter, ids, yamltext
from taskmint.errors import TaskmintError
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

STATUSES = ("backlog", "in_progress", "in_review", "blocked", "completed")


class TaskFile:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, path: Path, text: str, doc: frontmatter.Document | None, meta: dict[str, Any]) -> None:
        self.path, self.text, self.doc, self.meta = path, text, doc, meta

    @property
    def is_note(self) -> bool:
        return self.doc is None  # is_note(self.text), already split


def is_note(text: str) -> bool:
    """The one rule for which Markdown files under tasks/ are tasks: a file without
    frontmatter is a note (a README, a guide, a report kept beside the tasks), which doctor
    counts, and list, SessionStart and the hooks leave alone. Standard library only."""
    return frontmatter.split(text) is None


def walk(directory: Path) -> Iterator[Path]:
    """Every *.md file below ``directory``; symlinks are not followed, so a link cannot
    pull files from outside the project into it."""
    for folder, names in md_names(str(directory)):
        for name in names:
            yield Path(folder, name)


def md_names(directory: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, names of the *.md files in it) for ``directory`` and every folder below it.
    Plain strings: building a Path per file cost more than the scan at 10,000 tasks."""
    for folder, entries in folders(directory):
        yield folder, [e.name for e in entries if is_md_file(e)]


def is_md_file(entry: os.DirEntry[str]) -> bool:
    return entry.name.endswith(".md") and entry.is_file(follow_symlinks=False)


def folders(directory: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """(folder, its entries) for ``directory`` and every folder below it, a folder before the
    ones inside it; symlinked folders are not entered."""
    try:
        with os.scandir(directory) as found:
            entries = list(found)
    except (FileNotFoundError, NotADirectoryError):
        return
    yield directory, entries
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from folders(entry.path)


def ids_by_filename(project: Project) -> dict[str, list[Path]]:
    """Upper-cased ID -> files named after it (or, when the name carries no ID, whose
    frontmatter holds it)."""
    found: dict[str, list[Path]] = {}
    for folder, names in md_names(str(project.tasks_dir)):
        for name, task_id in zip(names, ids.ids_of_names(names)):
            path = Path(folder, name)
            task_id = task_id or _id_inside(project, path)
            if task_id:
                found.setdefault(task_id.upper(), []).append(path)
    return found


class Where:
    """Where to look for an ID (folder_index.Folders.where): the folders whose task files can
    carry it, and of those, the ones where a file whose name carries no ID holds it in its
    frontmatter. Elsewhere only files whose names start with it need a look."""

    def __init__(self, folders: list[str], inside: set[str], listed: dict[str, list[str]] | None = None) -> None:
        self.folders, self.inside = folders, inside
        # os.listdir of a folder, kept for the transaction: show looks in the parent's folder
        # twice (the task, then its subtasks), and listing 3,600 names took 5 ms here
        self.listed = {} if listed is None else listed

    def names(self, folder: str) -> list[str]:
        found = self.listed.get(folder)
        if found is None:
            found = self.listed[folder] = os.listdir(folder)
        return found


def _in(project: Project, where: Where | None, head: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, names of the *.md files to look at) of tasks/, or of just ``where``."""
    if where is None:
        yield from md_names(str(project.tasks_dir))
        return
    for folder in where.folders:
        try:
            if folder in where.inside:
                with os.scandir(folder) as found:
                    names = [e.name for e in found if e.name.endswith(".md") and e.is_file(follow_symlinks=False)]
            else:  # a name in C, a stat only for the few that start with the ID
                names = [n for n in where.names(folder) if n.startswith(head) and n.endswith(".md")
                         and _regular(os.path.join(folder, n))]
        except (FileNotFoundError, NotADirectoryError):
            continue
        yield folder, names


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def named(project: Project, task_id: str, where: Where | None = None) -> list[Path]:
    """``ids_by_filename(project).get(task_id.upper(), [])`` without a Path per file (a
    show or complete looks up one ID; at 10,000 tasks the Paths were most of its time),
    looking only ``where`` the index says if given."""
    wanted = task_id.upper()
    found = []
    for folder, names in _in(project, where, wanted):
        for name, name_id in zip(names, ids.ids_of_names(names)):
            if name_id == wanted or (not name_id and (_id_inside(project, Path(folder, name)) or "").upper() == wanted):
                found.append(Path(folder, name))
    return found


def named_under(project: Project, head: str, where: Where | None = None) -> dict[str, list[Path]]:
    """The entries of ``ids_by_filename(project)`` whose ID starts with ``head`` (upper case),
    building a Path only for those: show looks for a parent's subtasks this way, and at
    10,000 tasks a Path per file was most of its time. Only ``where`` the index says if given."""
    found: dict[str, list[Path]] = {}
    for folder, names in _in(project, where, head):
        for name, name_id in zip(names, ids.ids_of_names(names)):
            if name_id and not name_id.upper().startswith(head):
                continue
            task_id = (name_id or _id_inside(project, Path(folder, name)) or "").upper()
            if task_id.startswith(head):
                found.setdefault(task_id, []).append(Path(folder, name))
    return found


def ids_of_each(project: Project, folder: str, names: list[str]) -> list[tuple[str, bool]]:
    """(the upper-cased ID, "" if none, whether only its frontmatter holds it) of each of the
    task files ``names`` in ``folder``: the ID in its name, or in its frontmatter when the name
    carries none (what ids_by_filename finds)."""
    found = []
    for name, task_id in zip(names, ids.ids_of_names(names)):  # file names carry IDs in upper case
        if task_id:
            found.append((task_id, False))
        else:
            # TASK-a3f8-x.md or notes.md (written by hand or another tool): only the frontmatter
            # says which ID the file holds, and create must not issue it again.
            inside = _id_inside(project, Path(folder, name))
            found.append((inside.upper(), True) if inside else ("", False))
    return found


def _id_inside(project: Project, path: Path) -> str | None:
    try:
        value = read(project, path).meta.get("id")
    except TaskmintError:
        return None
    return value if ids.is_valid_id(value) else None


def read(project: Project, path: Path) -> TaskFile:
    rel = project.rel(path)
    text = read_text(str(path), rel)
    doc = frontmatter.split(text)
    meta = frontmatter.parse(doc, rel) if doc else {}
    return TaskFile(path=path, text=text, doc=doc, meta=meta)


def read_text(path: str, rel: str) -> str:
    """The text of the task file at ``path``; a TaskmintError naming ``rel`` when it is a
    symlink, cannot be read, is too large or is not UTF-8."""
    try:
        # O_NOFOLLOW: a symlink is refused by the open itself (a separate lstat per file cost
        # doctor 10% of its reading at 10,000 tasks); os.read without a file object and its
        # fstat: half the time per file
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            chunks = []
            size = 0
            while size <= frontmatter.MAX_BYTES and (chunk := os.read(fd, 1 << 16)):
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as e:
        if e.errno == errno.ELOOP and os.path.islink(path):
            raise TaskmintError(f"{rel} is a symlink; taskmint only manages real files inside tasks/") from None
        raise TaskmintError(f"cannot read {rel}: {e.strerror}; check its permissions") from None
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(raw) > frontmatter.MAX_BYTES:
        raise TaskmintError(f"{rel} is over {frontmatter.MAX_BYTES // 1024 // 1024} MiB; taskmint leaves it alone")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TaskmintError(f"{rel} is not valid UTF-8 (byte {e.start}); re-save it as UTF-8") from None



def iter_frontmatter(project: Project) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, frontmatter) of every readable task file; unreadable ones and notes are skipped."""
    for path in walk(project.tasks_dir):
        try:
            task = read(project, path)
        except TaskmintError:
            continue
        if not task.is_note:
            yield path, task.meta


def moment(value: object) -> datetime | None:
    """The moment a frontmatter value such as `completed:` names, in whatever form YAML or a
    person wrote it (a timestamp, a plain date 2020-02-03, or a quoted string); None if none."""
    types = yamltext.datetime_types()
    date, datetime, timezone = types.date, types.datetime, types.timezone
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return moment(datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def status_dir(project: Project, status: str, when: datetime | None = None) -> Path:
    if status == "completed":
        month = when.strftime("%Y-%m") if when else time.strftime("%Y-%m", time.gmtime())
        return project.tasks_dir / "completed" / month
    return project.tasks_dir / status


def status_of_folder(project: Project, path: Path) -> str | None:
    text, tasks_dir = str(path), str(project.tasks_dir)
    if text.startswith(tasks_dir + "/") and os.sep == "/":  # relative_to without parsing Paths (doctor)
        first = text[len(tasks_dir) + 1:].split("/", 1)[0]
        return first if first in STATUSES else None
    try:
        first = path.relative_to(project.tasks_dir).parts[0]
    except (ValueError, IndexError):
        return None
    return first if first in STATUSES else None
