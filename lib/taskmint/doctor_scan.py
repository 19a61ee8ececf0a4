"""What `taskmint doctor` reads: every task file under tasks/ and the state files, as on disk.

Doctor is the tool that checks the truth, so nothing here comes from a cache (folder_index,
floor_cache): every file is read, every time. At 10,000 tasks reading is most of doctor's
time, so each task's text is read once, a file in taskmint's own flat layout is parsed by
flatyaml without splitting the file into lines (frontmatter.plain_inner), the Document
a repair rewrites is split only when something asks for it, and each task's relative path,
ID, external IDs and folder are worked out once, here, for every check to use.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from collections.abc import Callable, Iterable
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


def read_tasks(project: Project, meanwhile: Callable[[], object] | None = None
               ) -> tuple[list[Task | Unreadable], int, list[tuple[str, list[str]]]]:
    """(every task file and unreadable file under tasks/, in path order; the number of notes,
    Markdown files without frontmatter; each folder under tasks/ with the names in it that
    start with a dot, which are not folders). What tasks.read reads, with the same messages.
    ``meanwhile()`` is called before the first file is read, once a helper reads files too."""
    tasks_dir = str(project.tasks_dir)
    prefix = project.rel(project.tasks_dir)
    found: list[tuple[str, str, str | None]] = []  # (file, rel, top)
    dotted: list[tuple[str, list[str]]] = []  # for doctor's temporary files: listing 10,000 names again cost 15 ms
    for folder, entries in tasks.folders(tasks_dir):
        below = folder[len(tasks_dir) + 1:]  # "" for tasks/ itself
        top = below.split("/", 1)[0] if below else None
        folder_rel = prefix + folder[len(tasks_dir):] + "/"
        found += [(f"{folder}/{e.name}", folder_rel + e.name, top) for e in entries if tasks.is_md_file(e)]
        dotted.append((folder, [e.name for e in entries if e.name[:1] == "." and not e.is_dir(follow_symlinks=False)]))
    # The order of sorted(Path, ...), part by part: the parts joined by "\0", which sorts before
    # every character a name can hold. Splitting each path into a list for the key cost 35 ms
    # at 10,000 tasks.
    found.sort(key=lambda item: item[0].replace("/", "\0"))
    if len(found) < FORK_FROM or not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        return (*_objects(found, map(_scan, found)), dotted)
    return (*_objects(found, _scan_in_two(found, meanwhile)), dotted)


# From this many task files on, a forked helper reads and parses some of them while doctor
# reads the others (that is most of doctor's time, and the machines have two cores), and
# hands back what _scan gives for each, pickled into a file in memory. A helper that cannot
# start or fails in any way costs time, never a file: doctor then reads its part.
FORK_FROM = 2000
# The files are dealt in chunks of this many: each process takes the next chunk when it is done
# with one, so the two end together however fast each one's core is at the time (a fixed split
# left one waiting up to 100 ms for the other in this machine's slow hours).
CHUNK = 64


def _scan(item: tuple[str, str, str | None]) -> tuple:
    """What one task file holds: ("task", text, meta, Document or None, task_facts), ("note",)
    for a Markdown file without frontmatter, or ("unreadable", problem, the ID its name carries)."""
    file, rel, _ = item
    try:
        text = tasks.read_text(file, rel)
        inner = frontmatter.plain_inner(text)
        meta = flatyaml.load_text(inner) if inner is not None else None  # taskmint's layout, as tasks.read reads it
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


def _scan_in_two(found: list[tuple[str, str, str | None]], meanwhile: Callable[[], object] | None
                 ) -> list[tuple]:
    """_scan of each of ``found``, shared with a forked helper when one can start, and
    ``meanwhile()`` while the helper takes the first chunks."""
    size = max(CHUNK, -(-len(found) // _MOST_CHUNKS))
    chunks = [found[at:at + size] for at in range(0, len(found), size)]
    scanned: list[list[tuple] | None] = [None] * len(chunks)
    helper = _start(chunks)
    try:
        if meanwhile is not None:
            meanwhile()
        while helper is not None and (claimed := os.read(helper.dealer, 2)):
            n = int.from_bytes(claimed, "big")
            scanned[n] = [_scan(item) for item in chunks[n]]
            helper.take(scanned, chunks)  # between two chunks: the unpickling is shared out too
        if helper is not None:
            helper.take(scanned, chunks, last=True)
    finally:
        if helper is not None:
            helper.close()
    # the chunks no one handed back: no helper, or it failed
    return [found_there for n, part in enumerate(scanned)
            for found_there in (part if part is not None else map(_scan, chunks[n]))]


# A chunk's number is two bytes in the pipe that deals them, and the end of what the helper
# wrote for a chunk is eight bytes in the pipe that announces it, all written before anyone
# reads: 8,000 bytes fit in any pipe (Linux holds 64 KiB, macOS 16 KiB) without a reader.
_MOST_CHUNKS = 1000


class _Helper:
    """A forked helper (_start): it takes chunk numbers from ``dealer``, writes what it scanned
    of each chunk, pickled, to the file ``handed``, and then the end of that pickle in the file
    to ``announced``. Doctor takes each pickle once it is announced: one whose end is written
    was written whole before it."""

    def __init__(self, pid: int, dealer: int, announced: int, handed: int) -> None:
        self.pid, self.dealer, self.announced, self.handed = pid, dealer, announced, handed
        self.taken = 0  # where the next pickle starts in ``handed``
        self.pending = b""  # a part of an end read before the rest of it
        self.broken = False  # a pickle that was not what the helper writes: take no more

    def take(self, scanned: list[list[tuple] | None], chunks: list[list[tuple[str, str, str | None]]],
             last: bool = False) -> None:
        """Put each chunk the helper has announced into ``scanned``; with ``last``, wait
        for the helper to end first, and take all it announced."""
        if last:
            os.waitpid(self.pid, 0)
            os.set_blocking(self.announced, True)
        news = self.pending
        try:
            while more := os.read(self.announced, 8192):
                news += more
                if not last:
                    break
        except BlockingIOError:
            pass
        whole = len(news) - len(news) % 8
        self.pending = news[whole:]
        for at in range(0, whole, 8):
            end = int.from_bytes(news[at:at + 8], "big")
            if not self.broken:
                self._unpickle(end, scanned, chunks)

    def _unpickle(self, end: int, scanned: list[list[tuple] | None],
                  chunks: list[list[tuple[str, str, str | None]]]) -> None:
        import pickle

        try:
            n, part = pickle.loads(os.pread(self.handed, end - self.taken, self.taken))
            if not (isinstance(part, list) and len(part) == len(chunks[n]) and scanned[n] is None):
                raise ValueError(n)
        except Exception:  # noqa: BLE001 - a damaged pickle: scan the chunks it had here
            self.broken = True
            return
        self.taken = end
        make = tuple.__new__
        for found_there in part:
            if found_there[0] == "task":
                refs = found_there[4][3]
                refs[:] = [make(ExternalRef, r) for r in refs]
        scanned[n] = part

    def close(self) -> None:
        for fd in (self.dealer, self.announced, self.handed):
            os.close(fd)
        try:
            os.waitpid(self.pid, os.WNOHANG)  # reaped already, unless doctor failed on its way
        except ChildProcessError:
            pass


def _start(chunks: list[list[tuple[str, str, str | None]]]) -> _Helper | None:
    """A forked helper that scans the chunks it takes (see _Helper); None if none could
    start. Each read of two bytes takes one chunk's number: no two reads get the same one.
    It writes into a file in memory, not a pipe: its 3 MB at 10,000 tasks need not wait, 64 KB
    at a time, until doctor takes them."""
    opened: list[int] = []
    try:
        if hasattr(os, "memfd_create"):  # Linux: no file system involved, and no tempfile import
            opened.append(os.memfd_create("taskmint-doctor", os.MFD_CLOEXEC))
        else:
            import tempfile

            with tempfile.TemporaryFile() as handed:
                opened.append(os.dup(handed.fileno()))
        opened += os.pipe()
        opened += os.pipe()
        handed, dealer, deal, announced, announce = opened
        # every number is in the pipe, and its write end closed, before the helper starts: an
        # empty read is the end of the deal for both
        os.write(deal, b"".join(n.to_bytes(2, "big") for n in range(len(chunks))))
        os.close(deal)
        opened.remove(deal)
        pid = os.fork()
    except OSError:
        for fd in opened:
            os.close(fd)
        return None
    if pid:
        os.close(announce)
        os.set_blocking(announced, False)
        return _Helper(pid, dealer, announced, handed)
    code = 1  # the helper: never returns, never runs the parent's exit handlers or flushes its output
    try:
        import pickle

        end = 0
        while claimed := os.read(dealer, 2):
            n = int.from_bytes(claimed, "big")
            part = [_scan(item) for item in chunks[n]]
            for at, found_there in enumerate(part):
                if found_there[0] == "task":  # ExternalRefs as plain tuples: they pickle in half the time
                    task_id, keyed, valid, refs, mine = found_there[4]
                    part[at] = (*found_there[:4], (task_id, keyed, valid, [tuple(r) for r in refs], mine))
            data = memoryview(pickle.dumps((n, part), pickle.HIGHEST_PROTOCOL))
            while data:
                data = data[os.write(handed, data):]
            end += len(data.obj)
            os.write(announce, end.to_bytes(8, "big"))
        code = 0
    finally:
        os._exit(code)


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
