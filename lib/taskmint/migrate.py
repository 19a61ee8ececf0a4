"""`taskmint migrate`: legacy task IDs (TASK-001, TASK-042-fix-login) become hash IDs.

Which IDs are legacy cannot be read from their shape (TASK-1234 and TASK-004A are valid
hex), so it is decided from what taskmint knows it issued:

  an ID is legacy when it is not a valid hash ID, or when taskmint has no record of issuing
  it: it is in neither the mapping, nor the worktree registry, nor a migration record as a
  new ID. IDs found in guardkit v1.0 state files, IDs a migration record lists as legacy,
  and IDs given with --legacy are legacy even when the mapping holds them. A task that
  already has a `legacy_id` was migrated before and is left alone.

A reference starts with the upper-case `TASK-` prefix, as IDs do (the rest may be in either
case: guardkit writes `TASK-a3f8`). Look-alikes such as `task-045` inside a git branch name
(`claude/task-045-work`) are listed as possible references and left alone unless
``include_lowercase`` asks for them: rewriting them changed recorded branch names.

References are rewritten in one pass over whole tokens: `TASK-004` is replaced in
`TASK-004.`, `TASK-004-fix.md` and `(TASK-004)`, never inside `TASK-004A`, `TASK-0040` or
`SUBTASK-004`; at each spot the longest legacy ID wins, and a token that is itself a known
non-legacy ID is never cut. A legacy ID that two files carried is ambiguous: it is rewritten
only inside each of those files (to that file's own new ID) and reported everywhere else.

Every run keeps a record and a backup in .claude/state/migrations/<stamp>/; `--rollback`
undoes the latest migration without touching tasks created after it.
"""
from __future__ import annotations

import bisect
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from taskmint import atomic, external_ids, frontmatter, ids, lock, state, tasks, worktrees
from taskmint.errors import TaskmintError
from taskmint.project import Project
from taskmint.transaction import Txn, transaction

LEGACY_KEY = "legacy_id"
# Keys that record history: a rewrite must never change what they say.
_HISTORY_KEYS = (LEGACY_KEY, "previous_ids")
# Case-blind, to find the look-alikes too; only tokens that start with "TASK-" are references.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])TASK-[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*", re.IGNORECASE)
_ID_KEY_RE = re.compile(r"TASK-[A-Z0-9][A-Z0-9.-]*")
RECORD = "record.json"


def records_dir(project: Project) -> Path:
    return project.state_dir / "migrations"


# --- rewriting -------------------------------------------------------------------------


@dataclass
class Change:
    line: int
    old: str
    new: str | None  # None: ambiguous, left unchanged
    possible: bool = False  # a look-alike not in upper case (task-045): left unchanged


