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

A folder whose mtime moved is read again only for the files whose (inode, size, mtime) differ
from what its last reading recorded (tasks-files.json, written only by such readings, so it may
lag behind taskmint's own writes, which then count as changed): when the agent writes one task
file into a folder of 3,600, one file is read, not 3,600. A file changed in the last two
seconds before a reading is read again by the next one, since a change within the same mtime
tick would not show.

Both files live next to the project lock and are written only under it, without fsync (caches).
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from taskmint import atomic, external_ids, frontmatter, id_words, ids, lazyre, tasks, validators
from taskmint.errors import TaskmintError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project

KEEP = 2000  # entries (folders, over every worktree sharing the lock)


RACY_NS = 2_000_000_000  # a file changed this recently may change again within its mtime tick


def path(project: Project) -> Path:
    return project.lock_path.with_name("tasks-index.json")


def records_path(project: Project) -> Path:
    return project.lock_path.with_name("tasks-files.json")


def _usable(entry: object) -> bool:
    if isinstance(entry, dict):
        for key in ("ids", "inside"):  # kept as lines before: still good
            if (words := id_words.from_lines(entry.get(key))) is not None:
                entry[key] = words
    return isinstance(entry, dict) and isinstance(entry.get("mtime_ns"), int) \
        and validators.counters(entry.get("counters")) and id_words.valid(entry.get("ids")) \
        and id_words.valid(entry.get("inside")) and _names(entry.get("dirs")) \
        and isinstance(entry.get("token", ""), str)


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
        self._records: dict[str, dict] | None = None  # folder -> {"token", "files": {name: signature}}
        self._records_dirty = False

    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            self._entries = _load_folders(path(self.project), _usable)
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
            entry = self._read(folder, mtime, entry)
            if entry is None:
                return None
            entries[folder] = entry
            self._dirty = True
        self._valid.add(folder)
        return entry

    def _read(self, folder: str, mtime: int, old: dict | None) -> dict | None:
        """The entry of ``folder`` as the disk has it now (None if it is no folder), reading
        only the files that changed since its last reading when ``old`` descends from it."""
        listed = _listing(folder)
        if listed is None:
            return None
        files, dirs = listed
        records = self._load_records()
        known = records.get(folder)
        before: dict[str, str] = {}
        counters = external_ids.empty_counters()
        if old is not None and known is not None and known["token"] == old.get("token"):
            before = known["files"]  # numbers only ever add: the old floor stands
            counters = {k: dict(v) if isinstance(v, dict) else v for k, v in old["counters"].items()}
        # a record is "signature ID how" (how: n in the name, i inside, - none); a file whose
        # record's signature still matches is not read again
        kept = {name: record for name, signature in files.items()
                if signature != _RACY and (record := before.get(name, "")).startswith(signature + " ")}
        changed = [name for name in files if name not in kept]
        values: list[dict] = []
        for name in changed:
            values += _numbers_in(self.project, Path(folder, name))
        external_ids.merge_max(counters, external_ids.highest(values))
        held: set[str] = set()
        inside: set[str] = set()
        now = dict(zip(changed, tasks.ids_of_each(self.project, folder, changed)))
        for name, record in kept.items():
            _, task_id, how = record.split(" ")
            now[name] = (task_id, how == "i")
        for task_id, only_inside in now.values():
            if task_id:
                held.add(task_id)
                if only_inside:
                    inside.add(task_id)
        token = os.urandom(8).hex()
        records[folder] = {"token": token, "files": {
            name: f"{signature} {now[name][0]} {'i' if now[name][1] else 'n' if now[name][0] else '-'}"
            for name, signature in files.items()}}
        self._records_dirty = True
        return {"mtime_ns": mtime, "counters": counters, "ids": id_words.join(sorted(held)),
                "inside": id_words.join(sorted(inside)), "dirs": dirs, "token": token}

    def _load_records(self) -> dict[str, dict]:
        if self._records is None:
            self._records = _load_folders(records_path(self.project), lambda v: isinstance(v, dict) and isinstance(
                v.get("token"), str) and isinstance(v.get("files"), dict))
        return self._records

    def highest(self) -> dict:
        """Counters at or above every number a task file under tasks/ carries."""
        best = external_ids.empty_counters()
        for folder in self.walk():
            external_ids.merge_max(best, self._entries[folder]["counters"])
        return best

    def has_id(self, task_id: str) -> bool:
        """Whether a task file under tasks/ carries ``task_id`` (upper case) in its name or,
        when its name carries none, in its frontmatter."""
        return any(id_words.holds(self._entries[folder]["ids"], task_id, whole=True) for folder in self.walk())

    def ids(self) -> set[str]:
        """Every ID has_id knows."""
        return {i for folder in self.walk() for i in id_words.split(self._entries[folder]["ids"])}

    def where(self, task_id: str) -> tasks.Where:
        """Where tasks.named need look for ``task_id`` (upper case): the folders whose files
        carry it (a folder a file moved out of may still be listed), by name or inside."""
        return self._where(task_id, whole=True)

    def where_under(self, head: str) -> tasks.Where:
        """Where tasks.named_under need look for the IDs that start with ``head``."""
        return self._where(head, whole=False)

    def _where(self, text: str, whole: bool) -> tasks.Where:
        walked, entries = self.walk(), self._entries
        folders = [folder for folder in walked if id_words.holds(entries[folder]["ids"], text, whole)]
        inside = {folder for folder in folders if id_words.holds(entries[folder]["inside"], text, whole)}
        return tasks.Where(folders, inside, self._listed)

    def count(self) -> int:
        return sum(id_words.count(self._entries[folder]["ids"]) for folder in self.walk())

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
            if found and not id_words.holds(entry[key], found, whole=True):
                entry[key] += f"{found} "
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self._entries is None:
            return
        kept = dict(list(self._entries.items())[-KEEP:])
        atomic.write_cache(path(self.project), index_text(kept))
        if self._records_dirty and self._records is not None:
            atomic.write_cache(records_path(self.project), json.dumps({"folders": {k: v for k, v in self._records.items() if k in kept}}))
        self._dirty = self._records_dirty = False


def _load_folders(source: Path, usable: Callable[[object], bool]) -> dict[str, dict]:
    """The usable entries of the ``{"folders": {...}}`` file ``source``; {} if it is missing or damaged."""
    try:
        data = json.loads(source.read_bytes())
    except (OSError, ValueError):
        return {}
    found = data.get("folders") if isinstance(data, dict) else None
    return {k: v for k, v in found.items() if usable(v)} if isinstance(found, dict) else {}


def index_text(entries: dict[str, dict]) -> str:
    """The index file's JSON: what json.dumps gives for {"folders": entries}, with each entry's
    IDs strings written as they stand (json.dumps walked those 130 KB char by char at 10,000
    tasks, half a millisecond of a create)."""
    return '{"folders": {' + ", ".join(f"{json.dumps(folder)}: {_entry_text(entry)}"
                                       for folder, entry in entries.items()) + "}}"


def _entry_text(entry: dict) -> str:
    ids, inside = entry["ids"], entry["inside"]
    rest = json.dumps({k: v for k, v in entry.items() if k != "ids" and k != "inside"})
    if rest == "{}" or not (id_words.spelt_as_is(ids) and id_words.spelt_as_is(inside)):
        return json.dumps(entry)  # anything JSON would escape
    return f'{rest[:-1]}, "ids": "{ids}", "inside": "{inside}"}}'


_RACY = "racy"  # the signature of a file changed within RACY_NS of its reading: never matches


def _listing(folder: str) -> tuple[dict[str, str], list[str]] | None:
    """({name: signature} of the *.md files directly in ``folder``, its subfolders), or None if
    it is no folder. A signature is "inode:size:mtime", or racy."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:
        return None
    now = time.time_ns()
    files: dict[str, str] = {}
    dirs = []
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            dirs.append(e.name)
        elif e.name.endswith(".md") and e.is_file(follow_symlinks=False):
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue  # gone since the listing
            files[e.name] = _RACY if now - st.st_mtime_ns < RACY_NS else f"{e.inode()}:{st.st_size}:{st.st_mtime_ns}"
    return files, dirs


# A tool's value in the frontmatter, block (`  jira: PROJ-12`) or flow (`{github: '#3'}`)
# style. Matching more than external_ids (previous_external_ids, a jira: key elsewhere) only
# raises the floor; a value this cannot read sends the file to the YAML parser.
_VALUE_RE = lazyre.compile(r"""(?:^|[{,])[ \t]*(jira|linear|github|azure_devops)[ \t]*:[ \t]*(['"]?)([^'",}\s]*)\2""",
                          re.MULTILINE)


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
