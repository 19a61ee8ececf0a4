"""The /task-create grammar: options only at the edges, titles byte-exact."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskmint.errors import UsageError
from taskmint.plugin.options import CreateArgs, parse


def test_plain_title_is_taken_whole() -> None:
    assert parse("Fix the login bug") == CreateArgs(title="Fix the login bug")


def test_options_at_start_and_end() -> None:
    args = parse("priority:high tags:auth,api Fix login prefix:FIX epic:EPIC-001")
    assert args == CreateArgs(title="Fix login", priority="high", tags=["auth", "api"], prefix="FIX", epic="EPIC-001")


def test_parent_option() -> None:
    assert parse("Write tests parent:task-a3f2").parent == "task-a3f2"


@pytest.mark.parametrize("title", [
    "Fix: login fails",
    "Meeting about priority:high at 10:30",  # an option-like word in the middle
    "see https://example.invalid/a:b for details now",
    "Priority: high is not an option",  # key must be lower case and glued to its value
    "owner:alice handles it",  # unknown key
    "Ratio 1:2",
    "x foo:bar",
])
def test_colons_in_titles_are_kept(title: str) -> None:
    assert parse(title).title == title


def test_unknown_key_at_the_end_stays_in_the_title() -> None:
    assert parse("Deploy status:green").title == "Deploy status:green"


def test_title_between_options_is_byte_exact_across_lines() -> None:
    text = "priority:low\n  Fix \"it\"\n\twith 'care' $(x) `y` ✓\n\ntags:a"
    args = parse(text)
    assert args.title == "Fix \"it\"\n\twith 'care' $(x) `y` ✓"
    assert (args.priority, args.tags) == ("low", ["a"])


def test_double_dash_keeps_option_like_words_in_the_title() -> None:
    assert parse("-- priority:urgent handling") == CreateArgs(title="priority:urgent handling")
    assert parse("priority:high -- Support tags:x") == CreateArgs(title="Support tags:x", priority="high")


def test_double_dash_elsewhere_is_title_text() -> None:
    assert parse("Fix A -- B").title == "Fix A -- B"


def test_repeated_tags_accumulate_other_keys_may_not_repeat() -> None:
    assert parse("tags:a,b Fix tags:b,c").tags == ["a", "b", "c"]
    with pytest.raises(UsageError, match="priority: is given twice"):
        parse("priority:low Fix priority:high")


def test_priority_value_is_case_insensitive() -> None:
    assert parse("Fix priority:HIGH").priority == "high"


@pytest.mark.parametrize("text, problem", [
    ("Fix it priority:urgent", "unknown priority 'urgent'"),
    ("Fix it prefix:fix", "invalid prefix 'fix'"),
    ("Fix it parent:A3F2", "not a task ID"),
    ("Fix it tags:,", "no tag given"),
    ("Fix it epic:", "no epic given"),
])
def test_invalid_option_value_is_an_error_naming_the_escape(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text)
    message = str(raised.value)
    assert problem in message and "start the text with `-- `" in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["", "   ", "priority:high", "priority:high tags:a", "--", "tags:a --"])
def test_no_title_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="no title given; usage: /taskmint:task-create"):
        parse(text)


_word = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(lambda w: ":" not in w and w.strip() == w)


@given(st.lists(_word, min_size=1, max_size=6), st.sampled_from([" ", "\n", "  \t"]))
def test_text_without_colons_is_the_title(words: list[str], sep: str) -> None:
    text = sep.join(words)
    if text.split() and text.split()[0] == "--":
        return
    assert parse(text).title == text.strip()


@given(st.text(min_size=1).filter(lambda t: t.strip() and t.split()[0] != "--"),
       st.sampled_from(["low", "medium", "high", "critical"]))
def test_any_title_survives_after_double_dash(title: str, priority: str) -> None:
    args = parse(f"priority:{priority} -- {title}")
    assert args.title == title.strip() and args.priority == priority
