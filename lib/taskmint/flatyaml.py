"""Read the flat YAML taskmint writes (task frontmatter, .claude/taskmint.yaml) without a YAML parser.

Importing yaml costs more than a whole create, and doctor spent most of its time in libyaml
parsing 10,000 frontmatters. ``load`` accepts only a small, line-based subset of YAML: top-level
``key: scalar`` lines, ``key:`` followed by ``  key: scalar`` lines, flow lists of scalars,
and full-line comments and blank lines. The scalars are the ones yamltext writes: plain words
that start with a letter, double-quoted strings with yamltext's escapes, integers, UTC
timestamps, dates, true, false, null, [] and {}. For such a text it returns exactly what
``yaml.safe_load`` returns (tests/taskmint/test_flatyaml.py compares them on generated texts);
for any other text it returns None and the caller parses it with yaml, so whatever this reader
does not know (anchors, tags, block scalars, duplicate keys, errors) keeps yaml's meaning and
yaml's messages.
"""
from __future__ import annotations

import re

from taskmint import yamltext

# Scalars that PyYAML resolves to something else than the string: its bools and nulls (any case).
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_CONSTANTS = {"true": True, "false": False, "null": None}
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
# YAML's non-printable characters up to U+00FF (the "non-latin1" pattern has the others): a class
# that holds characters above U+00FF takes ~0.5 ms to compile.
_UNPRINTABLE = "\x00-\x1f\x7f-\x9f"
# Possessive repeats (*+, ++) where what follows can never be what the repeat gave back (a
# space, ", ", a quote or the end of the line): they match the same texts, and doctor's 120,000
# lines at 10,000 tasks are matched a sixth faster without the backtracking positions.
_PLAIN = r"[A-Za-z][A-Za-z0-9_./()+-]*+(?: [A-Za-z0-9_./()+-]++)*+"
# printable characters but " and \, or one of yamltext's escapes
_QUOTED = rf'"(?:[^"\\{_UNPRINTABLE}]++|\\[\\"ntr0]|\\x[0-9A-Fa-f]{{2}}|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+"'
_ITEM = rf"{_PLAIN}|{_QUOTED}|0|[1-9][0-9]*+"
_STAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?"
# a key line (a nested one is indented by two spaces), a comment or a blank line; a flow list's
# items are checked by "items"
_LINE = (rf"(?P<indent>  )?(?P<key>[A-Za-z_][A-Za-z0-9_]*+):"
         rf"(?: (?P<value>{_ITEM}|{_STAMP}|\[\]|\{{\}}|\[(?P<items>[^{_UNPRINTABLE}]+)\]))?"
         rf"| *+(?:#[^{_UNPRINTABLE}]*+)?")
_SOURCES = {
    "line": _LINE,
    "lines": rf"(?m)^(?:{_LINE})$",  # "line" at each line of a text
    "items": rf"(?:{_ITEM})(?:, (?:{_ITEM}))*",
    "item": rf'"(?:[^"\\]|\\.)*"|[^, "][^,]*',
    "non-latin1": "[\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]",
}
# Compiled on first use (a create reads one config and no task file), each as small as it can be:
# compiling is most of what reading a config costs.
_patterns: dict[str, re.Pattern[str]] = {}


def _pattern(name: str) -> re.Pattern[str]:
    found = _patterns.get(name)
    if found is None:
        found = _patterns[name] = re.compile(_SOURCES[name])
    return found


def load(lines: list[str]) -> dict | None:
    """What yaml.safe_load gives for the text of ``lines`` (without line endings), or None
    when that text is not in the flat layout this module reads."""
    return load_text("\n".join(lines))


