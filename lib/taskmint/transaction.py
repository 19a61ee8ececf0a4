"""The one transaction every mutation of tasks or state goes through.

Inside ``transaction()`` the project lock is held and the state has been read afresh
from disk (and recovered from .bak if needed). The one thing kept between transactions is
floor_cache, which answers only for mapping bytes it has seen.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taskmint import external_ids, floor_cache, folder_index, lock, state
from taskmint.config import Config
from taskmint.external_ids import ExternalRef
from taskmint.project import Project


class Txn:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, project: Project, state: state.State, registry: state.Registry | None = None) -> None:
        self.project, self.state, self._registry = project, state, registry
        # The counters after allocate issued numbers: at or above every number the mapping can
        # hold until this transaction ends, since the mapping gains only numbers issued here.
        self.issued: dict | None = None
        # What the task files under tasks/ carry, folder by folder (None: not looked at yet).
        self.disk: folder_index.Folders | None = None

    @property
    def registry(self) -> state.Registry:
        """The worktree registry, read under the lock when first needed (a show never needs it:
        at 10,000 tasks it holds 10,000 IDs)."""
        if self._registry is None:
            self._registry = state.load_registry(self.project)
        return self._registry

    def known_ids(self) -> set[str]:
        return self.state.mapping_ids() | self.registry.ids

    def task_ids(self) -> set[str]:
        """Every ID the state and the task files know."""
        return self.known_ids() | self.on_disk().ids()

    def id_taken(self, task_id: str) -> bool:
        """Whether ``task_id`` is in task_ids(), without building that set of 30,000 IDs at
        10,000 tasks (a create asks this of one random candidate)."""
        task_id = task_id.upper()
        return self.state.has_id(task_id) or self.registry.has(task_id) or self.on_disk().has_id(task_id)

    def id_count(self) -> int:
        """About len(task_ids()): enough to choose how long a new random ID must be."""
        return max(self.registry.count(), self.on_disk().count())

    def on_disk(self) -> folder_index.Folders:
        if self.disk is None:
            self.disk = folder_index.Folders(self.project)
        return self.disk

    def wrote(self, path: Path, task_id: str | None, refs: list[ExternalRef]) -> None:
        """A task file holding ``task_id`` and ``refs`` was written to ``path`` in this
        transaction (or moved away from it: None and no refs)."""
        if self.disk is not None:
            self.disk.wrote(path, task_id, refs)

    def allocate(self, config: Config) -> dict[str, str]:
        """The next number for every configured tool, above anything this worktree, any
        other worktree (via the registry), the mapping or a task file in tasks/ has seen."""
        key = self.state.mapping_digest.key if self.state.mapping_digest is not None else None
        floor, covers_mapping = floor_cache.floor(self.state.floor_entries, key)
        if not covers_mapping:
            external_ids.merge_max(floor, state.mapping_max(self.state.mappings))
        external_ids.merge_max(floor, self.registry.counters)
        external_ids.merge_max(floor, self.on_disk().highest())
        external_ids.merge_max(self.state.counters, floor)
        issued: dict[str, str] = {}
        for tool, key in config.tools.items():
            number = external_ids.counter_value(self.state.counters, tool, key) + 1
            ref = ExternalRef(tool, key, number)
            external_ids.raise_to(self.state.counters, [ref])
            issued[tool] = ref.text()
        external_ids.merge_max(self.registry.counters, self.state.counters)
        # a copy: counters hold numbers and, for jira and linear, one dict of them
        self.issued = {tool: dict(v) if isinstance(v, dict) else v for tool, v in self.state.counters.items()}
        return issued

    def save_numbers(self, new_ids: list[str] = ()) -> None:
        """Record issued numbers (and IDs) before any task file mentions them: a crash
        after this point can only leave a gap, never a number that is handed out again."""
        self.registry.add([i.upper() for i in new_ids])
        state.save_registry(self.project, self.registry)
        state.save_counters(self.project, self.state.counters,
                            backup=self.project.counters_path not in self.state.from_backup)

    def save_mapping(self) -> None:
        key, plain = state.save_state_mapping(self.project, self.state)
        if self.issued is not None:
            floor_cache.remember(self.project, key, self.issued, plain)


@contextmanager
def transaction(project: Project, reads: tuple[str, ...] = ()) -> Iterator[Txn]:
    """``reads`` names what the body will surely read, "registry" and "tasks" (the folder
    index): those are read while a second thread digests a large mapping file (Digest)."""
    project.check_inside(project.counters_path)  # before the lock file is created there
    with lock.held(project.lock_path):
        project.state_dir.mkdir(parents=True, exist_ok=True)
        registry: state.Registry | None = None
        disk: folder_index.Folders | None = None

        def meanwhile() -> None:
            nonlocal registry, disk
            if "registry" in reads:
                registry = state.load_registry(project)
            if "tasks" in reads:
                disk = folder_index.Folders(project)
                disk.walk()

        loaded = state.load(project, meanwhile if reads else None)
        txn = Txn(project, loaded, registry)  # registry and disk: as meanwhile() read them
        txn.disk = disk
        if txn.state.repaired:
            txn.save_numbers()
            txn.save_mapping()
        yield txn
        if txn.disk is not None:
            txn.disk.save()
