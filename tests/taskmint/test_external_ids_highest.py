"""external_ids.highest (the fast mapping_max, one pass) must equal raising empty counters to
every ref refs_in finds, on any mix of entries, keys in the same order (the counters file and
the registry are written in it); worktrees.numbers_in reads a mapping's numbers with it."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import external_ids as ex

value = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,3}-[0-9]{1,4}", fullmatch=True),
    st.from_regex(r"#?[0-9]{1,4}", fullmatch=True), st.integers(-3, 10**6), st.booleans(), st.none(),
    st.sampled_from(["PROJ-1\n", "#0", "0", "proj-7", "ENG-007", "", "#", "-1", "1e3"]), st.text(max_size=6),
)
entry = st.one_of(st.dictionaries(st.sampled_from(["jira", "linear", "github", "azure_devops", "gitlab", "id"]),
                                  value, max_size=5), st.none(), st.lists(value, max_size=2), value)


@settings(max_examples=1000, deadline=None)
@given(entries=st.lists(entry, max_size=8))
def test_highest_equals_raise_to_over_refs_in(entries: list) -> None:
    expected = ex.empty_counters()
    ex.raise_to(expected, [r for e in entries for r in ex.refs_in(e)])
    assert json.dumps(ex.highest(entries)) == json.dumps(expected)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(entry, max_size=8))
def test_numbers_in_a_mapping_are_raise_to_over_its_refs(entries: list) -> None:
    from taskmint import worktrees

    found, _ = worktrees.numbers_in({"mappings": {f"TASK-{n:04X}": e for n, e in enumerate(entries)}})
    expected = ex.empty_counters()
    ex.raise_to(expected, [r for e in entries for r in ex.refs_in(e)])
    assert json.dumps(found) == json.dumps(expected)


@settings(max_examples=300, deadline=None)
@given(entry=entry)
def test_refs_in_gives_the_same_from_its_cache(entry: object) -> None:
    ex._REFS.clear()
    cold = ex.refs_in(entry)
    assert ex.refs_in(entry) == cold and [type(r) for r in cold] == [ex.ExternalRef] * len(cold)
