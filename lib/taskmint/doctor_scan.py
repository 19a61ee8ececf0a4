"""What `taskmint doctor` reads: every task file under tasks/ and the state files, as on disk.

Doctor is the tool that checks the truth, so nothing here comes from a cache (folder_index,
floor_cache): every file is read, every time. At 10,000 tasks reading is most of doctor's
time, so each task's text is read once, a file in taskmint's own flat layout is parsed by
flatyaml without splitting the whole file into lines (frontmatter.plain_lines), the Document
a repair rewrites is split only when something asks for it, and each task's relative path,
ID, external IDs and folder are worked out once, here, for every check to use.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from collections.abc import Iterable
from pathlib import Path

from taskmint import external_ids, flatyaml, frontmatter, ids, state, tasks
from taskmint.errors import StateError, TaskmintError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# What the mapping schema accepts as a key: hash IDs and legacy ones like TASK-042-fix-login.
KEY_RE = re.compile(r"TASK-[A-Z0-9][A-Z0-9.-]*")
PREVIOUS_IDS = "previous_ids"
PREVIOUS_EXTERNAL = "previous_external_ids"


class Task:
    """A readable task file (one with frontmatter). A plain class with slots: doctor makes
    10,000 of them, and compares them by identity."""

    __slots__ = ("file", "rel", "text", "meta", "id", "keyed", "valid", "refs", "mine", "top", "_path", "_doc",
                 "_order")

    def __init__(self, file: str, rel: str, text: str, meta: dict[str, Any], top: str | None,
                 doc: frontmatter.Document | None = None, facts: tuple | None = None) -> None:
        self.file, self.rel, self.text, self.meta = file, rel, text, meta
        self.top = top  # the folder right under tasks/ that holds the file; None for tasks/ itself
        self.id, self.keyed, self.valid, self.refs, self.mine = task_facts(meta) if facts is None else facts
        self._path: Path | None = None
        self._doc = doc  # None: split when first asked for
        self._order: tuple | None = None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.file)
        return self._path

    @property
    def doc(self) -> frontmatter.Document:
        """The frontmatter split as tasks.read splits it (the one a repair rewrites)."""
        if self._doc is None:
            self._doc = frontmatter.split(self.text)
        return self._doc

    @property
    def order(self) -> tuple:
        """(created, in a folder other than its status's, path): see doctor._first."""
        if self._order is None:
            status, folder = self.meta.get("status"), self.top if self.top in tasks.STATUSES else None
            misplaced = folder is not None and status in tasks.STATUSES and status != folder
            self._order = (_when(self.meta.get("created")), misplaced, self.rel)
        return self._order


def task_facts(meta: dict[str, Any]) -> tuple[str | None, bool, bool, list[ExternalRef], dict[str, str]]:
    """(id, keyed, valid, refs, mine) of a Task with frontmatter ``meta``."""
    raw_id = meta.get("id")
    task_id = raw_id.strip().upper() if isinstance(raw_id, str) and raw_id.strip() else None  # None: none
    # Both asked for: ID_RE ignores case, so it takes a few non-ASCII letters KEY_RE does not
    # (U+212A, the Kelvin sign, for a K; U+0130, the dotted capital I, for an I).
    keyed = task_id is not None and KEY_RE.fullmatch(task_id) is not None  # may key the mapping
    valid = task_id is not None and ids.is_valid_id(task_id)  # a taskmint hash ID
    refs = external_ids.refs_in(meta.get("external_ids"))
    return task_id, keyed, valid, refs, {r.tool: r.text() for r in refs}  # mine: as the mapping writes them


def _when(value: object) -> str:
    text = frontmatter.as_text(value) if isinstance(value, (datetime, date, str)) else None
    return text or "~"  # no date: sorts after every dated copy


class Unreadable:
    """A file under tasks/ that cannot be read as a task: why, and the ID its name carries."""

    __slots__ = ("rel", "problem", "named")

    def __init__(self, rel: str, problem: str, named: str | None) -> None:
        self.rel, self.problem, self.named = rel, problem, named


def read_tasks(project: Project) -> tuple[list[Task | Unreadable], int]:
    """(every task file and unreadable file under tasks/, in path order; the number of notes,
    Markdown files without frontmatter). What tasks.read reads, with the same messages."""
    tasks_dir = str(project.tasks_dir)
    prefix = project.rel(project.tasks_dir)
    found: list[tuple[str, str, str | None]] = []  # (file, rel, top)
    for folder, names in tasks.md_names(tasks_dir):
        below = folder[len(tasks_dir) + 1:]  # "" for tasks/ itself
        top = below.split("/", 1)[0] if below else None
        folder_rel = prefix + folder[len(tasks_dir):] + "/"
        found += [(f"{folder}/{name}", folder_rel + name, top) for name in names]
    # the order of sorted(Path, ...): part by part
    found.sort(key=lambda item: item[0].split("/"))
    if len(found) < FORK_FROM or not hasattr(os, "fork"):
        return _objects(found, map(_scan, found))
    # three fifths here: the helper also pickles what it scanned (doctor unpickles it in half
    # the time), and its writes copy the memory pages it shares with doctor
    cut = len(found) * 3 // 5
    helper = _start(found[cut:])
    first = [_scan(item) for item in found[:cut]]
    second = _finish(helper, len(found) - cut) if helper is not None else None
    if second is None:  # no helper, or it failed: read its part here, as it would have
        second = map(_scan, found[cut:])
    return _objects(found, [*first, *second])


# From this many task files on, a forked helper reads and parses the last two fifths of them
# while doctor does the rest (that is most of doctor's time, and the machines have two cores),
# and hands back what _scan gives for each, pickled into a file in memory (_start). A helper
# that cannot start or fails in any way costs time, never a file: doctor then reads its part.
FORK_FROM = 2000


def _scan(item: tuple[str, str, str | None]) -> tuple:
    """What one task file holds: ("task", text, meta, Document or None, task_facts), ("note",)
    for a Markdown file without frontmatter, or ("unreadable", problem, the ID its name carries)."""
    file, rel, _ = item
    try:
        text = tasks.read_text(file, rel)
        lines = frontmatter.plain_lines(text)
        meta = flatyaml.load(lines) if lines else None  # taskmint's own layout, as tasks.read reads it
        doc = None
        if meta is None:
            doc = frontmatter.split(text)
            if doc is None:
                return ("note",)  # not a task: counted, never a finding
            meta = frontmatter.parse(doc, rel)
    except TaskmintError as e:
        named = ids.id_from_filename(file.rpartition("/")[2])
        return ("unreadable", f"{e}".removeprefix(f"{rel}: "), named.upper() if named else None)
    return ("task", text, meta, doc, task_facts(meta))


def _objects(found: list[tuple[str, str, str | None]], scanned: Iterable[tuple]
             ) -> tuple[list[Task | Unreadable], int]:
    read: list[Task | Unreadable] = []
    notes = 0
    for (file, rel, top), found_there in zip(found, scanned):
        kind = found_there[0]
        if kind == "task":
            _, text, meta, doc, facts = found_there
            read.append(Task(file, rel, text, meta, top, doc, facts))
        elif kind == "note":
            notes += 1
        else:
            read.append(Unreadable(rel, found_there[1], found_there[2]))
    return read, notes


def _start(part: list[tuple[str, str, str | None]]) -> tuple[int, int] | None:
    """(pid, the file it writes to) of a forked helper scanning ``part``; None if none could
    start. A file in memory, not a pipe: the helper's 3 MB at 10,000 tasks need not wait, 64 KB
    at a time, until doctor is done with its own part."""
    try:
        if hasattr(os, "memfd_create"):  # Linux: no file system involved, and no tempfile import
            handed = os.fdopen(os.memfd_create("taskmint-doctor", os.MFD_CLOEXEC), "w+b")
        else:
            import tempfile

            handed = tempfile.TemporaryFile()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        handed.close()
        return None
    if pid:
        fd = os.dup(handed.fileno())
        handed.close()
        return pid, fd
    code = 1  # the helper: never returns, never runs the parent's exit handlers or flushes its output
    try:
        import pickle

        scanned = [_scan(item) for item in part]
        for n, found_there in enumerate(scanned):
            if found_there[0] == "task":  # ExternalRefs as plain tuples: they pickle in half the time
                task_id, keyed, valid, refs, mine = found_there[4]
                scanned[n] = (*found_there[:4], (task_id, keyed, valid, [tuple(r) for r in refs], mine))
        handed.write(pickle.dumps(scanned, pickle.HIGHEST_PROTOCOL))
        handed.flush()
        code = 0
    finally:
        os._exit(code)


def _finish(helper: tuple[int, int], count: int) -> list[tuple] | None:
    """What the helper scanned (``count`` files); None when it failed in any way."""
    import pickle

    pid, fd = helper
    _, status = os.waitpid(pid, 0)
    with os.fdopen(fd, "rb") as source:
        source.seek(0)
        data = source.read()
    if status != 0 or not data:
        return None
    try:
        scanned = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a half-written pickle: scan that half here
        return None
    if not isinstance(scanned, list) or len(scanned) != count:
        return None
    make = tuple.__new__
    for found_there in scanned:
        if found_there[0] == "task":
            refs = found_there[4][3]
            refs[:] = [make(ExternalRef, r) for r in refs]
    return scanned


class StateFile:
    """A state file as doctor finds it (never through state.load, which refuses files that
    are broken twice over: that refusal points users to doctor)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict | None = None  # usable content, migrated to the current version
        self.problem: str | None = None  # why it is unusable
        self.migrated = False
        self.newer: str | None = None  # why a newer taskmint's file is left alone
        self.json: object = None  # its JSON as written, whatever its version or schema (for worktrees.counters_in)

    @property
    def exists(self) -> bool:
        return self.data is not None or self.problem is not None


def read_state(project: Project, path: Path, kind: str) -> StateFile:
    """The state file of ``kind`` ("mappings" or "counters") at ``path``, read once."""
    found = StateFile(path)
    rel = project.rel(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return found
    except OSError as e:
        found.problem = e.strerror or str(e)
        return found
    try:
        found.data, found.migrated = state.parse(raw, kind, rel)
    except state.Unusable as e:
        found.problem = str(e)
    except StateError as e:
        found.problem, found.newer = "its version cannot be read", f"{e}".removeprefix(f"{rel} ")
    if found.data is not None and not found.migrated:
        found.json = found.data  # what json.loads gives for those bytes
    else:
        try:
            found.json = json.loads(raw.decode("utf-8"))
        except ValueError:
            pass
    return found
