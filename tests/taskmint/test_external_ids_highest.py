"""external_ids.highest (the fast mapping_max, one pass without objects) must equal
raising empty counters to every ref refs_in finds, on any mix of entries."""
from __future__ import annotations

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
    assert ex.highest(entries) == expected
