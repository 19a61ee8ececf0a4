"""Read a task file's YAML frontmatter and rewrite only the keys taskmint owns.

A yaml.safe_load + yaml.dump round trip loses comments, flow style, quoting and
timestamp text, so updates splice new text into the original lines instead: each
top-level key owns the block of lines from its key line up to the next top-level line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from taskmint import yamltext
from taskmint.errors import TaskmintError

_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")
MAX_BYTES = 4 * 1024 * 1024


class FrontmatterError(TaskmintError):
    pass


@dataclass
class Document:
    head: str  # the opening '---' line, with any BOM and its line ending
    lines: list[str]  # frontmatter lines, without line endings
    tail: str  # the closing delimiter line and everything after it, byte for byte
    newline: str

    def render(self) -> str:
        inner = "".join(line + self.newline for line in self.lines)
        return self.head + inner + self.tail


def split(text: str) -> Document | None:
    """The frontmatter of ``text``, or None when the file has none."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return None
    first = lines[0]
    if first.lstrip("\ufeff").rstrip("\r\n").rstrip() != "---":
        return None
    newline = "\r\n" if first.endswith("\r\n") else "\n"
    for i in range(1, len(lines)):
        stripped = lines[i].rstrip("\r\n")
        if stripped.rstrip() in ("---", "..."):
            inner = [line.rstrip("\r\n") for line in lines[1:i]]
            return Document(head=first, lines=inner, tail="".join(lines[i:]), newline=newline)
    return None


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(doc: Document, where: str) -> dict[str, Any]:
    import yaml

    text = "\n".join(doc.lines)
    try:
        data = yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        problem = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise FrontmatterError(f"{where}: frontmatter is not valid YAML ({problem}); fix the file by hand") from None
    except RecursionError:
        raise FrontmatterError(f"{where}: frontmatter nests too deeply; fix the file by hand") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontmatterError(f"{where}: frontmatter must be a YAML mapping of keys to values")
    return data


def _blocks(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Top-level key -> the (first line, end line) of each block it has (YAML keeps the
    last of duplicate keys, so an update must replace them all)."""
    starts: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        m = _KEY_RE.match(line)
        if m:
            starts.append((m.group(1), i))
    blocks: dict[str, list[tuple[int, int]]] = {}
    for n, (key, start) in enumerate(starts):
        limit = starts[n + 1][1] if n + 1 < len(starts) else len(lines)
        end = start + 1
        # A block goes on over indented lines and block-sequence items; trailing blank
        # or column-0 comment lines belong to whatever follows.
        for j in range(start + 1, limit):
            line = lines[j]
            if line[:1] in (" ", "\t", "-") and line.strip():
                end = j + 1
            elif line.strip() and not line.startswith("#"):
                end = j + 1
        blocks.setdefault(key, []).append((start, end))
    return blocks


def render_value(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        if not value:
            return [f"{key}: {{}}"]
        return [f"{key}:"] + [f"  {k}: {yamltext.scalar(v)}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [f"{key}: {yamltext.flow_list(list(value))}"]
    return [f"{key}: {yamltext.scalar(value)}"]


def set_keys(doc: Document, updates: dict[str, Any]) -> None:
    """Replace or append the given top-level keys; a value of None removes the key."""
    for key, value in updates.items():
        blocks = _blocks(doc.lines)
        new = [] if value is None else render_value(key, value)
        if key in blocks:
            spans = blocks[key]
            for start, end in reversed(spans[1:]):
                del doc.lines[start:end]
            start, end = spans[0]
            doc.lines[start:end] = new
        else:
            insert_at = len(doc.lines)
            while insert_at > 0 and not doc.lines[insert_at - 1].strip():
                insert_at -= 1
            doc.lines[insert_at:insert_at] = new


def new_text(fields: dict[str, Any], body: str) -> str:
    lines: list[str] = []
    for key, value in fields.items():
        lines.extend(render_value(key, value))
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body


def as_text(value: Any) -> str | None:
    """A frontmatter value as taskmint reports it: timestamps back in ISO-8601 'Z' form."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return yamltext.timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
