"""Task operations shared by the CLI, the slash commands and the hooks."""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from taskmint import atomic, config, external_ids, frontmatter, ids, outbox, state, tasks, yamltext
from taskmint.errors import TaskmintError, UsageError
from taskmint.project import Project
from taskmint.transaction import Txn, transaction

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

PRIORITIES = ("low", "medium", "high", "critical")
TITLE_MAX = 500
DESCRIPTION_MAX = 100_000
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


def check_description(text: str) -> str:
    return _check_text("description", text, DESCRIPTION_MAX, allow_newlines=True)


def check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise UsageError(f"unknown priority {priority!r}; use one of {', '.join(PRIORITIES)}")
    return priority


def info(project: Project, path: Path, meta: dict[str, Any], pending: list[str] | None = None) -> dict[str, Any]:
    """What taskmint reports about a task, in every front end. ``pending``: the tracker-backed
    tools whose work for it is not confirmed yet (read from the outbox when not given)."""
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
    urls = meta.get("external_urls")
    if isinstance(urls, dict) and urls:
        result["external_urls"] = {str(t): str(v) for t, v in urls.items() if v is not None}
    if pending is None:
        pending = outbox.pending(project).get(str(result["id"]).upper(), [])
    if pending:
        result["pending"] = list(pending)
    return result


# --- finding tasks ---------------------------------------------------------------------


def _files_with_id(project: Project, txn: Txn, task_id: str) -> list[Path]:
    wanted = task_id.upper()
    named = [p for p in tasks.named(project, wanted, txn.on_disk().where(wanted))
             if _meta_id(project, p) == wanted]
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
    internal = ref.upper().startswith("TASK-")
    task_id = ids.normalize(ref) if internal else _external_to_internal(project, txn, ref)
    paths = _files_with_id(project, txn, task_id)
    if not paths and internal and external_ids.candidates(ref):
        # TASK-12 can be an external ID too: TASK is a valid Jira or Linear key.
        try:
            task_id = _external_to_internal(project, txn, ref)
        except TaskmintError:
            pass  # report the internal ID as unknown
        else:
            paths = _files_with_id(project, txn, task_id)
    if not paths:
        for path in tasks.named(project, task_id):
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
    matches = txn.state.holders(wanted)
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
    types = yamltext.datetime_types()  # here: a create writes a yamltext.Timestamp instead
    return types.datetime.now(types.timezone.utc).replace(microsecond=0)


