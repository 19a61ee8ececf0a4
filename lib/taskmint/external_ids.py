"""PM-tool ID formats: Jira PROJ-12, Linear ENG-7, GitHub #34, Azure DevOps 1234."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

from taskmint import lazyre
from taskmint.config import TOOLS

_KEYED_RE = lazyre.compile(r"([A-Za-z][A-Za-z0-9_]*)-([1-9][0-9]*)")
_NUMBER_RE = lazyre.compile(r"#?([1-9][0-9]*)")
_TOOL_ALIASES = {"jira": "jira", "linear": "linear", "github": "github", "gh": "github",
                 "azure_devops": "azure_devops", "azure-devops": "azure_devops", "ado": "azure_devops"}


# A named tuple, not a dataclass: importing dataclasses (it loads inspect) cost a create more
# than its own work.
class ExternalRef(namedtuple("ExternalRef", "tool key number")):
    """One external ID: ``key`` is the project/team key for jira and linear, "" otherwise."""

    __slots__ = ()

    def text(self) -> str:
        tool, key, number = self  # unpacked once: doctor asks 40,000 times
        if tool == "jira" or tool == "linear":
            return f"{key}-{number}"
        return f"#{number}" if tool == "github" else str(number)


def format_id(tool: str, key: str, number: int) -> str:
    return ExternalRef(tool, key, number).text()


def parse_stored(tool: str, value: str) -> ExternalRef | None:
    """The number inside a stored external ID, or None when it has the wrong shape."""
    found = _key_number(tool, value)
    return ExternalRef(tool, found[0], found[1]) if found else None


_STORED_RE = {"jira": _KEYED_RE, "linear": _KEYED_RE, "github": lazyre.compile(r"#([1-9][0-9]*)"),
              "azure_devops": lazyre.compile(r"([1-9][0-9]*)")}


def _key_number(tool: str, value: str) -> tuple[str, int] | None:
    """(key, number) of ``value`` when _STORED_RE[tool] matches all of it, else None: with str
    methods, a third of the time of the pattern (doctor parses 40,000 at 10,000 tasks)."""
    if tool == "jira" or tool == "linear":
        key, _, number = value.partition("-")  # the key holds no "-"
        if not (key[:1].isalpha() and key.isascii() and key.replace("_", "a").isalnum()):
            return None
    else:
        key, number = "", value[1:] if tool == "github" and value[:1] == "#" else value
        if tool == "github" and number is value:
            return None
    if number[:1] in _NONZERO and number.isascii() and number.isdigit():
        return key.upper(), int(number)
    return None


_NONZERO = ("1", "2", "3", "4", "5", "6", "7", "8", "9")


def candidates(ref: str) -> list[ExternalRef]:
    """Every external ID that ``ref`` may name: PROJ-12, ENG-7, #34, 1234, github:34, ..."""
    text = ref.strip()
    tool_hint = None
    if ":" in text:
        head, _, rest = text.partition(":")
        tool_hint = _TOOL_ALIASES.get(head.strip().lower())
        if tool_hint is None:
            return []
        text = rest.strip()
    keyed = _KEYED_RE.fullmatch(text)
    if keyed:
        key, number = keyed.group(1).upper(), int(keyed.group(2))
        tools = [tool_hint] if tool_hint in ("jira", "linear") else ([] if tool_hint else ["jira", "linear"])
        return [ExternalRef(t, key, number) for t in tools]
    num = _NUMBER_RE.fullmatch(text)
    if num:
        number = int(num.group(1))
        if tool_hint:
            return [ExternalRef(tool_hint, "", number)] if tool_hint in ("github", "azure_devops") else []
        if text.startswith("#"):
            return [ExternalRef("github", "", number)]
        return [ExternalRef("azure_devops", "", number), ExternalRef("github", "", number)]
    return []


def empty_counters() -> dict:
    return {"jira": {}, "linear": {}, "github": 0, "azure_devops": 0}


def counter_value(counters: dict, tool: str, key: str) -> int:
    if tool in ("jira", "linear"):
        return int(counters.get(tool, {}).get(key, 0))
    return int(counters.get(tool, 0))


def set_counter(counters: dict, tool: str, key: str, value: int) -> None:
    if tool in ("jira", "linear"):
        counters.setdefault(tool, {})[key] = value
    else:
        counters[tool] = value


def raise_to(counters: dict, refs: "list[ExternalRef]") -> bool:
    """Raise counters so none is below a number in ``refs``; True when any changed."""
    changed = False
    for r in refs:
        if counter_value(counters, r.tool, r.key) < r.number:
            set_counter(counters, r.tool, r.key, r.number)
            changed = True
    return changed


def merge_max(into: dict, other: dict) -> bool:
    changed = False
    for tool in TOOLS:
        if tool in ("jira", "linear"):
            for key, value in other.get(tool, {}).items():
                changed |= raise_to(into, [ExternalRef(tool, key, int(value))]) if value else False
        elif other.get(tool):
            changed |= raise_to(into, [ExternalRef(tool, "", int(other[tool]))])
    return changed


def refs_in(external_ids: object) -> list[ExternalRef]:
    """The well-formed external IDs in a mapping entry or a frontmatter external_ids value."""
    if not isinstance(external_ids, dict):
        return []
    found = []
    for tool, value in external_ids.items():
        try:  # the cache looked up here, not in a call per item: doctor reads 80,000 of them
            ref = _REFS.get((tool, value, type(value)), _UNSEEN)
        except TypeError:  # an unhashable value (a list, say): never an external ID
            continue
        if ref is _UNSEEN:
            ref = _parsed(tool, value)
        if ref is not None:
            found.append(ref)
    return found


# (tool, value, type of value) -> its ExternalRef or None: doctor reads each task's IDs and
# every mapping entry twice (file and .bak), 80,000 reads at 10,000 tasks. The type is part
# of the key because True == 1 (a bool is never a number here).
_REFS: dict[tuple[str, object, type], ExternalRef | None] = {}
_new_ref = tuple.__new__
_UNSEEN = object()


def _parsed(tool: object, value: object) -> ExternalRef | None:
    """The ExternalRef of a stored (hashable) value, or None, remembered in _REFS."""
    ref = None
    if tool in _STORED_RE and isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value)
        if tool == "github" and not text.startswith("#"):
            text = "#" + text
        found = _key_number(tool, text)
        if found:
            ref = _new_ref(ExternalRef, (tool, *found))  # what ExternalRef(...) makes, without its Python __new__
    if len(_REFS) > 1 << 17:
        _REFS.clear()
    _REFS[(tool, value, type(value))] = ref
    return ref


def highest(entries: Iterable[object]) -> dict:
    """Counters as high as the highest well-formed external ID in any of ``entries``
    (mapping entries or frontmatter external_ids values): refs_in without the objects."""
    best: dict[tuple[str, str], int] = {}
    for entry in entries:
        for ref in refs_in(entry):
            tool_key = ref[:2]
            if best.get(tool_key, 0) < ref.number:
                best[tool_key] = ref.number
    counters = empty_counters()
    for (tool, key), number in best.items():
        set_counter(counters, tool, key, number)
    return counters
