"""Registering a task file written under tasks/<status>/ by hand or by an agent (the
PostToolUse hook's work; plugin/register.py only adapts the hook payload).

The file keeps the ID it carries when that ID is valid, taken by no other task file and
unknown to the state (mapping and worktree registry): it only gets external IDs. A file
that carried the same valid ID before this tool call is an existing task being edited and
is left alone. A new file carrying a mapped ID that no other file has (a task rewritten from
scratch) gets that ID's external IDs back. Every other file (no ID, an invalid one, or one
another task owns, as after a copy) gets a fresh internal ID and fresh external IDs. Which
other file holds an ID is decided by content, not names (see _owners). A Markdown file
without frontmatter is a note (tasks.is_note) and is left alone, unless it looks like an
attempt at a task: then the agent is told what a task file needs.

Everything happens in one transaction, in assign's order: the numbers are recorded before
the file is rewritten, the file is then named ``<ID>-<slug>.md``, and the mapping is written
last. Only the keys taskmint owns are spliced into the
frontmatter; everything else in the file stays byte for byte.
"""
from __future__ import annotations

import re
from pathlib import Path

from taskmint import assign, atomic, config, external_ids, frontmatter, ids, statuses, tasks, yamltext
from taskmint.errors import TaskmintError
from taskmint.project import Project
from taskmint.transaction import Txn, transaction

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a hook would pay for it)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_PRIORITY = "medium"
_KEY_LINE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t]|$)")
_ID_LINE_RE = re.compile(rb"""^id[ \t]*:[ \t]*['"]?([^'"#\s]+)""", re.MULTILINE)


class Registered:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, task_id: str, external: dict[str, str], path: Path, renamed_from: Path | None,
                 why: str, pending: tuple[str, ...] = ()) -> None:
        self.task_id, self.external, self.path, self.renamed_from = task_id, external, path, renamed_from
        self.why = why  # what taskmint did with the ID the file carried
        self.pending = pending  # tracker-backed tools whose issue is still to be created


def register(project: Project, path: Path, previous: str | None = None) -> Registered | None:
    """Give the task file at ``path`` its IDs; None when there is nothing to do."""
    status = statuses.load(project).of_folder(project, path)
    if status is None or path.suffix != ".md" or not path.is_file():
        return None
    project.check_inside(path)
    first = tasks.read(project, path)
    if first.is_note and not _attempt(path, first.text):
        return None  # a note beside the tasks (tasks.is_note): nothing to register, nothing to say
    carried = _valid_id(_checked(first).meta.get("id"))
    if carried is not None and carried == _valid_id(_id_in(previous)):
        return None  # an existing task, edited (PreToolUse keeps its IDs fixed): no lock needed
    with transaction(project, reads=("registry", "tasks")) as txn:
        task = _read_task(project, path)  # again, under the lock
        carried = _valid_id(task.meta.get("id"))
        owners = _owners(project, txn, carried, path)
        if carried and not owners and carried in txn.state.mappings:
            why = f"it carries {carried}, which has no other file, so it keeps its external IDs"
            kept = dict(txn.state.mappings[carried])
            if _external_of(task.meta) == kept and path.name == ids.task_filename(carried, _title(task)):
                return None
            wanted = assign.Wanted(carried, {}, kept=kept, new_id=False)
        else:
            if carried and not owners and carried not in txn.known_ids():
                task_id, why = carried, f"it carries the new ID {carried}, which is kept"
            else:
                task_id, why = _fresh_id(txn, task.meta), _why_fresh(project, task.meta, carried, owners)
            cfg = config.load(project)
            wanted = assign.Wanted(task_id, assign.local_tools(cfg), trackers=assign.tracker_tools(cfg))

        def write(external: dict[str, str]) -> Path:
            _rewrite(task, wanted.task_id, external, status)
            atomic.write_atomic(path, task.doc.render().encode("utf-8"))
            return _rename(project, path, ids.task_filename(wanted.task_id, _title(task)))

        done = assign.assign_one(txn, wanted, write)
    return Registered(done.task_id, done.external, done.path, path if done.path != path else None, why,
                      wanted.trackers)


def _attempt(path: Path, text: str) -> bool:
    """Whether a file without frontmatter looks like a try at a task, which is worth telling
    what a task file needs: a TASK- name, or a first line that opens frontmatter or is a key."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return path.name.upper().startswith("TASK-") or first.lstrip("\ufeff") == "---" or \
        _KEY_LINE_RE.match(first) is not None


def _read_task(project: Project, path: Path) -> tasks.TaskFile:
    return _checked(tasks.read(project, path))


def _checked(task: tasks.TaskFile) -> tasks.TaskFile:
    if task.doc is None:
        raise TaskmintError("it has no YAML frontmatter; start the file with a `---` line, `title: ...` and "
                            "another `---` line, and taskmint will assign its IDs")
    if task.meta.get("title") is None or not str(task.meta["title"]).strip():
        raise TaskmintError("its frontmatter has no title; add `title: ...` and taskmint will assign its IDs")
    return task


def _valid_id(value: object) -> str | None:
    return ids.normalize(value) if ids.is_valid_id(value) else None


def _id_in(text: str | None) -> object:
    doc = frontmatter.split(text) if text else None
    try:
        meta = frontmatter.parse(doc, "the task file") if doc else None
    except TaskmintError:
        return None
    return meta.get("id") if meta else None


def _title(task: tasks.TaskFile) -> str:
    return str(task.meta["title"]).strip()


def _external_of(meta: dict[str, Any]) -> dict[str, str]:
    return {r.tool: r.text() for r in external_ids.refs_in(meta.get("external_ids"))}


def _owners(project: Project, txn: Txn, task_id: str | None, path: Path) -> list[Path]:
    """The other files that hold ``task_id``. A file's name is only a shortcut: an original
    renamed by hand names another ID or none, and one being edited may not parse for a
    moment. Keeping the ID of a copy reuses every number the original carries, while
    renumbering a task rewritten from scratch only costs it its old numbers, so when the
    names find no holder every task file is looked at, and a file that does not parse but
    has an ``id:`` line naming the ID holds it."""
    if task_id is None:
        return []
    named = tasks.named(project, task_id, txn.on_disk().where(task_id))
    found = [p for p in named if p != path and _holds(project, p, task_id)]
    if found:
        return found
    return [p for p in tasks.walk(project.tasks_dir) if p != path and _holds(project, p, task_id)]


def _holds(project: Project, other: Path, task_id: str) -> bool:
    try:
        raw = other.read_bytes()
    except OSError:
        return False
    if task_id.encode("ascii") not in raw.upper():
        return False  # the common case of the full look: one byte search per file
    try:
        return _valid_id(tasks.read(project, other).meta.get("id")) == task_id
    except TaskmintError:
        return any(_valid_id(m.decode("utf-8", "replace")) == task_id for m in _ID_LINE_RE.findall(raw))


def _fresh_id(txn: Txn, meta: dict[str, Any]) -> str:
    """A new ID, checked under the lock against every task file, the mapping and the registry;
    a subtask ID when the file names a known parent, an epic prefix when it names an epic."""
    parent = _valid_id(meta.get("parent"))
    if parent is not None and txn.id_taken(parent):
        return ids.subtask_id(parent, txn.task_ids())
    epic = meta.get("epic")
    prefix = ids.prefix_for_epic(epic) if isinstance(epic, str) else None
    return ids.new_id(prefix, txn.id_count(), txn.id_taken)


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
