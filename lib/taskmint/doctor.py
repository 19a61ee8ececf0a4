"""`taskmint doctor`: check task files against the state, and repair what is safe.

The task files' frontmatter is the truth; the mapping, the counters, the worktree registry and
the folder a file sits in are derived from it. Repairs never delete a task file and never lower
a counter: counters end at the maximum of every number found anywhere (frontmatter, mapping,
counters, their .bak copies, the registry and the state of every other worktree).

Doctor reads state without `state.load`, which refuses doubly-broken files: that refusal
points users here, so this is the one place that must work when nothing else does.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from taskmint import assign, atomic, config, external_ids, frontmatter, ids, lock, schemas, state, tasks, worktrees
from taskmint.errors import StateError, TaskmintError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project
from taskmint.transaction import Txn

# What the mapping schema accepts as a key: hash IDs and legacy ones like TASK-042-fix-login.
_KEY_RE = re.compile(r"TASK-[A-Z0-9][A-Z0-9.-]*")
# The temporary files taskmint writes next to a task or state file before renaming them over
# it (tempfile.mkstemp in atomic.write_atomic and floor_cache): `.<name>.<8 random>.tmp`, and
# `.tmp.bak` for the backup link.
_TEMP_RE = re.compile(r"\..+\.(?:md|json)\.[a-z0-9_]{8}\.tmp(?:\.bak)?")
PREVIOUS_IDS = "previous_ids"
PREVIOUS_EXTERNAL = "previous_external_ids"


@dataclass
class Finding:
    code: str
    where: str
    message: str
    fixable: bool

    def line(self) -> str:
        return f"{self.code}: {self.where}: {self.message}"


@dataclass(eq=False)
class Task:
    path: Path
    doc: frontmatter.Document
    meta: dict[str, Any]
    id: str | None  # upper-cased; None when the file has none
    refs: list[ExternalRef]
    order: tuple  # (created, in a folder other than its status's, path): see _first


@dataclass
class StateFile:
    path: Path
    data: dict | None = None  # usable content, migrated to the current version
    problem: str | None = None  # why it is unusable
    migrated: bool = False
    newer: bool = False

    @property
    def exists(self) -> bool:
        return self.data is not None or self.problem is not None


@dataclass
class Exam:
    findings: list[Finding] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)
    trackers: tuple[str, ...] = ()  # the tracker-backed tools: their keys are never renumbered locally
    newer: bool = False
    mapping: StateFile | None = None
    counters: StateFile | None = None
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)  # the usable mapping (file or .bak), upper keys
    unreadable_ids: set[str] = field(default_factory=set)  # IDs named by files that cannot be read
    here: dict = field(default_factory=external_ids.empty_counters)  # every number in use in this worktree
    floor: dict = field(default_factory=external_ids.empty_counters)  # ... and in every other one
    registry: dict | None = None  # usable registry content
    all_ids: set[str] = field(default_factory=set)
    # the repairs: filled in by the checks, carried out by repair()
    fills: dict[Task, dict[str, str]] = field(default_factory=dict)
    missing_id: list[Task] = field(default_factory=list)
    duplicate_ids: list[Task] = field(default_factory=list)
    duplicate_refs: list[tuple[Task, ExternalRef]] = field(default_factory=list)
    status_fill: dict[Task, str] = field(default_factory=dict)
    moves: dict[Task, Path] = field(default_factory=dict)
    temp_files: list[Path] = field(default_factory=list)
    outbox_orphans: list[str] = field(default_factory=list)
    unlinked: dict[str, list[str]] = field(default_factory=dict)  # task ID -> trackers it has no issue in
    missing_ext: dict[Task, dict[str, str]] = field(default_factory=dict)  # task -> the tools (and keys) it lacks
    include_done: bool = False  # completed tasks get numbers too
    notes: int = 0  # Markdown files without frontmatter under tasks/ (tasks.is_note)

    def add(self, code: str, where: str, message: str, fixable: bool = True) -> None:
        self.findings.append(Finding(code, where, message, fixable))


# --- reading ---------------------------------------------------------------------------


def _inspect(project: Project, path: Path, kind: str, exam: Exam) -> StateFile:
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
        found.problem, found.newer = "its version cannot be read", True
        exam.newer = True
        exam.add("state-newer", rel, f"{e}".removeprefix(f"{rel} ") + "; doctor changes nothing until then",
                 fixable=False)
    return found


def _when(value: object) -> str:
    text = frontmatter.as_text(value) if isinstance(value, (datetime, date, str)) else None
    return text or "~"  # no date: sorts after every dated copy


def _read_tasks(project: Project, exam: Exam) -> None:
    for path in sorted(tasks.walk(project.tasks_dir)):
        rel = project.rel(path)
        try:
            task = tasks.read(project, path)
        except TaskmintError as e:
            named = ids.id_from_filename(path.name)
            if named:
                exam.unreadable_ids.add(named.upper())
            exam.add("unreadable", rel, f"{e}".removeprefix(f"{rel}: "), fixable=False)
            continue
        if task.is_note:
            exam.notes += 1  # not a task: counted, never a finding
            continue
        meta = task.meta
        for problem in frontmatter.anchor_problems(task.doc, frontmatter.REWRITTEN_KEYS):
            exam.add("yaml-anchor", rel, problem, fixable=False)
        raw_id = meta.get("id")
        task_id = raw_id.strip().upper() if isinstance(raw_id, str) and raw_id.strip() else None
        refs = external_ids.refs_in(meta.get("external_ids"))
        status, folder = meta.get("status"), tasks.status_of_folder(project, path)
        misplaced = folder is not None and status in tasks.STATUSES and status != folder
        exam.tasks.append(Task(path, task.doc, meta, task_id, refs, (_when(meta.get("created")), misplaced, rel)))


def _id_findings(project: Project, exam: Exam) -> None:
    for task in exam.tasks:
        rel = project.rel(task.path)
        raw_id = task.meta.get("id")
        if task.id is None and raw_id in (None, ""):
            exam.missing_id.append(task)
            exam.add("missing-id", rel, "has no id; --fix gives it a new ID, external IDs for the configured tools "
                     "it lacks (not when it is completed, unless --include-done), and a file name that carries the ID")
        elif task.id is None or not _KEY_RE.fullmatch(task.id):
            said = frontmatter.value_text(task.doc, "id") or repr(raw_id)  # as written: 2025-01-08, not a repr
            exam.add("bad-id", rel, f"id {said} is not a task ID (TASK-<HASH>); fix it by hand", fixable=False)
        elif not ids.is_valid_id(task.id):
            exam.add("legacy-id", rel, f"{task.id} is a legacy ID, not a taskmint hash ID; run `taskmint migrate`",
                     fixable=False)
        ext = task.meta.get("external_ids")
        if ext is not None and not isinstance(ext, dict):
            exam.add("bad-external-id", rel, "external_ids is not a mapping of tool: ID; fix it by hand", fixable=False)
        for tool, value in (ext.items() if isinstance(ext, dict) else ()):
            if tool in config.TOOLS and value not in (None, "") and not external_ids.refs_in({tool: value}):
                exam.add("bad-external-id", rel, f"external_ids.{tool} {value!r} is not a {tool} ID; fix it by hand",
                         fixable=False)


def _first(exam: Exam, task: Task, ref: ExternalRef | None = None) -> tuple:
    """Sort key of the copy that keeps a duplicated ID (or number): created first; within
    the same second, the one the mapping records, then the one in its status's folder (a
    copy written into another folder keeps the original's status)."""
    entry = exam.mappings.get(task.id or "")
    if ref is None:
        agrees = entry == {r.tool: r.text() for r in task.refs}
    else:
        agrees = entry is not None and entry.get(ref.tool) == ref.text()
    return task.order[0], not agrees, task.order[1], task.order[2]


