"""The highest external numbers the task files under tasks/ carry, which allocate never
issues again whatever the state says: state restored from a backup outside git (its floor
cache restored with it), files brought in by `git checkout other -- tasks/`, a file written
by hand.

Reading every task file on every create is too slow at 10,000 tasks, so the numbers are
kept per folder, with the folder's mtime: adding, removing or renaming a file changes it
(git checkout, a restore, cp and editors that save through a new file all do), and only a
folder whose mtime moved is read again. A transaction that writes task files itself updates
the entries of the folders it validated (wrote()), so taskmint's own writes cost no re-read.
An entry answers only for the mtime it recorded, so a stale or restored copy of the file is
harmless; a missing or damaged one costs a re-read. What this cannot see is a file rewritten
in place (same directory entry) with a new number until its folder changes: `taskmint
doctor` reports the duplicate that can cause; nor a file another program adds to a folder
while a taskmint transaction writes into it (or within the same clock tick as that write),
whose change the transaction's own update absorbs.

The file lives next to the project lock and is written only under it, without fsync (a cache).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from taskmint import external_ids, frontmatter, tasks, validators
from taskmint.errors import TaskmintError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project

KEEP = 2000  # entries (folders, over every worktree sharing the lock)


def path(project: Project) -> Path:
    return project.lock_path.with_name("tasks-numbers.json")


class Folders:
    """The entries, read once per transaction; the caller holds the project lock."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._entries: dict[str, dict] | None = None
        self._valid: set[str] = set()  # folders whose entry matched the disk in this transaction
        self._dirty = False

    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            try:
                data = json.loads(path(self.project).read_bytes())
            except (OSError, ValueError):
                data = {}
            found = data.get("folders") if isinstance(data, dict) else None
            self._entries = {k: v for k, v in found.items() if isinstance(v, dict) and isinstance(v.get("mtime_ns"), int)
                             and validators.counters(v.get("counters"))} if isinstance(found, dict) else {}
        return self._entries

    def highest(self, folders: Iterable[str]) -> dict:
        """Counters at or above every number a task file in ``folders`` carries."""
        entries = self._load()
        best = external_ids.empty_counters()
        for folder in folders:
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                continue
            entry = entries.get(folder)
            if entry is None or entry["mtime_ns"] != mtime:
                entry = {"mtime_ns": mtime, "counters": _read_folder(self.project, folder)}
                entries[folder] = entry
                self._dirty = True
            self._valid.add(folder)
            external_ids.merge_max(best, entry["counters"])
        return best

    def validate(self, folders: Iterable[str]) -> None:
        """Before writing into ``folders`` without highest(): note which entries still match."""
        entries = self._load()
        for folder in folders:
            entry = entries.get(folder)
            try:
                if entry is not None and entry["mtime_ns"] == os.stat(folder).st_mtime_ns:
                    self._valid.add(folder)
            except OSError:
                continue

    def wrote(self, folder: str, refs: list[ExternalRef]) -> None:
        """This transaction wrote a file carrying ``refs`` into ``folder``: an entry valid
        before stays valid (numbers only ever add, so a file moved out leaves a higher floor)."""
        if folder not in self._valid:
            return
        entry = self._load()[folder]
        try:
            entry["mtime_ns"] = os.stat(folder).st_mtime_ns
        except OSError:
            del self._entries[folder]
            self._valid.discard(folder)
        else:
            external_ids.raise_to(entry["counters"], refs)
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self._entries is None:
            return
        target = path(self.project)
        kept = dict(list(self._entries.items())[-KEEP:])
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
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
_VALUE_RE = re.compile(r"""(?:^|[{,])[ \t]*(jira|linear|github|azure_devops)[ \t]*:[ \t]*(['"]?)([^'",}\s]*)\2""",
                       re.MULTILINE)


def _read_folder(project: Project, folder: str) -> dict:
    """Counters as high as the numbers of the task files directly in ``folder``."""
    try:
        with os.scandir(folder) as found:
            names = [e.name for e in found if e.name.endswith(".md") and e.is_file(follow_symlinks=False)]
    except OSError:
        names = []
    values: list[dict] = []
    for name in names:
        values += _numbers_in(project, Path(folder, name))
    return external_ids.highest(values)


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
