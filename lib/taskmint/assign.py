"""Giving tasks their IDs: the one order every caller keeps (create, the PostToolUse
registration, doctor's renumbering).

1. allocate the external numbers (Txn.allocate, the one function that issues them);
2. save the numbers and the new internal IDs, before any file mentions them, so that a
   crash from here on leaves a gap and never a number handed out twice;
3. write the task file;
4. save the mapping, last: a crash before it leaves a task file the next transaction or
   doctor maps from its frontmatter.

A later tracker step joins this order at one place: local_tools decides which tools get a
locally counted number; a tracker-backed tool will be recorded as pending there instead.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from taskmint import external_ids
from taskmint.config import Config
from taskmint.transaction import Txn


@dataclass
class Wanted:
    """One task to give IDs: its internal ID (already chosen under the lock), the tools to
    number, and the external IDs it keeps."""

    task_id: str
    tools: dict[str, str]  # tool -> key of the numbers to issue (see local_tools)
    kept: dict[str, str] = field(default_factory=dict)
    new_id: bool = True  # task_id is new: record it in the worktree registry


@dataclass
class Assigned:
    task_id: str
    external: dict[str, str]
    path: Path


def local_tools(cfg: Config, have: dict[str, str] | None = None) -> dict[str, str]:
    """The configured tools that get a locally counted number (all of them, until trackers
    issue their own keys), minus those in ``have``."""
    return {tool: key for tool, key in cfg.tools.items() if not have or tool not in have}


def assign(txn: Txn, wanted: Sequence[Wanted], write: Callable[[Wanted, dict[str, str]], Path]) -> list[Assigned]:
    """Issue the numbers of every task in ``wanted``, record them, let ``write`` put each
    task's IDs into its file (returning where the file ends up), then save the mapping."""
    issued = [txn.allocate(Config(tools=dict(w.tools))) if w.tools else {} for w in wanted]
    new_ids = [w.task_id for w in wanted if w.new_id]
    if new_ids or any(issued):
        if not txn.project.mapping_path.exists():
            # A worktree's first task: counters without a mapping are a lost mapping to
            # state.load, so a kill before step 4 would stop every command until doctor.
            txn.save_mapping()
        txn.save_numbers(new_ids)
    done = []
    for w, numbers in zip(wanted, issued):
        external = {**w.kept, **numbers}
        path = write(w, external)
        txn.wrote(path, [r for tool, text in external.items() if (r := external_ids.parse_stored(tool, text))])
        done.append(Assigned(w.task_id, external, path))
        txn.state.add_mapping(w.task_id, external)
    txn.save_mapping()
    return done


def assign_one(txn: Txn, wanted: Wanted, write: Callable[[dict[str, str]], Path]) -> Assigned:
    return assign(txn, [wanted], lambda _, external: write(external))[0]
