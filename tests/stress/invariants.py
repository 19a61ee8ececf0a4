"""What must hold for a project's tasks and state after any number of concurrent or killed
taskmint processes; shared by the concurrency suite and the crash harness."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskmint import external_ids, ids, schemas, state, tasks
from taskmint.project import Project, find_project


@dataclass
class Snapshot:
    """One worktree's files as they are on disk, read without taking the lock."""
    project: Project
    files: dict[str, list[tuple[Path, dict[str, Any]]]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=external_ids.empty_counters)
    registry: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)


def _json(path: Path, schema: str, problems: list[str]) -> dict | None:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        problems.append(f"{path}: unreadable ({e})")
        return None
    problem = schemas.problem(schema, data)
    if problem:
        problems.append(f"{path}: schema violation {problem}")
        return None
    return data


# (path, inode, size, mtime) -> frontmatter: a harness that snapshots after every kill
# re-parses only the files that changed.
_parsed: dict[tuple[str, int, int, int], dict[str, Any]] = {}


def _meta(project: Project, path: Path) -> dict[str, Any]:
    st = path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _parsed:
        _parsed[key] = tasks.read(project, path).meta
    return _parsed[key]


def snapshot(root: Path) -> Snapshot:
    project = find_project(str(root))
    snap = Snapshot(project)
    for path in tasks.walk(project.tasks_dir):
        try:
            meta = _meta(project, path)
        except Exception as e:  # any failure to read a file taskmint wrote is a finding
            snap.unreadable.append(f"{project.rel(path)}: {e}")
            continue
        snap.files.setdefault(str(meta.get("id", "")).upper(), []).append((path, meta))
    mapping = _json(project.mapping_path, "mapping", snap.problems)
    if mapping is not None:
        snap.mapping = mapping["mappings"]
    counters = _json(project.counters_path, "counters", snap.problems)
    if counters is not None:
        snap.counters = counters["counters"]
    if project.registry_path is not None:
        snap.registry = _json(project.registry_path, "registry", snap.problems)
    return snap


def file_problems(snap: Snapshot, settled: bool = True) -> list[str]:
    """Every task file is well-formed and agrees with its folder (unless not ``settled``:
    a complete killed between its rewrite and its move leaves a completed task behind)."""
    out = [f"unreadable task file {u}" for u in snap.unreadable]
    for task_id, entries in snap.files.items():
        for path, meta in entries:
            rel = snap.project.rel(path)
            if not ids.is_valid_id(task_id):
                out.append(f"{rel}: invalid id {meta.get('id')!r}")
            if ids.id_from_filename(path.name) != task_id:
                out.append(f"{rel}: file name does not carry id {task_id}")
            status = meta.get("status")
            if tasks.status_of_folder(snap.project, path) != status and (settled or status != "completed"):
                out.append(f"{rel}: status {status!r} but lies in {path.parent.name}/")
            if status == "completed" and meta.get("completed") is None:
                out.append(f"{rel}: completed without a completed timestamp")
            ext = meta.get("external_ids")
            if not isinstance(ext, dict) or len(external_ids.refs_in(ext)) != len(ext):
                out.append(f"{rel}: malformed external_ids {ext!r}")
    return out


def number_owners(snaps: list[Snapshot]) -> dict[tuple[str, str, int], set[str]]:
    """(tool, key, number) -> the internal IDs whose task file or mapping entry carries it."""
    owners: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for snap in snaps:
        for task_id, entries in snap.files.items():
            for _, meta in entries:
                for r in external_ids.refs_in(meta.get("external_ids")):
                    owners[(r.tool, r.key, r.number)].add(task_id)
        for task_id, ext in snap.mapping.items():
            for r in external_ids.refs_in(ext):
                owners[(r.tool, r.key, r.number)].add(task_id.upper())
    return owners


def highest(owners: dict[tuple[str, str, int], set[str]]) -> dict[str, Any]:
    counters = external_ids.empty_counters()
    external_ids.raise_to(counters, [external_ids.ExternalRef(t, k, n) for t, k, n in owners])
    return counters


def counter_items(counters: dict[str, Any]) -> dict[tuple[str, str], int]:
    out = {}
    for tool in ("jira", "linear"):
        for key, value in counters.get(tool, {}).items():
            out[(tool, key)] = value
    for tool in ("github", "azure_devops"):
        out[(tool, "")] = counters.get(tool, 0)
    return out


def below(counters: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """Where ``counters`` is lower than ``floor`` (a counter below a number in use)."""
    have = counter_items(counters)
    return [f"{tool}{'/' + key if key else ''}: {have.get((tool, key), 0)} < {value}"
            for (tool, key), value in counter_items(floor).items() if have.get((tool, key), 0) < value]


def shared_problems(snaps: list[Snapshot], settled: bool = True) -> list[str]:
    """Across every worktree: unique IDs, unique numbers, counters at or above every number."""
    out: list[str] = []
    for snap in snaps:
        out += snap.problems + file_problems(snap, settled)
    seen: dict[str, str] = {}
    for snap in snaps:
        for task_id, entries in snap.files.items():
            where = [snap.project.rel(p) for p, _ in entries]
            if len(entries) > 1:
                out.append(f"internal ID {task_id} used by {where}")
            if task_id in seen:
                out.append(f"internal ID {task_id} in two worktrees: {seen[task_id]} and {where}")
            seen[task_id] = f"{snap.project.root}:{where}"
    owners = number_owners(snaps)
    for (tool, key, number), holders in sorted(owners.items()):
        if len(holders) > 1:
            out.append(f"{external_ids.format_id(tool, key, number)} ({tool}) issued to {sorted(holders)}")
    top = highest(owners)
    for snap in snaps:
        local = highest(number_owners([snap]))
        out += [f"{snap.project.root}: counter {p}" for p in below(snap.counters, local)]
        if snap.registry is not None:
            out += [f"registry counter {p}" for p in below(snap.registry["counters"], top)]
            missing = set(seen) - {i.upper() for i in state.registry_ids(snap.registry)}
            if missing:
                out.append(f"registry lacks issued IDs {sorted(missing)[:5]}")
    return out


def mapping_problems(snap: Snapshot, *, allow_unmapped: int = 0) -> list[str]:
    """Mapping and task files agree: every entry names a task file with the same numbers,
    and (beyond ``allow_unmapped`` tasks a crash may have left) every task is mapped."""
    out = []
    for task_id, ext in snap.mapping.items():
        entries = snap.files.get(task_id.upper())
        if not entries:
            out.append(f"mapping entry {task_id} has no task file")
            continue
        on_disk = entries[0][1].get("external_ids") or {}
        if {k: str(v) for k, v in on_disk.items()} != ext:
            out.append(f"mapping {task_id}={ext} but the file says {on_disk}")
    unmapped = sorted(set(snap.files) - {i.upper() for i in snap.mapping})
    if len(unmapped) > allow_unmapped:
        out.append(f"tasks missing from the mapping: {unmapped}")
    return out