def _groups(exam: Exam) -> dict[str, list[Task]]:
    by_id: dict[str, list[Task]] = {}
    for task in exam.tasks:
        if task.id is not None and _KEY_RE.fullmatch(task.id):
            by_id.setdefault(task.id, []).append(task)
    for group in by_id.values():
        group.sort(key=lambda t: _first(exam, t))
    return by_id


def _duplicate_findings(project: Project, exam: Exam, by_id: dict[str, list[Task]]) -> None:
    for task_id, group in by_id.items():
        if len(group) > 1 and ids.is_valid_id(task_id):
            for later in group[1:]:
                exam.duplicate_ids.append(later)
                exam.add("duplicate-id", project.rel(later.path),
                         f"ID {task_id} is also used by {project.rel(group[0].path)} (the copy created first keeps "
                         f"it); --fix gives this file a new ID and records {task_id} in {PREVIOUS_IDS}")
    by_ref: dict[tuple[str, str, int], list[Task]] = {}
    for task in exam.tasks:
        for ref in _effective_refs(exam, task):
            by_ref.setdefault((ref.tool, ref.key, ref.number), []).append(task)
    for (tool, key, number), group in by_ref.items():
        if len(group) > 1:
            ref = ExternalRef(tool, key, number)
            group.sort(key=lambda t: _first(exam, t, ref))
            if tool in exam.trackers:  # the tracker's key: only its issue's marker says whose it is
                listed = ", ".join(project.rel(t.path) for t in group)
                exam.add("tracker-key-shared", listed,
                         f"{tool} {ref.text()} is on {len(group)} tasks; the issue's `taskmint: ID` line names "
                         f"its task: remove the key from the others' external_ids, then `taskmint sync`",
                         fixable=False)
                continue
            for later in group[1:]:
                exam.duplicate_refs.append((later, ref))
                exam.add("duplicate-external-id", project.rel(later.path),
                         f"{tool} {ref.text()} is also used by {project.rel(group[0].path)} (the task created first "
                         f"keeps it); --fix gives this task a new {tool} number and records {tool}:{ref.text()} in "
                         f"{PREVIOUS_EXTERNAL}")


