"""Every worktree of a repository and the numbers their state files hold, read from disk
without running git (git keeps one `<common dir>/worktrees/<name>/gitdir` file per linked
worktree, pointing at that worktree's `.git` file)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from taskmint import external_ids, id_words, ids
from taskmint.project import Project

_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]*")


def _top(root: Path) -> Path:
    for directory in (root, *root.parents):
        if (directory / ".git").exists():
            return directory
    return root


def projects(project: Project) -> list[Project]:
    """This project and the same project in every other live worktree of its repository."""
    if project.shared_dir is None:
        return [project]
    common = project.shared_dir.parent
    inside = project.root.relative_to(_top(project.root))  # a project in a subfolder of the repository
    tops = [common.parent] if common.name == ".git" else []
    try:
        entries = sorted((common / "worktrees").iterdir())
    except OSError:
        entries = []
    for entry in entries:
        try:
            git_file = Path((entry / "gitdir").read_text(encoding="utf-8").strip())
        except OSError:
            continue
        tops.append((entry / git_file).parent)  # an absolute git_file replaces entry
    found = [project]
    seen = {project.root.resolve()}
    for top in tops:
        root = top / inside
        if root.is_dir() and root.resolve() not in seen:
            seen.add(root.resolve())
            found.append(Project(root=root, shared_dir=project.shared_dir))
    return found


def read_json(path: Path) -> object:
    """A JSON file's content, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None


def numbers_in(data: object) -> tuple[dict, set[str]]:
    """(counters, internal IDs) found in any mapping, counters or registry content, whatever
    its version and even when it breaks the schema: a number in use anywhere must never be
    issued again, so everything readable counts."""
    return counters_in(data), ids_in(data)


def counters_in(data: object) -> dict:
    """The counters of numbers_in (a check of doctor's needs only these)."""
    counters = external_ids.empty_counters()
    if not isinstance(data, dict):
        return counters
    mappings = data.get("mappings")
    if isinstance(mappings, dict):
        counters = external_ids.highest(mappings.values())  # what raise_to over all their refs gives
    kept = data.get("counters")
    if isinstance(kept, dict):
        for tool in ("jira", "linear"):
            keyed = kept.get(tool)
            for key, value in (keyed.items() if isinstance(keyed, dict) else ()):
                if isinstance(value, int) and value > 0 and isinstance(key, str) and _KEY_RE.fullmatch(key.upper()):
                    external_ids.raise_to(counters, [external_ids.ExternalRef(tool, key.upper(), value)])
        for tool in ("github", "azure_devops"):
            value = kept.get(tool)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                external_ids.raise_to(counters, [external_ids.ExternalRef(tool, "", value)])
    return counters


def ids_in(data: object) -> set[str]:
    """The internal IDs of numbers_in (only a repair of doctor's needs these)."""
    found: set[str] = set()
    if not isinstance(data, dict):
        return found
    mappings = data.get("mappings")
    if isinstance(mappings, dict):
        found.update(k.upper() for k in mappings if ids.is_valid_id(k))
    listed = data.get("ids")
    if isinstance(listed, str):  # a registry's IDs (id_words, or lines as written before)
        listed = id_words.split(id_words.current(listed))
    if isinstance(listed, list):
        found.update(i.upper() for i in listed if ids.is_valid_id(i))
    return found


def state_files(project: Project) -> list[Path]:
    paths = [project.mapping_path, project.counters_path]
    return paths + [p.with_name(p.name + ".bak") for p in paths]


def high_water(project: Project):  # -> state.Registry (state imports this module lazily)
    """A registry rebuilt from the state files (and their .bak) of every worktree."""
    from taskmint.state import Registry

    registry = Registry()
    for other in projects(project):
        for path in state_files(other):
            counters, found = numbers_in(read_json(path))
            external_ids.merge_max(registry.counters, counters)
            registry.ids |= found
    return registry
