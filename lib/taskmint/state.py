"""The two state files, their .bak copies, v1.0 migration and recovery.

Every function here expects the caller to hold the project lock (see transaction.py):
recovering from a .bak while another process writes would lose that process's update.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from taskmint import (atomic, external_ids, floor_cache, id_words, ids, jsontext, mapping_text, schemas, validators,
                      yamltext)
from taskmint.errors import StateError
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

VERSION = "2.0"
_KNOWN = (2, 0)


class State:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, *, counters: dict[str, Any] | None = None, mapping_source: bytes | None = None) -> None:
        self.counters = external_ids.empty_counters() if counters is None else counters
        # Files that had to be recovered or rebuilt while loading; they are rewritten at once.
        self.repaired: list[str] = []
        # Files recovered from their .bak: rewriting them must not rotate the unusable file
        # into .bak, over the good copy it was recovered from.
        self.from_backup: set[Path] = set()
        # The floor cache's entries, and the digest of the mapping file's bytes as read (None
        # unless read as is from the file itself): its key to them.
        self.floor_entries: list[dict] = []
        self.mapping_digest: floor_cache.Digest | None = None
        # A mapping file's bytes in taskmint's own layout (proven valid; its keys upper case)
        # stay unparsed while the transaction only asks for its IDs and adds entries, as a
        # create does: parsing 1.3 MB at 10,000 tasks cost more than the rest of the create.
        # ``mappings`` parses them.
        self.mapping_source = mapping_source
        self._parsed: dict[str, dict[str, str]] | None = None
        self._added: dict[str, dict[str, str]] = {}

    @property
    def mappings(self) -> dict[str, dict[str, str]]:
        """Internal ID -> external IDs: the mapping as loaded plus what was added since."""
        if self._parsed is None:
            self._parsed = {}
            if self.mapping_source is not None:
                self._parsed = json.loads(self.mapping_source)["mappings"]
            self._parsed.update(self._added)
            self._added = {}
        return self._parsed

    @mappings.setter
    def mappings(self, value: dict[str, dict[str, str]]) -> None:
        self._parsed, self._added, self.mapping_source = value, {}, None

    def mapping_ids(self) -> set[str]:
        """The upper-cased internal IDs of the mapping, without parsing it."""
        if self._parsed is not None or self.mapping_source is None:
            return set(map(str.upper, self.mappings))
        return set(mapping_text.ids(self.mapping_source)) | set(self._added)  # both upper case

    def has_id(self, task_id: str) -> bool:
        """Whether the mapping has an entry for ``task_id`` (upper case), compared upper-case."""
        if self._parsed is not None or self.mapping_source is None:
            return task_id in self.mapping_ids()
        return task_id in self._added or mapping_text.has_id(self.mapping_source, task_id)

    def holders(self, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """(tool, internal ID) of every entry that gives a tool one of the ``wanted`` (tool,
        external ID) pairs; found in the text while it is unparsed (show at 10,000 tasks)."""
        if self._parsed is None and self.mapping_source is not None:
            found: set[tuple[str, str]] | None = set()
            for tool, value in wanted:
                ids = mapping_text.holding(self.mapping_source, tool, value)
                if ids is None:
                    found = None
                    break
                found.update((tool, i) for i in ids)
            if found is not None:  # an entry added since replaces the text's entry of that ID
                return {(tool, i) for tool, i in found if i not in self._added} | {
                    (tool, i) for i, ext in self._added.items() for tool, value in ext.items() if (tool, value) in wanted}
        return {(tool, i) for i, ext in self.mappings.items() for tool, value in ext.items() if (tool, value) in wanted}

    def add_mapping(self, task_id: str, external: dict[str, str]) -> None:
        task_id = ids.normalize(task_id)  # `id: task-99af` in a file is TASK-99AF here
        if self._parsed is None:
            self._added[task_id] = external
        else:
            self._parsed[task_id] = external

    def render_mapping(self, updated: str) -> tuple[list[bytes | memoryview], str, bool]:
        """The mapping file's new bytes, in pieces (appended to the bytes read while those were
        not parsed), their floor-cache key, and whether they are proven to be in taskmint's own
        layout."""
        if self._parsed is None and self.mapping_source is not None:
            parts = mapping_text.append_parts(self.mapping_source, VERSION, updated, self._added)
            if parts is not None:
                header, _, entries, tail = parts
                key = self.mapping_digest.appended(header, entries, tail) if self.mapping_digest is not None \
                    else floor_cache.digest(b"".join(parts))
                return list(parts), key, validators.plain_appended(VERSION, updated, self._added)
        raw = dump({"version": VERSION, "updated": updated, "mappings": self.mappings})
        return [raw], floor_cache.digest(raw), False  # proven when next read, if needed


class Unusable(Exception):
    pass


def warn(message: str) -> None:
    print(f"taskmint: warning: {message}", file=sys.stderr)


def _version(data: object) -> tuple[int, int] | None:
    """The (major, minor) of a state file's ``version``; None when it has one that is not
    "N.M" ("99", 3, null). Only a file with no version at all is taken for damage."""
    if not isinstance(data, dict) or "version" not in data:
        raise Unusable("no version field")
    value = data["version"]
    if not isinstance(value, str):
        return None
    major, dot, minor = value.partition(".")  # what (\d+)\.(\d+) matches, without compiling it in every create
    return (int(major), int(minor)) if dot and major.isdecimal() and minor.isdecimal() else None


def _readable(version: tuple[int, int] | None) -> bool:
    return version is not None and (version[0] == 1 or version == _KNOWN)


def refused_version(data: object, rel: str) -> str | None:
    """Why ``data`` must be refused and left untouched because of its version (newer than this
    taskmint, or one it cannot read), or None. "Recovering" such a file from its older .bak
    would silently downgrade it."""
    try:
        version = _version(data)
    except Unusable:
        return None
    if _readable(version):
        return None
    value = data["version"]  # type: ignore[index]
    # as the file says it: 3.0 and 99 as written, "" and non-strings (3, null) in JSON
    shown = value if isinstance(value, str) and value and value.strip() == value else json.dumps(value)
    if version is not None and version > _KNOWN:
        return (f"{rel} has version {shown}, newer than this taskmint understands ({VERSION}); "
                "upgrade taskmint. The file was left untouched")
    return (f"{rel} has version {shown}, which this taskmint cannot read (it reads 1.x and {VERSION}); "
            "restore the file from git or a backup, or upgrade taskmint. The file was left untouched")


def _migrate_v1(kind: str, data: dict) -> dict:
    """guardkit's v1.0 files: same envelope, GitHub numbers stored without '#', and
    counters that may be 'next' rather than 'last issued' (taken as last issued: at worst
    one number is skipped, never reused)."""
    payload = data.get(kind)
    if not isinstance(payload, dict):
        raise Unusable(f"v1.0 file without a {kind!r} object")
    if kind == "mappings":
        migrated: dict[str, dict[str, str]] = {}
        for internal_id, ext in payload.items():
            if not isinstance(ext, dict):
                raise Unusable(f"v1.0 mapping for {internal_id!r} is not an object")
            migrated[internal_id] = {r.tool: r.text() for r in external_ids.refs_in(ext)}
        return {"version": VERSION, "updated": data.get("updated") or yamltext.now(), "mappings": migrated}
    counters = external_ids.empty_counters()
    for tool in ("jira", "linear"):
        for key, value in (payload.get(tool) or {}).items():
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                counters[tool][str(key).upper()] = value
    for tool in ("github", "azure_devops"):
        value = payload.get(tool, 0)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            counters[tool] = value
    return {"version": VERSION, "updated": data.get("updated") or yamltext.now(), "counters": counters}


def _read_bytes(path: Path, rel: str) -> bytes | None:
    """The bytes of ``path``; None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise Unusable("it is a directory") from None
    except OSError as e:
        raise StateError(f"cannot read {rel}: {e.strerror}; check its permissions") from None


