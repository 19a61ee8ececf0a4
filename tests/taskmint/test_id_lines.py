"""IDs as one string of lines, as the folder index and the worktree registry keep them."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taskmint import id_lines

IDS = st.lists(st.from_regex(r"TASK-[0-9A-F]{4,6}(?:\.[1-9])?", fullmatch=True), unique=True, max_size=8)


@given(IDS, st.from_regex(r"TASK-[0-9A-F]{4,6}(?:\.[1-9])?", fullmatch=True))
def test_lines_answer_as_the_list_does(listed: list[str], other: str) -> None:
    lines = id_lines.join(listed)
    assert id_lines.valid(lines) and id_lines.split(lines) == listed and id_lines.count(lines) == len(listed)
    for task_id in listed + [other]:
        assert id_lines.holds(lines, task_id) == (task_id in listed)
        assert id_lines.holds(lines, task_id[:6], whole=False) == any(i.startswith(task_id[:6]) for i in listed)


def test_only_lines_with_a_newline_first_and_last_and_none_empty_are_valid() -> None:
    assert id_lines.valid(id_lines.EMPTY) and id_lines.valid("\nTASK-A3F2\n")
    for bad in ("", "TASK-A3F2\n", "\nTASK-A3F2", "\n\n", "\nTASK-A3F2\n\n", ["TASK-A3F2"], None):
        assert not id_lines.valid(bad)
