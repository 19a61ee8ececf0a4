"""`taskmint doctor`: check task files against the state, and repair what is safe.

The task files' frontmatter is the truth; the mapping, the counters, the worktree registry and
the folder a file sits in are derived from it. Repairs never delete a task file and never lower
a counter: counters end at the maximum of every number found anywhere (frontmatter, mapping,
counters, their .bak copies, the registry and the state of every other worktree).

Doctor reads state without `state.load`, which refuses doubly-broken files: that refusal
points users here, so this is the one place that must work when nothing else does. Reading is
doctor_scan's; the repairs are doctor_repair's, imported only by --fix.
"""
from __future__ import annotations

import gc
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from taskmint import config, external_ids, frontmatter, ids, lock, schemas, shortlived, state, tasks, worktrees
from taskmint.doctor_scan import PREVIOUS_EXTERNAL, PREVIOUS_IDS, StateFile, Task, Unreadable, read_state, read_tasks
from taskmint.errors import StateError, TaskmintError, UsageError
from taskmint.external_ids import ExternalRef
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# The temporary files taskmint writes next to a task or state file before renaming them over
# it (tempfile.mkstemp in atomic.write_atomic and floor_cache): `.<name>.<8 random>.tmp`, and
# `.tmp.bak` for the backup link.
_TEMP_RE = re.compile(r"\..+\.(?:md|json)\.[a-z0-9_]{8}\.tmp(?:\.bak)?")


class Finding:
    # A plain class: importing dataclasses (it loads inspect) cost a check more than its checks of the state.

    def __init__(self, code: str, where: str, message: str, fixable: bool) -> None:
        self.code, self.where, self.message, self.fixable = code, where, message, fixable  # vars() is --json's

    def line(self) -> str:
        return f"{self.code}: {self.where}: {self.message}"


class Exam:
    """Every finding, and what repair() is to do about them: filled in by the checks."""

    def __init__(self, include_done: bool = False) -> None:
        self.findings: list[Finding] = []
        self.tasks: list[Task] = []
        self.tools: dict[str, str] = {}
        self.trackers: tuple[str, ...] = ()  # the tracker-backed tools: their keys are never renumbered locally
        self.newer = False
        self.mapping: StateFile | None = None
        self.counters: StateFile | None = None
        self.states: dict[str, tuple[StateFile, StateFile]] = {}  # kind -> the file and its .bak (_read_states)
        self.state_json: dict[Path, object] = {}  # each state file and .bak: its JSON as written (read_state)
        self.mappings: dict[str, dict[str, str]] = {}  # the usable mapping (file or .bak), upper keys
        self.unreadable_ids: set[str] = set()  # IDs named by files that cannot be read
        self.here: dict = external_ids.empty_counters()  # every number in use in this worktree
        self.floor: dict = external_ids.empty_counters()  # ... and in every other one
        self.registry: dict | None = None  # usable registry content
        self.id_sources: list[object] = []  # the JSON of every state file and registry: all_ids are theirs
        self._all_ids: set[str] | None = None
        # the repairs: filled in by the checks, carried out by repair()
        self.fills: dict[Task, dict[str, str]] = {}
        self.missing_id: list[Task] = []
        self.duplicate_ids: list[Task] = []
        self.duplicate_refs: list[tuple[Task, ExternalRef]] = []
        self.status_fill: dict[Task, str] = {}
        self.moves: dict[Task, Path] = {}
        self.temp_files: list[Path] = []
        self.outbox_orphans: list[str] = []
        self.unlinked: dict[str, list[str]] = {}  # task ID -> trackers it has no issue in
        self.missing_ext: dict[Task, dict[str, str]] = {}  # task -> the tools (and keys) it lacks
        self.include_done = include_done  # completed tasks get numbers too
        self.notes = 0  # Markdown files without frontmatter under tasks/ (tasks.is_note)
        self.dotted: list[tuple[str, list[str]]] = []  # each folder under tasks/ and its names starting with a dot

    def add(self, code: str, where: str, message: str, fixable: bool = True) -> None:
        self.findings.append(Finding(code, where, message, fixable))

    @property
    def all_ids(self) -> set[str]:
        """Every internal ID the state files of every worktree and the registry name: a repair
        must issue none of them again. Read out only when asked: a check needs none."""
        if self._all_ids is None:
            self._all_ids = set().union(*map(worktrees.ids_in, self.id_sources))
        return self._all_ids

    def done(self, task: Task) -> bool:
        """A completed task that is left without new numbers: adopting taskmint in an old
        project must not mint numbers (or tracker issues) for finished work, unless asked."""
        return task.meta.get("status") == "completed" and not self.include_done


