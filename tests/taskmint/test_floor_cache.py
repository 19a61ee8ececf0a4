"""The floor cache saves create a scan of the whole mapping; it must never let a number be
issued twice, whatever happened to the state files or to the cache itself."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import background, floor_cache, mapping_text, service, state, validators
from taskmint.errors import StateError


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


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"entries": 3}', b'{"entries": [{"digest": 1}]}',
                                    b'{"entries": [{"digest": "KEY", "plain": true, "counters": {"jira": -1}}]}',
                                    b'{"entries": [{"digest": "KEY", "plain": 1, "counters": '
                                    b'{"jira": {}, "linear": {}, "github": 0, "azure_devops": 0}}]}'])
def test_a_damaged_cache_only_costs_a_scan(project, monkeypatch, damage):
    service.create(project, "first")
    key = floor_cache.digest(project.mapping_path.read_bytes())
    floor_cache.path(project).write_bytes(damage.replace(b"KEY", key.encode()))
    calls = scans(monkeypatch)
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert calls == [1]
    assert floor_cache.floor(floor_cache.load(project), floor_cache.digest(project.mapping_path.read_bytes()))[1]


def test_the_cache_keeps_the_newest_entries(project):
    for n in range(floor_cache.KEEP + 3):
        floor_cache.remember(project, f"key{n}", {"jira": {"PROJ": n}, "linear": {}, "github": n, "azure_devops": 0},
                             plain=n % 2 == 0)
    newest = floor_cache.KEEP + 2
    entries = floor_cache.load(project)
    assert floor_cache.floor(entries, f"key{newest}") == ({"jira": {"PROJ": newest}, "linear": {}, "github": newest,
                                                          "azure_devops": 0}, True)
    assert floor_cache.floor(entries, "key3")[1] and not floor_cache.floor(entries, "key2")[1]
    assert floor_cache.plain(entries, "key4") and not floor_cache.plain(entries, "key3")
    assert not [p for p in floor_cache.path(project).parent.iterdir() if p.name.endswith(".tmp")]


def test_an_unwritable_cache_does_not_fail_the_create(project, monkeypatch):
    floor_cache.path(project).mkdir()  # not a file: reading and replacing it both fail
    service.create(project, "first")
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert counters_file(project)["counters"]["jira"] == {"PROJ": 2}


def test_a_create_after_a_create_neither_validates_nor_scans_the_mapping(project, monkeypatch):
    service.create(project, "first")
    service.create(project, "second")  # appends to a text validated on load: written plain
    validated: list[int] = []
    real = validators.plain_mapping_text
    monkeypatch.setattr(validators, "plain_mapping_text", lambda text: validated.append(len(text)) or real(text))
    calls = scans(monkeypatch)
    assert service.create(project, "third")["external_ids"]["jira"] == "PROJ-3"
    assert validated == [] and calls == []
    assert validators.plain_mapping_text(project.mapping_path.read_text())  # what was trusted is so


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('"PROJ-2"', '"PROJ-02"'),  # same length, no longer valid
    lambda text: text.replace('"PROJ-2"', '"PROJ-9"'),  # same length, valid
    lambda text: text.replace('"version": "2.0"', '"version": "2.1"'),  # the header
    lambda text: text + " ",  # the last bytes
])
def test_a_mapping_edited_after_a_plain_write_is_validated_and_scanned_again(project, monkeypatch, edit):
    for title in ("first", "second", "third"):
        service.create(project, title)
    project.mapping_path.write_text(edit(project.mapping_path.read_text()))
    validated: list[int] = []
    real = validators.plain_mapping_text
    monkeypatch.setattr(validators, "plain_mapping_text", lambda text: validated.append(len(text)) or real(text))
    calls = scans(monkeypatch)
    try:
        service.create(project, "after the edit")
    except StateError:  # version 2.1: refused, as a load that validates refuses it
        assert validated and calls == []
    else:
        assert validated and calls  # (a damaged file is recovered from its .bak, also scanned)


@settings(max_examples=80 if os.environ.get("TASKMINT_HYPOTHESIS") != "full" else 2000, deadline=None)
@given(st.dictionaries(st.from_regex(r"TASK-[0-9A-F]{4,6}", fullmatch=True),
                       st.fixed_dictionaries({}, optional={"jira": st.from_regex(r"PROJ-[1-9][0-9]{0,4}", fullmatch=True),
                                                           "github": st.from_regex(r"#[1-9][0-9]{0,4}", fullmatch=True)}),
                       min_size=1, max_size=5),
       st.dictionaries(st.from_regex(r"TASK-[0-9A-F]{7}", fullmatch=True),
                       st.fixed_dictionaries({"azure_devops": st.from_regex(r"[1-9][0-9]{0,4}", fullmatch=True)}),
                       max_size=3))
def test_the_key_of_appended_entries_is_the_key_of_the_whole_file(before, added):
    raw = state.dump({"version": "2.0", "updated": "2026-01-01T00:00:00Z", "mappings": before})
    header, stem, entries, tail = mapping_text.append_parts(raw, "2.0", "2026-12-02T00:00:00Z", added)
    whole = b"".join((header, stem, entries, tail))
    assert floor_cache.Digest(raw).appended(header, entries, tail) == floor_cache.digest(whole)
    assert mapping_text.parts(whole) == (len(header), len(header) + len(stem) + len(entries))
    assert validators.plain_appended("2.0", "2026-12-02T00:00:00Z", added) == validators.plain_mapping_text(whole.decode())
    assert validators.plain_mapping_text(whole.decode())


def threads_started(monkeypatch) -> list:
    started: list = []
    real = background.Call.__init__

    def counting(self, function, *args):
        started.append(function)
        real(self, function, *args)

    monkeypatch.setattr(background.Call, "__init__", counting)
    return started


def test_a_large_mapping_is_digested_on_a_second_thread_to_the_same_keys(monkeypatch):
    started = threads_started(monkeypatch)
    mappings = {f"TASK-{i:06X}": {"jira": f"PROJ-{i + 1}", "github": f"#{i + 1}"} for i in range(4000)}
    raw = state.dump({"version": "2.0", "updated": "2026-01-01T00:00:00Z", "mappings": mappings})
    assert len(raw) > floor_cache.Digest.SECOND_THREAD
    header, stem, entries, tail = mapping_text.append_parts(raw, "2.0", "2026-12-02T00:00:00Z",
                                                            {"TASK-ABCDEF0": {"jira": "PROJ-9999"}})
    whole = b"".join((header, stem, entries, tail))
    assert floor_cache.Digest(raw, meanwhile=True).key == floor_cache.digest(raw)
    assert floor_cache.Digest(raw, meanwhile=True).appended(header, entries, tail) == floor_cache.digest(whole)
    assert len(started) == 2
    small = state.dump({"version": "2.0", "updated": "u", "mappings": {"TASK-AAAA": {"github": "#1"}}})
    assert floor_cache.Digest(small, meanwhile=True).key == floor_cache.digest(small) and len(started) == 2


def test_creates_whose_mapping_is_digested_on_a_second_thread_neither_scan_nor_reissue(project, monkeypatch):
    monkeypatch.setattr(floor_cache.Digest, "SECOND_THREAD", 0)
    service.create(project, "first")
    started, calls = threads_started(monkeypatch), scans(monkeypatch)
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"
    assert service.create(project, "third")["external_ids"]["jira"] == "PROJ-3"
    assert calls == [] and len(started) == 2
    raw = project.mapping_path.read_bytes()
    project.mapping_path.write_bytes(raw.replace(b'"PROJ-3"', b'"PROJ-30"'))  # by hand: a miss, so a scan
    assert service.create(project, "fourth")["external_ids"]["jira"] == "PROJ-31"
    assert len(calls) == 1 and len(started) == 3


def test_keys_differ_when_any_byte_differs():
    text = state.dump({"version": "2.0", "updated": "u", "mappings": {"TASK-AAAA": {"github": "#1"}}})
    keys = {floor_cache.digest(text[:i] + bytes([text[i] ^ 1]) + text[i + 1:]) for i in range(len(text))}
    assert len(keys | {floor_cache.digest(text)}) == len(text) + 1
    assert len({floor_cache.digest(text[:i]) for i in range(len(text))}) == len(text)  # cut anywhere


def test_appended_entries_that_leave_the_layout_are_not_trusted():
    raw = state.dump({"version": "2.0", "updated": "u", "mappings": {"TASK-AAAA": {"github": "#1"}}})
    for updated, added in [("later", {"TASK-BBBB": {"jira": "PROJ-1\n"}}), ('say "now"', {"TASK-BBBB": {"jira": "PROJ-1"}}),
                           ("later", {"TASK-bbbb": {"jira": "PROJ-1"}})]:
        assert not validators.plain_appended("2.0", updated, added)
    assert validators.plain_appended("2.0", "later", {"TASK-BBBB": {"jira": "PROJ-1"}})