def _effective_refs(exam: Exam, task: Task) -> list[ExternalRef]:
    filled = exam.fills.get(task, {})
    return task.refs + [r for tool, text in filled.items() if (r := external_ids.parse_stored(tool, text))]


def _mapping_findings(project: Project, exam: Exam, by_id: dict[str, list[Task]]) -> None:
    rel = project.rel(project.mapping_path)
    for task_id, group in by_id.items():
        if len(group) > 1:
            continue  # the duplicate-id repair settles which file the entry belongs to
        task = group[0]
        where = project.rel(task.path)
        entry = exam.mappings.get(task_id)
        if entry is None:
            exam.add("mapping-missing", where, f"{task_id} is not in {rel}; --fix adds it")
            continue
        ext = task.meta.get("external_ids")
        absent = {t for t in entry if not isinstance(ext, dict) or ext.get(t) in (None, "")}
        if absent:
            exam.fills[task] = {t: entry[t] for t in absent}
        mine = {r.tool: r.text() for r in task.refs}
        differ = sorted(t for t in set(mine) | set(entry) if t not in absent and mine.get(t) != entry.get(t))
        if differ:
            says = "; ".join(f"{t}: file {mine.get(t, 'none')}, mapping {entry.get(t, 'none')}" for t in differ)
            exam.add("mapping-mismatch", where, f"frontmatter and {rel} disagree ({says}); --fix keeps the frontmatter")
        if absent:
            says = ", ".join(f"{t} {entry[t]}" for t in sorted(absent))
            exam.add("mapping-mismatch", where, f"frontmatter lacks {says} that {rel} records; --fix writes it into "
                     "the file")
    for key in exam.mappings:
        if key not in by_id and key not in exam.unreadable_ids:
            exam.add("mapping-orphan", rel, f"{key} has no task file; --fix drops the entry (its numbers stay used)")


def _done(exam: Exam, task: Task) -> bool:
    """A completed task that is left without new numbers: adopting taskmint in an old
    project must not mint numbers (or tracker issues) for finished work, unless asked."""
    return task.meta.get("status") == "completed" and not exam.include_done


def _lacking(exam: Exam, task: Task) -> dict[str, str]:
    """The configured tools (tool -> key) for which the task has no external ID at all."""
    ext = task.meta.get("external_ids")
    ext = ext if isinstance(ext, dict) else {}
    have = {r.tool for r in task.refs} | set(exam.fills.get(task, {}))
    return {tool: key for tool, key in exam.tools.items() if tool not in have and ext.get(tool) in (None, "")}


def _external_findings(project: Project, exam: Exam) -> None:
    """Tasks that lack an external ID for a configured tool: a tool added to the config
    after they were made, or tasks written before `taskmint init`."""
    without_id = set(exam.missing_id)
    for task in sorted(exam.tasks, key=lambda t: t.order):
        if task in without_id or task.id is None or not ids.is_valid_id(task.id) or _done(exam, task):
            continue
        rel = project.rel(task.path)
        if any(f.where == rel and not f.fixable for f in exam.findings):
            continue  # a bad status or external ID needs a person first
        lacking = _lacking(exam, task)
        if lacking:
            exam.missing_ext[task] = lacking
            exam.add("missing-external-id", rel,
                     f"{task.id} has no {' or '.join(lacking)} ID; --fix gives it the next "
                     f"number{'s' * (len(lacking) > 1)}")