# --- reading ---------------------------------------------------------------------------


def _read_tasks(project: Project, exam: Exam) -> None:
    found, exam.notes, exam.dotted = read_tasks(project, meanwhile=lambda: _read_states(project, exam))
    for item in found:
        if isinstance(item, Unreadable):
            if item.named:
                exam.unreadable_ids.add(item.named)
            exam.add("unreadable", item.rel, item.problem, fixable=False)
            continue
        if "&" in item.text and "*" in item.text:  # without both, anchor_problems finds none
            for problem in frontmatter.anchor_problems(item.doc, frontmatter.REWRITTEN_KEYS):
                exam.add("yaml-anchor", item.rel, problem, fixable=False)
        exam.tasks.append(item)


def _id_findings(exam: Exam) -> None:
    for task in exam.tasks:
        rel = task.rel
        raw_id = task.meta.get("id")
        if task.id is None and raw_id in (None, ""):
            exam.missing_id.append(task)
            exam.add("missing-id", rel, "has no id; --fix gives it a new ID, external IDs for the configured tools "
                     "it lacks (not when it is completed, unless --include-done), and a file name that carries the ID")
        elif not task.keyed:
            said = frontmatter.value_text(task.doc, "id") or repr(raw_id)  # as written: 2025-01-08, not a repr
            exam.add("bad-id", rel, f"id {said} is not a task ID (TASK-<HASH>); fix it by hand", fixable=False)
        elif not task.valid:
            exam.add("legacy-id", rel, f"{task.id} is a legacy ID, not a taskmint hash ID; run `taskmint migrate`",
                     fixable=False)
        ext = task.meta.get("external_ids")
        if ext is not None and not isinstance(ext, dict):
            exam.add("bad-external-id", rel, "external_ids is not a mapping of tool: ID; fix it by hand", fixable=False)
        if not isinstance(ext, dict) or len(ext) == len(task.refs):
            continue  # every item gave one of task.refs: none is malformed
        for tool, value in ext.items():
            if tool in config.TOOLS and value not in (None, "") and not external_ids.refs_in({tool: value}):
                exam.add("bad-external-id", rel, f"external_ids.{tool} {value!r} is not a {tool} ID; fix it by hand",
                         fixable=False)


def _first(exam: Exam, task: Task, ref: ExternalRef | None = None) -> tuple:
    """Sort key of the copy that keeps a duplicated ID (or number): created first; within
    the same second, the one the mapping records, then the one in its status's folder (a
    copy written into another folder keeps the original's status)."""
    entry = exam.mappings.get(task.id or "")
    if ref is None:
        agrees = entry == task.mine
    else:
        agrees = entry is not None and entry.get(ref.tool) == ref.text()
    return task.order[0], not agrees, task.order[1], task.order[2]


def _groups(exam: Exam) -> dict[str, list[Task]]:
    by_id: dict[str, list[Task]] = {}
    for task in exam.tasks:
        if task.keyed:
            by_id.setdefault(task.id, []).append(task)
    for group in by_id.values():
        if len(group) > 1:
            group.sort(key=lambda t: _first(exam, t))
    return by_id


