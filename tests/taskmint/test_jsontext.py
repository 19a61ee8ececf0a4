"""jsontext.dumps must write byte for byte what json.dumps(indent=2, ensure_ascii=False)
writes, for any JSON value (state files keep their exact text)."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import jsontext

scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                   st.text(st.characters(), max_size=12))
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.integers(-3, 3) | st.booleans() | st.none() | st.floats(), inner, max_size=4), max_leaves=20)


@settings(max_examples=1500, deadline=None)
@given(data=value)
def test_same_text_as_json_dumps(data: object) -> None:
    assert jsontext.dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_a_state_file_shape() -> None:
    data = {"version": "2.0", "updated": "2026-01-08T10:00:00Z", "counters": {"jira": {"PROJ": 3}, "linear": {},
            "github": 0, "azure_devops": 4}, "mappings": {"TASK-A3F2": {"jira": "PROJ-1", "github": "#1"}, "TASK-B": {}},
            "ids": ["TASK-A3F2", "TASK-\u00e9\u2028\"\\"]}
    assert jsontext.dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)