def rewrite(text: str, table: dict[str, str | None], keep: set[str],
            include_lowercase: bool = False) -> tuple[str, list[Change]]:
    """``text`` with every whole-token legacy ID in ``table`` (upper-case keys) replaced; a
    None value marks an ambiguous ID, reported and left alone. IDs in ``keep`` are never cut.
    A token whose prefix is not the upper-case ``TASK-`` is only reported (possible=True)
    unless ``include_lowercase``."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    changes: list[Change] = []

    def replace(m: re.Match) -> str:
        token = m.group(0)
        cuts = [i for i in range(6, len(token)) if token[i] in "-."] + [len(token)]
        lookalike = not token.startswith("TASK-") and not include_lowercase
        for cut in reversed(cuts):
            head = token[:cut].upper()
            if head in table:
                new = table[head]
                changes.append(Change(bisect.bisect_right(starts, m.start()), token[:cut], new, lookalike))
                return token if new is None or lookalike else new + token[cut:]
            if head in keep:
                return token
        return token

    return _TOKEN_RE.sub(replace, text), changes


# --- the plan --------------------------------------------------------------------------


@dataclass
class Move:
    legacy: str  # as the file wrote it
    new: str
    old_path: Path
    new_path: Path


@dataclass
class Edit:
    path: Path  # where it is now
    new_path: Path  # where it ends up
    before: bytes
    after: bytes
    changes: list[Change]


@dataclass
class Plan:
    moves: list[Move] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    imports: dict[Path, bytes] = field(default_factory=dict)  # v1.0 state files and their bytes
    possible: list[tuple[Path, Change]] = field(default_factory=list)  # look-alikes left unchanged


def _v1_state(project: Project) -> tuple[dict[Path, bytes], set[str]]:
    """guardkit v1.0 state files (with their .bak) and the task IDs their mappings hold."""
    found: dict[Path, bytes] = {}
    legacy: set[str] = set()
    for path in worktrees.state_files(project):
        data = worktrees.read_json(path)
        if isinstance(data, dict) and str(data.get("version", "")).startswith("1."):
            found[path] = path.read_bytes()
            mappings = data.get("mappings")
            legacy |= {k.upper() for k in mappings if isinstance(k, str)} if isinstance(mappings, dict) else set()
    return found, legacy


def _records(project: Project) -> list[tuple[Path, dict]]:
    out = []
    for directory in sorted(records_dir(project).glob("*/")):
        data = worktrees.read_json(directory / RECORD)
        if isinstance(data, dict) and isinstance(data.get("tasks"), list):
            out.append((directory, data))
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_all(project: Project, plan: Plan) -> list[tuple[Path, str, tasks.TaskFile | None]]:
    found = []
    for path in sorted(tasks.walk(project.tasks_dir)):
        try:
            task = tasks.read(project, path)
        except TaskmintError as e:
            plan.skipped.append(f"{project.rel(path)}: {e} (not migrated, references in it not rewritten)")
            continue
        found.append((path, task.text, task if task.doc is not None else None))
    return found


def _task_id(task: tasks.TaskFile | None) -> str | None:
    value = task.meta.get("id") if task else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def plan(project: Project, txn: Txn, v1: tuple[dict[Path, bytes], set[str]], forced: set[str], draw: bool,
         include_lowercase: bool = False) -> Plan:
    """What a migration would do. With ``draw`` the new IDs are real; otherwise they are
    placeholders (<new-1>, ...) because real ones are drawn at random when it runs."""
    result = Plan()
    result.imports, v1_legacy = v1
    records = _records(project)
    known_legacy = v1_legacy | forced | {str(t.get("legacy_id", "")).upper() for _, r in records for t in r["tasks"]}
    issued = ({k.upper() for k in txn.state.mappings} | txn.registry.ids) - known_legacy
    issued |= {str(t.get("new_id", "")).upper() for _, r in records if r.get("status") != "rolled_back"
               for t in r["tasks"]}
    files = _read_all(project, result)
    legacy: list[tuple[Path, str, tasks.TaskFile]] = []
    all_ids: set[str] = set()
    for path, _, task in files:
        task_id = _task_id(task)
        if task_id is None:
            continue
        all_ids.add(task_id.upper())
        if not _ID_KEY_RE.fullmatch(task_id.upper()):
            result.skipped.append(f"{project.rel(path)}: id {task_id!r} is not a TASK- ID; not migrated")
        elif task_id.upper() in forced or (
            task.meta.get(LEGACY_KEY) is None
            and (not ids.is_valid_id(task_id) or task_id.upper() not in issued)
        ):
            legacy.append((path, task_id, task))
    taken = txn.known_ids() | set(tasks.ids_by_filename(project)) | all_ids
    for n, (path, task_id, task) in enumerate(legacy, 1):
        new_id = ids.new_id(None, len(taken), lambda c: c.upper() in taken) if draw else f"<new-{n}>"
        taken.add(new_id)
        result.moves.append(Move(task_id, new_id, path, path.with_name(_new_name(path.name, task_id, task, new_id))))
    _plan_edits(project, txn, result, files, include_lowercase)
    return result


def _new_name(name: str, legacy: str, task: tasks.TaskFile, new_id: str) -> str:
    if name.upper().startswith(legacy.upper() + "-") or name.upper() == legacy.upper() + ".MD":
        rest = name[len(legacy):]
        return new_id + (rest if rest != ".md" else "-" + ids.slugify(str(task.meta.get("title") or "task")) + ".md")
    return ids.task_filename(new_id, str(task.meta.get("title") or Path(name).stem))


def _plan_edits(project: Project, txn: Txn, result: Plan, files: list[tuple[Path, str, tasks.TaskFile | None]],
                include_lowercase: bool) -> None:
    by_legacy: dict[str, list[Move]] = {}
    for move in result.moves:
        by_legacy.setdefault(move.legacy.upper(), []).append(move)
    table: dict[str, str | None] = {k: (v[0].new if len(v) == 1 else None) for k, v in by_legacy.items()}
    moved = {move.old_path: move for move in result.moves}
    keep = {(_task_id(task) or "").upper() for _, _, task in files} - set(table)
    keys = {k.upper(): k for k in txn.state.mappings}
    for path, text, task in files:
        move = moved.get(path)
        own = dict(table)
        if move is not None:
            own[move.legacy.upper()] = move.new  # in its own file, a duplicated legacy ID means this task
        new_text, found = rewrite(text, own, keep, include_lowercase)
        changes = [c for c in found if not c.possible]
        result.possible += [(path, c) for c in found if c.possible]
        updates: dict[str, Any] = {k: task.meta[k] for k in _HISTORY_KEYS if task and k in task.meta}
        if move is not None:
            updates.update({"id": move.new, LEGACY_KEY: move.legacy})
            entry = txn.state.mappings.get(keys.get(move.legacy.upper(), "")) if table[move.legacy.upper()] else None
            ext = task.meta.get("external_ids")
            lacking = {t: v for t, v in (entry or {}).items() if not isinstance(ext, dict) or ext.get(t) in (None, "")}
            if lacking:  # numbers guardkit kept only in its mapping
                updates["external_ids"] = {**(ext if isinstance(ext, dict) else {}), **lacking}
        if new_text == text and move is None:
            continue
        doc = frontmatter.split(new_text)
        if doc is not None and updates:
            now = frontmatter.parse(doc, project.rel(path))
            changed = {k: v for k, v in updates.items() if now.get(k) != v or k not in now}
            if changed:
                try:
                    frontmatter.set_keys(doc, changed)
                except TaskmintError as e:
                    raise TaskmintError(f"{project.rel(path)}: {e}; nothing was migrated") from None
                new_text = doc.render()
        result.edits.append(Edit(path, move.new_path if move else path, text.encode("utf-8"),
                                 new_text.encode("utf-8"), changes))


# --- running ---------------------------------------------------------------------------


@contextmanager
def _locked(project: Project, write: bool) -> Iterator[Txn]:
    if write:
        with transaction(project) as txn:
            yield txn
    else:  # a dry run reads under the lock but writes nothing, not even a v1.0 import
        with lock.held(project.lock_path):
            # The loader announces repairs ("migrated it to 2.0") that a dry run never
            # writes; the plan lists the import itself.
            with redirect_stderr(io.StringIO()):
                loaded = Txn(project, state.load(project), state.load_registry(project))
            yield loaded


def _stamp(project: Project) -> Path:
    base = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    directory, n = records_dir(project) / base, 1
    while directory.exists():
        n += 1
        directory = records_dir(project) / f"{base}-{n}"
    return directory


def _write_json(path: Path, data: dict) -> None:
    atomic.write_atomic(path, state.dump(data))


def _backup(project: Project, directory: Path, files: dict[Path, bytes]) -> None:
    for path, data in files.items():
        copy = directory / "backup" / project.rel(path)
        copy.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomic(copy, data)


def migrate(project: Project, dry_run: bool, forced: set[str],
            include_lowercase: bool = False) -> tuple[Plan, Path | None]:
    """Run (or with ``dry_run`` only plan) a migration; returns the plan and the record folder."""
    forced = {f.upper() for f in forced}
    v1 = _v1_state(project)  # before the transaction imports them: keep the originals
    with _locked(project, write=not dry_run) as txn:
        result = plan(project, txn, v1, forced, draw=not dry_run, include_lowercase=include_lowercase)
        if dry_run or not result.moves:
            return result, None
        for edit in result.edits:
            if edit.new_path != edit.path and edit.new_path.exists():
                raise TaskmintError(f"{project.rel(edit.new_path)} already exists; move it aside and migrate again "
                                    "(nothing was changed)")
        new_ids = [m.new for m in result.moves]
        refs = [r for e in result.edits for r in _refs(project, e.after)]
        external_ids.raise_to(txn.state.counters, refs)
        txn.save_numbers(new_ids)
        directory = _stamp(project)
        record = {
            "version": 1, "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "pending",
            "tasks": [{"legacy_id": m.legacy, "new_id": m.new, "old_path": project.rel(m.old_path),
                       "new_path": project.rel(m.new_path)} for m in result.moves],
            "files": [{"path": project.rel(e.path), "new_path": project.rel(e.new_path), "before": _sha(e.before),
                       "after": _sha(e.after)} for e in result.edits],
            "state_imported": sorted(project.rel(p) for p in result.imports),
        }
        _backup(project, directory, {e.path: e.before for e in result.edits} | result.imports)
        _write_json(directory / RECORD, record)
        for edit in result.edits:
            project.check_inside(edit.path)
            atomic.write_atomic(edit.path, edit.after)
            if edit.new_path != edit.path:
                atomic.move_no_clobber(edit.path, edit.new_path)
        for move in result.moves:
            txn.state.mappings.pop(_mapping_key(txn, move.legacy), None)
        for move in result.moves:
            txn.state.mappings[move.new] = {r.tool: r.text() for r in _refs(project, _after(result, move))}
        txn.save_mapping()
        record["status"] = "applied"
        _write_json(directory / RECORD, record)
        return result, directory


def _mapping_key(txn: Txn, task_id: str) -> str:
    return next((k for k in txn.state.mappings if k.upper() == task_id.upper()), task_id)


def _after(result: Plan, move: Move) -> bytes:
    return next(e.after for e in result.edits if e.path == move.old_path)


def _refs(project: Project, data: bytes) -> list[external_ids.ExternalRef]:
    doc = frontmatter.split(data.decode("utf-8"))
    if doc is None:
        return []
    return external_ids.refs_in(frontmatter.parse(doc, "migrated file").get("external_ids"))


# --- rolling back ----------------------------------------------------------------------


@dataclass
class Undo:
    record: Path
    lines: list[str] = field(default_factory=list)


def rollback(project: Project, dry_run: bool) -> Undo:
    """Undo the latest migration that was not rolled back. Files unchanged since it are
    restored byte for byte from the backup; files changed since (edited, completed, or
    created after it) keep their changes and only get the legacy IDs back in place of the
    new ones. Counters and the registry are never lowered; no task file is deleted."""
    with _locked(project, write=not dry_run) as txn:
        live = [(d, r) for d, r in _records(project) if r.get("status") != "rolled_back"]
        if not live:
            raise TaskmintError("there is no migration to roll back; see .claude/state/migrations/")
        directory, record = live[-1]
        undo = Undo(directory)
        back = {str(t["new_id"]).upper(): str(t["legacy_id"]) for t in record["tasks"]}
        by_new = {str(t["new_id"]).upper(): t for t in record["tasks"]}
        files = {f["new_path"]: f for f in record["files"]}
        scratch = Plan()
        current = _read_all(project, scratch)
        undo.lines += [f"skip {s}" for s in scratch.skipped]
        keep = {(_task_id(task) or "").upper() for _, _, task in current} - set(back)
        for path, text, task in current:
            task_id = (_task_id(task) or "").upper()
            entry = files.get(project.rel(path))
            raw = text.encode("utf-8")
            if entry is not None and _sha(raw) == entry["after"]:
                original = project.root / entry["path"]
                if original == path or not original.exists():
                    undo.lines.append(f"restore {project.rel(original)}" + (f" (from {project.rel(path)})"
                                                                             if original != path else ""))
                    if not dry_run:
                        _restore(project, directory, entry, path)
                    continue
            new_text, changes = rewrite(text, dict(back), keep)
            target = path
            if task_id in by_new and task is not None:
                doc = frontmatter.split(new_text)
                if doc is not None:
                    frontmatter.set_keys(doc, {"id": back[task_id], LEGACY_KEY: None}, project.rel(path))
                    new_text = doc.render()
                old_name = Path(by_new[task_id]["old_path"]).name
                target = path.with_name(old_name if path.name == Path(by_new[task_id]["new_path"]).name
                                        else _new_name(path.name, task_id, task, back[task_id]))
            if new_text == text and target == path:
                continue
            undo.lines.append(f"revert {project.rel(path)}" + (f" -> {project.rel(target)}" if target != path else "")
                              + f" ({len(changes)} references; changed since the migration, so edited in place)")
            if not dry_run:
                if target != path and target.exists():
                    raise TaskmintError(f"{project.rel(target)} exists; move it aside and run the rollback again")
                atomic.write_atomic(path, new_text.encode("utf-8"))
                if target != path:
                    atomic.move_no_clobber(path, target)
        if not dry_run:
            for new, legacy in back.items():
                key = _mapping_key(txn, new)
                if key in txn.state.mappings:
                    txn.state.mappings[legacy] = txn.state.mappings.pop(key)
            txn.save_mapping()
            record["status"] = "rolled_back"
            _write_json(directory / RECORD, record)
        return undo


def _restore(project: Project, directory: Path, entry: dict, path: Path) -> None:
    original = project.root / entry["path"]
    data = (directory / "backup" / entry["path"]).read_bytes()
    if _sha(data) != entry["before"]:
        raise TaskmintError(f"the backup of {entry['path']} in {project.rel(directory)} is damaged; nothing more "
                            "was restored")
    project.check_inside(original)
    if original == path:
        atomic.write_atomic(path, data)
        return
    # The restored file appears before the migrated one goes: a crash leaves both, never neither.
    original.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_atomic(original, data)
    path.unlink()