def load_text(text: str) -> dict | None:
    """``load`` of ``text``'s lines. Every line is matched in one call (findall), not one call
    a line: doctor reads 120,000 lines at 10,000 tasks."""
    found = _pattern("lines").findall(text)
    # each match starts at a line's start and ends at its end: as many matches as lines is
    # every line matched
    if len(found) != text.count("\n") + 1 or (not text.isascii() and _pattern("non-latin1").search(text)):
        return None
    reserved = _RESERVED
    data: dict = {}
    block: dict | None = None  # the nested mapping being filled, under the last top-level key
    last = None
    for indent, key, value, items in found:  # a group that took no part is ""
        if not key:
            continue  # a comment or a blank line
        if len(key) < 6 and key.lower() in reserved:  # (none of them is longer than five letters)
            return None
        if items and not _plain_items(items) and not _pattern("items").fullmatch(items):
            return None
        if not indent:
            if key in data:
                return None
            if not value:
                data[key] = None
                block, last = {}, key
                continue
            block = last = None
            target = data
        else:
            if not value or block is None or key in block:
                return None  # deeper nesting, or a nested key under a key that has a value: yaml decides
            target = block
            data[last] = block
        if value[0].isalpha() and value.isascii() and not (len(value) < 6 and value.lower() in reserved):
            parsed = value  # a plain word: the common case, without a call
        else:
            parsed = _value(value)
            if parsed is _NOT_FLAT:
                return None
        target[key] = parsed
    return data or None  # an empty text is yaml's None; callers decide what that means


_NOT_FLAT = object()
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./()+-")


def _plain_items(items: str) -> bool:
    """Whether ``items`` are plain words (_PLAIN) apart: ``tags: [generated]``, the common case,
    checked without compiling the "items" pattern (a millisecond, in a show or complete). True
    only for what that pattern matches; anything else it decides."""
    for item in items.split(", "):
        if not (item[:1].isalpha() and item[:1].isascii() and item[-1:] != " " and "  " not in item
                and _WORD_CHARS.issuperset(item.replace(" ", ""))):
            return False
    return True


def blocks(lines: list[str]) -> dict[str, list[tuple[int, int]]] | None:
    """frontmatter._blocks for ``lines`` in the flat layout (None otherwise): each top-level
    key's (first line, end line), where a key owns its line and its nested lines, and the
    blank and column-0 comment lines after its value belong to what follows."""
    if not load(lines):
        return None
    starts = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", "#")]
    found: dict[str, list[tuple[int, int]]] = {}
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        value_end = max((i + 1 for i in range(start + 1, end) if lines[i].startswith("  ") and
                         lines[i].lstrip(" ")[:1] not in ("", "#")), default=start + 1)
        while end > value_end and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        found.setdefault(lines[start].partition(":")[0], []).append((start, end))
    return found


def _value(text: str) -> object:
    first = text[0]
    if first == '"':
        return _unquote(text)
    if first == "[":
        if text == "[]":
            return []
        items = [_value(item) for item in _split_items(text[1:-1])]
        return _NOT_FLAT if any(i is _NOT_FLAT for i in items) else items
    if text == "{}":
        return {}
    if first.isdigit():
        if len(text) >= 10 and text[4] == "-":
            try:  # the line pattern let through only YYYY-MM-DD and YYYY-MM-DDTHH:MM:SSZ
                types = yamltext.datetime_types()  # here: a create reads no timestamp
                return types.date.fromisoformat(text) if len(text) == 10 else types.datetime.fromisoformat(text)
            except ValueError:  # 2026-13-45: yaml's error to give
                return _NOT_FLAT
        return int(text)
    lowered = text.lower()
    if lowered in _RESERVED:
        return _CONSTANTS[text] if text in _CONSTANTS else _NOT_FLAT
    return text


def _split_items(inner: str) -> list[str]:
    """The items of a flow list the line regex accepted: ', ' separates them, except inside quotes."""
    if '"' not in inner:
        return inner.split(", ")
    return _pattern("item").findall(inner)


def _unquote(text: str) -> object:
    body = text[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        kind = body[i + 1]
        if kind in _ESCAPES:
            out.append(_ESCAPES[kind])
            i += 2
            continue
        width = {"x": 2, "u": 4, "U": 8}[kind]
        code = int(body[i + 2:i + 2 + width], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return _NOT_FLAT  # libyaml refuses these, the pure-Python loader does not: let yaml decide
        out.append(chr(code))
        i += 2 + width
    return "".join(out)
