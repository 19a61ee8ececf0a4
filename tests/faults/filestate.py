"""Reading a project's files for the fault suites: every byte as it is, and the checks that
must hold after any failed command."""
from __future__ import annotations

import json
import os
from pathlib import Path

from taskmint import external_ids, schemas, tasks
from taskmint.project import find_project


def tree(root: Path) -> dict[str, bytes | str]:
    """Relative path -> file bytes (or 'dir' / 'link -> target') of everything under root."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                out[rel] = "dir"
            elif name != "taskmint.lock":  # the lock file's content means nothing
                out[rel] = path.read_bytes()
    return out


def changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def one_error_line(stderr: str) -> str:
    """The single `taskmint: error: ...` line a failed command must print."""
    lines = [line for line in stderr.splitlines() if not line.startswith("taskmint: warning:")]
    assert len(lines) == 1 and lines[0].startswith("taskmint: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def numbers(root: Path) -> dict[tuple[str, str], set[int]]:
    """(tool, key) -> the numbers the task files carry."""
    project = find_project(str(root))
    found: dict[tuple[str, str], set[int]] = {}
    for _, meta in tasks.iter_frontmatter(project):
        for r in external_ids.refs_in(meta.get("external_ids")):
            found.setdefault((r.tool, r.key), set()).add(r.number)
    return found


def consistent(root: Path) -> list[str]:
    """Problems with the project as it lies on disk: unreadable or invalid state files,
    leftover temporary files, task files that do not parse, tasks missing from the
    mapping, and counters below a number in use."""
    project = find_project(str(root))
    problems = []
    state = {}
    for path, schema in ((project.mapping_path, "mapping"), (project.counters_path, "counters")):
        try:
            state[schema] = json.loads(path.read_bytes())
        except (OSError, ValueError) as e:
            problems.append(f"{project.rel(path)}: {e}")
            continue
        if problem := schemas.problem(schema, state[schema]):
            problems.append(f"{project.rel(path)}: {problem}")
    problems += [f"leftover {project.rel(p)}" for p in root.rglob("*.tmp")]
    on_disk = {}
    for path in tasks.walk(project.tasks_dir):
        try:
            meta = tasks.read(project, path).meta
        except Exception as e:  # noqa: BLE001 - a file taskmint wrote must read back
            problems.append(f"{project.rel(path)} does not read back: {e}")
            continue
        on_disk[str(meta.get("id"))] = meta.get("external_ids")
    if "mapping" in state and "counters" in state:
        mapping = state["mapping"]["mappings"]
        if set(on_disk) != set(mapping):
            problems.append(f"tasks {sorted(on_disk)} but mapping {sorted(mapping)}")
        counters = state["counters"]["counters"]
        for (tool, key), used in numbers(root).items():
            if external_ids.counter_value(counters, tool, key) < max(used):
                problems.append(f"counter {tool} {key} below {max(used)}")
    return problems
