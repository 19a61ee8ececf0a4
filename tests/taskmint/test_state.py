from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskmint import schemas, service, state
from taskmint.errors import StateError
from taskmint.transaction import transaction


def bak(path):
    return path.with_name(path.name + ".bak")


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")


def counters_doc(counters, version="2.0"):
    return {"version": version, "updated": "2025-01-08T10:00:00Z", "counters": counters}


def external_ids_zero():
    return {"jira": {}, "linear": {}, "github": 0, "azure_devops": 0}


def mapping_doc(mappings, version="2.0"):
    return {"version": version, "updated": "2025-01-08T10:00:00Z", "mappings": mappings}


def load_locked(project):
    with transaction(project) as txn:
        return txn.state


def test_fresh_project_state(project):
    loaded = state.load(project)
    assert loaded.mappings == {} and loaded.repaired == []
    assert loaded.counters == external_ids_zero()
    for path, schema in ((project.counters_path, "counters"), (project.mapping_path, "mapping")):
        data = json.loads(path.read_text())
        assert data["version"] == "2.0" and schemas.problem(schema, data) is None


def test_save_then_load_round_trip(project):
    counters = {"jira": {"PROJ": 3}, "linear": {"ENG": 2}, "github": 5, "azure_devops": 1}
    mappings = {"TASK-A3F8": {"jira": "PROJ-3", "github": "#5"}}
    state.save_counters(project, counters)
    state.save_mapping(project, mappings)
    loaded = state.load(project)
    assert (loaded.counters, loaded.mappings, loaded.repaired) == (counters, mappings, [])
    # the previous versions went to .bak
    assert json.loads(bak(project.counters_path).read_text())["counters"]["github"] == 0
    assert json.loads(bak(project.mapping_path).read_text())["mappings"] == {}
    assert state.mapping_max(mappings) == {"jira": {"PROJ": 3}, "linear": {}, "github": 5, "azure_devops": 0}


@pytest.mark.parametrize("damage", [
    # {"version": 2} and {"version": "two"} were here too, "recovered" from .bak: issue 10 item 6 says a
    # version taskmint cannot read is refused (tests/faults/test_state_files.py::test_unreadable_version_...)
    b"{not json", b"", b"\xff\xfe garbage", b"[]", b'{"versions": "2.0"}',
    json.dumps(counters_doc({"jira": {}, "linear": {}, "azure_devops": 0})).encode(),  # no github
    json.dumps(counters_doc({"jira": {}, "linear": {}, "github": -1, "azure_devops": 0})).encode(),
    json.dumps(counters_doc({"jira": {"proj": 1}, "linear": {}, "github": 0, "azure_devops": 0})).encode(),
    json.dumps(counters_doc({"jira": {}, "linear": {}, "github": "7", "azure_devops": 0})).encode(),
    "dir",
])
def test_counters_recovered_from_bak_and_raised_to_every_number_in_use(project, capsys, damage, snapshot):
    for title in ("one", "two", "three"):
        service.create(project, title)
    # the backup is older than what was issued: only one number of each
    write_json(bak(project.counters_path), counters_doc({"jira": {"PROJ": 1}, "linear": {"ENG": 1}, "github": 1,
                                                        "azure_devops": 1}))
    # a task file that the mapping does not know, carrying a higher GitHub number
    (project.tasks_dir / "backlog" / "TASK-C0DE-hand-made.md").write_text(
        '---\nid: TASK-C0DE\ntitle: hand made\nstatus: backlog\nexternal_ids:\n  github: "#7"\n---\n')
    if damage == "dir":
        project.counters_path.unlink()
        project.counters_path.mkdir()
    else:
        project.counters_path.write_bytes(damage)
    capsys.readouterr()

    if damage == "dir":
        before = snapshot(project)
        with pytest.raises(OSError):  # a directory cannot be replaced by the repaired file
            load_locked(project)
        assert snapshot(project) == before and project.counters_path.is_dir()
        return
    loaded = load_locked(project)
    err = capsys.readouterr().err
    assert "taskmint: warning: .claude/state/external_id_counters.json is unusable" in err
    assert "recovered it from .claude/state/external_id_counters.json.bak" in err
    assert loaded.counters == {"jira": {"PROJ": 3}, "linear": {"ENG": 3}, "github": 7, "azure_devops": 3}
    # persisted at once, and the next task gets the next numbers
    assert json.loads(project.counters_path.read_text())["counters"] == loaded.counters
    created = service.create(project, "four")
    assert created["external_ids"] == {"jira": "PROJ-4", "linear": "ENG-4", "github": "#8", "azure_devops": "4"}


