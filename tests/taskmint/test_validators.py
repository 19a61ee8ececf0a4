"""validators.py must accept exactly what the JSON Schemas accept: jsonschema is the
reference, asked about valid documents, documents with random deletions, replacements and
extra keys at every depth, and arbitrary JSON values."""
from __future__ import annotations

import copy
import itertools
import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import mapping_text, schemas, state, validators

# Generated documents are cheap to check: many more than the default profile's examples.
EXAMPLES = 20_000 if os.environ.get("TASKMINT_HYPOTHESIS") == "full" else 1200
NEAR = ["PROJ-1", "PROJ-0", "proj-1", "P_1-2", "ENG-12345678", "A-01", "#34", "#0", "34", "034", "0", "PROJ-1\n",
        "#3\n", "7\n", "TASK-A3F2", "TASK-", "TASK-.x", "TASK-a.1-b", "task-A3F2", "TASK-A3F2\n", "2.0", "2.1", "",
        "PROJ", "ABCDEFGHIJK", "ABCDEFGHIJ", "ENGINEE", "ENGINE", "E", "jira", "github", "updated", "version"]
leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**20), st.sampled_from([0.0, 1.0, 5.0, -1.0, 2.5, 1e300]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(NEAR), st.text(max_size=8),
)
# Values that sit on the edge of some rule: wrong sign, fractional, bool-for-int, int-for-bool.
tricky = st.sampled_from([-1, -1.0, 0, 0.5, 1.5, 1.0, True, False, None, "1", "", [], {}, 2**70, "2.0", 2.0, "#1"])
json_value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(NEAR) | st.text(max_size=5), inner, max_size=3), max_leaves=8)
count = st.integers(0, 10**9) | st.sampled_from([0.0, 3.0, 1e15])
keyed = st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True), count, max_size=3)
counters = st.fixed_dictionaries({"jira": keyed, "linear": keyed, "github": count, "azure_devops": count})
envelope = {"version": st.just("2.0"), "updated": st.text(max_size=20)}
external = st.fixed_dictionaries({}, optional={
    "jira": st.from_regex(r"[A-Z][A-Z0-9_]{0,4}-[1-9][0-9]{0,4}", fullmatch=True),
    "linear": st.from_regex(r"[A-Z][A-Z0-9]{0,4}-[1-9][0-9]{0,4}", fullmatch=True),
    "github": st.from_regex(r"#[1-9][0-9]{0,4}", fullmatch=True),
    "azure_devops": st.from_regex(r"[1-9][0-9]{0,4}", fullmatch=True)})
VALID = {
    "counters": st.fixed_dictionaries({**envelope, "counters": counters}),
    "mapping": st.fixed_dictionaries({**envelope, "mappings": st.dictionaries(
        st.from_regex(r"TASK-[A-Za-z0-9][A-Za-z0-9.-]{0,8}", fullmatch=True), external, max_size=4)}),
    "registry": st.fixed_dictionaries({"version": st.just("2.0"), "counters": counters,
                                       "ids": st.one_of(  # the string taskmint writes, the list it wrote before
                                           st.lists(st.text(max_size=10), max_size=3),
                                           st.lists(st.text(st.characters(blacklist_characters="\n"), min_size=1,
                                                            max_size=10), max_size=3).map(
                                               lambda ids: "\n" + "".join(f"{i}\n" for i in ids)))},
                                      optional={"updated": st.text(max_size=20)}),
    "config": st.fixed_dictionaries({"version": st.sampled_from([1, 1.0])}, optional={
        "pm_tools": st.fixed_dictionaries({}, optional={
            "jira": st.from_regex(r"[A-Z][A-Z0-9_]{0,9}", fullmatch=True),
            "linear": st.from_regex(r"[A-Z][A-Z0-9]{0,6}", fullmatch=True),
            "github": st.booleans(), "azure_devops": st.booleans()})}),
}


