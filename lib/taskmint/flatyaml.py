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
from datetime import date, datetime, timezone

# Scalars that PyYAML resolves to something else than the string: its bools and nulls (any case).
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_CONSTANTS = {"true": True, "false": False, "null": None}
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_LINE_RE: re.Pattern[str] | None = None


def _line_re() -> re.Pattern[str]:
    # Compiled on first use: a create that never reads a task file does not pay for it.
    global _LINE_RE
    if _LINE_RE is None:
        printable = "\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
        plain = r"[A-Za-z][A-Za-z0-9_./()+-]*(?: [A-Za-z0-9_./()+-]+)*"
        # the printable characters but " and \ (the complement of the set above), or an escape
        quoted = ('"(?:[^"\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]'
                  r'|\\[\\"ntr0]|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*"')
        item = rf"(?:{plain}|{quoted}|0|[1-9][0-9]*)"
        stamp = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?"
        value = rf"{item}|{stamp}|\[\]|\{{\}}|\[{item}(?:, {item})*\]"
        key = r"[A-Za-z_][A-Za-z0-9_]*"
        _LINE_RE = re.compile(
            rf"(?P<top>{key}):(?: (?P<value>{value}))?"
            rf"|  (?P<sub>{key}): (?P<subvalue>{value})"
            rf"| *(?:#[{printable}]*)?"
        )
    return _LINE_RE


def load(lines: list[str]) -> dict | None:
    """What yaml.safe_load gives for the text of ``lines`` (without line endings), or None
    when that text is not in the flat layout this module reads."""
    line_re = _line_re()
    data: dict = {}
    block: dict | None = None  # the nested mapping being filled, under the last top-level key
    last = None
    for line in lines:
        m = line_re.fullmatch(line)
        if m is None:
            return None
        top, sub = m.group("top"), m.group("sub")
        if top is not None:
            if top.lower() in _RESERVED or top in data:
                return None
            value = m.group("value")
            if value is None:
                data[top] = None
                block, last = {}, top
            else:
                parsed = _value(value)
                if parsed is _NOT_FLAT:
                    return None
                data[top] = parsed
                block = last = None
        elif sub is not None:
            if block is None or sub.lower() in _RESERVED or sub in block:
                return None  # a nested key under a key that has a value: yaml's error to give
            parsed = _value(m.group("subvalue"))
            if parsed is _NOT_FLAT:
                return None
            block[sub] = parsed
            data[last] = block
    return data or None  # an empty text is yaml's None; callers decide what that means


_NOT_FLAT = object()


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
            try:
                if len(text) == 10:
                    return date(int(text[:4]), int(text[5:7]), int(text[8:10]))
                return datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                                int(text[17:19]), tzinfo=timezone.utc)
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
    return re.findall(r'"(?:[^"\\]|\\.)*"|[^, "][^,]*', inner)


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