def _status_findings(project: Project, exam: Exam) -> None:
    from taskmint import statuses  # the project's declared statuses (the default five without any)

    declared = statuses.load(project)
    for task in exam.tasks:
        folder = declared.of_folder(project, task.path)
        if folder is None:
            continue
        rel = project.rel(task.path)
        written = task.meta.get("status")
        status = declared.canonical(written)
        if written in (None, ""):
            exam.status_fill[task] = folder
            exam.add("status-folder", rel, f"has no status; --fix sets status: {folder} from its folder")
            continue
        if status is None:
            exam.add("bad-status", rel, f"status {written!r} is not one of {', '.join(declared.names)}; fix it by "
                     "hand, or declare it under `statuses:` in .claude/taskmint.yaml", fixable=False)
            continue
        if written != status:
            exam.status_fill[task] = status
            exam.add("status-spelling", rel, f"status {written!r} is spelled {status} in .claude/taskmint.yaml; "
                     f"--fix writes {status}")
        if status != folder:
            target = declared.folder(project, status, _completed_at(task.meta)) / task.path.name
            # A file that --fix renumbers gets a new name, and one renumbered out of the way
            # frees its own: the repair checks the final name (renumbered files go first).
            renamed = task in exam.duplicate_ids or task in exam.missing_id
            if target.exists() and not renamed and not _renumbered_away(project, exam, target):
                exam.add("status-folder", rel, f"status is {status} but the file is in a {folder} folder, and "
                         f"{project.rel(target)} already exists; move one of them by hand", fixable=False)
            else:
                exam.moves[task] = target
                exam.add("status-folder", rel, f"status is {status} but the file is in a {folder} folder; --fix "
                         f"moves it to {project.rel(target.parent)}/")


def _renumbered_away(project: Project, exam: Exam, path: Path) -> bool:
    return any(t.path == path for t in [*exam.duplicate_ids, *exam.missing_id])


def _completed_at(meta: dict[str, Any]) -> datetime:
    """Where a completed task is filed: the month of its `completed:` in any form YAML holds
    (a plain date too), else of `updated`, else now."""
    return tasks.moment(meta.get("completed")) or tasks.moment(meta.get("updated")) or datetime.now(timezone.utc)


class _Highest:
    """The highest number in use per (tool, key) and one place it was seen."""

    def __init__(self) -> None:
        self.counters = external_ids.empty_counters()
        self.where: dict[tuple[str, str], str] = {}

    def see(self, refs: list[ExternalRef], where: str) -> None:
        for r in refs:
            if external_ids.raise_to(self.counters, [r]):
                self.where[(r.tool, r.key)] = where

    def see_counters(self, counters: dict, where: str) -> None:
        self.see(_refs_of(counters), where)

    def copy(self) -> "_Highest":
        twin = _Highest()
        twin.see_counters(self.counters, "")
        twin.where = dict(self.where)
        return twin


def _refs_of(counters: dict) -> list[ExternalRef]:
    refs = []
    for tool in config.TOOLS:
        if tool in ("jira", "linear"):
            refs += [ExternalRef(tool, k, int(v)) for k, v in counters.get(tool, {}).items() if v]
        elif counters.get(tool):
            refs.append(ExternalRef(tool, "", int(counters[tool])))
    return refs


def _previous_refs(meta: dict[str, Any]) -> list[ExternalRef]:
    kept = meta.get(PREVIOUS_EXTERNAL)
    return [r for item in (kept if isinstance(kept, list) else []) if isinstance(item, str)
            for r in external_ids.candidates(item) if ":" in item]


def _counter_findings(project: Project, exam: Exam) -> None:
    here = _Highest()
    for task in exam.tasks:
        here.see(task.refs + _previous_refs(task.meta), project.rel(task.path))
    for path in worktrees.state_files(project):
        counters, found = worktrees.numbers_in(worktrees.read_json(path))
        here.see_counters(counters, project.rel(path))
        exam.all_ids |= found
    everywhere = here.copy()
    for other in worktrees.projects(project)[1:]:
        for path in worktrees.state_files(other):
            counters, found = worktrees.numbers_in(worktrees.read_json(path))
            everywhere.see_counters(counters, str(path))
            exam.all_ids |= found
    registry_path = project.registry_path
    if registry_path is not None:
        exam.registry = _inspect_registry(project, registry_path, exam)
        for path in (registry_path, registry_path.with_name(registry_path.name + ".bak")):
            counters, found = worktrees.numbers_in(worktrees.read_json(path))
            everywhere.see_counters(counters, str(path))
            exam.all_ids |= found
    exam.here, exam.floor = here.counters, everywhere.counters
    counters_file = exam.counters
    if counters_file is not None and counters_file.data is not None:
        _below(exam, project.rel(counters_file.path), counters_file.data["counters"], here, "counter")
    if exam.registry is not None:
        _below(exam, str(registry_path), exam.registry["counters"], everywhere, "worktree registry counter")