def create(
    project: Project,
    title: str,
    *,
    priority: str = "medium",
    tags: list[str] = (),
    prefix: str | None = None,
    epic: str | None = None,
    parent: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    from taskmint import assign  # here, and sync below: show and list need neither

    project.require_opt_in()
    title = check_title(title)
    body = _DEFAULT_BODY
    if description is not None:
        body = f"{_DEFAULT_BODY}{check_description(description)}\n"
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
    with transaction(project, reads=("registry", "tasks")) as txn:
        if parent is not None:
            parent_file = resolve(project, txn, parent)
            parent_id = str(parent_file.meta["id"]).upper()
            task_id = ids.subtask_id(parent_id, txn.task_ids())
        else:
            task_id = ids.new_id(prefix, txn.id_count(), txn.id_taken)
        path = tasks.status_dir(project, "backlog") / ids.task_filename(task_id, title)
        if path.exists():
            raise TaskmintError(f"{project.rel(path)} already exists; run `taskmint doctor`")
        now = yamltext.Timestamp.now()
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
            atomic.write_atomic(path, frontmatter.new_text(fields, body).encode("utf-8"))
            return path

        wanted = assign.Wanted(task_id, assign.local_tools(cfg), trackers=assign.tracker_tools(cfg))
        try:
            assign.assign_one(txn, wanted, write)
        except BaseException:
            _undo_unmapped(project, path, task_id)
            raise
    return info(project, path, fields, list(wanted.trackers))


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
    """Complete a task; returns (its info, whether it was already completed). The info's
    "open_subtasks" lists the subtasks still open (they are left as they are)."""
    from taskmint import sync

    project.require_opt_in()
    with transaction(project, reads=("tasks",)) as txn:
        task = resolve(project, txn, ref)
        if task.doc is None:
            raise TaskmintError(f"{project.rel(task.path)} has no frontmatter; run `taskmint doctor --fix`")
        already = task.meta.get("status") == "completed"
        when = _now()
        completed_at = tasks.moment(task.meta.get("completed")) if already else None
        target_dir = tasks.status_dir(project, "completed", completed_at or when)
        if already and (task.path.parent == target_dir or (
                completed_at is None and tasks.status_of_folder(project, task.path) == "completed")):
            return _with_subtasks(project, txn, info(project, task.path, task.meta), open_only=True), True  # filed by its completed: (or, lacking one, left be)
        path = task.path
        target = target_dir / path.name
        project.check_inside(target)
        # Checked before the rewrite: a refusal must not leave a "completed" task in backlog/.
        # Under the lock no taskmint process can create it meanwhile.
        if os.path.lexists(target):
            raise TaskmintError(f"{project.rel(target)} already exists; run `taskmint doctor`")
        txn.on_disk().validate([str(path.parent), str(target_dir)])  # keep their numbers cached
        if not already:
            frontmatter.set_keys(task.doc, {"status": "completed", "completed": when, "updated": when},
                                 project.rel(path))
            atomic.write_atomic(path, task.doc.render().encode("utf-8"))
        target_dir.mkdir(parents=True, exist_ok=True)
        atomic.move_no_clobber(path, target)
        meta = tasks.read(project, target).meta
        txn.wrote(path, None, [])
        txn.wrote(target, meta.get("id") if ids.is_valid_id(meta.get("id")) else None,
                  external_ids.refs_in(meta.get("external_ids")))
        try:
            _sync_mapping(txn, meta)
        except (OSError, TaskmintError) as e:  # the task is completed: never report failure now
            state.warn(f"completed, but could not add it back to {project.rel(project.mapping_path)} "
                       f"({getattr(e, 'strerror', None) or e}); run `taskmint doctor --fix`")
        if not already:
            try:
                sync.queue_close(txn, str(meta.get("id")).upper(), meta, config.load(project))
            except (OSError, TaskmintError) as e:
                state.warn(f"completed, but could not record that its tracker issues must be closed "
                           f"({getattr(e, 'strerror', None) or e}); close them by hand")
        return _with_subtasks(project, txn, info(project, target, meta), open_only=True), already


def _sync_mapping(txn: Txn, meta: dict[str, Any]) -> None:
    """Heal a mapping entry lost to a crash between the task write and the mapping write."""
    task_id = ids.normalize(str(meta.get("id")))
    ext = {r.tool: r.text() for r in external_ids.refs_in(meta.get("external_ids"))}
    if ext and task_id not in txn.state.mappings:
        txn.state.add_mapping(task_id, ext)
        txn.save_mapping()


def show(project: Project, ref: str) -> dict[str, Any]:
    """A task's info, with "subtasks": the tasks whose ID is this one's plus ``.n``."""
    project.require_opt_in()
    with transaction(project, reads=("tasks",)) as txn:
        task = resolve(project, txn, ref)
        return _with_subtasks(project, txn, info(project, task.path, task.meta))


def _with_subtasks(project: Project, txn: Txn, found: dict[str, Any], open_only: bool = False) -> dict[str, Any]:
    """Subtask IDs are their parent's ID plus ``.n``, so file names find them without
    reading every task, in the folders whose files carry such IDs (show stays fast at
    10,000 tasks)."""
    head = f"{str(found['id']).upper()}."
    under = tasks.named_under(project, head, txn.on_disk().where_under(head))
    children = {task_id: paths for task_id, paths in under.items() if task_id[len(head):].isdigit()}
    subtasks = []
    for task_id in sorted(children, key=lambda i: int(i[len(head):])):
        for path in children[task_id]:
            try:
                meta = tasks.read(project, path).meta
            except TaskmintError:
                continue
            if str(meta.get("id", "")).upper() != task_id:
                continue
            if open_only and meta.get("status") == "completed":
                continue
            subtasks.append({k: v for k, v in info(project, path, meta).items()
                             if k in ("id", "title", "status", "path")})
    found["open_subtasks" if open_only else "subtasks"] = subtasks
    return found


def list_tasks(
    project: Project,
    status: str | list[str] | None = None,
    *,
    tag: str | None = None,
    priority: str | None = None,
    epic: str | None = None,
    parent: str | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The tasks that match every filter given (``status`` may name several). Files that
    cannot be read as tasks are appended to ``skipped`` as (path, problem); a Markdown file
    without frontmatter is a note, not a task, and is left out."""
    from taskmint.statuses import load as load_statuses  # the project's declared statuses

    project.require_opt_in()
    declared = load_statuses(project)
    statuses = [declared.require(value) for value in ([status] if isinstance(status, str) else status or [])]
    if priority is not None:
        priority = check_priority(priority)
    if parent is not None and not ids.is_valid_id(parent.strip()):
        raise UsageError(f"{parent!r} is not a task ID; give the parent's internal ID, e.g. --parent TASK-A3F2")
    found = []
    pending = outbox.pending(project)
    for path in tasks.walk(project.tasks_dir):
        try:
            task = tasks.read(project, path)
        except TaskmintError as e:
            if skipped is not None:
                rel = project.rel(path)
                skipped.append((rel, str(e).removeprefix(f"{rel}: ").replace(rel, "the file", 1)))
            continue
        meta = task.meta
        if task.is_note:
            continue
        if _matches(meta, declared.canonical(meta.get("status")), statuses, tag, priority, epic, parent):
            found.append(info(project, path, meta, pending.get(str(meta.get("id", "")).upper(), [])))
    found.sort(key=lambda t: (declared.rank(t["status"]), str(t["id"])))
    if skipped is not None:
        skipped.sort()
    return found


def _matches(meta: dict[str, Any], status: str | None, statuses: list[str], tag: str | None, priority: str | None,
             epic: str | None, parent: str | None) -> bool:
    if statuses and status not in statuses:
        return False
    if priority is not None and meta.get("priority") != priority:
        return False
    if tag is not None:
        tags = meta.get("tags")
        if not isinstance(tags, list) or tag.casefold() not in (str(t).casefold() for t in tags):
            return False
    if epic is not None and str(meta.get("epic", "")).casefold() != epic.strip().casefold():
        return False
    if parent is not None and str(meta.get("parent", "")).upper() != parent.strip().upper():
        return False
    return True


# Local files that must never be committed: backups, the lock and the caches (those live in
# .git/taskmint/ inside git, but a project outside git may become a repository).
GITIGNORE_LINES = (
    ".claude/state/*.bak",
    ".claude/state/taskmint.lock",
    ".claude/state/mapping-floor.json",
    ".claude/state/tasks-index.json",
    ".claude/state/tasks-files.json",
    ".claude/state/.*.tmp",
    ".claude/state/.*.tmp.bak",
    ".claude/state/tracker_outbox.json",  # this worktree's pending tracker work (see outbox.py)
    ".claude/state/tracker_claims/",
)


def init(project: Project, jira: str | None, linear: str | None, github: bool, azure_devops: bool, force: bool,
         **trackers: str | None) -> Path:
    """``trackers``: github_repo, github_api_url, jira_url, jira_issue_type (see config.render)."""
    for tool, key in (("jira", jira), ("linear", linear)):
        if key is not None and (problem := config.key_problem(tool, key)):
            raise UsageError(f"{problem}, e.g. --{tool} {config.KEYS[tool][2]}")
    if trackers.get("github_api_url") and not trackers.get("github_repo"):
        raise UsageError("--github-api-url needs --github-repo OWNER/REPO")
    if (trackers.get("jira_url") or trackers.get("jira_issue_type")) and not jira:
        raise UsageError("--jira-url and --jira-issue-type need --jira KEY")
    if trackers.get("jira_issue_type") and not trackers.get("jira_url"):
        raise UsageError("--jira-issue-type needs --jira-url (a locally numbered Jira has no issue type)")
    text = config.render(jira, linear, github, azure_devops, **trackers)
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
    _ignore_local_files(project)
    with transaction(project) as txn:
        if not project.counters_path.exists():
            txn.save_numbers()
        if not project.mapping_path.exists():
            txn.save_mapping()
    return path


def _ignore_local_files(project: Project) -> None:
    """Add GITIGNORE_LINES that .gitignore lacks; everything else in it stays as it is."""
    path = project.root / ".gitignore"
    project.check_inside(path)
    try:
        old = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        old = ""
    except UnicodeDecodeError:
        raise TaskmintError(f"{project.rel(path)} is not valid UTF-8; re-save it as UTF-8 and run "
                            "`taskmint init --force`") from None
    present = {line.strip() for line in old.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    if not missing:
        return
    head = old if not old or old.endswith("\n") else old + "\n"
    block = "# taskmint: local state that must not be committed (backups, the lock, a cache)\n"
    atomic.write_atomic(path, (head + block + "".join(f"{line}\n" for line in missing)).encode("utf-8"))


def link(project: Project, ref: str, issue_ref: str) -> dict[str, Any]:
    """Attach the existing tracker issue ``issue_ref`` (github:34, jira:PROJ-12) to a task."""
    from taskmint import sync, trackers

    cfg = config.load(project)
    found = [c for c in external_ids.candidates(issue_ref) if ":" in issue_ref and c.tool in cfg.trackers]
    if not found:
        backed = ", ".join(f"{t}:KEY" for t in cfg.trackers) or "none: configure one (README, Trackers)"
        raise UsageError(f"{issue_ref!r} names no issue of a tracker-backed tool; use TOOL:KEY ({backed})")
    wanted = found[0]
    tracker = cfg.trackers[wanted.tool]
    if wanted.tool == "jira" and wanted.key != tracker.project:
        raise UsageError(f"{wanted.text()} is not in Jira project {tracker.project}, the one configured")
    key = wanted.text()
    with transaction(project, reads=("tasks",)) as txn:
        task_id = str(resolve(project, txn, ref).meta["id"]).upper()
    if sync.offline():
        raise TaskmintError("link checks that the issue exists, and TASKMINT_OFFLINE is set; unset it and retry")
    with outbox.claim(project, task_id, wanted.tool) as mine:
        if not mine:
            raise TaskmintError(f"another taskmint process is pushing {task_id} to {wanted.tool}; retry in a moment")
        with transaction(project) as txn:
            _check_link(project, txn, task_id, wanted.tool, key)
        try:
            issue = trackers.client(tracker, trackers.Budget.of(sync.timeout())).get(key)
        except trackers.TrackerError as e:
            raise TaskmintError(f"cannot check {wanted.tool} {key}: {e}") from None
        with transaction(project) as txn:
            if _check_link(project, txn, task_id, wanted.tool, key):
                sync.record_key(txn, task_id, wanted.tool, issue)
            entries = outbox.load(project)
            entry = entries.get(task_id, {}).get(wanted.tool)
            if entry is not None:
                entry["create"] = False  # the linked issue replaces the one taskmint would create
                if not entry.get("close"):
                    entries[task_id].pop(wanted.tool)
                outbox.save(project, entries)
    return show(project, task_id)


def _check_link(project: Project, txn: Txn, task_id: str, tool: str, key: str) -> bool:
    """False when the task already holds ``key``; raises when the link is refused."""
    from taskmint import sync

    owners = {i.upper() for i, ext in txn.state.mappings.items() if ext.get(tool) == key}
    owners |= {str(meta.get("id", "")).upper() for _, meta in tasks.iter_frontmatter(project)
               for r in external_ids.refs_in(meta.get("external_ids")) if r.tool == tool and r.text() == key}
    others = sorted(owners - {task_id})
    if others:
        raise TaskmintError(f"{tool} {key} already belongs to {', '.join(others)}; one issue names one task")
    task = sync.find_task(project, task_id)
    if task is None:
        raise TaskmintError(f"no task file has ID {task_id}; run `taskmint list` to see the IDs in use")
    current = [r.text() for r in external_ids.refs_in(task.meta.get("external_ids")) if r.tool == tool]
    if current and current[0] != key:
        raise TaskmintError(f"{task_id} already has {tool} {current[0]}; a task keeps the issue it has")
    return not current
