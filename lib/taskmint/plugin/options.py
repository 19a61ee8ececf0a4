"""The /task-create text: a title with optional inline options at its start or end.

Grammar (words are separated by white space, newlines included):

    text    := [option...] ["--"] title
             | [option...] title [option...]
    option  := "priority:" VALUE | "tags:" TAG[,TAG...] | "prefix:" PREFIX
             | "epic:" EPIC | "parent:" TASK-ID

- Only the five lower-case keys above are options, and only in the unbroken run of words at
  the very start of the text or at its very end. A colon anywhere else ("Fix: login", "at
  10:30", "see http://x", "Priority: high", "foo priority:high bar") is title text.
- An option word's value must be valid; an invalid one is an error, never silently taken as
  title text, so a typo like ``priority:hihg`` is caught.
- ``--`` right after the leading options ends option parsing: everything after it is the
  title, verbatim, including words that look like options at its end.
- The title is the text between the options, byte for byte (only the white space that
  separated it from the options goes). ``tags:`` may be repeated; other keys may not.
"""
from __future__ import annotations

import re

from taskmint import ids, service
from taskmint.errors import TaskmintError, UsageError

KEYS = ("priority", "tags", "prefix", "epic", "parent")
_OPTION_RE = re.compile(r"(priority|tags|prefix|epic|parent):(.*)", re.DOTALL)
USAGE = ("usage: /taskmint:task-create <title> [priority:low|medium|high|critical] [tags:a,b] [prefix:ABC] "
         "[epic:EPIC-001] [parent:TASK-A3F2] (options go at the start or the end; start with `-- ` to keep "
         "option-like words in the title)")


class CreateArgs:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, title: str, priority: str = "medium", tags: list[str] | None = None, prefix: str | None = None,
                 epic: str | None = None, parent: str | None = None) -> None:
        self.title, self.priority, self.tags = title, priority, [] if tags is None else tags
        self.prefix, self.epic, self.parent = prefix, epic, parent

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CreateArgs) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"CreateArgs({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def parse(text: str) -> CreateArgs:
    words = list(re.finditer(r"\S+", text))
    start = 0
    options = []
    while start < len(words) and _OPTION_RE.fullmatch(words[start].group()):
        options.append(words[start].group())
        start += 1
    end = len(words)
    if start < end and words[start].group() == "--":
        start += 1
    else:
        while end > start and _OPTION_RE.fullmatch(words[end - 1].group()):
            end -= 1
        options += [w.group() for w in words[end:]]
    title = text[words[start].start():words[end - 1].end()] if start < end else ""
    if not title.strip():
        raise UsageError(f"no title given; {USAGE}")
    args = CreateArgs(title=title)
    seen: set[str] = set()
    for word in options:
        key, value = _OPTION_RE.fullmatch(word).groups()  # type: ignore[union-attr]
        if key in seen and key != "tags":
            raise UsageError(f"{key}: is given twice; give it once")
        seen.add(key)
        try:
            _apply(args, key, value)
        except TaskmintError as e:
            raise UsageError(f"option {word!r}: {e} (to keep {word!r} in the title, start the text with `-- `)") from None
    return args


def _apply(args: CreateArgs, key: str, value: str) -> None:
    if key == "priority":
        args.priority = service.check_priority(value.lower())
    elif key == "tags":
        tags = [service.check_tag(t) for t in value.split(",") if t]
        if not tags:
            raise UsageError("no tag given; write tags:auth,api")
        args.tags += [t for t in tags if t not in args.tags]
    elif key == "prefix":
        args.prefix = ids.validate_prefix(value)
    elif key == "epic":
        if not value:
            raise UsageError("no epic given; write epic:EPIC-001")
        args.epic = value
    else:
        if not ids.is_valid_id(value):
            raise UsageError(f"{value!r} is not a task ID; write parent:TASK-A3F2")
        args.parent = value
