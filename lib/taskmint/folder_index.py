"""What the task files under tasks/ hold, per folder, without reading them on every create:
the IDs they carry (so a new ID is checked against every task file), the highest external
numbers they carry (which allocate never issues again whatever the state says: state restored
from a backup outside git, its floor cache restored with it, files brought in by `git checkout
other -- tasks/`, a file written by hand), and the folder's subfolders (so walking tasks/ need
not list 10,000 files to find the few folders).

Each folder's entry is kept with the folder's mtime: adding, removing or renaming a file changes
it (git checkout, a restore, cp and editors that save through a new file all do), and only a
folder whose mtime moved is read again. A transaction that writes task files itself updates the
entries of the folders it validated (wrote()), so taskmint's own writes cost no re-read. An entry
answers only for the mtime it recorded, so a stale or restored copy of the file is harmless; a
missing or damaged one costs a re-read. What this cannot see is a file rewritten in place (same
directory entry) with a new number or ID until its folder changes: `taskmint doctor` reports the
duplicate that can cause; nor a file another program adds to a folder while a taskmint
transaction writes into it (or within the same clock tick as that write), whose change the
transaction's own update absorbs.

The file lives next to the project lock and is written only under it, without fsync (a cache).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from taskmint import atomic, external_ids, frontmatter, ids, lazyre, tasks, validators
from taskmint.errors import TaskmintError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project

KEEP = 2000  # entries (folders, over every worktree sharing the lock)


def path(project: Project) -> Path:
    return project.lock_path.with_name("tasks-index.json")


# An entry's IDs are one string, each ID on a line of its own ("\nTASK-A3F2\nTASK-B0B2\n"): a
# look-up is one search in C, and the file reads and writes 10,000 IDs as a few strings
# instead of a list of 10,000 (which cost a create at 10,000 tasks about 2 ms).
def _lines(found: set[str]) -> str:
    return "\n" + "".join(f"{i}\n" for i in sorted(found))


def _starting(lines: str, text: str, whole: bool) -> bool:
    """Whether ``lines`` hold ``text`` (whole) or an ID that starts with it."""
    return (f"\n{text}\n" if whole else f"\n{text}") in lines


def _usable(entry: object) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("mtime_ns"), int) \
        and validators.counters(entry.get("counters")) and _id_lines(entry.get("ids")) \
        and _id_lines(entry.get("inside")) and _names(entry.get("dirs"))


def _id_lines(value: object) -> bool:
    return isinstance(value, str) and value.startswith("\n") and value.endswith("\n")


def _names(value: object) -> bool:
    return isinstance(value, list) and set(map(type, value)) <= {str}  # a C pass over 10,000 IDs


class Folders:
    """The entries, read once per transaction; the caller holds the project lock."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._entries: dict[str, dict] | None = None
        self._valid: set[str] = set()  # folders whose entry matched the disk in this transaction
        self._walked: list[str] | None = None
        self._listed: dict[str, list[str]] = {}  # for tasks.Where, dropped when a folder changes
        self._dirty = False

    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            try:
                data = json.loads(path(self.project).read_bytes())
            except (OSError, ValueError):
                data = {}
            found = data.get("folders") if isinstance(data, dict) else None
            self._entries = {k: v for k, v in found.items() if _usable(v)} if isinstance(found, dict) else {}
        return self._entries

    def walk(self) -> list[str]:
        """tasks/ and every folder below it (symlinks not followed), each checked against the
        disk once in this transaction."""
        if self._walked is None:
            self._walked = []
            self._visit(str(self.project.tasks_dir))
        return self._walked

    def _visit(self, folder: str) -> None:
        entry = self._current(folder)
        if entry is None:
            return
        self._walked.append(folder)
        for name in entry["dirs"]:
            self._visit(os.path.join(folder, name))

    def _current(self, folder: str) -> dict | None:
        """The entry of ``folder``, read again if its mtime moved; None if it is no folder."""
        entries = self._load()
        if folder in self._valid:
            return entries[folder]
        try:
            mtime = os.stat(folder).st_mtime_ns  # before the read: a change during it shows next time
        except OSError:
            return None
        entry = entries.get(folder)
        if entry is None or entry["mtime_ns"] != mtime:
            entry = _read_folder(self.project, folder, mtime)
            if entry is None:
                return None
            entries[folder] = entry
            self._dirty = True
        self._valid.add(folder)
        return entry

    def highest(self) -> dict:
        """Counters at or above every number a task file under tasks/ carries."""
        best = external_ids.empty_counters()
        for folder in self.walk():
            external_ids.merge_max(best, self._entries[folder]["counters"])
        return best

    def has_id(self, task_id: str) -> bool:
        """Whether a task file under tasks/ carries ``task_id`` (upper case) in its name or,
        when its name carries none, in its frontmatter."""
        return any(_starting(self._entries[folder]["ids"], task_id, whole=True) for folder in self.walk())

    def ids(self) -> set[str]:
        """Every ID has_id knows."""
        return {i for folder in self.walk() for i in self._entries[folder]["ids"].split("\n") if i}

    def where(self, task_id: str) -> tasks.Where:
        """Where tasks.named need look for ``task_id`` (upper case): the folders whose files
        carry it (a folder a file moved out of may still be listed), by name or inside."""
        return self._where(task_id, whole=True)

    def where_under(self, head: str) -> tasks.Where:
        """Where tasks.named_under need look for the IDs that start with ``head``."""
        return self._where(head, whole=False)

    def _where(self, text: str, whole: bool) -> tasks.Where:
        walked, entries = self.walk(), self._entries
        folders = [folder for folder in walked if _starting(entries[folder]["ids"], text, whole)]
        inside = {folder for folder in folders if _starting(entries[folder]["inside"], text, whole)}
        return tasks.Where(folders, inside, self._listed)

    def count(self) -> int:
        return sum(self._entries[folder]["ids"].count("\n") - 1 for folder in self.walk())

    def validate(self, folders: Iterable[str]) -> None:
        """Before writing into ``folders`` without walk(): note which entries still match."""
        entries = self._load()
        for folder in folders:
            entry = entries.get(folder)
            try:
                if entry is not None and entry["mtime_ns"] == os.stat(folder).st_mtime_ns:
                    self._valid.add(folder)
            except OSError:
                continue

    def wrote(self, file: Path, task_id: str | None, refs: list[ExternalRef]) -> None:
        """This transaction wrote ``file``, holding ``task_id`` and ``refs``, or moved it away
        (task_id None, no refs): an entry valid before stays valid, since IDs and numbers only
        ever add (a file moved out leaves an ID taken and a floor higher, never lower)."""
        folder = str(file.parent)
        self._listed.clear()
        if folder not in self._valid:
            # A folder unknown so far (say the month folder a complete made) or changed since
            # it was looked at: read everything again if asked again in this transaction.
            self._walked = None
            self._valid.clear()
            return
        entry = self._entries[folder]
        try:
            entry["mtime_ns"] = os.stat(folder).st_mtime_ns
        except OSError:
            del self._entries[folder]
            self._valid.discard(folder)
            return
        external_ids.raise_to(entry["counters"], refs)
        named = ids.ids_of_names([file.name])[0] or None  # the pattern a folder's read compiles too
        held = task_id and ids.normalize(task_id)
        for found, key in ((named, "ids"), (held, "ids"), (None if named else held, "inside")):
            if found and not _starting(entry[key], found, whole=True):
                entry[key] += f"{found}\n"
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self._entries is None:
            return
        target = path(self.project)
        kept = dict(list(self._entries.items())[-KEEP:])
        try:
            fd, tmp = atomic.temp_file(target.parent, target.name)  # mkstemp's names, without tempfile
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps({"folders": kept}))
            os.replace(tmp, target)
        except OSError:
            os.unlink(tmp)
        self._dirty = False


