"""IDs kept as one string, each on a line of its own ("\nTASK-A3F2\nTASK-B0B2\n"), as the
folder index and the worktree registry keep them: a look-up is one search in C, and json
reads and writes 10,000 IDs as one string instead of a list of 10,000 (which cost a create
at 10,000 tasks about 2 ms in the index and 1.5 ms in the registry).
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable

EMPTY = "\n"
# Every character an upper-case ID can hold (ids.ID_RE), as bytes for bytes.translate.
ID_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."


def join(ids: Iterable[str]) -> str:
    return EMPTY + "".join(f"{i}\n" for i in ids)


def holds(lines: str, text: str, whole: bool = True) -> bool:
    """Whether ``lines`` hold ``text`` (whole) or an ID that starts with it."""
    return (f"\n{text}\n" if whole else f"\n{text}") in lines


def split(lines: str) -> list[str]:
    return [i for i in lines.split("\n") if i]


def count(lines: str) -> int:
    return lines.count("\n") - 1


def valid(value: object) -> bool:
    """Whether ``value`` is such a string: a newline first and last, no empty line."""
    return isinstance(value, str) and value.startswith("\n") and value.endswith("\n") and "\n\n" not in value