@pytest.mark.parametrize("which", ["counters", "mapping"])
def test_recovery_keeps_the_good_backup(project, which):
    service.create(project, "one")
    service.create(project, "two")
    path = project.counters_path if which == "counters" else project.mapping_path
    good = bak(path).read_bytes()
    path.write_text("{broken", encoding="utf-8")
    service.show(project, "#1")  # any transaction recovers and rewrites the file
    # the unusable file must not have been rotated into .bak over the copy it came from
    assert bak(path).read_bytes() == good
    state.parse(path.read_bytes(), "counters" if which == "counters" else "mappings", "x")
    path.write_text("{broken again", encoding="utf-8")
    assert load_locked(project).counters["github"] == 2  # a second recovery still works


def test_mapping_recovered_from_bak(project, capsys):
    first = service.create(project, "one")
    second = service.create(project, "two")
    project.mapping_path.write_text("{truncated", encoding="utf-8")
    loaded = load_locked(project)
    err = capsys.readouterr().err
    assert "external_id_mapping.json is unusable" in err
    # the .bak is one write behind; the task it lacks is added back from its frontmatter
    assert "added 1 task file(s) that .claude/state/external_id_mapping.json lacked" in err
    assert loaded.mappings == {first["id"]: first["external_ids"], second["id"]: second["external_ids"]}
    assert json.loads(project.mapping_path.read_text())["mappings"] == loaded.mappings  # persisted at once
    # the counters never go below what the task files carry
    assert loaded.counters["github"] == 2 and loaded.counters["jira"] == {"PROJ": 2}
    assert service.show(project, "#2")["id"] == second["id"]  # found through its frontmatter


@pytest.mark.parametrize("version", ["3.0", "2.1", "10.0"])
@pytest.mark.parametrize("which", ["counters", "mapping"])
def test_newer_version_is_refused_and_left_byte_identical(project, version, which, snapshot):
    service.create(project, "one")
    path = project.counters_path if which == "counters" else project.mapping_path
    data = json.loads(path.read_text())
    data["version"] = version
    data["from_the_future"] = True
    path.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(StateError, match=rf"has version {version}, newer than .*upgrade taskmint"):
        load_locked(project)
    with pytest.raises(StateError):
        service.create(project, "two")
    assert snapshot(project) == before  # not "recovered" from the older .bak


def test_newer_backup_is_refused_too(project, snapshot):
    project.counters_path.write_text("{broken", encoding="utf-8")
    write_json(bak(project.counters_path), counters_doc(external_ids_zero(), version="3.0"))
    before = snapshot(project)
    with pytest.raises(StateError, match="newer"):
        load_locked(project)
    assert snapshot(project) == before