# A tool's value in the frontmatter, block (`  jira: PROJ-12`) or flow (`{github: '#3'}`)
# style. Matching more than external_ids (previous_external_ids, a jira: key elsewhere) only
# raises the floor; a value this cannot read sends the file to the YAML parser.
_VALUE_RE = lazyre.compile(r"""(?:^|[{,])[ \t]*(jira|linear|github|azure_devops)[ \t]*:[ \t]*(['"]?)([^'",}\s]*)\2""",
                          re.MULTILINE)


def _read_folder(project: Project, folder: str, mtime: int) -> dict | None:
    """The entry of ``folder`` as the disk has it now; None if it is no folder."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:
        return None
    names = [e.name for e in entries if e.name.endswith(".md") and e.is_file(follow_symlinks=False)]
    dirs = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    values: list[dict] = []
    for name in names:
        values += _numbers_in(project, Path(folder, name))
    held, inside = tasks.ids_in(project, folder, names)
    return {"mtime_ns": mtime, "counters": external_ids.highest(values), "ids": _lines(held), "inside": _lines(inside),
            "dirs": dirs}


def _numbers_in(project: Project, path: Path) -> list[dict]:
    """{tool: value} dicts holding the external IDs of one task file (a note has none)."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    doc = frontmatter.split(text)
    if doc is None:
        return []
    found = [{m.group(1): m.group(3)} for m in _VALUE_RE.finditer("\n".join(doc.lines))]
    if all(external_ids.refs_in(value) for value in found):
        return found
    try:  # an anchor, a tag, a nested value: what YAML makes of it
        return [tasks.read(project, path).meta.get("external_ids")]
    except TaskmintError:
        return found
