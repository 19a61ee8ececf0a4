"""The numbers already issued when each recent mapping content was written, so that
allocating need not scan the whole mapping for its highest numbers (at 10,000 tasks that
scan was a quarter of a create).

Only a transaction that issued numbers records an entry: the counters it saved, which are
at or above every number in the mapping it wrote. Entries are keyed by the SHA-256 of the
mapping's bytes, so any other change to the file (a restore, a merge, an edit by hand)
misses and the mapping is scanned as before. A cache, not state: a missing, damaged or
unwritable file only costs that scan, so it is written without fsync and never reported.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from taskmint import validators
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


def lookup(project: Project, mapping_sha256: str) -> dict | None:
    """The counters recorded for the mapping content with this digest, if any."""
    for entry in _entries(project):
        if entry["sha256"] == mapping_sha256:
            return entry["counters"]
    return None


def remember(project: Project, mapping_sha256: str, counters: dict) -> None:
    entries = [e for e in _entries(project) if e["sha256"] != mapping_sha256]
    entries.insert(0, {"sha256": mapping_sha256, "counters": counters})
    target = path(project)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps({"entries": entries[:KEEP]}))
        os.replace(tmp, target)
    except OSError:
        os.unlink(tmp)