@pytest.mark.parametrize("which", ["counters", "mapping"])
def test_both_copies_bad_is_refused_with_a_clear_error_and_nothing_written(project, which, snapshot):
    service.create(project, "one")
    path = project.counters_path if which == "counters" else project.mapping_path
    path.write_text("{broken", encoding="utf-8")
    bak(path).write_text('{"version": "2.0"}', encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(StateError) as info:
        load_locked(project)
    message = str(info.value)
    rel = project.rel(path)
    assert f"{rel} is unusable (not valid JSON" in message
    assert f"{rel}.bak is unusable too (schema violation" in message
    assert "taskmint doctor --fix" in message and "\n" not in message
    with pytest.raises(StateError):
        service.create(project, "two")
    assert snapshot(project) == before


def test_corrupt_without_any_backup_is_refused_not_reset(project, snapshot):
    service.create(project, "one")
    bak(project.counters_path).unlink()
    project.counters_path.write_text("{broken", encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(StateError, match="there is no backup"):
        load_locked(project)
    assert snapshot(project) == before


def test_missing_files(project, capsys, snapshot):
    # both missing: a fresh start
    for p in (project.counters_path, project.mapping_path, bak(project.counters_path), bak(project.mapping_path)):
        p.unlink(missing_ok=True)
    assert state.load(project).counters == external_ids_zero()
    service.create(project, "one")
    # the mapping missing while counters exist
    project.mapping_path.unlink()
    bak(project.mapping_path).unlink(missing_ok=True)
    before = snapshot(project)
    with pytest.raises(StateError, match="external_id_mapping.json is missing while the counters exist"):
        load_locked(project)
    assert snapshot(project) == before


def test_missing_main_file_with_a_good_backup_is_recovered(project, capsys):
    service.create(project, "one")
    service.create(project, "two")
    project.counters_path.unlink()
    loaded = load_locked(project)
    assert "it is missing); recovered it from" in capsys.readouterr().err
    assert loaded.counters["github"] == 2  # raised above the one-write-old .bak from the mapping


def test_missing_counters_never_reissue_numbers_in_use(project):
    service.create(project, "one")
    service.create(project, "two")
    for p in (project.counters_path, bak(project.counters_path)):
        p.unlink()
    try:
        loaded = load_locked(project)
    except StateError as e:
        assert "doctor --fix" in str(e)  # refusing is fine; restarting at 1 is not
    else:
        assert loaded.counters["github"] >= 2 and loaded.counters["jira"]["PROJ"] >= 2


GUARDKIT_MAPPING = {
    "version": "1.0",
    "updated": "2025-01-08T10:00:00Z",
    "mappings": {
        "TASK-0001": {"jira": "PROJ-1", "github": "234"},
        "TASK-0002": {"jira": "PROJ-2", "azure_devops": "1", "linear": "ENG-3"},
    },
}
GUARDKIT_COUNTERS = {
    "version": "1.0",
    "updated": "2025-01-08T10:00:00Z",
    "counters": {"jira": {"PROJ": 2}, "azure_devops": 1, "linear": {}, "github": 1},
}


def test_guardkit_v1_files_load_migrate_and_never_reissue(project, capsys):
    write_json(project.mapping_path, GUARDKIT_MAPPING)
    write_json(project.counters_path, GUARDKIT_COUNTERS)
    loaded = load_locked(project)
    err = capsys.readouterr().err
    assert "external_id_mapping.json is in the v1.0 format; migrated it to 2.0" in err
    assert "external_id_counters.json is in the v1.0 format" in err
    assert loaded.mappings == {
        "TASK-0001": {"jira": "PROJ-1", "github": "#234"},
        "TASK-0002": {"jira": "PROJ-2", "azure_devops": "1", "linear": "ENG-3"},
    }
    assert loaded.counters == {"jira": {"PROJ": 2}, "linear": {"ENG": 3}, "github": 234, "azure_devops": 1}
    # written back as 2.0 at once
    for path, schema in ((project.counters_path, "counters"), (project.mapping_path, "mapping")):
        data = json.loads(path.read_text())
        assert data["version"] == "2.0" and schemas.problem(schema, data) is None
    created = service.create(project, "after the migration")
    assert created["external_ids"] == {"jira": "PROJ-3", "linear": "ENG-4", "github": "#235", "azure_devops": "2"}
    # the second load is plain 2.0: no warning, no repair
    capsys.readouterr()
    assert state.load(project).repaired == []
    assert capsys.readouterr().err == ""


def test_v1_mapping_with_a_non_object_entry_falls_back_to_bak(project, capsys):
    one = service.create(project, "one")
    broken = dict(GUARDKIT_MAPPING, mappings={"TASK-0001": "PROJ-1"})
    write_json(project.mapping_path, broken)
    loaded = load_locked(project)
    assert "is not an object" in capsys.readouterr().err
    # the .bak (one write behind) has no entries yet; the task is added back from its file
    assert loaded.mappings == {one["id"]: one["external_ids"]}


@pytest.mark.parametrize("data, problem", [
    (counters_doc({"jira": {}, "linear": {}, "azure_devops": 0}), "'github' is a required property"),
    (counters_doc({"jira": {}, "linear": {}, "github": 0}), "'azure_devops'"),
    ({"version": "2.0", "counters": external_ids_zero()}, "'updated'"),
    (counters_doc(dict(external_ids_zero(), trello=1)), "trello"),
])
def test_counters_schema_requires_what_the_code_needs(data, problem):
    assert problem in schemas.problem("counters", data)


@pytest.mark.parametrize("entry, problem", [
    ({"github": "234"}, "github"), ({"jira": "proj-1"}, "jira"), ({"azure_devops": 12}, "azure_devops"),
    ({"trello": "1"}, "trello"), ("PROJ-1", "object"),
])
def test_mapping_schema_rejects_malformed_entries(entry, problem):
    assert problem in schemas.problem("mapping", mapping_doc({"TASK-A3F8": entry}))


def test_the_registry_keeps_its_order_and_appends_new_ids(tmp_path):
    import subprocess

    from taskmint.project import find_project

    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    project = find_project(str(root))
    service.init(project, jira="PROJ", linear=None, github=False, azure_devops=False, force=False)
    project.registry_path.parent.mkdir(parents=True, exist_ok=True)
    listed = ["TASK-FFFF", "task-0001", "TASK-AAAA"]  # unsorted, one in lower case (written by hand)
    project.registry_path.write_text(json.dumps({"version": "2.0", "counters": {
        "jira": {"PROJ": 7}, "linear": {}, "github": 0, "azure_devops": 0}, "ids": listed}))
    registry = state.load_registry(project)
    assert registry.has("TASK-0001") and registry.has("TASK-FFFF") and not registry.has("TASK-BBBB")
    assert registry.count() == 3
    created = service.create(project, "next")
    assert created["external_ids"]["jira"] == "PROJ-8" and created["id"] not in listed
    saved = json.loads(project.registry_path.read_text())["ids"]  # the list read, written as one string
    assert saved == "".join(f" {i}" for i in ["TASK-FFFF", "TASK-0001", "TASK-AAAA", created["id"]]) + " "
    assert state.registry_ids({"ids": saved}) == ["TASK-FFFF", "TASK-0001", "TASK-AAAA", created["id"]]
    again = state.load_registry(project)
    assert again.ids == set(state.registry_ids({"ids": saved})) and again.count() == 4
    again.add(["TASK-0001", "TASK-BBBB", "TASK-BBBB"])  # one known, one new twice
    assert again.count() == 5 and again.has("TASK-BBBB")
    state.save_registry(project, again)
    lowered = project.registry_path.read_text().replace("TASK-BBBB", "task-bbbb")  # written by hand
    project.registry_path.write_text(lowered)
    assert state.load_registry(project).has("TASK-BBBB")


_REGISTRY_ID_CHARS = "TASK-F0.9nN\\\"\u00e9\t"  # no space, no newline: those part the IDs


@pytest.fixture(scope="module")
def registry_project(tmp_path_factory):
    import subprocess

    from taskmint.project import find_project

    root = tmp_path_factory.mktemp("registry") / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    project = find_project(str(root))
    service.init(project, jira="PROJ", linear=None, github=False, azure_devops=False, force=False)
    project.registry_path.parent.mkdir(parents=True, exist_ok=True)
    return project


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listed=st.lists(st.text(_REGISTRY_ID_CHARS, min_size=1, max_size=12), max_size=8),
       added=st.lists(st.sampled_from(["TASK-ABCD", "TASK-FIX-0A0B.2", "TASK-\"Q\"", "TASK-N\u00c9", "TASK-\\N"]),
                      max_size=3),
       form=st.sampled_from(["words", "lines", "list"]), spelt_long=st.booleans())
def test_the_registry_reads_and_writes_its_ids_as_json_would(registry_project, listed, added, form, spelt_long):
    """load_registry and save_registry read and write the IDs string without json when it is in
    their own layout; whatever the file holds (escapes, lower case, the lines or the list an
    earlier taskmint wrote), the IDs read and the bytes written are those of json.loads and
    json.dumps."""
    from taskmint import id_words

    project = registry_project
    counters = {"jira": {"PROJ": 3}, "linear": {}, "github": 0, "azure_devops": 0}
    ids = {"words": id_words.join(listed), "lines": "\n" + "".join(f"{i}\n" for i in listed), "list": listed}[form]
    text = json.dumps({"version": "2.0", "updated": "2026-01-01T00:00:00Z", "counters": counters, "ids": ids},
                      ensure_ascii=False) + "\n"
    if spelt_long and form == "words":  # the same JSON, the last space spelt as json.dumps does not spell it
        text = text.removesuffix(' "}\n') + '\\u0020"}\n'
    project.registry_path.write_text(text, encoding="utf-8")
    expected = id_words.join(listed).upper()  # as read through json (IDs are upper-cased)
    registry = state.load_registry(project)
    assert registry.joined() == expected and registry.count() == len(listed)
    registry.add(added)
    for new in dict.fromkeys(added):
        if f" {new} " not in expected:
            expected += f"{new} "
    state.save_registry(project, registry)
    raw = project.registry_path.read_bytes()
    data = json.loads(raw)
    assert raw == (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
    assert list(data) == ["version", "updated", "counters", "ids"]
    assert data["ids"] == expected and data["counters"] == counters
    assert state.load_registry(project).joined() == expected


@settings(max_examples=500, deadline=None)
@given(st.text("0123456789.٣²x \n", max_size=7) | st.from_regex(r"[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True))
def test_a_version_is_read_as_its_pattern_reads_it(value):
    import re

    m = re.fullmatch(r"(\d+)\.(\d+)", value)
    assert state._version({"version": value}) == ((int(m.group(1)), int(m.group(2))) if m else None)
