"""Read a task file's YAML frontmatter and rewrite only the keys taskmint owns.

A yaml.safe_load + yaml.dump round trip loses comments, flow style, quoting and
timestamp text, so updates splice new text into the original lines instead: each
top-level key owns the block of lines from its key line up to the next top-level line.
"""
from __future__ import annotations

from taskmint import flatyaml, lazyre, yamltext
from taskmint.errors import TaskmintError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any

_YAML_BREAK_RE = lazyre.compile("[\r\x85\u2028\u2029]")
MAX_BYTES = 4 * 1024 * 1024
_C_LOADER_MAX_DEPTH = 1000


class FrontmatterError(TaskmintError):
    pass


# The keys some taskmint command rewrites in place (complete, doctor --fix, migrate, the hook).
REWRITTEN_KEYS = ("id", "status", "completed", "updated", "external_ids", "previous_ids", "previous_external_ids",
                  "legacy_id")


class _Line(str):
    """A frontmatter line whose own ending differs from the document's (a CRLF line in a file
    whose first `---` ends in LF, or the reverse): it keeps that ending through a rewrite."""

    ending: str


def _with_ending(text: str, ending: str) -> _Line:
    line = _Line(text)
    line.ending = ending
    return line


class Document:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, head: str, lines: list[str], tail: str, newline: str) -> None:
        self.head = head  # the opening '---' line, with any BOM and its line ending
        self.lines = lines  # frontmatter lines, without line endings
        self.tail = tail  # the closing delimiter line and everything after it, byte for byte
        self.newline = newline  # the ending of the opening line: every line gets it unless it is a _Line

    def render(self) -> str:
        newline = self.newline
        inner = "".join(line + getattr(line, "ending", newline) for line in self.lines)
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
            inner: list[str] = []
            for line in lines[1:i]:
                text = line.rstrip("\r\n")
                ending = line[len(text):]
                inner.append(text if ending == newline else _with_ending(text, ending))
            return Document(head=first, lines=inner, tail="".join(lines[i:]), newline=newline)
    return None


