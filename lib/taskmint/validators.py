"""Hand-written checks that accept exactly what the JSON Schemas in schemas/ accept.

jsonschema costs ~90 ms to import and ~80 µs per mapping entry to validate: at 10,000
tasks that was most of a create. These plain-Python checks give the same yes/no answer
(tests/taskmint/test_validators.py proves it against jsonschema on generated documents);
only a document they reject goes on to jsonschema, for its precise message.

Mirrored jsonschema semantics: "integer" is any number with no fractional part (5.0 too)
but never a bool; "const" compares numbers by value and never equates a bool with a
number; "pattern" is re.search, so '$' also matches before a final newline.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from taskmint import id_words, lazyre

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any

_KEYED_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TASK_KEY = lazyre.compile(r"^TASK-[A-Za-z0-9][A-Za-z0-9.-]*$")
_EXTERNAL = {
    "jira": lazyre.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$"),
    "linear": lazyre.compile(r"^[A-Z][A-Z0-9]*-[1-9][0-9]*$"),
    "github": lazyre.compile(r"^#[1-9][0-9]*$"),
    "azure_devops": lazyre.compile(r"^[1-9][0-9]*$"),
}
_CONFIG_KEYS = {"jira": re.compile(r"^[A-Z][A-Z0-9_]{0,9}$"), "linear": re.compile(r"^[A-Z][A-Z0-9]{0,6}$")}


def _count(value: Any) -> bool:
    """JSON Schema {"type": "integer", "minimum": 0}."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, float) and value.is_integer() and value >= 0


def _const(value: Any, wanted: Any) -> bool:
    return not isinstance(value, bool) and type(value) in (type(wanted), int, float) and value == wanted \
        if isinstance(wanted, (int, float)) else type(value) is type(wanted) and value == wanted


def _envelope(data: Any, required: set[str], optional: set[str]) -> bool:
    return isinstance(data, dict) and required <= data.keys() and data.keys() <= required | optional \
        and _const(data["version"], "2.0") and isinstance(data.get("updated", ""), str)


def counters(value: Any) -> bool:
    """The counters object of the counters file and the registry."""
    if not isinstance(value, dict) or value.keys() != {"jira", "linear", "github", "azure_devops"}:
        return False
    for tool in ("jira", "linear"):
        keyed = value[tool]
        if not isinstance(keyed, dict):
            return False
        for key, number in keyed.items():
            if not _KEYED_NAME.search(key) or not _count(number):
                return False
    return _count(value["github"]) and _count(value["azure_devops"])


def counters_file(data: Any) -> bool:
    return _envelope(data, {"version", "updated", "counters"}, set()) and counters(data["counters"])


def mapping_file(data: Any) -> bool:
    if not _envelope(data, {"version", "updated", "mappings"}, set()) or not isinstance(data["mappings"], dict):
        return False
    external = _EXTERNAL
    for task_id, ext in data["mappings"].items():
        if not _TASK_KEY.search(task_id) or not isinstance(ext, dict):
            return False
        for tool, value in ext.items():
            pattern = external.get(tool)
            if pattern is None or not isinstance(value, str) or not pattern.search(value):
                return False
    return True


# A mapping file as taskmint writes it (indent 2, nothing escaped), whose every value fits its
# pattern: one regex pass in C, about three times faster than mapping_file at 10,000 tasks.
# A text it accepts is a valid mapping file; a text it rejects may still be one (another
# layout, escapes, a final newline in a value) and goes on to mapping_file. Possessive
# repeats (*+): every repeat ends before a character it cannot match, so backtracking into
# one could never help, and skipping it is a third faster.
_TOOL_LINE = ('"(?:jira": "[A-Z][A-Z0-9_]*+-[1-9][0-9]*+|linear": "[A-Z][A-Z0-9]*+-[1-9][0-9]*+'
              '|github": "#[1-9][0-9]*+|azure_devops": "[1-9][0-9]*+)"')