def _read(path: Path, kind: str, rel: str, trusted: list[dict] | None = None,
          early: tuple[bytes, floor_cache.Digest] | None = None
          ) -> tuple[dict | None, bool, floor_cache.Digest | None, bytes | None] | None:
    """(validated current-version content, whether it was migrated, the floor-cache digest of
    the bytes (given ``trusted``, else None), the bytes when they are a mapping in taskmint's
    own layout, whose content is then left unparsed: None) of ``path``; None when it does not
    exist. A mapping whose digest the ``trusted`` floor-cache entries record as written in
    that layout is not validated again. ``early``: the bytes and digest, read already."""
    if early is not None:
        raw, digest = early
    else:
        raw = _read_bytes(path, rel)
        if raw is None:
            return None
        digest = floor_cache.Digest(raw) if trusted is not None else None
    if digest is not None and floor_cache.plain(trusted, digest.key):
        return None, False, digest, raw
    data, migrated, plain = _parse(raw, kind, rel, lazy=True)
    return data, migrated, digest, plain


def parse(raw: bytes, kind: str, rel: str) -> tuple[dict, bool]:
    """(validated current-version content, whether it was migrated from v1.0) of the bytes
    of a state file of ``kind`` ("mappings" or "counters"); Unusable when they cannot be
    used, StateError when a newer taskmint wrote them."""
    data, migrated, _ = _parse(raw, kind, rel)
    assert data is not None
    return data, migrated


