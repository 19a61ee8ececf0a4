"""Task operations shared by the CLI, the slash commands and the hooks."""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from taskmint import assign, atomic, config, external_ids, frontmatter, ids, tasks
from taskmint.errors import TaskmintError, UsageError
from taskmint.project import Project
from taskmint.transaction import Txn, transaction

PRIORITIES = ("low", "medium", "high", "critical")
TITLE_MAX = 500
_DEFAULT_BODY = "\n## Description\n\n"


def _check_text(kind: str, value: str, limit: int, allow_newlines: bool) -> str:
    value = value.strip()
    if not value:
        raise UsageError(f"the {kind} is empty; give some text")
    if len(value) > limit:
        raise UsageError(f"the {kind} is {len(value)} characters long; keep it to {limit}")
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            raise UsageError(f"the {kind} is not valid UTF-8; retype it")
        if unicodedata.category(ch) == "Cc" and not (allow_newlines and ch in "\n\t\r"):
            raise UsageError(f"the {kind} contains control character U+{ord(ch):04X}; remove it")
    return value


def check_title(title: str) -> str:
    return _check_text("title", title, TITLE_MAX, allow_newlines=True)


def check_tag(tag: str) -> str:
    tag = _check_text("tag", tag, 50, allow_newlines=False)
    if re.search(r"[\s,]", tag):
        raise UsageError(f"tag {tag!r} contains a space or comma; use one word per tag, e.g. --tag auth --tag api")
    return tag


def check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise UsageError(f"unknown priority {priority!r}; use one of {', '.join(PRIORITIES)}")
    return priority