def _below(exam: Exam, where: str, counters: dict, highest: _Highest, what: str) -> None:
    for r in _refs_of(highest.counters):
        value = external_ids.counter_value(counters, r.tool, r.key)
        if value < r.number:
            name = f"{r.tool} {r.key}" if r.key else r.tool
            exam.add("counter-low", where, f"{what} for {name} is {value} but {r.text()} is in use "
                     f"({highest.where.get((r.tool, r.key), 'state')}); --fix raises it to {r.number}")


def _inspect_registry(project: Project, path: Path, exam: Exam) -> dict | None:
    data = worktrees.read_json(path)
    if data is None and not path.exists():
        return None
    refusal = state.refused_version(data, str(path))
    if refusal:
        exam.newer = True
        exam.add("state-newer", str(path), refusal.removeprefix(f"{path} ") + "; doctor changes nothing until then",
                 fixable=False)
        return None
    problem = schemas.problem("registry", data) if data is not None else "not valid JSON"
    if problem:
        exam.add("registry-unusable", str(path), f"the worktree registry is unusable ({problem}); --fix rebuilds it "
                 "from the state of every worktree")
        return None
    return data


def _state_findings(project: Project, exam: Exam) -> None:
    has_tasks = any(t.id for t in exam.tasks)
    for path, kind in ((project.mapping_path, "mappings"), (project.counters_path, "counters")):
        rel = project.rel(path)
        main = _inspect(project, path, kind, exam)
        bak = _inspect(project, path.with_name(path.name + ".bak"), kind, exam)
        usable = main if main.data is not None else bak
        if kind == "mappings":
            exam.mapping = main
            found = usable.data["mappings"] if usable.data is not None else {}
            exam.mappings = {k.upper(): v for k, v in found.items()}
        else:
            exam.counters = main
        if main.migrated:
            exam.add("state-v1", rel, "is in the v1.0 format; --fix writes it as 2.0")
        elif main.problem and not main.newer:
            backup = "its .bak is usable" if bak.data is not None else "its .bak is unusable too"
            exam.add("state-unusable", rel, f"is unusable ({main.problem}) and {backup}; --fix rebuilds it from the "
                     "task files, never lowering a number")
        elif not main.exists and (bak.exists or has_tasks):
            exam.add("state-missing", rel, "is missing; --fix rebuilds it from the task files")


def _temp_findings(project: Project, exam: Exam) -> None:
    """Temporary files a killed write left behind. Every taskmint write into these folders
    happens under the lock the caller holds, so none of them is still being written."""
    folders = [project.state_dir, *([project.shared_dir] if project.shared_dir else [])]
    folders += [Path(folder) for folder, _, _ in os.walk(project.tasks_dir)]
    for folder in folders:
        try:
            project.check_inside(folder / "x")  # never delete through a symlink out of the project
            entries = list(os.scandir(folder))
        except (OSError, TaskmintError):
            continue
        for entry in entries:
            if _TEMP_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                exam.temp_files.append(Path(entry.path))
    if exam.temp_files:
        listed = ", ".join(project.rel(p) for p in exam.temp_files[:3]) + (", ..." if len(exam.temp_files) > 3 else "")
        exam.add("temp-files", listed, f"{len(exam.temp_files)} temporary file(s) left by interrupted writes; "
                 "--fix removes them")


def examine(project: Project, include_done: bool = False) -> Exam:
    """Every finding, and what repair() would do about it. Caller holds the lock."""
    exam = Exam(include_done=include_done)
    try:
        cfg = config.load(project)
        exam.tools, exam.trackers = cfg.tools, tuple(cfg.trackers)
    except TaskmintError as e:
        exam.add("config", project.rel(project.config_path), f"{e}", fixable=False)
    _read_tasks(project, exam)
    _state_findings(project, exam)
    _id_findings(project, exam)
    by_id = _groups(exam)
    if exam.mapping is not None and (exam.mapping.data is not None or exam.mappings):
        _mapping_findings(project, exam, by_id)
    _duplicate_findings(project, exam, by_id)
    _status_findings(project, exam)
    _external_findings(project, exam)
    _counter_findings(project, exam)
    _temp_findings(project, exam)
    _tracker_findings(project, exam)
    return exam


PENDING_LONG = 3600.0  # seconds: tracker work older than this is reported


