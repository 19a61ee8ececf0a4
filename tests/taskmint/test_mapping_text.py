"""Appending to the mapping text must give exactly what rendering the whole document gives,
whatever happened to the entries in between; and it must be what a create really does."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from taskmint import jsontext, mapping_text, service, state, validators

task_key = st.from_regex(r"TASK-[A-Z0-9]{1,6}(?:\.[1-9])?", fullmatch=True)
external = st.fixed_dictionaries({}, optional={
    "jira": st.from_regex(r"[A-Z]{1,4}-[1-9][0-9]{0,3}", fullmatch=True),
    "github": st.from_regex(r"#[1-9][0-9]{0,3}", fullmatch=True),
    "azure_devops": st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True)})
mappings = st.dictionaries(task_key, external, max_size=6)


def rendered(updated: str, entries: dict) -> str:
    return jsontext.dumps({"version": "2.0", "updated": updated, "mappings": entries}) + "\n"


def loaded(entries: dict) -> state.State:
    text = rendered("2026-01-08T10:00:00Z", entries)
    assert validators.plain_mapping_text(text)
    return state.State(mapping_source=text.encode())


def joined(pieces: list) -> str:
    return b"".join(pieces).decode()


@given(before=mappings, added=mappings, data=st.data())
def test_render_equals_the_whole_render_after_any_change(before, added, data):
    loaded_state = loaded(before)
    entries = loaded_state.mappings  # parsed: the entries may now change in any way
    change = data.draw(st.sampled_from(["append", "edit in place", "replace", "delete", "move", "none"]))
    keys = list(entries)
    if change == "append" or not keys:
        entries.update({k: v for k, v in added.items() if k not in entries})
    elif change == "edit in place":
        entries[data.draw(st.sampled_from(keys))]["github"] = "#9999"
    elif change == "replace":
        entries[data.draw(st.sampled_from(keys))] = data.draw(external)
    elif change == "delete":
        del entries[data.draw(st.sampled_from(keys))]
    elif change == "move":
        key = data.draw(st.sampled_from(keys))
        entries[key] = entries.pop(key)
    assert joined(loaded_state.render_mapping("2026-11-26T00:00:00Z")[0]) == rendered("2026-11-26T00:00:00Z", entries)


DUPLICATES = ['{\n  "version": "2.0",\n  "updated": "x",\n  "mappings": {\n    "TASK-A": {},\n    "TASK-A": {}\n  }\n}\n',
              '{\n  "version": "2.0",\n  "updated": "x",\n  "mappings": {\n    "TASK-A": {\n      "github": "#1",\n'
              '      "github": "#2"\n    }\n  }\n}\n']


def test_a_text_with_a_duplicate_key_is_appended_to_unparsed_and_rendered_whole_once_parsed():
    for text, duplicated in zip(DUPLICATES, ['"TASK-A"', '"github"']):
        assert validators.plain_mapping_text(text)
        unparsed = state.State(mapping_source=text.encode())
        unparsed.add_mapping("TASK-B4C1", {"jira": "PROJ-2"})
        out = joined(unparsed.render_mapping("now")[0])
        # appended to the text read, duplicate and all, which stays valid
        assert out.count(duplicated) == 2 and validators.plain_mapping_text(out)
        assert out.endswith('"TASK-B4C1": {\n      "jira": "PROJ-2"\n    }\n  }\n}\n')
        parsed = state.State(mapping_source=text.encode())
        parsed.add_mapping("TASK-B4C1", {"jira": "PROJ-2"})
        assert parsed.mappings == json.loads(out)["mappings"]
        assert joined(parsed.render_mapping("now")[0]) == rendered("now", parsed.mappings)


def test_creates_write_the_mapping_exactly_as_a_whole_render(project):
    for n in range(5):
        service.create(project, f"task {n}")
        text = project.mapping_path.read_text()
        assert text == rendered(json.loads(text)["updated"], json.loads(text)["mappings"])
    loaded = state.load(project)
    assert loaded.mapping_source is not None  # left unparsed
    assert loaded.mapping_ids() == {i.upper() for i in json.loads(project.mapping_path.read_text())["mappings"]}


@given(before=mappings, added=mappings)
def test_append_equals_the_whole_render(before, added):
    text = rendered("2026-01-08T10:00:00Z", before)
    added = {k: v for k, v in added.items() if k not in before}
    assert mapping_text.ids(text.encode()) == list(before)
    assert mapping_text.append(text.encode(), "2.0", "later", added).decode() == rendered("later", {**before, **added})


def test_append_to_a_text_with_a_duplicate_key_keeps_it_valid_and_complete():
    text = ('{\n  "version": "2.0",\n  "updated": "x",\n  "mappings": {\n    "TASK-A": {\n      "github": "#1"\n    },\n'
            '    "TASK-A": {\n      "github": "#2"\n    }\n  }\n}')  # and no final newline
    out = mapping_text.append(text.encode(), "2.0", "y", {"TASK-B": {"github": "#3"}}).decode()
    assert validators.plain_mapping_text(out)
    assert json.loads(out)["mappings"] == {"TASK-A": {"github": "#2"}, "TASK-B": {"github": "#3"}}


@given(before=mappings, added=mappings, parse_first=st.booleans())
def test_state_adds_entries_the_same_way_parsed_or_not(before, added, parse_first):
    loaded = state.State(mapping_source=rendered("2026-01-08T10:00:00Z", before).encode())
    if parse_first:
        assert loaded.mappings == before
    added = {k: v for k, v in added.items() if k not in before}
    for key, value in added.items():
        loaded.add_mapping(key, value)
    assert loaded.mapping_ids() == {k.upper() for k in {**before, **added}}
    assert joined(loaded.render_mapping("later")[0]) == rendered("later", {**before, **added})
    assert loaded.mappings == {**before, **added}


@given(entries=mappings, added=mappings, data=st.data())
def test_holders_found_in_the_text_are_those_the_parsed_mapping_holds(entries, added, data):
    values = [(tool, value) for ext in [*entries.values(), *added.values()] for tool, value in ext.items()]
    wanted = set(data.draw(st.lists(st.sampled_from(values), max_size=3))) if values else set()
    wanted |= {("github", "#1"), ("jira", "NONE-1")}
    unparsed = loaded(entries)
    for key, ext in added.items():
        unparsed.add_mapping(key, ext)
    parsed = loaded(entries)
    parsed.mappings.update(added)
    assert unparsed.holders(wanted) == parsed.holders(wanted)
    assert unparsed.mapping_source is not None and unparsed._parsed is None  # found without parsing


def test_holders_with_duplicate_keys_are_what_json_keeps():
    for text, wanted, held in [(DUPLICATES[0].replace('"TASK-A": {},', '"TASK-A": {\n      "github": "#1"\n    },', 1),
                                ("github", "#1"), set()),
                               (DUPLICATES[1], ("github", "#1"), set()), (DUPLICATES[1], ("github", "#2"),
                                                                         {("github", "TASK-A")})]:
        assert validators.plain_mapping_text(text)
        assert state.State(mapping_source=text.encode()).holders({wanted}) == held
        assert {(t, i) for i, ext in json.loads(text)["mappings"].items() for t, v in ext.items() if (t, v) == wanted} \
            == held


def test_a_key_typed_in_lower_case_is_never_issued_again(project, monkeypatch):
    from taskmint import ids

    service.create(project, "first")
    data = json.loads(project.mapping_path.read_text())
    data["mappings"]["TASK-abcd"] = {"jira": "PROJ-40"}  # typed by hand: valid, but not taskmint's layout
    project.mapping_path.write_text(jsontext.dumps(data) + "\n")
    drawn = iter(["abcd", "abcd", "beef"])
    monkeypatch.setattr(ids, "random_hex", lambda nbytes: next(drawn))
    assert service.create(project, "second")["id"] == "TASK-BEEF"
    drawn = iter(["abcd", "beef", "cafe"])  # TASK-BEEF is now in the file, upper case
    monkeypatch.setattr(ids, "random_hex", lambda nbytes: next(drawn))
    assert service.create(project, "third")["id"] == "TASK-CAFE"