def _duplicate_findings(project: Project, exam: Exam, by_id: dict[str, list[Task]]) -> None:
    for task_id, group in by_id.items():
        if len(group) > 1 and ids.is_valid_id(task_id):
            for later in group[1:]:
                exam.duplicate_ids.append(later)
                exam.add("duplicate-id", later.rel,
                         f"ID {task_id} is also used by {group[0].rel} (the copy created first keeps "
                         f"it); --fix gives this file a new ID and records {task_id} in {PREVIOUS_IDS}")
    for ref, group in _shared_refs(exam).items():
        group.sort(key=lambda t: _first(exam, t, ref))
        if ref.tool in exam.trackers:  # the tracker's key: only its issue's marker says whose it is
            listed = ", ".join(t.rel for t in group)
            exam.add("tracker-key-shared", listed,
                     f"{ref.tool} {ref.text()} is on {len(group)} tasks; the issue's `taskmint: ID` line names "
                     f"its task: remove the key from the others' external_ids, then `taskmint sync`",
                     fixable=False)
            continue
        for later in group[1:]:
            exam.duplicate_refs.append((later, ref))
            exam.add("duplicate-external-id", later.rel,
                     f"{ref.tool} {ref.text()} is also used by {group[0].rel} (the task created first "
                     f"keeps it); --fix gives this task a new {ref.tool} number and records {ref.tool}:{ref.text()} "
                     f"in {PREVIOUS_EXTERNAL}")


def _shared_refs(exam: Exam) -> dict[ExternalRef, list[Task]]:
    """Each external ID that more than one task has, in the order the tasks first name them,
    with those tasks in their order."""
    holder: dict[ExternalRef, Task] = {}  # who names it first
    shared: dict[ExternalRef, list[Task]] = {}
    for task in exam.tasks:
        for ref in _effective_refs(exam, task):
            first = holder.setdefault(ref, task)
            if first is not task:
                shared.setdefault(ref, [first]).append(task)
    if len(shared) < 2:
        return shared
    place = {ref: n for n, ref in enumerate(holder)}
    return {ref: shared[ref] for ref in sorted(shared, key=place.__getitem__)}


def _effective_refs(exam: Exam, task: Task) -> list[ExternalRef]:
    filled = exam.fills.get(task)
    if not filled:
        return task.refs
    return task.refs + [r for tool, text in filled.items() if (r := external_ids.parse_stored(tool, text))]


def _mapping_findings(project: Project, exam: Exam, by_id: dict[str, list[Task]]) -> None:
    rel = project.rel(project.mapping_path)
    for task_id, group in by_id.items():
        if len(group) > 1:
            continue  # the duplicate-id repair settles which file the entry belongs to
        task = group[0]
        where = task.rel
        entry = exam.mappings.get(task_id)
        if entry is None:
            exam.add("mapping-missing", where, f"{task_id} is not in {rel}; --fix adds it")
            continue
        mine = task.mine
        if entry == mine:
            continue  # then the file holds every tool of the entry, and the same ID for each
        ext = task.meta.get("external_ids")
        absent = {t for t in entry if not isinstance(ext, dict) or ext.get(t) in (None, "")}
        if absent:
            exam.fills[task] = {t: entry[t] for t in entry if t in absent}  # in the entry's order, not a set's
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


def _lacking(exam: Exam, task: Task) -> dict[str, str]:
    """The configured tools (tool -> key) for which the task has no external ID at all."""
    filled = exam.fills.get(task, {})
    if not filled and exam.tools.keys() <= task.mine.keys():
        return {}  # it has an ID for every configured tool
    ext = task.meta.get("external_ids")
    ext = ext if isinstance(ext, dict) else {}
    have = set(task.mine) | set(filled)
    return {tool: key for tool, key in exam.tools.items() if tool not in have and ext.get(tool) in (None, "")}


def _external_findings(exam: Exam) -> None:
    """Tasks that lack an external ID for a configured tool: a tool added to the config
    after they were made, or tasks written before `taskmint init`."""
    without_id = set(exam.missing_id)
    held = {f.where for f in exam.findings if not f.fixable}  # a bad status or external ID needs a person first
    lacking: list[tuple[Task, dict[str, str]]] = []
    for task in exam.tasks:
        if task in without_id or not task.valid or exam.done(task) or task.rel in held:
            continue
        tools = _lacking(exam, task)
        if tools:
            lacking.append((task, tools))
    for task, tools in sorted(lacking, key=lambda item: item[0].order):  # only these need an order
        exam.missing_ext[task] = tools
        exam.add("missing-external-id", task.rel,
                 f"{task.id} has no {' or '.join(tools)} ID; --fix gives it the next "
                 f"number{'s' * (len(tools) > 1)}")