def info(project: Project, path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """What taskmint reports about a task, in every front end."""
    result: dict[str, Any] = {  # as_text: a hand-written `id: 2025-01-08` is a date, not JSON
        "id": frontmatter.as_text(meta.get("id")),
        "title": frontmatter.as_text(meta.get("title")),
        "path": project.rel(path),
        "status": frontmatter.as_text(meta.get("status")),
        "external_ids": {t: str(v) for t, v in (meta.get("external_ids") or {}).items() if v is not None}
        if isinstance(meta.get("external_ids"), dict) else {},
    }
    for key in ("priority", "created", "updated", "completed", "epic", "parent"):
        if meta.get(key) is not None:
            result[key] = frontmatter.as_text(meta[key])
    tags = meta.get("tags")
    if isinstance(tags, list):
        result["tags"] = [str(t) for t in tags]
    return result


# --- finding tasks ---------------------------------------------------------------------


def _files_with_id(project: Project, task_id: str, by_name: dict[str, list[Path]]) -> list[Path]:
    wanted = task_id.upper()
    named = [p for p in by_name.get(wanted, []) if _meta_id(project, p) == wanted]
    if named:
        return named
    # A file whose name does not carry its ID (renamed by hand): the slow, full look.
    return [p for p, meta in tasks.iter_frontmatter(project) if str(meta.get("id", "")).upper() == wanted]


def _meta_id(project: Project, path: Path) -> str | None:
    try:
        value = tasks.read(project, path).meta.get("id")
    except TaskmintError:
        return None
    return str(value).upper() if value is not None else None


def resolve(project: Project, txn: Txn, ref: str) -> tasks.TaskFile:
    """The task that ``ref`` names: an internal ID or any external ID, either case."""
    ref = ref.strip()
    if not ref:
        raise UsageError("no task ID given; pass an internal ID like TASK-A3F2 or an external one like PROJ-12")
    by_name = tasks.ids_by_filename(project)
    internal = ref.upper().startswith("TASK-")
    task_id = ids.normalize(ref) if internal else _external_to_internal(project, txn, ref)
    paths = _files_with_id(project, task_id, by_name)
    if not paths and internal and external_ids.candidates(ref):
        # TASK-12 can be an external ID too: TASK is a valid Jira or Linear key.
        try:
            task_id = _external_to_internal(project, txn, ref)
        except TaskmintError:
            pass  # report the internal ID as unknown
        else:
            paths = _files_with_id(project, task_id, by_name)
    if not paths:
        for path in by_name.get(task_id, []):
            tasks.read(project, path)  # named after the ID but unreadable: say why, not "no such task"
        raise TaskmintError(f"no task file has ID {task_id}; run `taskmint list` to see the IDs in use")
    if len(paths) > 1:
        listed = ", ".join(project.rel(p) for p in paths)
        raise TaskmintError(f"ID {task_id} is used by {len(paths)} files ({listed}); run `taskmint doctor --fix`")
    return tasks.read(project, paths[0])


def _external_to_internal(project: Project, txn: Txn, ref: str) -> str:
    wanted = {(c.tool, c.text()) for c in external_ids.candidates(ref)}
    if not wanted:
        raise UsageError(
            f"{ref!r} is not a task ID; use TASK-A3F2, PROJ-12, ENG-7, #34, 1234, github:34 or azure_devops:1234"
        )
    # (tool, internal ID) of every task that carries one of the wanted external IDs; the
    # schema lets the mapping hold only the form text() writes, so strings compare directly
    matches = {(tool, i) for i, ext in txn.state.mappings.items() for tool, value in ext.items()
               if (tool, value) in wanted}
    if not matches:  # a task whose mapping entry was lost (crash before the mapping write)
        matches = {(r.tool, str(meta.get("id"))) for _, meta in tasks.iter_frontmatter(project)
                   for r in external_ids.refs_in(meta.get("external_ids")) if (r.tool, r.text()) in wanted}
    found = sorted({i.upper() for _, i in matches})
    if not found:
        raise TaskmintError(f"no task has external ID {ref}; run `taskmint list` to see the IDs in use")
    if len(found) > 1:
        tools = sorted({tool for tool, _ in matches})
        if len(tools) < len(found):  # one tool's number on two tasks: a duplicate, not an ambiguity
            raise TaskmintError(f"{ref} is on several tasks ({', '.join(found)}); run `taskmint doctor --fix`")
        # the hint names the tools that really matched: jira:ENG-3 or linear:ENG-3, github:3 or ...
        hints = " or ".join(f"{tool}:{ref.strip().lstrip('#')}" for tool in tools)
        raise TaskmintError(f"{ref} names several tasks ({', '.join(found)}); say which tool, e.g. {hints}")
    return found[0]


# --- operations ------------------------------------------------------------------------


def _now() -> datetime:
    # Written as plain YAML timestamps (2026-01-08T10:00:00Z), like hand-written task files.
    return datetime.now(timezone.utc).replace(microsecond=0)


def create(
    project: Project,
    title: str,
    *,
    priority: str = "medium",
    tags: list[str] = (),
    prefix: str | None = None,
    epic: str | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    title = check_title(title)
    priority = check_priority(priority)
    tags = [check_tag(t) for t in tags]
    if prefix is not None:
        prefix = ids.validate_prefix(prefix)
        if parent is not None:
            raise UsageError(f"a subtask's ID is its parent's ID plus a number, so prefix {prefix} cannot apply; "
                             "give a prefix or a parent, not both")
    if epic is not None:
        epic = _check_text("epic", epic, 50, allow_newlines=False)
        if prefix is None and parent is None:
            prefix = ids.prefix_for_epic(epic)
    cfg = config.load(project)
    project.check_inside(project.tasks_dir / "backlog" / "x.md")
    with transaction(project) as txn:
        taken = txn.task_ids()
        if parent is not None:
            parent_file = resolve(project, txn, parent)
            parent_id = str(parent_file.meta["id"]).upper()
            task_id = ids.subtask_id(parent_id, taken)
        else:
            task_id = ids.new_id(prefix, len(taken), lambda c: c.upper() in taken)
        path = tasks.status_dir(project, "backlog") / ids.task_filename(task_id, title)
        if path.exists():
            raise TaskmintError(f"{project.rel(path)} already exists; run `taskmint doctor`")
        now = _now()
        fields: dict[str, Any] = {
            "id": task_id, "title": title, "status": "backlog", "created": now, "updated": now,
            "priority": priority, "tags": tags, "external_ids": {},  # filled in by write()
        }
        if epic is not None:
            fields["epic"] = epic
        if parent is not None:
            fields["parent"] = parent_id

        def write(external: dict[str, str]) -> Path:
            fields["external_ids"] = external
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_atomic(path, frontmatter.new_text(fields, _DEFAULT_BODY).encode("utf-8"))
            return path

        try:
            assign.assign_one(txn, assign.Wanted(task_id, assign.local_tools(cfg)), write)
        except BaseException:
            _undo_unmapped(project, path, task_id)
            raise
    return info(project, path, fields)


def _undo_unmapped(project: Project, path: Path, task_id: str) -> None:
    """A create that reports failure (a full disk, say) leaves no task behind unless its
    mapping entry already reached the disk: a retry would otherwise make a second task.
    The numbers stay issued, which leaves a gap, never a reuse."""
    try:
        mapped = task_id in json.loads(project.mapping_path.read_bytes())["mappings"]
    except (OSError, ValueError, KeyError, TypeError):
        mapped = False
    if not mapped:
        path.unlink(missing_ok=True)


def complete(project: Project, ref: str) -> tuple[dict[str, Any], bool]:
    """Complete a task; returns (its info, whether it was already completed)."""
    from taskmint import statuses, transitions

    moved = transitions.move(project, ref, statuses.COMPLETED)
    return moved.task, moved.previous == statuses.COMPLETED or not moved.changed


def _sync_mapping(txn: Txn, meta: dict[str, Any]) -> None:
    """Heal a mapping entry lost to a crash between the task write and the mapping write."""
    task_id = ids.normalize(str(meta.get("id")))
    ext = {r.tool: r.text() for r in external_ids.refs_in(meta.get("external_ids"))}
    if ext and task_id not in txn.state.mappings:
        txn.state.add_mapping(task_id, ext)
        txn.save_mapping()


def show(project: Project, ref: str) -> dict[str, Any]:
    with transaction(project) as txn:
        task = resolve(project, txn, ref)
        return info(project, task.path, task.meta)


def list_tasks(project: Project, status: str | None = None) -> list[dict[str, Any]]:
    from taskmint import statuses

    declared = statuses.load(project)
    wanted = declared.require(status) if status is not None else None
    found = []
    for path, meta in tasks.iter_frontmatter(project):
        if wanted is None or declared.canonical(meta.get("status")) == wanted:
            found.append(info(project, path, meta))
    found.sort(key=lambda t: (declared.rank(t["status"]), str(t["id"])))
    return found


def init(project: Project, jira: str | None, linear: str | None, github: bool, azure_devops: bool, force: bool) -> Path:
    text = config.render(jira, linear, github, azure_devops)
    import yaml

    config.validate(yaml.safe_load(text), "the given options")
    path = project.config_path
    if path.exists() and not force:
        raise TaskmintError(f"{project.rel(path)} already exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    project.check_inside(path)
    atomic.write_atomic(path, text.encode("utf-8"))
    for status in tasks.STATUSES:
        (project.tasks_dir / status).mkdir(parents=True, exist_ok=True)
    with transaction(project) as txn:
        if not project.counters_path.exists():
            txn.save_numbers()
        if not project.mapping_path.exists():
            txn.save_mapping()
    return path