def _tracker_findings(project: Project, exam: Exam) -> None:
    """Tracker work pending for long, and work for tasks that no longer exist. Doctor never
    talks to a tracker: `taskmint sync` does."""
    import time

    from taskmint import outbox

    try:
        entries = outbox.load(project)
    except StateError as e:
        exam.add("outbox", project.rel(outbox.path(project)), str(e), fixable=False)
        return
    known = {t.id for t in exam.tasks if t.id}
    rel = project.rel(outbox.path(project))
    for task_id, tools in sorted(entries.items()):
        if task_id.upper() not in known:
            exam.outbox_orphans.append(task_id)
            exam.add("pending-orphan", rel, f"{task_id} has pending {', '.join(sorted(tools))} work but no task "
                     "file; --fix drops that work")
            continue
        for tool, entry in sorted(tools.items()):
            age = time.time() - float(entry.get("since") or 0)
            if age > PENDING_LONG:
                what = "its issue" if entry.get("create") else "closing its issue"
                last = f" (last error: {entry['error']})" if entry.get("error") else ""
                exam.add("pending-long", task_id, f"{what} in {tool} has been pending for {age / 3600:.0f} h"
                         f"{last}; run `taskmint sync`", fixable=False)
    pending = {(t.upper(), tool) for t, tools in entries.items() for tool in tools}
    for task in exam.tasks:
        if not task.id or task.id in exam.unreadable_ids:
            continue
        have = {r.tool for r in task.refs} | set(exam.fills.get(task, {}))
        if _done(exam, task):
            continue  # finished work gets no tracker issue unless asked (--include-done)
        for tool in exam.trackers:
            if tool not in have and (task.id, tool) not in pending:
                exam.unlinked.setdefault(task.id, []).append(tool)
                exam.add("tracker-unlinked", project.rel(task.path),
                         f"has no {tool} issue and none is pending; --fix makes it pending for `taskmint sync`, "
                         f"or attach one with `taskmint link {task.id} {tool}:KEY`")


# --- repairing -------------------------------------------------------------------------


def _fresh_id(old: str, taken: set[str]) -> str:
    m = ids.ID_RE.fullmatch(old)
    assert m is not None  # only valid IDs are renumbered
    if m.group(3):  # a subtask: the next free number under the same parent
        return ids.subtask_id(old[: old.rindex(".")], taken)
    return ids.new_id(m.group(1), len(taken), lambda c: c.upper() in taken)


def _new_name(task: Task, new_id: str) -> str:
    name = task.path.name
    old = task.id or ""
    if old and name.upper().startswith(old + "-") and name.endswith(".md"):
        renamed = new_id + name[len(old):]
        if ids.id_from_filename(renamed) == new_id:  # not when the rest reads as part of the new ID
            return renamed
    title = task.meta.get("title")
    return ids.task_filename(new_id, str(title) if title not in (None, "") else task.path.stem)


def _listed(meta: dict[str, Any], key: str, extra: list[str]) -> list[str]:
    kept = meta.get(key)
    values = [str(v) for v in kept] if isinstance(kept, list) else []
    return values + [v for v in extra if v not in values]


def _ext_dict(task: Task, replace: dict[str, str]) -> dict[str, Any]:
    ext = task.meta.get("external_ids")
    merged: dict[str, Any] = dict(ext) if isinstance(ext, dict) else {}
    merged.update(replace)
    return merged


class _RepairTxn(Txn):
    """The transaction assign.assign runs in during a repair: numbers are saved as doctor
    saves them (only what changed, and a broken file's .bak replaced by a good copy), and the
    mapping is rebuilt once, from every task file, after all of them are repaired."""

    def __init__(self, project: Project, state: state.State, registry: state.Registry, exam: Exam,
                 done: list[str]) -> None:
        super().__init__(project, state, registry)
        self.exam: Exam | None = exam
        self.done = done
        self.numbers_saved = False

    def save_numbers(self, new_ids: list[str] = ()) -> None:
        assert self.exam is not None
        project, exam = self.project, self.exam
        self.registry.ids.update(i.upper() for i in new_ids)
        counters = exam.counters
        if counters is None or counters.data is None or counters.migrated or (
            counters.data["counters"] != self.state.counters
        ):
            _save(state.save_counters, project, self.state.counters, counters)
            self.done.append(f"{project.rel(project.counters_path)} raised to the highest numbers in use")
        if project.registry_path is not None and (
            exam.registry is None or exam.registry["counters"] != self.registry.counters
            or not self.registry.ids <= {i.upper() for i in exam.registry["ids"]}
        ):
            state.save_registry(project, self.registry)
            self.done.append(f"worktree registry {project.registry_path} raised to the highest numbers and IDs in use")
        self.numbers_saved = True

    def save_mapping(self) -> None:
        pass  # repair() writes the whole mapping last