def _parse(raw: bytes, kind: str, rel: str, lazy: bool = False) -> tuple[dict | None, bool, bytes | None]:
    schema = "mapping" if kind == "mappings" else "counters"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Unusable(f"not valid JSON: {e}") from None
    if kind == "mappings" and validators.plain_mapping_text(text):
        # valid, proven without a walk through 10,000 entries
        return (None if lazy else json.loads(text)), False, raw
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Unusable(f"not valid JSON: {e}") from None
    version = _version(data)
    refusal = refused_version(data, rel)
    if refusal:
        raise StateError(refusal)
    migrated = version is not None and version[0] == 1
    if migrated:
        data = _migrate_v1(kind, data)
    problem = schemas.problem(schema, data)
    if problem:
        raise Unusable(f"schema violation {problem}")
    return data, migrated, None


def _load_one(project: Project, path: Path, kind: str, state: State,
              early: tuple[bytes, floor_cache.Digest] | None = None) -> dict | None:
    rel = project.rel(path)
    backup = path.with_name(path.name + ".bak")
    try:
        found = _read(path, kind, rel, state.floor_entries if kind == "mappings" else None, early)
        if found is not None:
            data, migrated, digest, plain = found
            if migrated:
                warn(f"{rel} is in the v1.0 format; migrated it to {VERSION}")
                state.repaired.append(rel)
            elif kind == "mappings":
                state.mapping_digest = digest
            return _keep(state, kind, data, plain)
        reason = "it is missing"
    except Unusable as e:
        reason = str(e)
    try:
        found = _read(backup, kind, rel + ".bak")
    except Unusable as e:
        found, bak_reason = None, str(e)
    else:
        bak_reason = "there is no backup"
    if found is None:
        if reason == "it is missing" and not backup.exists():
            return None  # decided by the caller: a fresh project or a lost file
        raise StateError(
            f"{rel} is unusable ({reason}) and {rel}.bak is unusable too ({bak_reason}); "
            "run `taskmint doctor --fix` to rebuild state from the task files"
        )
    warn(f"{rel} is unusable ({reason}); recovered it from {rel}.bak")
    state.repaired.append(rel)
    state.from_backup.add(path)
    return _keep(state, kind, found[0], found[3])


def _digesting(project: Project) -> tuple[bytes, floor_cache.Digest] | None:
    """The mapping file's bytes and their Digest, under way on a second thread when large; None
    if they cannot be read (_load_one reads them again, and says why)."""
    try:
        raw = _read_bytes(project.mapping_path, project.rel(project.mapping_path))
    except (Unusable, StateError):
        return None
    return None if raw is None else (raw, floor_cache.Digest(raw, meanwhile=True))


def _keep(state: State, kind: str, data: dict | None, plain_mapping: bytes | None) -> dict:
    """What _load_one returns; a mapping goes to the state, its text unparsed if it can be."""
    if kind == "mappings":
        if plain_mapping is not None:
            state.mapping_source = plain_mapping
        else:
            state.mappings = data["mappings"]
    return data or {}


