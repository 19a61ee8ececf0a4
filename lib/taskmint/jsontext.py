"""JSON text exactly as json.dumps(data, indent=2, ensure_ascii=False) writes it, about
twice as fast: with indent, the json module falls back to its pure-Python encoder, and a
10,000-entry mapping written on every create made that a large part of it."""
from __future__ import annotations

import json
from json.encoder import encode_basestring

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any


def dumps(data: Any) -> str:
    try:
        return _value(data, "")
    except _Unusual:
        return json.dumps(data, indent=2, ensure_ascii=False)


class _Unusual(Exception):
    """A value whose exact text only the json module knows (non-string keys and the like)."""


def _value(node: Any, pad: str) -> str:
    kind = type(node)
    if kind is str:
        return encode_basestring(node)
    if kind is dict:
        if not node:
            return "{}"
        inner = pad + "  "
        parts = []
        for key, value in node.items():
            if type(key) is not str:
                raise _Unusual
            parts.append(encode_basestring(key) + ": " + _value(value, inner))
        return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + pad + "}"
    if kind is list:
        if not node:
            return "[]"
        inner = pad + "  "
        return "[\n" + inner + (",\n" + inner).join([_value(v, inner) for v in node]) + "\n" + pad + "]"
    if kind in (int, bool) or node is None:
        return json.dumps(node)
    raise _Unusual
