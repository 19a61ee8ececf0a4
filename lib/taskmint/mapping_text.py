"""The mapping file's text in taskmint's own layout (validators.plain_mapping_text): its IDs
read without parsing it, and new entries appended to it instead of writing every entry out
again (at 10,000 tasks, parsing and rendering them all was most of a create). For a text
without duplicate keys the result is byte for byte what rendering the whole document gives."""
from __future__ import annotations

import re
from json.encoder import encode_basestring

from taskmint import jsontext

_HEAD = '\n  "mappings": '
# An entry's key line: four spaces deep (the header's lines have two, tool lines six).
_ENTRY_KEY = re.compile(r'\n    "([^"\n]*)": ')


def ids(text: str) -> list[str]:
    """The internal IDs (the keys) of the mapping in ``text``."""
    return _ENTRY_KEY.findall(text)


def append(text: str, version: str, updated: str, added: dict) -> str:
    """``text`` with a new header and the ``added`` entries after its own."""
    body = text[text.index(_HEAD) + len(_HEAD):].removesuffix("\n").removesuffix("\n}").removesuffix("\n  }")
    if body == "{}":
        return jsontext.dumps({"version": version, "updated": updated, "mappings": added}) + "\n"
    header = "{\n  \"version\": " + encode_basestring(version) + ",\n  \"updated\": " + encode_basestring(updated)
    entries = "".join(f",\n    {encode_basestring(k)}: " + jsontext.dumps(v).replace("\n", "\n    ")
                      for k, v in added.items())
    return header + "," + _HEAD + body + entries + "\n  }\n}\n"
