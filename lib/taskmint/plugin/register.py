"""PostToolUse: register a task file the agent wrote under tasks/<status>/.

The file keeps the ID it carries when that ID is valid, taken by no other task file and
unknown to the state (mapping and worktree registry): it only gets external IDs. A file
that carried the same valid ID before this tool call is an existing task being edited and
is left alone. A new file carrying a mapped ID that no other file has (a task rewritten from
scratch) gets that ID's external IDs back. Every other file (no ID, an invalid one, or one
another task owns, as after a copy) gets a fresh internal ID and fresh external IDs.

Everything happens in one transaction: the numbers are recorded before the file is
rewritten, the file is then named ``<ID>-<slug>.md``, and the mapping is written last, the
same order service.create keeps. Only the keys taskmint owns are spliced into the
frontmatter; everything else in the file stays byte for byte.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskmint import atomic, config, external_ids, frontmatter, ids, statuses, tasks, yamltext
from taskmint.errors import TaskmintError
from taskmint.plugin.answer import Answer, context
from taskmint.plugin.guard import meta_of
from taskmint.project import Project, find_project
from taskmint.transaction import Txn, transaction

EVENT = "PostToolUse"
DEFAULT_PRIORITY = "medium"


@dataclass
class Registered:
    task_id: str
    external: dict[str, str]
    path: Path
    renamed_from: Path | None
    why: str  # what taskmint did with the ID the file carried


def handle(payload: dict) -> Answer:
    tool_input = payload.get("tool_input") or {}
    cwd = payload.get("cwd") or os.getcwd()
    path = Path(os.path.normpath(os.path.join(cwd, tool_input.get("file_path", ""))))
    response = payload.get("tool_response")
    previous = response.get("originalFile") if isinstance(response, dict) else None
    project = find_project(None)
    try:
        done = register(project, path, previous if isinstance(previous, str) else None)
    except TaskmintError as e:
        return context(EVENT, f"taskmint did not register {project.rel(path)} as a task: {e}")
    if done is None:
        return Answer()
    return context(EVENT, describe(project, done), f"taskmint: {project.rel(done.path)} is {done.task_id}"
                   + (f" ({', '.join(done.external.values())})" if done.external else ""))


def describe(project: Project, done: Registered) -> str:
    external = ", ".join(f"{tool} {value}" for tool, value in done.external.items()) or "none configured"
    lines = [f"taskmint registered the task file {project.rel(done.renamed_from or done.path)}: {done.why}. "
             f"Its ID is {done.task_id}; its external IDs are: {external}."]
    if done.renamed_from is not None:
        lines.append(f"The file was renamed to {project.rel(done.path)}; use that path from now on.")
    lines.append("taskmint rewrote the frontmatter keys it owns (id, external_ids and missing defaults); "
                 "never change id or external_ids yourself.")
    return " ".join(lines)


def register(project: Project, path: Path, previous: str | None = None) -> Registered | None:
    """Give the task file at ``path`` its IDs; None when there is nothing to do."""
    status = statuses.load(project).of_folder(project, path)
    if status is None or path.suffix != ".md" or not path.is_file():
        return None
    project.check_inside(path)
    carried = _valid_id(_read_task(project, path).meta.get("id"))
    if carried is not None and carried == _valid_id(_id_in(previous)):
        return None  # an existing task, edited (PreToolUse keeps its IDs fixed): no lock needed
    with transaction(project) as txn:
        task = _read_task(project, path)  # again, under the lock
        carried = _valid_id(task.meta.get("id"))
        by_name = tasks.ids_by_filename(project)
        owners = _other_files_with(project, by_name.get(carried or "", []), carried, path)
        if carried and not owners and carried in txn.state.mappings:
            task_id, why = carried, f"it carries {carried}, which has no other file, so it keeps its external IDs"
            external = dict(txn.state.mappings[carried])
            if _external_of(task.meta) == external and path.name == ids.task_filename(carried, _title(task)):
                return None
        else:
            if carried and not owners and carried not in txn.known_ids():
                task_id, why = carried, f"it carries the new ID {carried}, which is kept"
            else:
                task_id, why = _fresh_id(txn, by_name, task.meta), _why_fresh(project, task.meta, carried, owners)
            external = txn.allocate(config.load(project))
            txn.save_numbers([task_id])  # before any file mentions the numbers
        _rewrite(task, task_id, external, status)
        atomic.write_atomic(path, task.doc.render().encode("utf-8"))
        final = _rename(project, path, ids.task_filename(task_id, _title(task)))
        txn.state.add_mapping(task_id, external)
        txn.save_mapping()
    return Registered(task_id, external, final, path if final != path else None, why)


def _read_task(project: Project, path: Path) -> tasks.TaskFile:
    task = tasks.read(project, path)
    if task.doc is None:
        raise TaskmintError("it has no YAML frontmatter; start the file with a `---` line, `title: ...` and "
                            "another `---` line, and taskmint will assign its IDs")
    if task.meta.get("title") is None or not str(task.meta["title"]).strip():
        raise TaskmintError("its frontmatter has no title; add `title: ...` and taskmint will assign its IDs")
    return task


def _valid_id(value: object) -> str | None:
    return ids.normalize(value) if ids.is_valid_id(value) else None


def _id_in(text: str | None) -> object:
    try:
        meta = meta_of(text) if text else None
    except TaskmintError:
        return None
    return meta.get("id") if meta else None


def _title(task: tasks.TaskFile) -> str:
    return str(task.meta["title"]).strip()


def _external_of(meta: dict[str, Any]) -> dict[str, str]:
    return {r.tool: r.text() for r in external_ids.refs_in(meta.get("external_ids"))}


def _other_files_with(project: Project, candidates: list[Path], task_id: str | None, path: Path) -> list[Path]:
    """The files among ``candidates`` (named after ``task_id``, or holding it) whose id it is."""
    found = []
    for other in candidates:
        try:
            if other != path and _valid_id(tasks.read(project, other).meta.get("id")) == task_id:
                found.append(other)
        except TaskmintError:
            continue
    return found


def _fresh_id(txn: Txn, by_name: dict[str, list[Path]], meta: dict[str, Any]) -> str:
    """A new ID, checked under the lock against every task file, the mapping and the registry;
    a subtask ID when the file names a known parent, an epic prefix when it names an epic."""
    taken = txn.known_ids() | set(by_name)
    parent = _valid_id(meta.get("parent"))
    if parent is not None and parent in taken:
        return ids.subtask_id(parent, taken)
    epic = meta.get("epic")
    prefix = ids.prefix_for_epic(epic) if isinstance(epic, str) else None
    return ids.new_id(prefix, len(taken), lambda candidate: candidate.upper() in taken)


def _why_fresh(project: Project, meta: dict[str, Any], carried: str | None, owners: list[Path]) -> str:
    if owners:
        return (f"it carried {carried}, which belongs to {project.rel(owners[0])}, so it got a new ID (to move a "
                "task, move its file instead of copying it)")
    if carried:
        return f"it carried {carried}, which taskmint had already issued, so it got a new ID"
    if "id" in meta and meta["id"] not in (None, ""):
        return f"its id {str(meta['id'])!r} is not a valid task ID, so it got a new one"
    return "it had no ID"


def _rewrite(task: tasks.TaskFile, task_id: str, external: dict[str, str], status: str) -> None:
    """Splice in the keys taskmint owns; a missing id goes first, other missing keys last."""
    doc = task.doc
    assert doc is not None
    if "id" in task.meta:
        frontmatter.set_keys(doc, {"id": task_id})
    else:
        doc.lines[0:0] = frontmatter.render_value("id", task_id)
    now = yamltext.now()
    defaults = {"status": status, "created": now, "updated": now, "priority": DEFAULT_PRIORITY, "tags": []}
    missing = {k: v for k, v in defaults.items() if k not in task.meta}
    frontmatter.set_keys(doc, {**missing, "external_ids": external})


def _rename(project: Project, path: Path, name: str) -> Path:
    if path.name == name:
        return path
    target = path.with_name(name)
    try:
        atomic.move_no_clobber(path, target)
    except FileExistsError:
        return path  # keep the agent's name rather than overwrite another file
    return target
