"""The mapping file's text in taskmint's own layout (validators.plain_mapping_text): its IDs
read without parsing it, and new entries appended to it instead of writing every entry out
again (at 10,000 tasks, parsing and rendering them all was most of a create). For a text
without duplicate keys the result is byte for byte what rendering the whole document gives."""
from __future__ import annotations

import json
import re
from json.encoder import encode_basestring

from taskmint import jsontext

_HEAD = '\n  "mappings": '
# An entry's key line: four spaces deep (the header's lines have two, tool lines six).
_ENTRY_KEY = re.compile(r'\n    "([^"\n]*)": ')
_KEY_LINE = '\n    "'


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


def holding(text: str, tool: str, value: str) -> list[str] | None:
    """The internal IDs whose entry in ``text`` gives ``tool`` the external ID ``value``, as
    parsing the text would find them, without parsing all of it; None when a duplicate key
    makes the parse keep another entry than the text shows (then the caller parses it)."""
    line = f"\n      {encode_basestring(tool)}: {encode_basestring(value)}"
    found = []
    at = text.find(line)
    while at != -1:
        end = at + len(line)
        if text.startswith((",\n", "\n"), end):
            start = text.rfind(_KEY_LINE, 0, at)  # the entry's key line: four spaces deep
            key_end = text.index('": ', start + len(_KEY_LINE))
            task_id = text[start + len(_KEY_LINE):key_end]
            close = text.index("\n    }", end)
            entry = json.loads(text[key_end + 3:close + 6])
            if text.count(f"{_KEY_LINE}{task_id}\": ") != 1:
                return None  # the key appears twice: json keeps its last entry
            if entry.get(tool) == value:  # not so when the tool appears twice in the entry
                found.append(task_id)
        at = text.find(line, end)
    return found
