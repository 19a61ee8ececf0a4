"""Internal task IDs: TASK-<HASH>, TASK-<PREFIX>-<HASH>, subtasks <PARENT>.<n>."""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable

from taskmint import lazyre
from taskmint.errors import UsageError

MIN_HASH_LEN = 4
# Per new ID, the chance of equalling one of the n existing IDs is n / 16**L. The length
# grows so that this stays at or below 1 / SAFETY (0.1%); within one project a clash is
# impossible anyway, because every candidate is checked under the lock.
SAFETY = 1000

PREFIX_RE = lazyre.compile(r"[A-Z0-9]{2,4}")
ID_RE = lazyre.compile(r"TASK-(?:([A-Z0-9]{2,4})-)?([0-9A-F]{4,})((?:\.[1-9][0-9]*)*)", re.IGNORECASE)
# File names carry the ID in upper case and a lower-case slug, which keeps a hex-looking
# slug word from being read as part of the ID. Digits are the one overlap: in
# TASK-98C8-2024-roadmap.md, 98C8 fits a prefix and 2024 a hash, so the name fits both
# TASK-98C8 (slug "2024-roadmap") and TASK-98C8-2024. task_filename writes such a name with
# "--" after the ID (TASK-98C8--2024-roadmap.md), which no ID contains; a name that still
# fits both readings (written before, or by hand) carries no ID: only its frontmatter says.
_AMBIGUOUS = r"(?!TASK-[0-9A-F]{4}-[0-9]{4,}(?:-(?!-)|\.md(?:\0|\Z)))"
FILENAME_RE = lazyre.compile(_AMBIGUOUS + r"(TASK-(?:[A-Z0-9]{2,4}-)?[0-9A-F]{4,}(?:\.[1-9][0-9]*)*)(?:-|\.md\Z)")
# FILENAME_RE over many names joined with NUL (which no file name holds): each match is one
# whole name, capturing its ID or "". A regex pass in C instead of a Python call per file;
# at 10,000 tasks that was most of a create's scan of tasks/.
_JOINED_RE = lazyre.compile(r"(?:" + _AMBIGUOUS
                            + r"(TASK-(?:[A-Z0-9]{2,4}-)?[0-9A-F]{4,}(?:\.[1-9][0-9]*)*)(?=-|\.md(?:\0|\Z))|)[^\0]+\0?")
EPIC_RE = lazyre.compile(r"EPIC-0*([0-9]{1,3})", re.IGNORECASE)
SLUG_MAX = 50


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def normalize(task_id: str) -> str:
    """The one form of an internal ID in the state and in comparisons: `id: task-99af` in a
    file is TASK-99AF everywhere else."""
    return task_id.strip().upper()


def id_from_filename(name: str) -> str | None:
    m = FILENAME_RE.match(name)
    return m.group(1) if m else None


def ids_of_names(names: list[str]) -> list[str]:
    """id_from_filename of each of ``names`` (all ending in .md), "" where it reads none."""
    return _JOINED_RE.findall("\0".join(names))


def validate_prefix(prefix: str) -> str:
    if not PREFIX_RE.fullmatch(prefix):
        raise UsageError(
            f"invalid prefix {prefix!r}; use 2-4 upper-case letters or digits, e.g. FIX or E01"
        )
    return prefix


def prefix_for_epic(epic: str) -> str | None:
    """EPIC-001 -> E01, EPIC-42 -> E42, EPIC-123 -> E123; other epic names give none."""
    m = EPIC_RE.fullmatch(epic)
    if not m:
        return None
    return f"E{int(m.group(1)):02d}"


def hash_length(existing: int) -> int:
    length = MIN_HASH_LEN
    while 16**length < SAFETY * (existing + 1):
        length += 1
    return length


def random_hex(nbytes: int) -> str:
    """secrets.token_hex without importing secrets (base64, hmac and random come with it)."""
    return os.urandom(nbytes).hex()


def new_id(prefix: str | None, existing: int, taken: Callable[[str], bool]) -> str:
    """A fresh random ID that ``taken`` does not know (compared upper-case)."""
    length = hash_length(existing)
    for attempt in range(200):
        if attempt and attempt % 20 == 0:
            length += 1  # so crowded that retries keep clashing: widen instead of spinning
        digest = random_hex((length + 1) // 2)[:length].upper()
        candidate = f"TASK-{prefix}-{digest}" if prefix else f"TASK-{digest}"
        if not taken(candidate):
            return candidate
    raise RuntimeError("could not find a free task ID")  # unreachable in practice


def subtask_id(parent: str, taken: Iterable[str]) -> str:
    """<PARENT>.<n> with n above the number of every child of ``parent`` among the upper-cased
    ``taken`` IDs: a gap is never refilled, since its number may be in use elsewhere."""
    head = normalize(parent) + "."
    children = (i[len(head):].split(".")[0] for i in taken if i.startswith(head))
    n = max((int(c) for c in children if c.isdigit()), default=0) + 1
    return f"{head}{n}"


# Latin letters that NFKD does not split into an ASCII letter plus accents; without this
# table "Øresund" would lose its first letter and "Straße" would become "strae".
_TRANSLITERATE = str.maketrans({
    "ø": "o", "Ø": "O", "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ł": "l", "Ł": "L",
    "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ŋ": "ng", "Ŋ": "NG", "ĸ": "k",
})


def slugify(title: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", title.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2 :] else cut
        slug = slug.strip("-")
    return slug or "task"


def task_filename(task_id: str, title: str) -> str:
    """``<ID>-<slug>.md``, or ``<ID>--<slug>.md`` when the slug would read as part of the ID."""
    name = f"{task_id}-{slugify(title)}.md"
    if id_from_filename(name) != task_id:
        name = f"{task_id}--{slugify(title)}.md"
    return name
