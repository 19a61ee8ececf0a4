"""Giving tasks their IDs: the one order every caller keeps (create, the PostToolUse
registration, doctor's renumbering).

1. allocate the external numbers (Txn.allocate, the one function that issues them);
2. save the numbers and the new internal IDs, before any file mentions them, so that a
   crash from here on leaves a gap and never a number handed out twice;
3. write the task file;
4. save the mapping, last: a crash before it leaves a task file the next transaction or
   doctor maps from its frontmatter.

Tracker-backed tools join this order at one place: local_tools decides which tools get a
locally counted number, tracker_tools which get their key from the tracker; those are
recorded as pending work (sync.queue_create) after step 2 and before the file is written,
and `taskmint sync` (or the create itself, after the lock is released) asks the tracker.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from taskmint import external_ids, sync
from taskmint.config import Config
from taskmint.transaction import Txn


class Wanted:
    """One task to give IDs: its internal ID (already chosen under the lock), the tools to
    number, and the external IDs it keeps."""

    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, task_id: str, tools: dict[str, str], kept: dict[str, str] | None = None,
                 new_id: bool = True, trackers: tuple[str, ...] = ()) -> None:
        self.task_id = task_id
        self.tools = tools  # tool -> key of the numbers to issue (see local_tools)
        self.kept = {} if kept is None else kept
        self.new_id = new_id  # task_id is new: record it in the worktree registry
        # tracker-backed tools whose issue is to be created (see tracker_tools): recorded as
        # pending work in the outbox, under this lock, before the file exists
        self.trackers = trackers


class Assigned:
    def __init__(self, task_id: str, external: dict[str, str], path: Path) -> None:
        self.task_id, self.external, self.path = task_id, external, path


def local_tools(cfg: Config, have: dict[str, str] | None = None) -> dict[str, str]:
    """The configured tools that get a locally counted number (all of them, until trackers
    issue their own keys), minus those in ``have``."""
    return {tool: key for tool, key in cfg.tools.items() if not have or tool not in have}


def tracker_tools(cfg: Config, have: dict[str, str] | None = None) -> tuple[str, ...]:
    """The configured tools whose tracker issues the key (no local number), minus those in ``have``."""
    return tuple(sorted(tool for tool in cfg.trackers if not have or tool not in have))


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
    for w in wanted:
        if w.trackers:
            sync.queue_create(txn, w.task_id, w.trackers)
    done = []
    for w, numbers in zip(wanted, issued):
        external = {**w.kept, **numbers}
        path = write(w, external)
        txn.wrote(path, w.task_id, [r for tool, text in external.items() if (r := external_ids.parse_stored(tool, text))])
        done.append(Assigned(w.task_id, external, path))
        txn.state.add_mapping(w.task_id, external)
    txn.save_mapping()
    return done


def assign_one(txn: Txn, wanted: Wanted, write: Callable[[dict[str, str]], Path]) -> Assigned:
    return assign(txn, [wanted], lambda _, external: write(external))[0]
