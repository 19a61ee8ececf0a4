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

_YAML_BREAK_RE = re.compile("[\r\x85\u2028\u2029]")
MAX_BYTES = 4 * 1024 * 1024
_C_LOADER_MAX_DEPTH = 1000


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
    # Only "\n" ends a line: str.splitlines() also splits at U+2028, NEL, FF, ..., and
    # render() would then insert a newline after each of them.
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        del lines[-1]
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


def _loader(text: str) -> Any:
    import yaml

    # libyaml's composer recurses on the C stack: a few hundred thousand nested levels
    # kill the process (SIGSEGV). Each level needs a '[', '{', '-' or '?' or one more
    # column of indentation; past that bound, the Python loader raises RecursionError.
    indent = max(len(line) - len(line.lstrip(" ")) for line in text.split("\n"))
    bound = sum(text.count(c) for c in "[{-?") + indent
    if bound > _C_LOADER_MAX_DEPTH:
        return yaml.SafeLoader
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(doc: Document, where: str) -> dict[str, Any]:
    import yaml

    text = "\n".join(doc.lines)
    try:
        data = yaml.load(text, Loader=_loader(text))  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        problem = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise FrontmatterError(f"{where}: frontmatter is not valid YAML ({problem}); fix the file by hand") from None
    except RecursionError:
        raise FrontmatterError(f"{where}: frontmatter nests too deeply; fix the file by hand") from None
    except ValueError as e:  # a value the resolver took for a timestamp but is no date: 2026-13-45
        raise FrontmatterError(f"{where}: frontmatter has an impossible value ({e}); fix the file by hand") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontmatterError(f"{where}: frontmatter is not a YAML mapping of keys to values; write `key: value` lines between the `---` lines")
    try:
        size = _expanded_size(data, 2 * len(text) + 1000)
    except RecursionError:
        raise FrontmatterError(f"{where}: frontmatter nests too deeply; fix the file by hand") from None
    if size > 2 * len(text) + 1000:
        # Without aliases a value cannot outgrow the text it was read from; with them a few
        # lines ("billion laughs") expand to gigabytes once anything prints or walks them.
        raise FrontmatterError(f"{where}: frontmatter aliases (*name) expand to far more than the file holds; "
                               "write the values out instead")
    return data


def _expanded_size(node: Any, limit: int, seen: dict[int, int] | None = None) -> int:
    """Characters plus nodes ``node`` amounts to with every alias written out, counted only
    up to about ``limit``; each shared node is counted once per use but walked once."""
    if isinstance(node, str):
        return 1 + len(node)
    if not isinstance(node, (list, dict)):
        return 1
    seen = {} if seen is None else seen
    if id(node) in seen:
        return seen[id(node)]
    seen[id(node)] = 1  # a node that contains itself counts once
    total = 1
    for child in (node if isinstance(node, list) else [*node.keys(), *node.values()]):
        total += _expanded_size(child, limit, seen)
        if total > limit:
            break
    seen[id(node)] = total
    return total


def _blocks(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Top-level key -> the (first line, end line) of each block it has (YAML keeps the
    last of duplicate keys, so an update must replace them all).

    Key lines come from the YAML parser itself: a line-based guess either swallowed the
    following entry when its key was quoted or had a space ("story points: 3"), or cut
    a quoted or flow value that goes on at column 0.
    """
    import yaml

    text = "\n".join(lines)
    try:
        root = yaml.compose(text, Loader=_loader(text))
    except (yaml.YAMLError, RecursionError):
        raise FrontmatterError("frontmatter is not valid YAML; fix the file by hand") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode) or root.flow_style or root.start_mark.column:
        raise FrontmatterError("frontmatter is not a plain block of top-level keys; fix the file by hand")
    # YAML also ends a line at a lone CR, NEL, LS and PS: map its line numbers to ours.
    ours = [i for i, line in enumerate(lines) for _ in range(1 + len(_YAML_BREAK_RE.findall(line)))]
    starts = [(key.value if isinstance(key, yaml.ScalarNode) else None, ours[key.start_mark.line])
              for key, _ in root.value]
    blocks: dict[str, list[tuple[int, int]]] = {}
    for n, (key, start) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(lines)
        mark = _last_scalar(root.value[n][1]).end_mark
        value_end = ours[mark.line - 1] + 1 if mark.column == 0 else ours[mark.line] + 1
        # Trailing blank or column-0 comment lines belong to whatever follows (unless the
        # value goes on over them: a quoted scalar continued by a line that starts with #).
        while end > max(start + 1, value_end) and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        if key is not None:
            blocks.setdefault(key, []).append((start, end))
    return blocks


def _last_scalar(node: Any) -> Any:
    """The node that ends a value: a block collection's end mark is the next key's start."""
    import yaml

    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node


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