def _status_findings(project: Project, exam: Exam, declared) -> None:  # declared: statuses.Statuses
    folders: dict[str, str | None] = {}  # the folder right under tasks/ -> the declared status it holds
    for task in exam.tasks:
        if task.top is None:
            continue  # directly in tasks/: no status's folder
        folder = folders.get(task.top, "")
        if folder == "":
            folder = folders[task.top] = declared.canonical(task.top)
        if folder is None:
            continue
        written = task.meta.get("status")
        if written == folder:
            continue  # a declared status in its own folder
        rel = task.rel
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
            if target.exists() and not renamed and not _renumbered_away(exam, target):
                exam.add("status-folder", rel, f"status is {status} but the file is in a {folder} folder, and "
                         f"{project.rel(target)} already exists; move one of them by hand", fixable=False)
            else:
                exam.moves[task] = target
                exam.add("status-folder", rel, f"status is {status} but the file is in a {folder} folder; --fix "
                         f"moves it to {project.rel(target.parent)}/")


def _renumbered_away(exam: Exam, path: Path) -> bool:
    return any(t.path == path for t in [*exam.duplicate_ids, *exam.missing_id])


def _completed_at(meta: dict[str, Any]) -> datetime:
    """Where a completed task is filed: the month of its `completed:` in any form YAML holds
    (a plain date too), else of `updated`, else now."""
    return tasks.moment(meta.get("completed")) or tasks.moment(meta.get("updated")) or datetime.now(timezone.utc)


class _Highest:
    """The highest number in use per (tool, key) and one place it was seen: the first place
    the highest was seen."""

    def __init__(self) -> None:
        self.best: dict[tuple[str, str], int] = {}  # (tool, key) -> number, keys in the order first seen
        self.where: dict[tuple[str, str], str] = {}

    def see(self, refs: list[ExternalRef], where: str) -> None:
        best = self.best
        for r in refs:
            tool_key = r[:2]
            if best.get(tool_key, 0) < r.number:
                best[tool_key] = r.number
                self.where[tool_key] = where

    def see_counters(self, counters: dict, where: str) -> None:
        self.see(_refs_of(counters), where)

    @property
    def counters(self) -> dict:
        counters = external_ids.empty_counters()
        for (tool, key), number in self.best.items():
            external_ids.set_counter(counters, tool, key, number)
        return counters

    def copy(self) -> _Highest:
        twin = _Highest()
        twin.best, twin.where = dict(self.best), dict(self.where)
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
        here.see(task.refs + _previous_refs(task.meta), task.rel)
    seen: dict[str, object] = {task.id: task.mine for task in exam.tasks if task.id}  # what `here` has seen
    for path in worktrees.state_files(project):
        data = exam.state_json.get(path)
        here.see_counters(worktrees.counters_in(_unseen(data, seen)), project.rel(path))
        exam.id_sources.append(data)
    everywhere = here.copy()
    for other in worktrees.projects(project)[1:]:
        for path in worktrees.state_files(other):
            data = worktrees.read_json(path)
            everywhere.see_counters(worktrees.counters_in(data), str(path))
            exam.id_sources.append(data)
    registry_path = project.registry_path
    if registry_path is not None:
        registry = worktrees.read_json(registry_path)
        exam.registry = _inspect_registry(registry_path, registry, exam)
        backup = registry_path.with_name(registry_path.name + ".bak")
        for path, data in ((registry_path, registry), (backup, worktrees.read_json(backup))):
            everywhere.see_counters(worktrees.counters_in(data), str(path))
            exam.id_sources.append(data)
    exam.here, exam.floor = here.counters, everywhere.counters
    counters_file = exam.counters
    if counters_file is not None and counters_file.data is not None:
        _below(exam, project.rel(counters_file.path), counters_file.data["counters"], here, "counter")
    if exam.registry is not None:
        _below(exam, str(registry_path), exam.registry["counters"], everywhere, "worktree registry counter")


