"""The one transaction every mutation of tasks or state goes through.

Inside ``transaction()`` the project lock is held and the state has been read afresh
from disk (and recovered from .bak if needed). The one thing kept between transactions is
floor_cache, which answers only for mapping bytes it has seen.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from taskmint import disk_numbers, external_ids, floor_cache, lock, state, tasks
from taskmint.config import Config
from taskmint.external_ids import ExternalRef
from taskmint.project import Project


@dataclass
class Txn:
    project: Project
    state: state.State
    registry: state.Registry
    # The counters after allocate issued numbers: at or above every number the mapping can
    # hold until this transaction ends, since the mapping gains only numbers issued here.
    issued: dict | None = None
    # The folders of tasks/ as this transaction walked them (None: not walked yet), and the
    # numbers their task files carry.
    folders: list[str] | None = None
    disk: disk_numbers.Folders | None = None

    def known_ids(self) -> set[str]:
        return self.state.mapping_ids() | self.registry.ids

    def task_ids(self) -> set[str]:
        """Every ID the state and the task files know (the walk is kept for allocate)."""
        self.folders = []
        return self.known_ids() | tasks.task_ids(self.project, self.folders)

    def on_disk(self) -> disk_numbers.Folders:
        if self.disk is None:
            self.disk = disk_numbers.Folders(self.project)
        return self.disk

    def wrote(self, path: Path, refs: list[ExternalRef]) -> None:
        """A task file carrying ``refs`` was written to ``path`` in this transaction."""
        if self.disk is not None:
            self.disk.wrote(str(path.parent), refs)

    def allocate(self, config: Config) -> dict[str, str]:
        """The next number for every configured tool, above anything this worktree, any
        other worktree (via the registry), the mapping or a task file in tasks/ has seen."""
        floor, covers_mapping = floor_cache.floor(self.project, self.state.mapping_sha256)
        if not covers_mapping:
            external_ids.merge_max(floor, state.mapping_max(self.state.mappings))
        external_ids.merge_max(floor, self.registry.counters)
        if self.folders is None:
            self.folders = tasks.folders(self.project)
        external_ids.merge_max(floor, self.on_disk().highest(self.folders))
        external_ids.merge_max(self.state.counters, floor)
        issued: dict[str, str] = {}
        for tool, key in config.tools.items():
            number = external_ids.counter_value(self.state.counters, tool, key) + 1
            ref = ExternalRef(tool, key, number)
            external_ids.raise_to(self.state.counters, [ref])
            issued[tool] = ref.text()
        external_ids.merge_max(self.registry.counters, self.state.counters)
        self.issued = copy.deepcopy(self.state.counters)
        return issued

    def save_numbers(self, new_ids: list[str] = ()) -> None:
        """Record issued numbers (and IDs) before any task file mentions them: a crash
        after this point can only leave a gap, never a number that is handed out again."""
        self.registry.ids.update(i.upper() for i in new_ids)
        state.save_registry(self.project, self.registry)
        state.save_counters(self.project, self.state.counters,
                            backup=self.project.counters_path not in self.state.from_backup)

    def save_mapping(self) -> None:
        written = state.save_state_mapping(self.project, self.state)
        if self.issued is not None:
            floor_cache.remember(self.project, floor_cache.digest(written), self.issued)


@contextmanager
def transaction(project: Project) -> Iterator[Txn]:
    project.check_inside(project.counters_path)  # before the lock file is created there
    with lock.held(project.lock_path):
        project.state_dir.mkdir(parents=True, exist_ok=True)
        txn = Txn(project, state.load(project), state.load_registry(project))
        if txn.state.repaired:
            txn.save_numbers()
            txn.save_mapping()
        yield txn
        if txn.disk is not None:
            txn.disk.save()