def _slots(node: object) -> list[tuple[object, object]]:
    """(container, key or index) of every value in the document, at every depth."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found += _slots(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            found += _slots(value)
    return found


def _fresh(value: object) -> object:
    # tricky hands out the same [] and {} every time: a later "add" into one would change
    # what the strategy generates (hypothesis reports that as flaky data generation).
    return copy.deepcopy(value)


@st.composite
def mutated(draw: st.DrawFn, name: str) -> object:
    doc = copy.deepcopy(draw(VALID[name]))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        slots = _slots(doc)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = _fresh(draw(tricky | json_value))
        elif isinstance(container[key], dict):
            container[key][draw(st.sampled_from(NEAR) | st.text(max_size=5))] = _fresh(draw(tricky | json_value))
    return doc


def jsonschema_accepts(name: str, data: object) -> bool:
    return next(iter(schemas._validator(name).iter_errors(data)), None) is None


def check(name: str, data: object) -> None:
    assert validators.CHECKS[name](data) == jsonschema_accepts(name, data), json.dumps(data, default=str)
    assert (schemas.problem(name, data) is None) == jsonschema_accepts(name, data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(name=st.sampled_from(sorted(VALID)), data=st.data())
def test_same_verdict_as_jsonschema_on_mutated_documents(name: str, data: st.DataObject) -> None:
    check(name, data.draw(mutated(name)))


@settings(max_examples=EXAMPLES // 4, deadline=None)
@given(name=st.sampled_from(sorted(VALID)), doc=json_value)
def test_same_verdict_as_jsonschema_on_any_json(name: str, doc: object) -> None:
    check(name, doc)


@settings(max_examples=EXAMPLES // 6, deadline=None)
@given(name=st.sampled_from(sorted(VALID)), data=st.data())
def test_valid_documents_are_accepted(name: str, data: st.DataObject) -> None:
    doc = data.draw(VALID[name])
    assert jsonschema_accepts(name, doc) and validators.CHECKS[name](doc)


def test_each_schema_has_a_check() -> None:
    assert set(validators.CHECKS) == {p.name.split(".")[0] for p in schemas._DIR.glob("*.schema.json")}


# plain_mapping_text is a shortcut: every text it accepts must be a valid mapping file, and
# it must accept what taskmint itself writes, or the shortcut would never be taken. taskmint
# writes its keys upper case (ids.normalize); the shortcut also promises that, which lets a
# create look a key up in the bytes (mapping_text.has_id) without upper-casing 1.3 MB. A file
# with a key in lower case (typed by hand) is valid, and takes the slower way.
@settings(max_examples=EXAMPLES // 6, deadline=None)
@given(data=st.data())
def test_plain_mapping_text_accepts_what_taskmint_writes(data: st.DataObject) -> None:
    drawn = data.draw(VALID["mapping"])
    doc = {"version": drawn["version"], "updated": drawn["updated"], "mappings": drawn["mappings"]}  # as saved
    text = state.dump(doc).decode()
    plain = not any(c in doc["updated"] for c in '"\\') and all(ord(c) >= 0x20 for c in doc["updated"]) \
        and all(key == key.upper() for key in doc["mappings"])
    assert validators.plain_mapping_text(text) == plain


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_plain_mapping_text_accepts_only_valid_mappings(data: st.DataObject) -> None:
    doc = data.draw(mutated("mapping"))
    try:
        text = state.dump(doc).decode()
    except (TypeError, ValueError):
        return
    # and the same text with one character deleted, doubled or replaced
    at = data.draw(st.integers(0, len(text) - 1))
    edit = data.draw(st.sampled_from(["", text[at] * 2, "\n", " ", '"', "{", "}", ",", "1", "0", "#", "\\", "A"]))
    for candidate in (text, text[:at] + edit + text[at + 1:]):
        if validators.plain_mapping_text(candidate):
            assert jsonschema_accepts("mapping", json.loads(candidate)), candidate


NEAR_VALUES = NEAR + ["#1", "#12", "#01", "#", "1", "12", "01", "A-1", "A_B-3", "A1-9", "a-1", "AB-", "-1", "1A-2",
                     "PROJ-1x", "#1x", "1x", "ENG_1-2", " 1", "1 ", "#-1", "PROJ--1", "Ä-1"]
NEAR_KEYS = ["TASK-A3F2", "TASK-a.1-b", "TASK-1", "TASK-.x", "TASK--", "TASK-", "task-A3F2", "TASK-A_B", "TASK-A B",
             "TASK-A\n", "XTASK-A", "TASK-Ä"]


def test_plain_mapping_text_agrees_with_the_schema_on_near_miss_values() -> None:
    for tool, value, key in itertools.product(["jira", "linear", "github", "azure_devops", "gitlab", "Jira"],
                                              NEAR_VALUES, NEAR_KEYS):
        doc = {"version": "2.0", "updated": "2026-01-08T10:00:00Z", "mappings": {key: {tool: value}}}
        plain = validators.plain_mapping_text(state.dump(doc).decode())
        # the schema's "$" also takes a value or key with a final newline, and keys in lower case;
        # the shortcut leaves those to it
        assert plain == (jsonschema_accepts("mapping", doc) and "\n" not in key + value and key == key.upper()), \
            (tool, value, key)


@settings(max_examples=EXAMPLES, deadline=None)
@given(updated=st.sampled_from(["2026-01-08T10:00:00Z", "", "say \"hi\"", "a\\b", "tab\t", "é", "\x7f"]),
       added=st.dictionaries(st.sampled_from(NEAR_KEYS), st.dictionaries(
           st.sampled_from(["jira", "linear", "github", "azure_devops", "gitlab", "Jira"]),
           st.sampled_from(NEAR_VALUES), max_size=3), max_size=3))
def test_plain_appended_is_what_the_regex_finds_in_the_whole_text(updated, added):
    before = {"TASK-AAAA": {"github": "#1"}}
    raw = state.dump({"version": "2.0", "updated": "x", "mappings": before})
    added = {k: v for k, v in added.items() if k not in before}
    whole = mapping_text.append(raw, "2.0", updated, added).decode()
    assert validators.plain_appended("2.0", updated, added) == validators.plain_mapping_text(whole)
