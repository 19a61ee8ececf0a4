"""IDs kept as one string, each between spaces (" TASK-A3F2 TASK-B0B2 "), as the folder index
and the worktree registry keep them: a look-up is one search in C, and json reads and writes
10,000 IDs as one string instead of a list of 10,000 (which cost a create at 10,000 tasks about
2 ms in the index and 1.5 ms in the registry), a string with nothing in it to escape (newlines
between them, as before, cost json.loads 0.4 ms a file, one chunk per escape).
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable

EMPTY = " "


def join(ids: Iterable[str]) -> str:
    return EMPTY + "".join(f"{i} " for i in ids)


def holds(words: str, text: str, whole: bool = True) -> bool:
    """Whether ``words`` hold ``text`` (whole) or an ID that starts with it."""
    return (f" {text} " if whole else f" {text}") in words


def split(words: str) -> list[str]:
    return words.split(" ")[1:-1]


def count(words: str) -> int:
    return words.count(" ") - 1


def valid(value: object) -> bool:
    """Whether ``value`` is such a string: a space first and last, no empty word."""
    return isinstance(value, str) and value.startswith(" ") and value.endswith(" ") and "  " not in value


def spelt_as_is(words: str) -> bool:
    """Whether JSON spells ``words`` as they stand: upper-case IDs and spaces, nothing to escape
    (so a file's IDs can be written without json walking them char by char)."""
    return words.isascii() and not words.encode("ascii").translate(None, _AS_IS)


# Every character an upper-case ID can hold (ids.ID_RE), and the space, as bytes for translate.
_AS_IS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-. "


def current(value: str) -> str:
    """``value`` in this form: the lines written before (from_lines) become words."""
    return from_lines(value) or value


def from_lines(value: object) -> str | None:
    """The words of ``value`` if it is the form taskmint wrote before ("\\nTASK-A3F2\\n"): a
    newline first and last and no empty line; else None."""
    if isinstance(value, str) and value.startswith("\n") and value.endswith("\n") and "\n\n" not in value:
        return join(value.split("\n")[1:-1])
    return None
