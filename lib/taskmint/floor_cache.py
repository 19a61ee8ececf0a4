"""The numbers already issued when each recent mapping content was written, so that
allocating need not scan the whole mapping for its highest numbers, nor a load validate the
text again (at 10,000 tasks those were a third of a create).

Only a transaction that issued numbers records an entry: the counters it saved, which are
at or above every number in the mapping it wrote, and whether that text is in taskmint's own
layout (validators.plain_mapping_text), proven when it was written. Entries are keyed by a
BLAKE2b digest of the mapping's bytes, so any other change to the file (a restore, a merge, an
edit by hand) misses and the mapping is validated and scanned as before. Every entry holds
numbers really issued, so all entries together are also a floor of their own (outside git,
where there is no registry, that keeps state files restored to older copies from reissuing
numbers). Otherwise a cache: a missing, damaged or unwritable file costs only the scan, so it
is written without fsync and never reported.
"""
from __future__ import annotations

import json
from pathlib import Path

from taskmint import atomic, background, external_ids, mapping_text, validators
from taskmint.project import Project

try:
    from _blake2 import blake2b  # hashlib.blake2b itself, without hashlib's 2.5 ms import of OpenSSL
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

KEEP = 8  # several worktrees share one file (next to their shared lock)


class Digest:
    """The key of a mapping file's bytes: digests of its header and of its entries, and its last
    few bytes (mapping_text.parts). Entries appended to it (mapping_text.append) extend the
    entries' digest, so the key of the new file costs no second pass over 1.3 MB.

    With ``meanwhile``, entries of SECOND_THREAD bytes or more are digested on a second thread
    (BLAKE2b lets go of the GIL) until ``key`` is first asked for: 2 ms at 10,000 tasks, during
    which a transaction reads the registry and the folder index."""

    SECOND_THREAD = 256 * 1024  # below this, starting the thread costs about what it saves

    def __init__(self, raw: bytes, *, meanwhile: bool = False) -> None:
        header, stem = mapping_text.parts(raw)
        view = memoryview(raw)
        self._head, self._tail = view[:header], view[stem:]
        self._hashing: background.Call | None = None
        self._key: str | None = None
        if meanwhile and stem - header >= self.SECOND_THREAD:
            self._hashing = background.Call(blake2b, view[header:stem])
        else:
            self._stem = blake2b(view[header:stem])

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = _key(self._head, self._entries(), self._tail)
        return self._key

    def appended(self, header: bytes, entries: bytes, tail: bytes) -> str:
        """The key of ``header`` + this file's entries + ``entries`` + ``tail``."""
        stem = self._entries().copy()
        stem.update(entries)
        return _key(header, stem, tail)

    def _entries(self) -> blake2b:
        """The digest of the entries (waiting for the second thread, if it makes it)."""
        if self._hashing is not None:
            self._stem, self._hashing = self._hashing.result(), None
        return self._stem


def _key(header: bytes | memoryview, stem: blake2b, tail: bytes | memoryview) -> str:
    return f"{blake2b(header, digest_size=16).hexdigest()}.{stem.hexdigest()}.{bytes(tail).hex()}"


def digest(raw: bytes) -> str:
    return Digest(raw).key


def path(project: Project) -> Path:
    return project.lock_path.with_name("mapping-floor.json")


def load(project: Project) -> list[dict]:
    """The entries, newest first; [] when the file is missing or damaged."""
    try:
        data = json.loads(path(project).read_bytes())
    except (OSError, ValueError):
        return []
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("digest"), str)
            and isinstance(e.get("plain"), bool) and validators.counters(e.get("counters"))]


def floor(entries: list[dict], key: str | None) -> tuple[dict, bool]:
    """(counters at or above every number recorded in any entry, whether an entry is for the
    mapping content with this key, so that they also cover every number it holds).

    Every entry records numbers really issued, so all of them are a floor: state files
    restored to older copies together cannot make taskmint issue those numbers again."""
    highest = external_ids.empty_counters()
    hit = False
    for entry in entries:
        external_ids.merge_max(highest, entry["counters"])
        hit = hit or entry["digest"] == key
    return highest, hit


def plain(entries: list[dict], key: str) -> bool:
    """Whether taskmint wrote the mapping content with this key in its own layout."""
    return any(e["digest"] == key and e["plain"] for e in entries)


def remember(project: Project, key: str, counters: dict, plain: bool) -> None:
    entries = [e for e in load(project) if e["digest"] != key]
    entries.insert(0, {"digest": key, "counters": counters, "plain": plain})
    atomic.write_cache(path(project), json.dumps({"entries": entries[:KEEP]}))