def load(project: Project, meanwhile: Callable[[], object] | None = None) -> State:
    """Read both state files, recovering from .bak where needed (caller holds the lock).
    ``meanwhile()`` is called while a large mapping file's bytes are digested (Digest)."""
    state = State()
    early = _digesting(project) if meanwhile is not None else None
    state.floor_entries = floor_cache.load(project)
    if meanwhile is not None:
        meanwhile()
    mapping = _load_one(project, project.mapping_path, "mappings", state, early)
    counters = _load_one(project, project.counters_path, "counters", state)
    if mapping is None and counters is not None:
        raise StateError(
            f"{project.rel(project.mapping_path)} is missing while the counters exist; "
            "run `taskmint doctor --fix` to rebuild it from the task files"
        )
    if counters is None and mapping is not None and state.mappings:
        raise StateError(
            f"{project.rel(project.counters_path)} is missing, so numbers already issued are unknown; "
            "run `taskmint doctor --fix` to rebuild it from the task files"
        )
    if counters is not None:
        state.counters = counters["counters"]
    if state.repaired or counters is None:
        # Never hand out a number the recovered copy does not know about: raise every
        # counter to the highest number in use in the mapping and in the task files. A
        # missing counters file (lost, or a fresh clone that never had .claude/state) is
        # no licence to start again at 1 below tasks that already carry numbers.
        from taskmint import tasks

        found = [meta for _, meta in tasks.iter_frontmatter(project)]
        refs = [r for ext in state.mappings.values() for r in external_ids.refs_in(ext)]
        refs += [r for meta in found for r in external_ids.refs_in(meta.get("external_ids"))]
        if external_ids.raise_to(state.counters, refs) and counters is None:
            rel = project.rel(project.counters_path)
            warn(f"{rel} is missing; rebuilt it from the numbers the task files carry")
            state.repaired.append(rel)
        if mapping is None or project.mapping_path in state.from_backup:
            _add_unmapped(project, state, found)
    return state


def _add_unmapped(project: Project, state: State, metas: list[dict]) -> None:
    """Entries for the task files a recovered (or lost) mapping lacks: a .bak is one write
    behind, so it misses the task created last."""
    known = {k.upper() for k in state.mappings}
    added = 0
    for meta in metas:
        task_id = meta.get("id")
        ext = {r.tool: r.text() for r in external_ids.refs_in(meta.get("external_ids"))}
        if ids.is_valid_id(task_id) and ext and ids.normalize(task_id) not in known:
            state.mappings[ids.normalize(task_id)] = ext
            known.add(ids.normalize(task_id))
            added += 1
    if added:
        rel = project.rel(project.mapping_path)
        warn(f"added {added} task file(s) that {rel} lacked, from their frontmatter")
        if rel not in state.repaired:
            state.repaired.append(rel)


def dump(data: dict) -> bytes:
    return (jsontext.dumps(data) + "\n").encode("utf-8")


def save_counters(project: Project, counters: dict, *, backup: bool = True) -> None:
    _save(project, project.counters_path, {"version": VERSION, "updated": yamltext.now(), "counters": counters}, backup)


def save_mapping(project: Project, mappings: dict, *, backup: bool = True) -> None:
    _save(project, project.mapping_path, {"version": VERSION, "updated": yamltext.now(), "mappings": mappings}, backup)


def save_state_mapping(project: Project, state: State) -> tuple[str, bool]:
    """Write the mapping a transaction holds; returns the floor-cache key of the bytes written
    and whether they are proven to be in taskmint's own layout."""
    raw, key, plain = state.render_mapping(yamltext.now())
    _write(project, project.mapping_path, raw, project.mapping_path not in state.from_backup)
    return key, plain


def _save(project: Project, path: Path, data: dict, backup: bool) -> None:
    _write(project, path, dump(data), backup)


def _write(project: Project, path: Path, raw: bytes | list[bytes | memoryview], backup: bool) -> None:
    project.check_inside(path)
    atomic.write_atomic(path, raw, backup=path.with_name(path.name + ".bak") if backup else None)


def mapping_max(mappings: dict) -> dict:
    """Counters as high as the highest number the mapping holds."""
    return external_ids.highest(mappings.values())


# The registry lives in the git common dir and is shared by every worktree of a repository:
# the last number issued per tool and every internal ID issued, so two worktrees (each with
# its own .claude/state) can never hand out the same number or ID.


