"""`taskmint doctor --fix`: carry out the repairs doctor.examine planned.

Only --fix imports this module (and with it assign, the transaction and the writers): a check
reads and writes nothing else. Repairs never delete a task file and never lower a counter.
"""
from __future__ import annotations

from pathlib import Path

from taskmint import assign, atomic, config, external_ids, frontmatter, ids, state, tasks
from taskmint.doctor_scan import KEY_RE, PREVIOUS_EXTERNAL, PREVIOUS_IDS, StateFile, Task
from taskmint.errors import TaskmintError
from taskmint.project import Project
from taskmint.transaction import Txn

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from taskmint.doctor import Exam


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
            or not self.registry.ids <= {i.upper() for i in state.registry_ids(exam.registry)}
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
        if exam.done(task):
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

    kept: set[Task] = set()  # files left as they were: the mapping records what they hold

    def repaired(task: Task, new_id: str | None, replace: dict[str, str], previous: list[str]) -> None:
        try:
            line = _repair_task(project, exam, task, new_id, replace, previous)
        except _Unfixed as e:
            kept.add(task)
            exam.add("unfixed", e.rel, e.message, fixable=False)
            return
        if line:
            done.append(line)

    def write(w: assign.Wanted, external: dict[str, str]) -> Path:
        task = by_wanted[id(w)]
        replaced[task] = external
        repaired(task, new_ids.get(task), external, previous_ext.get(task, []))
        return task.path  # a kept file is recorded with numbers it lacks: the folder index only ever adds

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
            repaired(task, None, replace, [])
        if task in kept:  # under the ID it holds, with what the mapping recorded for it, never new IDs or numbers
            if task in exam.duplicate_ids:
                continue  # its ID is the first copy's, and so is the ID's entry
            task_id, replace = task.id, exam.fills.get(task, {})
        if task_id and KEY_RE.fullmatch(task_id) and task_id not in final:
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


class _Unfixed(Exception):
    """A task file that a repair cannot rewrite or move: it is left as it is."""

    def __init__(self, rel: str, message: str) -> None:
        super().__init__(message)
        self.rel, self.message = rel, message


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
        raise _Unfixed(old_rel, f"cannot move it to {project.rel(target)}: that file exists; move it by hand")
    if updates:
        try:
            frontmatter.set_keys(task.doc, updates)
        except (TypeError, TaskmintError) as e:  # e.g. a nested value under external_ids
            raise _Unfixed(old_rel, f"cannot rewrite its frontmatter ({e}); fix it by hand") from None
        project.check_inside(task.path)
        atomic.write_atomic(task.path, task.doc.render().encode("utf-8"))
    if target != task.path:
        project.check_inside(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.move_no_clobber(task.path, target)
        said.append(f"moved to {project.rel(target)}")
    return f"{old_rel}: " + "; ".join(said)
