from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskmint import ids
from taskmint.errors import UsageError


@pytest.mark.parametrize("prefix", ["FIX", "E01", "AB", "ABCD", "1234"])
def test_validate_prefix_accepts(prefix):
    assert ids.validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["lower-case!", "fix", "TOOLONG", "A", "", "AB-C", "ÄB", "AB "])
def test_validate_prefix_rejects_instead_of_mangling(prefix):
    with pytest.raises(UsageError, match="invalid prefix"):
        ids.validate_prefix(prefix)


@pytest.mark.parametrize("epic, prefix", [
    ("EPIC-001", "E01"), ("EPIC-42", "E42"), ("EPIC-123", "E123"), ("EPIC-7", "E07"), ("epic-005", "E05"),
    ("EPIC-1234", None), ("auth-rewrite", None), ("EPIC-", None), ("EPIC-4a", None), ("MY-EPIC-001", None),
])
def test_prefix_for_epic(epic, prefix):
    assert ids.prefix_for_epic(epic) == prefix
    if prefix is not None:
        assert ids.validate_prefix(prefix) == prefix


def test_hash_length_grows_with_the_task_count():
    assert ids.hash_length(0) == 4
    assert ids.hash_length(64) == 4
    assert ids.hash_length(65) == 5  # 66 * 1000 > 16**4
    assert ids.hash_length(10_000) == 6
    lengths = [ids.hash_length(n) for n in range(0, 300_000, 997)]
    assert lengths == sorted(lengths)
    for n in (0, 10, 65, 500, 4096, 100_000):
        # the stated odds: one new ID hits one of n existing ones with chance <= 0.1%
        assert n / 16 ** ids.hash_length(n) <= 1 / ids.SAFETY


def test_new_id_shape_and_prefix():
    for prefix in (None, "FIX", "E01"):
        task_id = ids.new_id(prefix, 0, lambda c: False)
        assert ids.is_valid_id(task_id)
        assert task_id == task_id.upper()
        head = f"TASK-{prefix}-" if prefix else "TASK-"
        assert task_id.startswith(head) and re.fullmatch(r"[0-9A-F]{4}", task_id[len(head):])
    assert len(ids.new_id(None, 100_000, lambda c: False)) == len("TASK-") + ids.hash_length(100_000)


def test_new_id_skips_taken_candidates_case_insensitively(monkeypatch):
    digests = iter(["a3f8", "a3f8", "b2c4"])
    monkeypatch.setattr(ids, "random_hex", lambda n: next(digests))
    taken = {"TASK-A3F8"}
    asked = []

    def is_taken(candidate):
        asked.append(candidate)
        return candidate.upper() in taken

    assert ids.new_id(None, 1, is_taken) == "TASK-B2C4"
    assert asked == ["TASK-A3F8", "TASK-A3F8", "TASK-B2C4"]


def test_new_id_widens_when_everything_clashes():
    seen = []

    def taken(candidate):
        seen.append(candidate)
        return len(candidate) == len("TASK-") + 4  # every 4-digit ID is "taken"

    task_id = ids.new_id(None, 0, taken)
    assert len(task_id) == len("TASK-") + 5
    assert len(seen) == 21


@pytest.mark.parametrize("value, valid", [
    ("TASK-A3F2", True), ("TASK-a3f2", True), ("TASK-FIX-A3F2", True), ("TASK-E01-00AB", True),
    ("TASK-A3F2.1", True), ("TASK-A3F2.1.12", True), ("TASK-A3F", False), ("TASK-A3F2.0", False),
    ("TASK-A3G2", False), ("TASK-TOOLONG-A3F2", False), ("TASK-lower-case!-27B5", False), ("A3F2", False),
    (" TASK-A3F2", False), ("TASK-A3F2 ", False), (1234, False), (None, False),
])
def test_is_valid_id(value, valid):
    assert ids.is_valid_id(value) is valid


@pytest.mark.parametrize("name, task_id", [
    ("TASK-A3F2-fix-login.md", "TASK-A3F2"),
    ("TASK-A3F2.md", "TASK-A3F2"),
    ("TASK-A3F2D-other-task.md", "TASK-A3F2D"),  # never read as TASK-A3F2
    ("TASK-FIX-A3F2-cafe-beef.md", "TASK-FIX-A3F2"),
    ("TASK-A3F2-cafe-beef.md", "TASK-A3F2"),  # a hex-looking slug word is not an ID part
    ("TASK-A3F2.3-sub.md", "TASK-A3F2.3"),
    ("TASK-A3F2.3.1-sub-sub.md", "TASK-A3F2.3.1"),
    ("README.md", None), ("TASK-A3F-x.md", None), ("TASK-A3F2x.md", None), ("notes-TASK-A3F2.md", None),
    # issue 10 item 1: digits fit both a hash and a slug word, so these names fit two IDs
    ("TASK-98C8-2024-roadmap.md", None), ("TASK-98C8-2024.md", None),
    ("TASK-98C8--2024-roadmap.md", "TASK-98C8"), ("TASK-98C8-2024--roadmap.md", "TASK-98C8-2024"),
    ("TASK-98C8-202-x.md", "TASK-98C8"), ("TASK-FIX-A3F2-2024-x.md", "TASK-FIX-A3F2"),
])
def test_id_from_filename_compares_whole_ids(name, task_id):
    assert ids.id_from_filename(name) == task_id


