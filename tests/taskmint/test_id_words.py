"""IDs as one string of words, as the folder index and the worktree registry keep them."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from taskmint import id_words

IDS = st.lists(st.from_regex(r"TASK-[0-9A-F]{4,6}(?:\.[1-9])?", fullmatch=True), unique=True, max_size=8)


@given(IDS, st.from_regex(r"TASK-[0-9A-F]{4,6}(?:\.[1-9])?", fullmatch=True))
def test_words_answer_as_the_list_does(listed: list[str], other: str) -> None:
    words = id_words.join(listed)
    assert id_words.valid(words) and id_words.split(words) == listed and id_words.count(words) == len(listed)
    for task_id in listed + [other]:
        assert id_words.holds(words, task_id) == (task_id in listed)
        assert id_words.holds(words, task_id[:6], whole=False) == any(i.startswith(task_id[:6]) for i in listed)


@given(IDS)
def test_json_spells_the_words_as_they_stand(listed: list[str]) -> None:
    """Nothing in them to escape: json reads and writes them as one chunk."""
    words = id_words.join(listed)
    assert json.dumps(words) == f'"{words}"'


@given(IDS)
def test_the_lines_written_before_read_as_the_same_words(listed: list[str]) -> None:
    lines = "\n" + "".join(f"{i}\n" for i in listed)
    assert id_words.from_lines(lines) == id_words.join(listed)
    assert id_words.from_lines(id_words.join(listed)) is None


def test_words_spelt_as_is_are_those_json_spells_as_they_stand() -> None:
    for words in (" TASK-A3F2 TASK-FIX-0A0B.2 ", " ", " task-a3f2 ", ' TASK-"Q" ', " TASK-N\u00c9 ", " A\tB "):
        assert id_words.spelt_as_is(words) == (json.dumps(words) == f'"{words}"' and words == words.upper()), words
    assert id_words.current("\nTASK-A3F2\n") == " TASK-A3F2 " and id_words.current(" TASK-A3F2 ") == " TASK-A3F2 "


def test_only_words_with_a_space_first_and_last_and_none_empty_are_valid() -> None:
    assert id_words.valid(id_words.EMPTY) and id_words.valid(" TASK-A3F2 ") and id_words.split(" ") == []
    for bad in ("", "TASK-A3F2 ", " TASK-A3F2", "  ", " TASK-A3F2  ", ["TASK-A3F2"], None, "\nTASK-A3F2\n"):
        assert not id_words.valid(bad)
    for bad in ("", "\n\n", "\nTASK-A3F2", " TASK-A3F2 ", None):
        assert id_words.from_lines(bad) is None
