"""The floor cache saves create a scan of the whole mapping; it must never let a number be
issued twice, whatever happened to the state files or to the cache itself."""
from __future__ import annotations

import json

import pytest

from taskmint import floor_cache, service, state


def counters_file(project) -> dict:
    return json.loads(project.counters_path.read_text())


def scans(monkeypatch) -> list[int]:
    """Counts the scans of the whole mapping that allocate falls back to."""
    calls: list[int] = []
    real = state.mapping_max

    def counting(mappings):
        calls.append(len(mappings))
        return real(mappings)

    monkeypatch.setattr(state, "mapping_max", counting)
    return calls


def test_a_create_after_a_create_does_not_scan_the_mapping(project, monkeypatch):
    service.create(project, "first")
    calls = scans(monkeypatch)
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert service.create(project, "third")["external_ids"]["jira"] == "PROJ-3"
    assert calls == []


def test_counters_restored_to_an_older_copy_are_raised_from_the_cache(project, monkeypatch):
    service.create(project, "first")
    older = project.counters_path.read_bytes()
    for n in range(3):
        service.create(project, f"task {n}")
    project.counters_path.write_bytes(older)  # a restore that leaves the mapping as it is
    calls = scans(monkeypatch)
    assert service.create(project, "after the restore")["external_ids"]["jira"] == "PROJ-5"
    assert calls == []  # the mapping was unchanged, so the cache answered


def test_both_state_files_restored_to_older_copies_do_not_reissue_numbers(project, monkeypatch):
    service.create(project, "first")
    older = {p: p.read_bytes() for p in (project.mapping_path, project.counters_path)}
    for n in range(3):
        service.create(project, f"task {n}")
    for path, data in older.items():  # a restore of .claude/state from a backup (outside git: no registry)
        path.write_bytes(data)
    created = service.create(project, "after the restore")
    assert created["external_ids"] == {"jira": "PROJ-5", "linear": "ENG-5", "github": "#5", "azure_devops": "5"}


def test_a_mapping_changed_by_hand_is_scanned(project, monkeypatch):
    service.create(project, "first")
    data = json.loads(project.mapping_path.read_text())
    data["mappings"]["TASK-FEED"] = {"jira": "PROJ-40", "github": "#40"}  # say, a merge without the driver
    project.mapping_path.write_text(json.dumps(data))
    calls = scans(monkeypatch)
    created = service.create(project, "after the edit")
    assert created["external_ids"]["jira"] == "PROJ-41" and created["external_ids"]["github"] == "#41"
    assert calls == [2]


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"entries": 3}', b'{"entries": [{"sha256": 1}]}',
                                    b'{"entries": [{"sha256": "SHA", "counters": {"jira": -1}}]}'])
def test_a_damaged_cache_only_costs_a_scan(project, monkeypatch, damage):
    service.create(project, "first")
    sha = floor_cache.digest(project.mapping_path.read_bytes())
    floor_cache.path(project).write_bytes(damage.replace(b"SHA", sha.encode()))
    calls = scans(monkeypatch)
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert calls == [1]
    assert floor_cache.floor(project, floor_cache.digest(project.mapping_path.read_bytes()))[1]  # rewritten


def test_the_cache_keeps_the_newest_entries(project):
    for n in range(floor_cache.KEEP + 3):
        floor_cache.remember(project, f"sha{n}", {"jira": {"PROJ": n}, "linear": {}, "github": n, "azure_devops": 0})
    newest = floor_cache.KEEP + 2
    assert floor_cache.floor(project, f"sha{newest}") == ({"jira": {"PROJ": newest}, "linear": {}, "github": newest,
                                                           "azure_devops": 0}, True)
    assert floor_cache.floor(project, "sha3")[1] and not floor_cache.floor(project, "sha2")[1]
    assert not [p for p in floor_cache.path(project).parent.iterdir() if p.name.endswith(".tmp")]


def test_an_unwritable_cache_does_not_fail_the_create(project, monkeypatch):
    floor_cache.path(project).mkdir()  # not a file: reading and replacing it both fail
    service.create(project, "first")
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert counters_file(project)["counters"]["jira"] == {"PROJ": 2}