def repair(project: Project, exam: Exam) -> list[str]:
    """Carry out every safe repair that examine() planned; returns one line per action.
    Caller holds the lock. Numbers are saved before any task file mentions them."""
    done: list[str] = []
    taken = set(exam.all_ids) | set(tasks.ids_by_filename(project)) | exam.unreadable_ids
    taken |= {t.id for t in exam.tasks if t.id}
    taken |= {p.upper() for t in exam.tasks for p in _listed(t.meta, PREVIOUS_IDS, [])}
    new_ids: dict[Task, str] = {}
    for task in exam.missing_id:
        new_ids[task] = ids.new_id(None, len(taken), lambda c: c.upper() in taken)
        taken.add(new_ids[task])
    for task in exam.duplicate_ids:
        new_ids[task] = _fresh_id(task.id or "", taken)
        taken.add(new_ids[task])

    # Counters cover this worktree's numbers; allocate() also lifts them over the registry,
    # which covers every worktree's, so a new number is above everything anywhere.
    registry = state.Registry(counters=external_ids.empty_counters(), ids=set(exam.all_ids))
    external_ids.merge_max(registry.counters, exam.floor)
    txn = _RepairTxn(project, state.State(counters=external_ids.empty_counters()), registry, exam=exam, done=done)
    external_ids.merge_max(txn.state.counters, exam.here)
    txn.registry.ids |= {t.id for t in exam.tasks if t.id and ids.is_valid_id(t.id)}
    numbered: dict[Task, dict[str, str]] = {}  # tool -> key of the numbers each task gets
    previous_ext: dict[Task, list[str]] = {}
    for task, ref in exam.duplicate_refs:
        numbered.setdefault(task, {})[ref.tool] = ref.key
        previous_ext.setdefault(task, []).append(f"{ref.tool}:{ref.text()}")
    for task in sorted(exam.missing_id, key=lambda t: t.order):
        if _done(exam, task):
            continue  # a new ID, but no numbers for finished work unless --include-done
        lacking = assign.local_tools(config.Config(tools=exam.tools), have={r.tool: r.text() for r in task.refs})
        if lacking:
            numbered.setdefault(task, {}).update(lacking)
    for task, lacking in exam.missing_ext.items():
        # Only local tools are numbered here; a tracker-backed tool is made pending (tracker-unlinked).
        numbered.setdefault(task, {}).update(assign.local_tools(config.Config(tools=lacking)))
    wanted = {task: assign.Wanted(new_ids.get(task, task.id or ""), numbered.get(task, {}),
                                  kept=exam.fills.get(task, {}), new_id=task in new_ids)
              for task in [*numbered, *new_ids]}
    replaced: dict[Task, dict[str, str]] = {}  # each renumbered task's new external_ids values
    by_wanted = {id(w): task for task, w in wanted.items()}

    def write(w: assign.Wanted, external: dict[str, str]) -> Path:
        task = by_wanted[id(w)]
        replaced[task] = external
        line = _repair_task(project, exam, task, new_ids.get(task), external, previous_ext.get(task, []))
        if line:
            done.append(line)
        return task.path

    if wanted:
        assign.assign(txn, list(wanted.values()), write)
    if not txn.numbers_saved:
        txn.save_numbers()

    final: dict[str, dict[str, str]] = {}
    for task in exam.tasks:
        task_id = new_ids.get(task, task.id)
        if task in wanted:
            replace = replaced[task]
        else:
            replace = exam.fills.get(task, {})
            line = _repair_task(project, exam, task, None, replace, [])
            if line:
                done.append(line)
        if task_id and _KEY_RE.fullmatch(task_id) and task_id not in final:
            final[task_id] = {r.tool: r.text() for r in external_ids.refs_in(_ext_dict(task, replace))}
    for key, entry in exam.mappings.items():
        if key in exam.unreadable_ids and key not in final:
            final[key] = entry  # its file exists but cannot be read: keep what we know
    order = [k for k in exam.mappings if k in final]
    mappings = {k: final[k] for k in order + sorted(set(final) - set(order))}
    mapping = exam.mapping
    if mapping is None or mapping.data is None or mapping.migrated or mapping.data["mappings"] != mappings:
        _save(state.save_mapping, project, mappings, mapping)
        done.append(f"{project.rel(project.mapping_path)} rebuilt from the task files ({len(mappings)} entries)")
    if exam.outbox_orphans or exam.unlinked:
        from taskmint import outbox

        entries = outbox.load(project)
        for task_id in exam.outbox_orphans:
            entries.pop(task_id, None)
        for task_id, tools in exam.unlinked.items():
            queued = entries.setdefault(task_id, {})
            for tool in tools:
                queued.setdefault(tool, outbox.new_entry(project, create=True, look_first=True))
        outbox.save(project, entries)
        if exam.outbox_orphans:
            done.append(f"dropped pending tracker work of {len(exam.outbox_orphans)} task(s) without a file")
        if exam.unlinked:
            done.append(f"made {len(exam.unlinked)} task(s) pending for their tracker issues; run `taskmint sync`")
    for path in exam.temp_files:
        path.unlink(missing_ok=True)
    if exam.temp_files:
        done.append(f"removed {len(exam.temp_files)} temporary file(s) left by interrupted writes")
    return done