def plain_inner(text: str) -> str | None:
    """``split(text).lines`` joined by "\\n" when ``text`` opens with a bare "---\\n", the
    frontmatter is not empty and holds no CR (so no line is a _Line); None otherwise, whatever
    split says. Found with str.find instead of a list of every line of the file: doctor reads
    10,000 files, and flatyaml.load_text reads the text as it is."""
    if not text.startswith("---\n"):
        return None
    # The closing line is the first line after the opening one that is "---" or "..." once
    # its trailing whitespace is stripped; it starts right after a "\n" with one of them.
    at = 3
    while True:
        dashes = text.find("\n---", at)
        dots = text.find("\n...", at, len(text) if dashes < 0 else dashes)
        at = dots if dots >= 0 else dashes
        if at < 0:
            return None
        end = text.find("\n", at + 1)
        if text[at + 1:len(text) if end < 0 else end].rstrip() in ("---", "..."):
            break
        at += 1
    inner = text[4:at]  # the lines between, without the "\n" that ends the last of them
    if at == 3 or "\r" in inner:
        return None
    return inner


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
    flat = flatyaml.load(doc.lines)  # taskmint's own layout, read without yaml
    if flat is not None:
        return flat
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
    a quoted or flow value that goes on at column 0. In taskmint's own flat layout every
    key and value is one line (flatyaml.load proves it), so there they are read from the lines.
    """
    flat = flatyaml.blocks(lines)
    if flat is not None:
        return flat
    return _yaml_blocks(lines)


def _yaml_blocks(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
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
    ours = _our_lines(lines)
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


def value_text(doc: Document, key: str) -> str | None:
    """The value of top-level ``key`` as the file writes it (`2025-01-08`, `"x"`), for
    messages; None when the key is absent or the frontmatter cannot be parsed."""
    import yaml

    text = "\n".join(doc.lines)
    try:
        root = yaml.compose(text, Loader=_loader(text))
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    found = [v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == key]
    if not found:
        return None
    node = _last_scalar(found[-1]) if not isinstance(found[-1], yaml.ScalarNode) else found[-1]
    return " ".join(text[found[-1].start_mark.index:node.end_mark.index].split()) or None  # on one line


def _our_lines(lines: list[str]) -> list[int]:
    """YAML also ends a line at a lone CR, NEL, LS and PS: its line numbers -> ours."""
    return [i for i, line in enumerate(lines) for _ in range(1 + len(_YAML_BREAK_RE.findall(line)))]


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


def _aliases(lines: list[str]) -> list[tuple[str, int, int]]:
    """(anchor, line that defines it, line of an alias to it) for every alias, in our line numbers."""
    import yaml

    text = "\n".join(lines)
    ours = _our_lines(lines)
    defined: dict[str, int] = {}
    found = []
    for event in yaml.parse(text, Loader=_loader(text)):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        line = ours[event.start_mark.line]
        if isinstance(event, yaml.AliasEvent):
            if anchor in defined:
                found.append((anchor, defined[anchor], line))
        else:
            defined[anchor] = line  # YAML lets a later anchor of the same name take over
    return found


def anchor_problems(doc: Document, keys: tuple[str, ...] | list[str]) -> list[str]:
    """Why rewriting ``keys`` would break the file: a value among them defines an anchor
    (`status: &s backlog`) that a line outside them uses (`board_column: *s`). Replacing the
    value would drop the anchor and leave the alias dangling (or silently change its value)."""
    if not any("*" in line for line in doc.lines) or not any("&" in line for line in doc.lines):
        return []  # no alias or no anchor: the common case costs no parse
    try:
        blocks = _blocks(doc.lines)
        aliases = _aliases(doc.lines) if any(k in blocks for k in keys) else []
    except FrontmatterError:
        return []  # the file cannot be spliced at all: set_keys says so
    rewritten = [(k, span) for k in keys for span in blocks.get(k, [])]
    problems = []
    for name, defined, used in aliases:
        if any(start <= used < end for _, (start, end) in rewritten):
            continue  # the alias goes away with the rewrite too
        for key, (start, end) in rewritten:
            if start <= defined < end:
                user = next((k for k, spans in blocks.items() for a, b in spans if a <= used < b), "another line")
                problems.append(f"{key} carries the YAML anchor &{name} that {user} uses (*{name}); taskmint rewrites "
                                f"{key}, which would break {user}: write the value out in place of *{name}")
    return problems


def set_keys(doc: Document, updates: dict[str, Any], where: str | None = None) -> None:
    """Replace or append the given top-level keys; a value of None removes the key. Refuses
    (FrontmatterError naming ``where``, the key and the reason) before changing anything
    when the rewrite would break the file."""
    try:
        _set_keys(doc, updates)
    except FrontmatterError as e:
        raise FrontmatterError(f"{where}: {e}" if where else str(e)) from None


def _set_keys(doc: Document, updates: dict[str, Any]) -> None:
    problems = anchor_problems(doc, list(updates))
    if problems:
        raise FrontmatterError(f"{problems[0]}; then retry")
    # Every span from one parse, replaced from the bottom up: re-parsing between keys fails
    # when an alias in one rewritten key points at an anchor in another.
    blocks = _blocks(doc.lines)
    edits: list[tuple[int, int, list[str]]] = []
    appended: list[str] = []
    for key, value in updates.items():
        new = [] if value is None else render_value(key, value)
        if key not in blocks:
            appended += new
            continue
        (start, end), *later = blocks[key]
        ending = getattr(doc.lines[start], "ending", None)
        if ending is not None:  # replaced in place: the lines keep the ending they had
            new = [_with_ending(line, ending) for line in new]
        edits += [(start, end, new)] + [(a, b, []) for a, b in later]
    for start, end, new in sorted(edits, key=lambda edit: edit[0], reverse=True):
        doc.lines[start:end] = new
    insert_at = len(doc.lines)
    while insert_at > 0 and not doc.lines[insert_at - 1].strip():
        insert_at -= 1
    doc.lines[insert_at:insert_at] = appended


def new_text(fields: dict[str, Any], body: str) -> str:
    lines: list[str] = []
    for key, value in fields.items():
        lines.extend(render_value(key, value))
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body


def as_text(value: Any) -> str | None:
    """A frontmatter value as taskmint reports it: timestamps back in ISO-8601 'Z' form."""
    if value is None:
        return None
    if yamltext.is_datetime(value):
        if value.tzinfo is None:
            value = value.replace(tzinfo=yamltext.datetime_types().timezone.utc)
        return yamltext.timestamp(value)
    if yamltext.is_date(value):
        return value.isoformat()
    return str(value)
