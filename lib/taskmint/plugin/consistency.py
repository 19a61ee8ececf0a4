"""The quick check of task files against the state that SessionStart runs.

Quick means: file names, not file contents. A task file's name carries its ID
(``<ID>-<slug>.md``), so one directory walk and one JSON read compare every task with the
mapping; only the rare file whose name carries no ID, or one the mapping lacks (renamed by
hand), is opened, and only its frontmatter lines are scanned (no YAML parser). Which files
are tasks is tasks.is_note's rule, as in doctor: notes are left out. Standard library only: it also runs before the
dependencies are provisioned. It reports what ``taskmint doctor --fix`` repairs: IDs the
mapping lacks, mapping entries without a file (a deleted task; its numbers stay used),
duplicate IDs and task files without an ID.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from taskmint import frontmatter, ids, tasks
from taskmint.project import Project

_ID_LINE_RE = re.compile(r"id[ \t]*:[ \t]*(['\"]?)([^'\"#\s]+)\1[ \t]*(?:#.*)?$")
_HEAD_BYTES = 64 * 1024
_EXAMPLES = 3


def problems(project: Project) -> list[str]:
    """What is inconsistent, one sentence each; empty when all is well."""
    mapped, problem = _mapped_ids(project)
    files: dict[str, list[str]] = {}
    without_id: list[str] = []
    for path in tasks.walk(project.tasks_dir):  # every task under tasks/, archive/ too, as doctor
        task_id = ids.id_from_filename(path.name)
        if task_id is None or (not problem and task_id.upper() not in mapped):
            # no ID in the name, or one the mapping lacks (a file renamed by hand): its
            # frontmatter says which task it is, or that it is a note
            head = _head(path)
            if head is None or tasks.is_note(head):
                continue
            task_id = _id_in_head(head)
        if task_id is None:
            without_id.append(project.rel(path))
        else:
            files.setdefault(task_id.upper(), []).append(project.rel(path))
    found: list[str] = []
    if problem:
        if files or problem != "missing":
            found.append(f"{project.rel(project.mapping_path)} is {problem}")
    else:
        unknown = sorted(i for i in files if i not in mapped)
        if unknown:
            found.append(f"{len(unknown)} task file(s) have IDs the mapping does not know ({_some(unknown)})")
        orphans = sorted(i for i in mapped if i not in files)
        if orphans:
            found.append(f"{len(orphans)} mapping entr(ies) have no task file ({_some(orphans)})")
    duplicates = sorted(i for i, paths in files.items() if len(paths) > 1)
    for task_id in duplicates[:_EXAMPLES]:
        found.append(f"ID {task_id} is used by {len(files[task_id])} files ({', '.join(sorted(files[task_id]))})")
    if len(duplicates) > _EXAMPLES:
        found.append(f"{len(duplicates) - _EXAMPLES} more IDs are used by several files")
    if without_id:
        found.append(f"{len(without_id)} task file(s) have no valid id ({_some(sorted(without_id))})")
    return found


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:_EXAMPLES])
    return shown + (f" and {len(items) - _EXAMPLES} more" if len(items) > _EXAMPLES else "")


def _mapped_ids(project: Project) -> tuple[set[str], str | None]:
    try:
        data = json.loads(project.mapping_path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return set(), "missing"
    except (OSError, ValueError) as e:
        return set(), f"unreadable ({type(e).__name__})"
    mappings = data.get("mappings") if isinstance(data, dict) else None
    if not isinstance(mappings, dict):
        return set(), "not a taskmint mapping (no \"mappings\" object)"
    return {str(k).upper() for k in mappings}, None


def _head(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None


def _id_in_head(head: str) -> str | None:
    """The ``id:`` of a file whose name does not carry it, without a YAML parser."""
    doc = frontmatter.split(head)
    if doc is None:
        return None
    for line in doc.lines:
        m = _ID_LINE_RE.match(line)
        if m and ids.is_valid_id(m.group(2)):
            return m.group(2)
    return None
