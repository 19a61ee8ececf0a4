"""The git merge driver for the two state files, and installing it in a clone.

Git calls `taskmint merge-driver %O %A %B` when both branches changed a state file. Mappings
are merged entry by entry against the common ancestor (a union, with deletions kept);
counters take the maximum per tool and key, so no number issued on either branch can be
issued again. The result is validated against the schema before it is written to %A.

A line-based union (`merge=union`) would not do: it concatenates JSON into an unreadable
file and cannot notice that both branches issued the same number.
"""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import taskmint
from taskmint import atomic, config, external_ids, state
from taskmint.errors import StateError, TaskmintError
from taskmint.project import COUNTERS_NAME, MAPPING_NAME, STATE_DIR, Project

DRIVER = "taskmint-state"
HOOK_MARKER = "# taskmint post-merge check"
ATTRIBUTES = [
    f"{STATE_DIR.as_posix()}/{name}{suffix} merge={DRIVER}"
    for name in (MAPPING_NAME, COUNTERS_NAME) for suffix in ("", ".bak")
]


class MergeConflict(TaskmintError):
    pass


def _side(raw: bytes, side: str) -> tuple[str, dict] | None:
    """(kind, validated content) of one side; None for an empty file (no common ancestor)."""
    if not raw.strip():
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MergeConflict(f"{side} is not valid JSON (conflict markers from an earlier merge?); resolve the file by "
                            "hand, then run `taskmint doctor --fix`") from None
    kind = next((k for k in ("mappings", "counters") if isinstance(data, dict) and k in data), None)
    if kind is None:
        raise MergeConflict(f"{side} is not a taskmint mapping or counters file; resolve it by hand")
    try:
        return kind, state.parse(raw, kind, side)[0]
    except state.Unusable as e:
        raise MergeConflict(
            f"{side} is unusable ({e}); resolve the file by hand, then run `taskmint doctor --fix`"
        ) from None
    except StateError:
        raise MergeConflict(f"{side} was written by a newer taskmint or has a version this taskmint cannot read; "
                            "upgrade taskmint and merge again") from None


def _three_way(key: str, base: dict | None, ours: dict | None, theirs: dict | None, warnings: list[str]) -> dict | None:
    if ours == theirs:
        return ours
    if ours is None:  # deleted here, or added there
        return None if theirs == base else theirs
    if theirs is None:
        return None if ours == base else ours
    merged: dict[str, str] = {}
    for tool in config.TOOLS:
        was, mine, other = (base or {}).get(tool), ours.get(tool), theirs.get(tool)
        value = other if mine == was else mine
        if mine not in (was, other) and other != was:
            warnings.append(f"{key} has {tool} {mine} on this branch and {other} on the other; kept {mine}. "
                            "Run `taskmint doctor --fix` after the merge")
        if value is not None:
            merged[tool] = value
    return merged


def _duplicates(mappings: dict[str, dict[str, str]]) -> list[str]:
    holders: dict[tuple[str, str], list[str]] = {}
    for task_id, ext in mappings.items():
        for tool, value in ext.items():
            holders.setdefault((tool, value), []).append(task_id)
    return [f"{tool} {value} is recorded for {', '.join(held)}: both branches issued it. Run `taskmint doctor --fix` "
            "after the merge to give the later task a new number"
            for (tool, value), held in holders.items() if len(held) > 1]


def merge_state(base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, list[str]]:
    """The merged state file and warnings for the user; MergeConflict when it cannot be merged."""
    o = _side(base, "the common ancestor's version")
    a = _side(ours, "this branch's version")
    b = _side(theirs, "the other branch's version")
    if a is None or b is None:
        raise MergeConflict("one side of the state file is empty; resolve it by hand, then run `taskmint doctor --fix`")
    kinds = {side[0] for side in (o, a, b) if side is not None}
    if len(kinds) > 1:
        raise MergeConflict("the two sides are different kinds of state file; resolve it by hand")
    kind, (ours_data, theirs_data) = a[0], (a[1], b[1])
    warnings: list[str] = []
    if kind == "mappings":
        was = o[1]["mappings"] if o else {}
        mine, other = ours_data["mappings"], theirs_data["mappings"]
        payload: dict = {}
        for key in [*mine, *(k for k in other if k not in mine)]:
            entry = _three_way(key, was.get(key), mine.get(key), other.get(key), warnings)
            if entry is not None:
                payload[key] = entry
        warnings += _duplicates(payload)
    else:
        payload = external_ids.empty_counters()
        for side in (o, a, b):
            if side is not None:
                external_ids.merge_max(payload, side[1]["counters"])
    merged = {"version": state.VERSION, "updated": max(ours_data["updated"], theirs_data["updated"]), kind: payload}
    data = state.dump(merged)
    try:
        state.parse(data, kind, "the merged result")
    except state.Unusable as e:
        raise MergeConflict(f"the merged result would be invalid ({e}); resolve the file by hand") from None
    return data, warnings