def _unseen(data: object, seen: dict[str, object]) -> object:
    """A state file's JSON without the mapping entries equal to the one ``seen`` under the same
    key, and ``seen`` with its entries. Such an entry names the same external IDs, whose numbers
    were seen already (a task's, or an entry's of the mapping read before its .bak): skipping it
    changes no highest number, no place it was first seen and no order of keys, and at 10,000
    tasks it skips nearly all of the 20,000 entries of the mapping and its .bak."""
    mappings = data.get("mappings") if isinstance(data, dict) else None
    if not isinstance(mappings, dict):
        return data
    unseen = {key: entry for key, entry in mappings.items() if seen.get(key, _UNSET) != entry}
    seen.update(mappings)
    return {**data, "mappings": unseen}


_UNSET = object()


def _below(exam: Exam, where: str, counters: dict, highest: _Highest, what: str) -> None:
    for r in _refs_of(highest.counters):
        value = external_ids.counter_value(counters, r.tool, r.key)
        if value < r.number:
            name = f"{r.tool} {r.key}" if r.key else r.tool
            exam.add("counter-low", where, f"{what} for {name} is {value} but {r.text()} is in use "
                     f"({highest.where.get((r.tool, r.key), 'state')}); --fix raises it to {r.number}")


def _inspect_registry(path: Path, data: object, exam: Exam) -> dict | None:
    """The registry's content (``data``, its JSON) when it is usable."""
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


def _read_states(project: Project, exam: Exam) -> None:
    """Each state file and its .bak as on disk, for _state_findings: read while the task files
    are (read_tasks' meanwhile), since no task is needed to read them."""
    for path, kind in ((project.mapping_path, "mappings"), (project.counters_path, "counters")):
        exam.states[kind] = (read_state(project, path, kind),
                             read_state(project, path.with_name(path.name + ".bak"), kind))


def _state_findings(project: Project, exam: Exam) -> None:
    has_tasks = any(t.id for t in exam.tasks)
    for path, kind in ((project.mapping_path, "mappings"), (project.counters_path, "counters")):
        rel = project.rel(path)
        main, bak = exam.states[kind]
        for found in (main, bak):
            exam.state_json[found.path] = found.json
            if found.newer:
                exam.newer = True
                exam.add("state-newer", project.rel(found.path), f"{found.newer}; doctor changes nothing until then",
                         fixable=False)
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
    listed = [(str(folder), None) for folder in (project.state_dir, project.shared_dir) if folder]
    listed += exam.dotted  # under tasks/, the names read_tasks listed: a temporary file's starts with a dot
    for folder, names in listed:
        try:
            project.check_inside(Path(folder, "x"))  # never delete through a symlink out of the project
            if names is None:
                names = [entry.name for entry in os.scandir(folder)]
        except (OSError, TaskmintError):
            continue
        for name in names:
            if _TEMP_RE.fullmatch(name) and os.path.isfile(path := os.path.join(folder, name)) \
                    and not os.path.islink(path):
                exam.temp_files.append(Path(path))
    if exam.temp_files:
        listed = ", ".join(project.rel(p) for p in exam.temp_files[:3]) + (", ..." if len(exam.temp_files) > 3 else "")
        exam.add("temp-files", listed, f"{len(exam.temp_files)} temporary file(s) left by interrupted writes; "
                 "--fix removes them")


