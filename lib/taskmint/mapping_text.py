"""The mapping file's text in taskmint's own layout: while the entries read from it stay as
they were, saving appends the new entries to that text instead of writing every entry out
again (at 10,000 tasks, rendering them all was a quarter of a create). The result is byte
for byte what rendering the whole document gives."""
from __future__ import annotations

from dataclasses import dataclass
from json.encoder import encode_basestring

from taskmint import jsontext

_HEAD = '\n  "mappings": '
_TAIL = "\n  }\n}\n"


@dataclass(frozen=True)
class Snapshot:
    body: str  # the mappings object's text, from its "{" to the end of its last entry
    keys: list[str]
    values: list[dict]


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
    added = "".join(f",\n    {encode_basestring(k)}: " + jsontext.dumps(mappings[k]).replace("\n", "\n    ")
                    for k in keys[n:])
    return ("{\n  \"version\": " + encode_basestring(version) + ",\n  \"updated\": " + encode_basestring(updated)
            + "," + _HEAD + base.body + added + _TAIL)