_ENTRY = rf'    "TASK-[A-Z0-9][A-Z0-9.-]*+": (?:\{{\}}|\{{\n(?:      {_TOOL_LINE},\n)*+      {_TOOL_LINE}\n    \}})'
_HEADER = r'\{\n  "version": "2\.0",\n  "updated": "[^"\\\x00-\x1f]*+",'
_MAPPING_TEXT = lazyre.compile(_HEADER + r'\n  "mappings": '
                               rf'(?:\{{\}}|\{{\n(?:{_ENTRY},\n)*+{_ENTRY}\n  \}})\n\}}\n?')


def plain_mapping_text(text: str) -> bool:
    """Whether ``text`` is a valid mapping file in taskmint's own layout (see above)."""
    return _MAPPING_TEXT.fullmatch(text) is not None


def plain_appended(version: str, updated: str, added: dict) -> bool:
    """Whether a text in taskmint's own layout stays so when mapping_text.append_parts gives it
    this header and appends the ``added`` entries: the parts that regex would check, checked
    with str methods (compiling it cost a create more than a millisecond)."""
    return version == "2.0" and isinstance(updated, str) and not _UNQUOTABLE.intersection(updated) and all(
        _plain_key(key) and isinstance(ext, dict) and all(_plain_value(tool, value) for tool, value in ext.items())
        for key, ext in added.items())


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_ALNUM = _UPPER | _DIGITS
_NONZERO = _DIGITS - {"0"}
_KEY_CHARS = _ALNUM | {".", "-"}
_KEYED_CHARS = {"jira": _ALNUM | {"_"}, "linear": _ALNUM}
_UNQUOTABLE = frozenset('"\\' + "".join(map(chr, range(0x20))))  # what json would escape


def _plain_key(key: object) -> bool:
    """_ENTRY's TASK-[A-Z0-9][A-Z0-9.-]*"""
    return isinstance(key, str) and key.startswith("TASK-") and key[5:6] in _ALNUM and set(key[5:]) <= _KEY_CHARS


def _number(text: str) -> bool:
    """[1-9][0-9]*"""
    return text[:1] in _NONZERO and set(text) <= _DIGITS  # ("" is in neither set)


def _plain_value(tool: object, value: object) -> bool:
    """_TOOL_LINE's pattern for ``tool``: the whole value, no final newline."""
    if not isinstance(value, str):
        return False
    if tool in _KEYED_CHARS:
        key, dash, number = value.partition("-")  # the key holds no "-": the first one splits
        return dash == "-" and key[:1] in _UPPER and set(key) <= _KEYED_CHARS[tool] and _number(number)
    if tool == "github":
        return value.startswith("#") and _number(value[1:])
    return tool == "azure_devops" and _number(value)


def registry_file(data: Any) -> bool:
    if not (_envelope(data, {"version", "counters", "ids"}, {"updated"}) and counters(data["counters"])):
        return False
    listed = data["ids"]
    if isinstance(listed, str):
        return id_words.valid(listed) or id_words.from_lines(listed) is not None  # lines: written before
    return isinstance(listed, list) and set(map(type, listed)) <= {str}  # a C pass over 10,000 IDs


def config_file(data: Any) -> bool:
    if not isinstance(data, dict) or "version" not in data or not data.keys() <= {"version", "pm_tools", "statuses"}:
        return False
    if "statuses" in data and not _statuses(data["statuses"]):
        return False
    if not _const(data["version"], 1):
        return False
    tools = data.get("pm_tools", {})
    if not isinstance(tools, dict) or not tools.keys() <= {"jira", "linear", "github", "azure_devops"}:
        return False
    for tool, value in tools.items():
        if tool in _CONFIG_KEYS:
            if not isinstance(value, str) or not _CONFIG_KEYS[tool].search(value):
                return False
        elif not isinstance(value, bool):
            return False
    return True


_STATUS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
_CATEGORIES = ("open", "started", "review", "blocked", "done")


def _statuses(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and _STATUS_NAME.search(k) and isinstance(v, str) and v in _CATEGORIES
        for k, v in value.items())


CHECKS: dict[str, Callable[[Any], bool]] = {
    "counters": counters_file, "mapping": mapping_file, "registry": registry_file, "config": config_file,
}
