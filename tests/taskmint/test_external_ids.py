from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from taskmint import external_ids as ex
from taskmint.external_ids import ExternalRef

R = ExternalRef


@pytest.mark.parametrize("tool, key, number, text", [
    ("jira", "PROJ", 12, "PROJ-12"), ("linear", "ENG", 7, "ENG-7"), ("github", "", 34, "#34"),
    ("azure_devops", "", 1234, "1234"),
])
def test_format_and_parse_stored(tool, key, number, text):
    assert ex.format_id(tool, key, number) == text
    assert ex.parse_stored(tool, text) == R(tool, key, number)
    assert R(tool, key, number).text() == text


@pytest.mark.parametrize("tool, value", [
    ("jira", "PROJ"), ("jira", "PROJ-0"), ("jira", "PROJ-012"), ("jira", "12"), ("github", "34"), ("github", "#0"),
    ("github", "# 3"), ("azure_devops", "#3"), ("azure_devops", "0"), ("azure_devops", "-1"), ("linear", "ENG-"),
])
def test_parse_stored_rejects_wrong_shapes(tool, value):
    assert ex.parse_stored(tool, value) is None


@pytest.mark.parametrize("ref, expected", [
    ("PROJ-12", [R("jira", "PROJ", 12), R("linear", "PROJ", 12)]),
    ("eng-7", [R("jira", "ENG", 7), R("linear", "ENG", 7)]),
    ("#3", [R("github", "", 3)]),
    ("3", [R("azure_devops", "", 3), R("github", "", 3)]),
    (" 3 ", [R("azure_devops", "", 3), R("github", "", 3)]),
    ("github:3", [R("github", "", 3)]),
    ("github:#3", [R("github", "", 3)]),
    ("gh:3", [R("github", "", 3)]),
    ("azure_devops:3", [R("azure_devops", "", 3)]),
    ("azure-devops:3", [R("azure_devops", "", 3)]),
    ("ado:3", [R("azure_devops", "", 3)]),
    ("jira:PROJ-12", [R("jira", "PROJ", 12)]),
    ("Linear:ENG-7", [R("linear", "ENG", 7)]),
    ("jira:12", []), ("github:PROJ-12", []), ("bitbucket:3", []), ("", []), ("0", []), ("#0", []), ("03", []),
    ("PROJ-0", []), ("PROJ-", []), ("TASK", []), ("#", []), ("#-3", []), ("3.5", []), ("٣", []),
    ("https://example.invalid/3", []),
])
def test_candidates(ref, expected):
    assert ex.candidates(ref) == expected


refs = st.one_of(
    st.builds(R, st.sampled_from(["jira", "linear"]), st.from_regex(r"[A-Z][A-Z0-9_]{0,9}", fullmatch=True),
              st.integers(1, 10**12)),
    st.builds(R, st.sampled_from(["github", "azure_devops"]), st.just(""), st.integers(1, 10**12)),
)


@given(refs)
def test_candidates_find_every_formatted_id(ref):
    assert ref in ex.candidates(ref.text())
    assert ex.candidates(f"{ref.tool}:{ref.text()}") == [ref]
    assert ex.candidates(f"  {ref.text().lower()}  ") == ex.candidates(ref.text())
    assert ex.parse_stored(ref.tool, ref.text()) == ref


@given(st.text(max_size=40))
def test_candidates_never_crash_and_always_parse_back(text):
    found = ex.candidates(text)
    assert len(found) <= 2
    for ref in found:
        assert ref.tool in ("jira", "linear", "github", "azure_devops") and ref.number >= 1
        assert ex.parse_stored(ref.tool, ref.text()) == ref


def test_refs_in_reads_mapping_and_frontmatter_values():
    assert ex.refs_in({"jira": "PROJ-1", "linear": "ENG-2", "github": "#3", "azure_devops": "4"}) == [
        R("jira", "PROJ", 1), R("linear", "ENG", 2), R("github", "", 3), R("azure_devops", "", 4)]
    # guardkit stored GitHub numbers without '#'; YAML reads an unquoted number as an int
    assert ex.refs_in({"github": "234", "azure_devops": 12}) == [R("github", "", 234), R("azure_devops", "", 12)]
    assert ex.refs_in({"github": 235}) == [R("github", "", 235)]
    # a github: #235 written unquoted is null in YAML; junk and unknown tools are skipped
    assert ex.refs_in({"github": None, "jira": True, "linear": ["ENG-1"], "trello": "5", "azure_devops": "x"}) == []
    assert ex.refs_in(None) == [] and ex.refs_in(["PROJ-1"]) == [] and ex.refs_in("PROJ-1") == []


def test_counters_helpers():
    counters = ex.empty_counters()
    assert counters == {"jira": {}, "linear": {}, "github": 0, "azure_devops": 0}
    assert ex.counter_value(counters, "jira", "PROJ") == 0
    assert ex.raise_to(counters, [R("jira", "PROJ", 5), R("github", "", 2), R("jira", "PROJ", 3)])
    assert counters == {"jira": {"PROJ": 5}, "linear": {}, "github": 2, "azure_devops": 0}
    assert not ex.raise_to(counters, [R("jira", "PROJ", 4), R("github", "", 2)])  # never lowered
    ex.set_counter(counters, "azure_devops", "", 9)
    ex.set_counter(counters, "linear", "ENG", 1)
    assert ex.counter_value(counters, "azure_devops", "") == 9 and ex.counter_value(counters, "linear", "ENG") == 1

    other = {"jira": {"PROJ": 2, "OPS": 7}, "linear": {"ENG": 0}, "github": 10, "azure_devops": 1}
    assert ex.merge_max(counters, other)
    assert counters == {"jira": {"PROJ": 5, "OPS": 7}, "linear": {"ENG": 1}, "github": 10, "azure_devops": 9}
    assert not ex.merge_max(counters, other)
    assert not ex.merge_max(counters, {})


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["jira", "linear", "github", "azure_devops", "other"]),
       st.text("AZaz09_-#\n é٣" + "\u212a", max_size=8)
       | st.from_regex(r"#?[A-Za-z0-9_é]{0,4}-?[0-9٣]{0,4}", fullmatch=True))
@example("jira", "P_1_-10")
@example("linear", "E9-1")
@example("jira", "\u212a-1")
@example("github", "#٣")
@example("azure_devops", "1٣")
def test_stored_values_are_read_as_their_pattern_reads_them(tool, value):
    """_key_number reads with str methods what _STORED_RE matches, nothing else."""
    m = ex._STORED_RE.get(tool, ex._STORED_RE["azure_devops"]).fullmatch(value)
    keyed = tool in ("jira", "linear")
    expected = None if m is None else (m.group(1).upper(), int(m.group(2))) if keyed else ("", int(m.group(1)))
    assert ex._key_number(tool, value) == expected