_NAME_PARTS = ["TASK-", "FIX-", "A3F2", "a3f2", "7", ".1", "-", ".md", "\n", "x", "2024", "--"]


def _agrees_with_id_from_filename(names: list[str]) -> None:
    assert ids.ids_of_names(names) == [ids.id_from_filename(n) or "" for n in names]


def test_ids_of_names_reads_what_id_from_filename_reads_for_every_short_name():
    _agrees_with_id_from_filename(["".join(p) + ".md" for p in itertools.product(_NAME_PARTS, repeat=4)])


@given(st.lists(st.lists(st.sampled_from(_NAME_PARTS + ["é", "B.2"]), max_size=10).map("".join), max_size=30))
def test_ids_of_names_reads_what_id_from_filename_reads(stems):
    _agrees_with_id_from_filename([stem + ".md" for stem in stems])


def test_subtask_numbering():
    assert ids.subtask_id("TASK-a3f2", set()) == "TASK-A3F2.1"
    assert ids.subtask_id("TASK-A3F2", {"TASK-A3F2", "TASK-A3F2.1", "TASK-A3F2.2"}) == "TASK-A3F2.3"
    # never refill a gap: 2 may be in use elsewhere; grandchildren count for their parent's number
    assert ids.subtask_id("TASK-A3F2", {"TASK-A3F2.1", "TASK-A3F2.5.1"}) == "TASK-A3F2.6"
    assert ids.subtask_id("TASK-A3F2.1", {"TASK-A3F2.1.1", "TASK-A3F2.12"}) == "TASK-A3F2.1.2"
    # other tasks whose IDs merely start alike are not children
    assert ids.subtask_id("TASK-A3F2", {"TASK-A3F22.7", "TASK-A3F2X.4", "TASK-B3F2.9"}) == "TASK-A3F2.1"
    assert ids.is_valid_id(ids.subtask_id("TASK-FIX-A3F2.4", {"TASK-FIX-A3F2.4.9"}))


@pytest.mark.parametrize("title, slug", [
    ("Fix the login bug", "fix-the-login-bug"),
    ("  --Crème brûlée!! ", "creme-brulee"),
    ("日本語", "task"),
    ("", "task"),
    ("a" * 80, "a" * 50),
    ("word " * 20, "word-word-word-word-word-word-word-word-word-word"),
])
def test_slugify_examples(title, slug):
    assert ids.slugify(title) == slug


@given(st.text(max_size=300))
def test_slugify_is_always_a_short_lowercase_ascii_slug(title):
    slug = ids.slugify(title)
    assert 0 < len(slug) <= ids.SLUG_MAX
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug


@given(st.text(max_size=300))
def test_task_filename_reads_back_the_id(title):
    task_id = ids.new_id("FIX", 0, lambda c: False)
    name = ids.task_filename(task_id, title)
    assert ids.id_from_filename(name) == task_id
    assert "/" not in name and len(name) <= len(task_id) + len("--") + ids.SLUG_MAX + len(".md")


_DIGITS = st.text("0123456789", min_size=4, max_size=6)


@given(st.one_of(st.builds("TASK-{}".format, st.text("0123456789ABCDEF", min_size=4, max_size=6)),
                 st.builds("TASK-{}-{}".format, st.sampled_from(["98C8", "E123", "FIX", "E01"]), _DIGITS)),
       st.one_of(st.text(max_size=40), st.builds("{} {}".format, _DIGITS, st.text(max_size=20))))
def test_item1_task_filename_reads_back_any_id_after_any_title(task_id, title):
    # issue 10 item 1: TASK-98C8 titled "2024 roadmap" must not read back as TASK-98C8-2024
    assert ids.id_from_filename(ids.task_filename(task_id, title)) == task_id


def test_named_under_equals_ids_by_filename_filtered(tmp_path):
    """tasks.named_under is ids_by_filename restricted to one ID prefix (show's subtask look-up)."""
    from taskmint import tasks
    from taskmint.project import find_project

    root = tmp_path / "proj"
    files = {
        "backlog/TASK-A3F2-parent.md": "TASK-A3F2", "backlog/TASK-A3F2.1-child.md": "TASK-A3F2.1",
        "completed/2026-01/TASK-A3F2.2-done.md": "TASK-A3F2.2", "backlog/TASK-A3F2D-other.md": "TASK-A3F2D",
        "backlog/renamed-by-hand.md": "TASK-A3F2.3", "backlog/task-a3f2.4-lower.md": "task-a3f2.4",
        "backlog/TASK-B000.1-x.md": "TASK-B000.1", "backlog/notes.md": None,
    }
    for rel, task_id in files.items():
        path = root / "tasks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\nid: {task_id}\ntitle: t\n---\n" if task_id else "just notes\n")
    project = find_project(str(root))
    everything = tasks.ids_by_filename(project)
    for head in ("TASK-A3F2.", "TASK-A3F2", "TASK-B000.", "TASK-C"):
        assert tasks.named_under(project, head) == {k: v for k, v in everything.items() if k.startswith(head)}
