"""The mapping file's text in taskmint's own layout (validators.plain_mapping_text): its IDs
read without parsing it, and new entries appended to it instead of writing every entry out
again (at 10,000 tasks, parsing and rendering them all was most of a create). For a text
without duplicate keys the result is byte for byte what rendering the whole document gives."""
from __future__ import annotations

import re
from dataclasses import dataclass
from json.encoder import encode_basestring

from taskmint import jsontext

_HEAD = '\n  "mappings": '
_TAIL = "\n  }\n}\n"
# An entry's key line: four spaces deep (the header's lines have two, tool lines six).
_ENTRY_KEY = re.compile(r'\n    "([^"\n]*)": ')


@dataclass(frozen=True)
class Snapshot:
    body: str  # the mappings object's text, from its "{" to the end of its last entry
    keys: list[str]
    values: list[dict]


def ids(text: str) -> list[str]:
    """The internal IDs (the keys) of the mapping in ``text``."""
    return _ENTRY_KEY.findall(text)


def append(text: str, version: str, updated: str, added: dict) -> str:
    """``text`` with a new header and the ``added`` entries after its own."""
    body = text[text.index(_HEAD) + len(_HEAD):].removesuffix("\n").removesuffix("\n}").removesuffix("\n  }")
    if body == "{}":
        return render(version, updated, added, None)
    return _header(version, updated) + body + _entries(added) + _TAIL


def snapshot(text: str, mappings: dict) -> Snapshot | None:
    """For a text validators.plain_mapping_text accepted and the mappings parsed from it;
    None when appending to it would not give what rendering gives."""
    # A duplicate key is valid JSON that parsing collapses: such a text differs from the render.
    if (not mappings or not text.endswith(_TAIL) or text.count('\n    "') != len(mappings)
            or text.count('\n      "') != sum(map(len, mappings.values()))):
        return None
    start = text.index(_HEAD) + len(_HEAD)
    return Snapshot(text[start:-len(_TAIL)], list(mappings), list(map(dict, mappings.values())))


def render(version: str, updated: str, mappings: dict, base: Snapshot | None) -> str:
    """jsontext.dumps({"version": ..., "updated": ..., "mappings": ...}) plus a final newline."""
    keys = list(mappings)
    n = len(base.keys) if base is not None else 0
    if (base is None or keys[:n] != base.keys or list(mappings.values())[:n] != base.values
            or any(type(k) is not str for k in keys[n:])):
        return jsontext.dumps({"version": version, "updated": updated, "mappings": mappings}) + "\n"
    return _header(version, updated) + base.body + _entries({k: mappings[k] for k in keys[n:]}) + _TAIL


def _header(version: str, updated: str) -> str:
    return "{\n  \"version\": " + encode_basestring(version) + ",\n  \"updated\": " + encode_basestring(updated) + "," + _HEAD


def _entries(entries: dict) -> str:
    return "".join(f",\n    {encode_basestring(k)}: " + jsontext.dumps(v).replace("\n", "\n    ")
                   for k, v in entries.items())
