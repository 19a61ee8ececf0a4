"""Moving a task from one status to another: move, complete and reopen are one operation.

Under the one transaction: the task's ``status`` and ``updated`` are rewritten (and
``completed`` set or, when a completed task moves back, dropped; no other key is touched),
then the file moves to its status's folder. A refusal (unknown status or ID, a file already
at the target) happens before anything is written.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from taskmint import atomic, external_ids, frontmatter, ids, service, state, statuses, tasks
from taskmint.errors import TaskmintError
from taskmint.project import Project
from taskmint.transaction import transaction


@dataclass
class Moved:
    task: dict[str, Any]  # service.info of the task where it is now
    previous: str | None  # its status before (declared spelling; None if it had none or an unknown one)
    changed: bool  # False when it already had this status and sat in its folder

    @property
    def reopened(self) -> bool:
        return self.changed and self.previous == statuses.COMPLETED and self.task["status"] != statuses.COMPLETED

    def line(self) -> str:
        """What happened, in one line."""
        task = self.task
        if not self.changed:
            return f"{task['id']} already has status {task['status']}: {task['path']}"
        verb = "reopened" if self.reopened else "moved"
        return f"{verb} {task['id']} from {self.previous or 'no known status'} to {task['status']}: {task['path']}"


def move(project: Project, ref: str, wanted: str) -> Moved:
    declared = statuses.load(project)
    status = declared.require(wanted)
    if status == statuses.COMPLETED:
        return _complete(project, ref, declared)
    project.require_opt_in()
    with transaction(project, reads=("tasks",)) as txn:
        task = service.resolve(project, txn, ref)
        if task.doc is None:
            raise TaskmintError(f"{project.rel(task.path)} has no frontmatter; run `taskmint doctor --fix`")
        written = task.meta.get("status")
        previous = declared.canonical(written)
        target_dir = declared.folder(project, status)
        if written == status and task.path.parent == target_dir and "completed" not in task.meta:
            return Moved(service.info(project, task.path, task.meta), previous, changed=False)
        target = target_dir / task.path.name
        project.check_inside(target)
        # Checked before the rewrite: a refusal must not leave a rewritten task in the old folder.
        # Under the lock no taskmint process can create it meanwhile.
        if target != task.path and os.path.lexists(target):
            raise TaskmintError(f"{project.rel(target)} already exists; run `taskmint doctor`")
        txn.on_disk().validate([str(task.path.parent), str(target_dir)])  # keep their numbers cached
        now = datetime.now(timezone.utc).replace(microsecond=0)
        updates: dict[str, Any] = {}
        if written != status:
            updates = {"status": status, "updated": now}
        if "completed" in task.meta:
            updates.update({"completed": None, "updated": now})  # reopened: it is no longer completed
        if updates:
            frontmatter.set_keys(task.doc, updates, project.rel(task.path))
            atomic.write_atomic(task.path, task.doc.render().encode("utf-8"))
        if target != task.path:
            target_dir.mkdir(parents=True, exist_ok=True)
            atomic.move_no_clobber(task.path, target)
        meta = tasks.read(project, target).meta
        if target != task.path:
            txn.wrote(task.path, None, [])
        txn.wrote(target, meta.get("id") if ids.is_valid_id(meta.get("id")) else None,
                  external_ids.refs_in(meta.get("external_ids")))
        try:
            service._sync_mapping(txn, meta)
        except (OSError, TaskmintError) as e:  # the task has moved: never report failure now
            state.warn(f"moved, but could not add it back to {project.rel(project.mapping_path)} "
                       f"({getattr(e, 'strerror', None) or e}); run `taskmint doctor --fix`")
        return Moved(service.info(project, target, meta), previous, changed=True)


def _complete(project: Project, ref: str, declared: statuses.Statuses) -> Moved:
    """To completed: service.complete (tasks/completed/YYYY-MM/, the completed stamp kept when
    it was completed already); the status before is read first, for the answer only."""
    before = declared.canonical(service.show(project, ref).get("status"))
    task, already = service.complete(project, ref)
    return Moved(task, statuses.COMPLETED if already else before, changed=not already or before != statuses.COMPLETED)