def merge_files(base: Path, ours: Path, theirs: Path) -> list[str]:
    """Git's contract: write the result to ``ours``; an error leaves it for a manual merge."""
    data, warnings = merge_state(base.read_bytes(), ours.read_bytes(), theirs.read_bytes())
    atomic.write_atomic(ours, data)
    return warnings


# --- installing ------------------------------------------------------------------------


def taskmint_command() -> str:
    """This interpreter and this copy of taskmint, as a shell command line for git to run."""
    lib = Path(taskmint.__file__).resolve().parent.parent
    return f"PYTHONPATH={shlex.quote(str(lib))} {shlex.quote(sys.executable)} -m taskmint.main"


def _git(project: Project, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(project.root), *args], capture_output=True, text=True, check=False)
    except OSError as e:
        raise TaskmintError(f"cannot run git: {e.strerror}; install git") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise TaskmintError(f"git {' '.join(args[:2])} failed ({first}); fix that and run `taskmint install-merge-driver` again")
    return done.stdout.strip()


def _ensure_attributes(project: Project) -> list[str]:
    path = project.root / ".gitattributes"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in ATTRIBUTES if line not in have]
    if not missing:
        return []
    if text and not text.endswith("\n"):
        text += "\n"
    text += "# taskmint: merge the state files with `taskmint merge-driver`\n" + "".join(f"{m}\n" for m in missing)
    project.check_inside(path)
    atomic.write_atomic(path, text.encode("utf-8"))
    return [f"added {len(missing)} lines to {project.rel(path)} (commit it so every clone uses the driver)"]


def _ensure_hook(project: Project) -> list[str]:
    path = Path(project.root, _git(project, "rev-parse", "--git-path", "hooks/post-merge"))
    top = Path(_git(project, "rev-parse", "--show-toplevel"))
    inside = project.root.resolve().relative_to(top.resolve()).as_posix() or "."
    command = (f"{taskmint_command()} --root {shlex.quote(inside)} doctor --quiet "
               "|| echo 'taskmint: run `taskmint doctor --fix` to repair the merged tasks' >&2")
    text = (
        "#!/bin/sh\n"
        f"{HOOK_MARKER}: installed by `taskmint install-merge-driver` (run it again to update this file).\n"
        "# Branches that each created tasks can bring duplicate IDs or numbers; doctor reports them.\n"
        f"{command}\nexit 0\n"
    )
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError) as e:
        raise TaskmintError(f"cannot read {path}: {e}; fix or remove it and run install-merge-driver again") from None
    if old is not None and HOOK_MARKER not in old:
        return [f"warning: {path} is someone else's hook and was left alone; add this line to it: {command}"]
    if old == text:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_atomic(path, text.encode("utf-8"))
    path.chmod(0o755)
    return [f"installed the post-merge check {path}"]


def install(project: Project) -> list[str]:
    """Configure the driver for this clone (every worktree shares it) and the post-merge check."""
    if project.shared_dir is None:
        raise TaskmintError(f"{project.root} is not in a git repository; run `git init` first")
    done = []
    for key, value in ((f"merge.{DRIVER}.name", "taskmint state files: union of mappings, maximum of counters"),
                       (f"merge.{DRIVER}.driver", f"{taskmint_command()} merge-driver %O %A %B")):
        _git(project, "config", key, value)
    done.append(f"git config merge.{DRIVER}.driver: {taskmint_command()} merge-driver %O %A %B")
    return done + _ensure_attributes(project) + _ensure_hook(project)