def examine(project: Project, include_done: bool = False) -> Exam:
    """Every finding, and what repair() would do about it. Caller holds the lock."""
    exam = Exam(include_done=include_done)
    shortlived.leave(exam)
    declared = None
    try:
        cfg = config.load(project)
        exam.tools, exam.trackers, declared = cfg.tools, tuple(cfg.trackers), cfg.statuses
    except TaskmintError as e:
        exam.add("config", project.rel(project.config_path), f"{e}", fixable=False)
    _read_tasks(project, exam)
    _state_findings(project, exam)
    _id_findings(exam)
    by_id = _groups(exam)
    if exam.mapping is not None and (exam.mapping.data is not None or exam.mappings):
        _mapping_findings(project, exam, by_id)
    _duplicate_findings(project, exam, by_id)
    if declared is not None:  # else the declared statuses are unknown until the config finding is fixed
        _status_findings(project, exam, declared)
    _external_findings(exam)
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
    known = {t.id for t in exam.tasks if t.id} if entries else set()
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
    if not exam.trackers:
        return  # no tracker: no task lacks its issue
    pending = {(t.upper(), tool) for t, tools in entries.items() for tool in tools}
    for task in exam.tasks:
        if not task.id or task.id in exam.unreadable_ids:
            continue
        have = set(task.mine) | set(exam.fills.get(task, {}))
        if exam.done(task):
            continue  # finished work gets no tracker issue unless asked (--include-done)
        for tool in exam.trackers:
            if tool not in have and (task.id, tool) not in pending:
                exam.unlinked.setdefault(task.id, []).append(tool)
                exam.add("tracker-unlinked", task.rel,
                         f"has no {tool} issue and none is pending; --fix makes it pending for `taskmint sync`, "
                         f"or attach one with `taskmint link {task.id} {tool}:KEY`")


class Result:
    # A plain class: importing dataclasses (it loads inspect) cost a check more than its checks of the state.

    def __init__(self, findings: list[Finding], fixed: list[str], tasks: int, notes: int = 0) -> None:
        self.findings, self.fixed, self.tasks, self.notes = findings, fixed, tasks, notes


def run(project: Project, fix: bool, include_done: bool = False) -> Result:
    """Examine (and with ``fix`` repair, then examine again) under the project lock.
    ``include_done``: completed tasks lacking external IDs are reported and numbered too."""
    # Examining 10,000 tasks makes some 120,000 containers that all stay alive to the end: the
    # cyclic collector's passes over them (each full one 35 ms) find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with lock.held(project.lock_path):
            return _run(project, fix, include_done)
    finally:
        if collecting:
            gc.enable()


def _hold(exam: Exam, unfixed: list[Finding]) -> None:
    """Nothing left on a file that a repair could not rewrite or move is fixable: the next
    --fix would fail on it the same way."""
    defeated = {f.where for f in unfixed}
    for finding in exam.findings:
        if finding.where in defeated:
            finding.fixable = False


def _run(project: Project, fix: bool, include_done: bool) -> Result:
    exam = examine(project, include_done)
    if not fix or not any(f.fixable for f in exam.findings):
        return Result(exam.findings, [], len(exam.tasks), exam.notes)
    if any(f.code == "config" for f in exam.findings):
        raise UsageError(f"{project.rel(project.config_path)} is unusable (see `taskmint doctor`); fix it before "
                         "`taskmint doctor --fix`, which numbers tasks by it (nothing was changed)")
    if exam.newer:
        raise StateError("a state file was written by a newer taskmint or has a version this taskmint cannot "
                         "read (see `taskmint doctor`); upgrade taskmint or restore the file before "
                         "`taskmint doctor --fix` (nothing was changed)")
    from taskmint.doctor_repair import repair  # only --fix pays for the writers and the transaction

    project.state_dir.mkdir(parents=True, exist_ok=True)
    fixed = repair(project, exam)
    unfixed = [f for f in exam.findings if f.code == "unfixed"]
    after = examine(project, include_done)
    # A repair can reveal what only a fresh look sees (a fill that makes a number
    # duplicate, say): one --fix must leave doctor clean whenever it says it can. A file a
    # repair could not rewrite is not retried for its own sake: it would fail the same way.
    for _ in range(2):
        _hold(after, unfixed)
        if not any(f.fixable for f in after.findings):
            break
        more = repair(project, after)
        unfixed += [f for f in after.findings if f.code == "unfixed"]
        after = examine(project, include_done)
        if not more:
            break
        fixed += more
    _hold(after, unfixed)
    unfixed = list({f.line(): f for f in unfixed}.values())  # retried with another repair: said once
    return Result(unfixed + after.findings, fixed, len(after.tasks), after.notes)
