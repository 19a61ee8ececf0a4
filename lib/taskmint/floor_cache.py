"""The numbers already issued when each recent mapping content was written, so that
allocating need not scan the whole mapping for its highest numbers (at 10,000 tasks that
scan was a quarter of a create).

Only a transaction that issued numbers records an entry: the counters it saved, which are
at or above every number in the mapping it wrote. Entries are keyed by the SHA-256 of the
mapping's bytes, so any other change to the file (a restore, a merge, an edit by hand)
misses and the mapping is scanned as before. Every entry holds numbers really issued, so
all entries together are also a floor of their own (outside git, where there is no
registry, that keeps state files restored to older copies from reissuing numbers).
Otherwise a cache: a missing, damaged or unwritable file costs only the scan, so it is
written without fsync and never reported.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from taskmint import atomic, external_ids, validators
from taskmint.project import Project

KEEP = 8  # several worktrees share one file (next to their shared lock)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path(project: Project) -> Path:
    return project.lock_path.with_name("mapping-floor.json")


def _entries(project: Project) -> list[dict]:
    try:
        data = json.loads(path(project).read_bytes())
    except (OSError, ValueError):
        return []
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("sha256"), str)
            and validators.counters(e.get("counters"))]


def floor(project: Project, mapping_sha256: str | None) -> tuple[dict, bool]:
    """(counters at or above every number recorded in any entry, whether an entry is for the
    mapping content with this digest, so that they also cover every number it holds).

    Every entry records numbers really issued, so all of them are a floor: state files
    restored to older copies together cannot make taskmint issue those numbers again."""
    highest = external_ids.empty_counters()
    hit = False
    for entry in _entries(project):
        external_ids.merge_max(highest, entry["counters"])
        hit = hit or entry["sha256"] == mapping_sha256
    return highest, hit


def remember(project: Project, mapping_sha256: str, counters: dict) -> None:
    entries = [e for e in _entries(project) if e["sha256"] != mapping_sha256]
    entries.insert(0, {"sha256": mapping_sha256, "counters": counters})
    target = path(project)
    try:
        fd, tmp = atomic.temp_file(target.parent, target.name)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps({"entries": entries[:KEEP]}))
        os.replace(tmp, target)
    except OSError:
        os.unlink(tmp)
