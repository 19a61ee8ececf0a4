"""Regular expressions compiled on first use.

Compiling every module's patterns at import time cost each create a few milliseconds, most of
them for patterns a create never uses (a character class beyond U+00FF alone takes 0.5 ms).
"""
from __future__ import annotations

import re

_DELEGATED = ("match", "fullmatch", "search", "findall", "finditer", "sub", "subn", "split",
              "pattern", "flags", "groups", "groupindex")


class Pattern:
    """Acts as ``re.compile(pattern, flags)``, which runs at the first use of any attribute."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> object:  # only for attributes not yet in __dict__
        compiled = re.compile(*self._source)
        self.__dict__.update((attr, getattr(compiled, attr)) for attr in _DELEGATED)
        return getattr(compiled, name)


def compile(pattern: str, flags: int = 0) -> Pattern:  # noqa: A001 - reads as re.compile at the call site
    return Pattern(pattern, flags)