class Registry:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, counters: dict[str, Any] | None = None, ids: set[str] | None = None,
                 joined: str | None = None) -> None:
        self.counters = external_ids.empty_counters() if counters is None else counters
        # The IDs (upper case) as the file holds them (id_words), kept so while a transaction
        # only looks one up and adds a few, as a create does.
        self._joined = id_words.EMPTY if joined is None and ids is None else joined
        self._ids = ids

    @property
    def ids(self) -> set[str]:
        if self._ids is None:
            self._ids, self._joined = set(id_words.split(self._joined)), None
        return self._ids

    @ids.setter
    def ids(self, value: set[str]) -> None:
        self._ids, self._joined = value, None

    def has(self, task_id: str) -> bool:
        """Whether ``task_id`` (upper case) is in ids."""
        return task_id in self._ids if self._ids is not None else id_words.holds(self._joined, task_id)

    def count(self) -> int:
        return len(self._ids) if self._ids is not None else id_words.count(self._joined)

    def add(self, new_ids: list[str]) -> None:
        if self._ids is not None:
            self._ids.update(new_ids)
            return
        added = [i for i in dict.fromkeys(new_ids) if not self.has(i)]
        self._joined += "".join(f"{i} " for i in added)

    def joined(self) -> str:
        """The IDs as the file keeps them: as read, new ones last."""
        return self._joined if self._ids is None else id_words.join(sorted(self._ids))


# The registry as save_registry writes it ends with its IDs, 130 KB at 10,000 tasks:
# {"version": ..., "updated": ..., "counters": {...}, "ids": " TASK-A3F2 ..."}. Upper-case IDs
# are spelt in JSON as they stand, so they are written as they are instead of through json,
# which walks them char by char (0.3 ms of a create); the bytes are those json.dumps gives.
_IDS_KEY = b', "ids": "'
_IDS_END = b'"}\n'


def registry_ids(data: dict) -> list[str]:
    """The IDs a registry file's content lists (as written, in any of its forms: the string
    taskmint writes, or the string of lines or the list it wrote before)."""
    listed = data["ids"]
    return id_words.split(id_words.current(listed)) if isinstance(listed, str) else listed


def load_registry(project: Project) -> Registry:
    path = project.registry_path
    if path is None:
        return Registry()
    for candidate in (path, path.with_name(path.name + ".bak")):
        try:
            raw = candidate.read_bytes()
            data = json.loads(raw.decode("utf-8"))
            refusal = refused_version(data, str(candidate))
            if refusal:
                raise StateError(refusal)
            if schemas.problem("registry", data) is None:
                listed = data["ids"]
                if not isinstance(listed, str):  # the list an earlier taskmint wrote
                    listed = id_words.join(listed)
                else:  # or the lines
                    listed = id_words.current(listed)
                # taskmint writes them upper case (a valid ID is ASCII, so a letter ASCII cannot
                # upper-case is in no ID issued)
                return Registry(counters=data["counters"], joined=listed.upper())
        except FileNotFoundError:
            continue
        except (OSError, ValueError, Unusable):
            pass
        warn(f"worktree registry {candidate} is unusable; rebuilding it from every worktree's state")
    # Starting from zero would let this worktree reissue another worktree's numbers: rebuild
    # the high-water mark from the state files of every worktree instead.
    from taskmint import worktrees

    return worktrees.high_water(project)


def save_registry(project: Project, registry: Registry) -> None:
    path = project.registry_path
    if path is None:
        return
    data = {"version": VERSION, "updated": yamltext.now(), "counters": registry.counters}
    path.parent.mkdir(parents=True, exist_ok=True)
    # On one line: nobody diffs or merges this file (it lives in .git), and json writes it in
    # C only without indent; every create rewrites all 10,000 IDs (one string, last).
    joined = registry.joined()
    if id_words.spelt_as_is(joined):
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")[:-1] + _IDS_KEY + joined.encode("ascii") + _IDS_END
    else:  # anything json escapes (an ID written by hand)
        data["ids"] = joined
        raw = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
    atomic.write_atomic(path, raw, backup=path.with_name(path.name + ".bak"))