def _save(save, project: Project, payload: dict, old: StateFile | None) -> None:
    save(project, payload)
    if old is not None and old.problem is not None:
        # The first write kept the broken file as .bak; a second one makes .bak a good copy.
        save(project, payload)


def _repair_task(project: Project, exam: Exam, task: Task, new_id: str | None, replace: dict[str, str],
                 previous_ext: list[str]) -> str | None:
    updates: dict[str, Any] = {}
    said: list[str] = []
    if new_id is not None:
        updates["id"] = new_id
        if task.id:
            updates[PREVIOUS_IDS] = _listed(task.meta, PREVIOUS_IDS, [task.id])
            said.append(f"{task.id} -> {new_id} (old ID kept in {PREVIOUS_IDS})")
        else:
            said.append(f"new ID {new_id}")
    if replace:
        updates["external_ids"] = _ext_dict(task, replace)
        said.append("external IDs " + ", ".join(f"{t} {v}" for t, v in replace.items()))
    if previous_ext:
        updates[PREVIOUS_EXTERNAL] = _listed(task.meta, PREVIOUS_EXTERNAL, previous_ext)
    if task in exam.status_fill:
        updates["status"] = exam.status_fill[task]
        said.append(f"status: {exam.status_fill[task]}")
    target = exam.moves.get(task, task.path)
    if new_id is not None:
        target = target.with_name(_new_name(task, new_id))
    if not updates and target == task.path:
        return None
    old_rel = project.rel(task.path)
    if target != task.path and target.exists():
        exam.add("unfixed", old_rel, f"cannot move it to {project.rel(target)}: that file exists; move it by hand",
                 fixable=False)
        return None
    if updates:
        try:
            frontmatter.set_keys(task.doc, updates)
        except (TypeError, TaskmintError) as e:  # e.g. a nested value under external_ids
            exam.add("unfixed", old_rel, f"cannot rewrite its frontmatter ({e}); fix it by hand", fixable=False)
            return None
        project.check_inside(task.path)
        atomic.write_atomic(task.path, task.doc.render().encode("utf-8"))
    if target != task.path:
        project.check_inside(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.move_no_clobber(task.path, target)
        said.append(f"moved to {project.rel(target)}")
    return f"{old_rel}: " + "; ".join(said)


@dataclass
class Result:
    findings: list[Finding]
    fixed: list[str]
    tasks: int
    notes: int = 0


def run(project: Project, fix: bool, include_done: bool = False) -> Result:
    """Examine (and with ``fix`` repair, then examine again) under the project lock.
    ``include_done``: completed tasks lacking external IDs are reported and numbered too."""
    with lock.held(project.lock_path):
        exam = examine(project, include_done)
        if not fix or not any(f.fixable for f in exam.findings):
            return Result(exam.findings, [], len(exam.tasks), exam.notes)
        if exam.newer:
            raise StateError("a state file was written by a newer taskmint or has a version this taskmint cannot "
                             "read (see `taskmint doctor`); upgrade taskmint or restore the file before "
                             "`taskmint doctor --fix` (nothing was changed)")
        project.state_dir.mkdir(parents=True, exist_ok=True)
        fixed = repair(project, exam)
        leftover = [f for f in exam.findings if f.code == "unfixed"]
        after = examine(project, include_done)
        # A repair can reveal what only a fresh look sees (a fill that makes a number
        # duplicate, say): one --fix must leave doctor clean whenever it says it can.
        for _ in range(2):
            if not any(f.fixable for f in after.findings):
                break
            more = repair(project, after)
            leftover += [f for f in after.findings if f.code == "unfixed"]
            after = examine(project, include_done)
            if not more:
                break
            fixed += more
        return Result(leftover + after.findings, fixed, len(after.tasks), after.notes)
