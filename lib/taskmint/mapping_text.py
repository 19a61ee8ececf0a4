"""The mapping file's bytes in taskmint's own layout (validators.plain_mapping_text): its IDs
read without parsing it, and new entries appended to it instead of writing every entry out
again (at 10,000 tasks, parsing and rendering them all was most of a create). For a text
without duplicate keys the result is byte for byte what rendering the whole document gives.
Bytes, not text: at 1.3 MB each decode, encode or copy cost a create about a millisecond.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring

from taskmint import jsontext, lazyre

_HEAD = b'\n  "mappings": '
# An entry's key line: four spaces deep (the header's lines have two, tool lines six).
_ENTRY_KEY = lazyre.compile(rb'\n    "([^"\n]*)": ')
_KEY_LINE = b'\n    "'
_TAIL = b"\n  }\n}\n"


def ids(raw: bytes) -> list[str]:
    """The internal IDs (the keys) of the mapping in ``raw``."""
    return [key.decode("ascii") for key in _ENTRY_KEY.findall(raw)]


def has_id(raw: bytes, task_id: str) -> bool:
    """Whether the mapping in ``raw`` has an entry keyed ``task_id`` (a search in C; tool lines
    are six spaces deep and the header's two, so only a key line can match)."""
    return _KEY_LINE + task_id.encode("ascii") + b'": ' in raw


def append(raw: bytes, version: str, updated: str, added: dict) -> bytes:
    """``raw`` with a new header and the ``added`` entries after its own."""
    parts = append_parts(raw, version, updated, added)
    if parts is None:  # no entries yet: nothing to append to
        return (jsontext.dumps({"version": version, "updated": updated, "mappings": added}) + "\n").encode("utf-8")
    return b"".join(parts)


def append_parts(raw: bytes, version: str, updated: str, added: dict
                 ) -> tuple[bytes, memoryview, bytes, bytes] | None:
    """(new header, the entries of ``raw``, the ``added`` entries, the closing lines), append()
    in pieces (written as they are, no 1.3 MB joined), which parts() finds again in the
    result; None when ``raw`` has no entries."""
    head, end = parts(raw)
    if head == len(raw) or (end - head - len(_HEAD) == 2 and raw.startswith(b"{}", head + len(_HEAD))):
        return None  # (compared in place: a slice would copy 1.3 MB)
    header = ("{\n  \"version\": " + encode_basestring(version) + ",\n  \"updated\": "
              + encode_basestring(updated) + ",").encode("utf-8")
    entries = "".join(f",\n    {encode_basestring(k)}: " + jsontext.dumps(v).replace("\n", "\n    ")
                      for k, v in added.items()).encode("utf-8")
    return header, memoryview(raw)[head:end], entries, _TAIL


def parts(raw: bytes) -> tuple[int, int]:
    """(end of the header, end of the entries) of a mapping file's bytes: the header runs to
    the "mappings" line, the entries up to the closing lines."""
    head = raw.find(_HEAD)
    if head < 0:
        return len(raw), len(raw)
    start, end = head + len(_HEAD), len(raw)
    for suffix in (b"\n", b"\n}", b"\n  }"):  # removesuffix of each, without copying 1.3 MB
        if raw.endswith(suffix, start, end):
            end -= len(suffix)
    return head, end


def holding(raw: bytes, tool: str, value: str) -> list[str] | None:
    """The internal IDs whose entry in ``raw`` gives ``tool`` the external ID ``value``, as
    parsing it would find them, without parsing all of it; None when a duplicate key makes
    the parse keep another entry than the text shows (then the caller parses it)."""
    line = f"\n      {encode_basestring(tool)}: {encode_basestring(value)}".encode("utf-8")
    found = []
    at = raw.find(line)
    while at != -1:
        end = at + len(line)
        if raw.startswith((b",\n", b"\n"), end):
            start = raw.rfind(_KEY_LINE, 0, at)  # the entry's key line: four spaces deep
            key_end = raw.index(b'": ', start + len(_KEY_LINE))
            task_id = raw[start + len(_KEY_LINE):key_end]
            close = raw.index(b"\n    }", end)
            entry = json.loads(raw[key_end + 3:close + 6])
            if raw.count(_KEY_LINE + task_id + b'": ') != 1:
                return None  # the key appears twice: json keeps its last entry
            if entry.get(tool) == value:  # not so when the tool appears twice in the entry
                found.append(task_id.decode("utf-8"))
        at = raw.find(line, end)
    return found
