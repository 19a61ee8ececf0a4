from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from taskmint import frontmatter, yamltext
from taskmint.frontmatter import FrontmatterError

CORPUS = Path(__file__).with_name("corpus")
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.md"))
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
COMPLETE = {"status": "completed", "completed": WHEN, "updated": WHEN}  # what `complete` writes


def fm_region(text: str) -> tuple[str, str, str]:
    """(head, frontmatter, tail) by the simple rule the corpus files follow: the frontmatter
    ends at the first later line that is exactly '---' (independent of the code under test)."""
    first_end = text.index("\n") + 1
    m = re.compile(r"^---\r?$", re.M).search(text, first_end)
    return text[:first_end], text[first_end:m.start()], text[m.start():]


def expected_after_complete(text: str) -> str:
    """The corpus file with only status/updated rewritten in place and missing owned keys
    appended before trailing blank lines: everything else byte for byte."""
    head, fm, tail = fm_region(text)
    nl = "\r\n" if head.endswith("\r\n") else "\n"
    stamp = "2026-03-04T05:06:07Z"
    fm, n_status = re.subn(r"^status:[^\r\n]*", "status: completed", fm, flags=re.M)
    fm, n_updated = re.subn(r"^updated:[^\r\n]*", f"updated: {stamp}", fm, flags=re.M)
    assert n_status <= 1 and n_updated <= 1
    appended = ([] if n_status else ["status: completed"]) + [f"completed: {stamp}"]
    appended += [] if n_updated else [f"updated: {stamp}"]
    content = fm.rstrip("\r\n")
    blank_lines = fm[len(content):][len(nl):]  # the line end of the last line stays with it
    return head + content + nl + "".join(line + nl for line in appended) + blank_lines + tail


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_split_render_is_byte_identical(name):
    raw = (CORPUS / name).read_bytes()
    doc = frontmatter.split(raw.decode("utf-8"))
    assert doc is not None
    assert doc.render().encode("utf-8") == raw


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_complete_rewrites_only_the_owned_keys(name):
    raw = (CORPUS / name).read_bytes()
    text = raw.decode("utf-8")
    doc = frontmatter.split(text)
    before = frontmatter.parse(doc, name)
    frontmatter.set_keys(doc, dict(COMPLETE))
    result = doc.render()

    assert result == expected_after_complete(text)
    head, fm, tail = fm_region(result)
    assert tail == fm_region(text)[2]  # the closing line and the body, byte for byte
    after = yaml.safe_load(fm)
    expected = {**before, **COMPLETE}
    assert after == expected
    # unknown keys keep their place; new keys come last
    assert list(after) == list(before) + [k for k in COMPLETE if k not in before]
    # the result reads the same through taskmint's own parser
    assert frontmatter.parse(frontmatter.split(result), name) == expected


def block_of(fm: str, key: str, nl: str) -> str:
    """The text of ``key:`` and its indented continuation lines."""
    m = re.compile(rf"^{key}:.*{nl}(?:[ \t]+\S.*{nl})*", re.M).search(fm)
    assert m, key
    return m.group(0)


@pytest.mark.parametrize("name", ["basic.md", "comments.md", "crlf.md", "github-quoting.md"])
def test_corpus_external_ids_block_replaced_in_place(name):
    text = (CORPUS / name).read_bytes().decode("utf-8")
    head, fm, tail = fm_region(text)
    nl = "\r\n" if head.endswith("\r\n") else "\n"
    doc = frontmatter.split(text)
    before = frontmatter.parse(doc, name)
    new_ids = {"jira": "PROJ-99", "linear": "ENG-98", "github": "#97", "azure_devops": "96"}
    frontmatter.set_keys(doc, {"external_ids": new_ids})
    result = doc.render()
    replacement = nl.join(["external_ids:", "  jira: PROJ-99", "  linear: ENG-98", '  github: "#97"',
                           '  azure_devops: "96"']) + nl
    assert result == head + fm.replace(block_of(fm, "external_ids", nl), replacement) + tail
    assert yaml.safe_load(fm_region(result)[1]) == {**before, "external_ids": new_ids}


def test_removing_a_key_and_duplicate_keys():
    text = "---\nid: TASK-A3F8\nstatus: backlog\nparent: TASK-1111\nnote: x\nstatus: blocked\n---\n"
    doc = frontmatter.split(text)
    assert frontmatter.parse(doc, "t")["status"] == "blocked"  # YAML keeps the last duplicate
    frontmatter.set_keys(doc, {"status": "completed", "parent": None, "absent": None})
    assert doc.render() == "---\nid: TASK-A3F8\nstatus: completed\nnote: x\n---\n"


def test_owned_block_scalar_and_sequence_values_are_replaced_whole():
    text = "---\ntitle: |\n  two\n  lines\ntags:\n- a\n- b\n# about x\nx: 1\n---\n"
    doc = frontmatter.split(text)
    frontmatter.set_keys(doc, {"title": "One line", "tags": ["c"]})
    assert doc.render() == "---\ntitle: One line\ntags: [c]\n# about x\nx: 1\n---\n"


def test_values_continued_at_column_zero_stay_whole():
    # A quoted or flow value may go on at column 0, even with a line that starts with '#'.
    text = '---\ntitle: "a long\n# not a comment"\ntags: [a,\nb]\nstatus: backlog\n---\n'
    doc = frontmatter.split(text)
    frontmatter.set_keys(doc, {"title": "short", "status": "completed"})
    assert doc.render() == "---\ntitle: short\ntags: [a,\nb]\nstatus: completed\n---\n"
    frontmatter.set_keys(doc, {"tags": ["x"]})
    assert doc.render() == "---\ntitle: short\ntags: [x]\nstatus: completed\n---\n"


def test_set_keys_refuses_frontmatter_it_cannot_splice():
    for text in ("---\n{id: TASK-A3F8, status: backlog}\n---\n", "---\n  id: TASK-A3F8\n  status: x\n---\n",
                 "---\nid: [unclosed\n---\n"):
        doc = frontmatter.split(text)
        with pytest.raises(FrontmatterError):
            frontmatter.set_keys(doc, {"status": "completed"})
        assert doc.render() == text


# --- split / parse ----------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "", "no frontmatter\n", "---\nid: x\n", "--- \nid: x\n", "\n---\nid: x\n---\n", "----\nid: x\n----\n",
    "text\n---\nid: x\n---\n",
])
def test_split_none_without_a_closed_frontmatter(text):
    assert frontmatter.split(text) is None


def test_split_delimiters_are_whole_lines():
    text = "---\ntitle: a --- b\n--- not a delimiter: x\n---\nbody\n---\nmore\n"
    with pytest.raises(FrontmatterError):
        frontmatter.parse(frontmatter.split(text), "t")  # '--- not...' is YAML junk, not a closer
    text = "---\ntitle: a --- b\n---\nbody\n---\nmore\n"
    doc = frontmatter.split(text)
    assert doc.lines == ["title: a --- b"] and doc.tail == "---\nbody\n---\nmore\n"
    doc = frontmatter.split("---\nid: x\n...\nbody")
    assert doc.lines == ["id: x"] and doc.tail == "...\nbody"
    doc = frontmatter.split("\ufeff---  \r\nid: x\r\n---\r\n")
    assert doc.head == "\ufeff---  \r\n" and doc.newline == "\r\n" and doc.lines == ["id: x"]


# Pieces of the first lines of a file, delimiter look-alikes and line breaks included.
_PIECES = st.lists(st.sampled_from(["---", "...", "--", "- --", "id: x", "a: b", "", " ", "\t", "\x85", "\u2028",
                                    "\r", "\ufeff", "# c", "---x", "....", "--- #"]), max_size=6)


@given(st.lists(_PIECES, max_size=8), st.booleans())
def test_plain_inner_are_splits_lines_or_none(lines, newline_at_end):
    text = "\n".join("".join(pieces) for pieces in lines) + "\n" * newline_at_end
    for candidate in (text, "---\n" + text):
        found = frontmatter.plain_inner(candidate)
        if found is not None:
            doc = frontmatter.split(candidate)
            assert doc is not None and doc.lines == found.split("\n") and doc.newline == "\n"
            assert all(type(line) is str for line in doc.lines)  # no line with an ending of its own


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_plain_inner_answer_for_a_plain_opening_without_cr(name):
    text = (CORPUS / name).read_bytes().decode("utf-8")
    doc = frontmatter.split(text)
    plain = text.startswith("---\n") and doc is not None and doc.lines and "\r" not in "".join(doc.lines) and all(
        type(line) is str for line in doc.lines)  # no CR inside a line, and none ends in one
    found = frontmatter.plain_inner(text)
    assert (found.split("\n") if found is not None else None) == (doc.lines if plain else None)


def test_plain_inner_find_the_first_closing_line():
    assert frontmatter.plain_inner("---\nid: x\n---\nbody\n---\n") == "id: x"
    assert frontmatter.plain_inner("---\nid: x\n...  \nbody") == "id: x"
    assert frontmatter.plain_inner("---\na: ---\n--- x\n.... \n---\t\n") == "a: ---\n--- x\n.... "
    assert frontmatter.plain_inner("---\nid: x\n---") == "id: x"
    for text in ("---\n---\n", "---\nid: x\n", "--- \nid: x\n---\n", "\ufeff---\nid: x\n---\n",
                 "---\r\nid: x\r\n---\r\n", "---\nid: x\r\n---\n"):
        assert frontmatter.plain_inner(text) is None, text


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r"])
def test_split_only_breaks_lines_at_newline(sep):
    # str.splitlines() would split at these too, and render() then added a newline after each.
    text = f"---\nid: TASK-A3F8\n# a{sep}# b\nstatus: backlog\n---\nbody{sep}text\n"
    doc = frontmatter.split(text)
    assert doc.render() == text
    assert len(doc.lines) == 3


def test_parse_errors_are_one_clean_line():
    with pytest.raises(FrontmatterError, match=r"^tasks/x.md: frontmatter is not valid YAML \(.*\); fix"):
        frontmatter.parse(frontmatter.split("---\ntitle: [oops\n---\n"), "tasks/x.md")
    with pytest.raises(FrontmatterError, match="is not a YAML mapping"):
        frontmatter.parse(frontmatter.split("---\n- a\n- b\n---\n"), "x")
    assert frontmatter.parse(frontmatter.split("---\n---\n"), "x") == {}
    assert frontmatter.parse(frontmatter.split("---\n# only a comment\n---\n"), "x") == {}


DEEP = {"flow-lists": "[" * 200_000 + "]" * 200_000, "block-lists": "\n  " + "- " * 200_000 + "x",
        "flow-maps": "{a: " * 100_000 + "1" + "}" * 100_000}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_deep_nesting_is_refused_not_a_crash(kind):
    nested = DEEP[kind]
    # run in a child: libyaml's recursive composer used to kill the process with SIGSEGV
    code = ("import sys; from taskmint import frontmatter as f\n"
            "d = f.split(sys.stdin.read())\n"
            "try:\n    f.parse(d, 'x'); print('parsed')\n"
            "except f.FrontmatterError as e:\n    print('refused', e)\n"
            "try:\n    f.set_keys(d, {'status': 'x'}); print('set')\n"
            "except f.FrontmatterError as e:\n    print('refused', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], input=f"---\nk: {nested}\n---\n", capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.splitlines()[0].startswith("refused x: frontmatter nests too deeply")
    assert proc.stdout.splitlines()[1].startswith("refused")


def test_parse_never_builds_arbitrary_objects():
    doc = frontmatter.split("---\nx: !!python/object/apply:os.system ['true']\n---\n")
    with pytest.raises(FrontmatterError):
        frontmatter.parse(doc, "x")


def test_new_text_reads_back():
    fields = {"id": "TASK-A3F8", "title": "yes", "status": "backlog", "created": WHEN, "tags": ["#1", "a b"],
              "external_ids": {"github": "#3", "azure_devops": "3"}, "empty": {}}
    text = frontmatter.new_text(fields, "\n## Description\n")
    assert text.startswith("---\n") and text.endswith("---\n\n## Description\n")
    assert yaml.safe_load(fm_region(text)[1]) == fields
    assert "created: 2026-03-04T05:06:07Z\n" in text


def test_as_text():
    assert frontmatter.as_text(None) is None
    assert frontmatter.as_text(datetime(2025, 1, 8, 10, 0)) == "2025-01-08T10:00:00Z"
    assert frontmatter.as_text(datetime(2025, 1, 8, 11, 0, tzinfo=timezone(timedelta(hours=1)))) == "2025-01-08T10:00:00Z"
    assert frontmatter.as_text(date(2025, 2, 1)) == "2025-02-01"
    assert frontmatter.as_text(7) == "7"


# --- property: unknown lines survive any update of owned keys ---------------------------

OWNED = ("id", "title", "status", "created", "updated", "priority", "tags", "external_ids", "completed")
unknown_key = st.from_regex(r"[a-z][a-z0-9_ -]{0,12}", fullmatch=True).filter(
    lambda k: k not in OWNED and k.strip() == k and k.lower() not in ("y", "n", "yes", "no", "on", "off", "true",
                                                                    "false", "null"))
value_text = st.one_of(
    st.text(max_size=20).map(yamltext.scalar),
    st.lists(st.text(max_size=8), max_size=3).map(yamltext.flow_list),
    st.sampled_from(["", "2025-01-08T10:00:00Z", "#12", "~", "[a,\n  b]", "|\n  block\n\n  text",
                     "\n  - x\n  - y", "\n  nested: 1\n  # inner comment\n  more: [1]"]),
)
comment = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                  max_size=15).map(lambda t: "# " + t)


@st.composite
def documents(draw):
    """(key or None, line text) entries of a frontmatter; multi-line values use '\\n'."""
    entries: list[tuple[str | None, str]] = []
    for key in draw(st.lists(unknown_key, unique=True, max_size=6)):
        if draw(st.booleans()):
            entries.append((None, draw(comment)))
        entries.append((key, f"{key}: {draw(value_text)}"))
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), ("status", "status: backlog  # inline comment"))
    if draw(st.booleans()):
        entries.append((None, ""))
    return entries


@given(documents(), st.sampled_from(["\n", "\r\n"]), st.text(max_size=30))
def test_set_keys_keeps_every_other_line_byte_identical(entries, nl, body):
    def render(lines):
        return "---" + nl + "".join(line.replace("\n", nl) + nl for line in lines) + "---" + nl + body

    try:
        before = yaml.safe_load("".join(text + "\n" for _, text in entries))
    except yaml.YAMLError:
        before = None  # e.g. a comment with a character YAML refuses: not what this test is about
    # skip a generated key that YAML reads differently
    assume(isinstance(before, dict) and set(before) == {k for k, _ in entries if k is not None})
    doc = frontmatter.split(render([text for _, text in entries]))
    frontmatter.set_keys(doc, {"status": "completed", "updated": WHEN})

    expected = [("status: completed" if k == "status" else text) for k, text in entries]
    at = len(expected) - (1 if entries and entries[-1] == (None, "") else 0)
    new = ([] if any(k == "status" for k, _ in entries) else ["status: completed"])
    expected[at:at] = new + ["updated: 2026-03-04T05:06:07Z"]
    assert doc.render() == render(expected)
    assert frontmatter.parse(doc, "t") == {**before, "status": "completed", "updated": WHEN}


@given(documents(), st.sampled_from(["\n", "\r\n"]), st.data())
def test_set_keys_keeps_each_lines_own_ending(entries, nl, data):
    """Issue 10 item 14: in a file whose first `---` ends in LF and other lines in CRLF (or the
    reverse), every line taskmint does not own keeps its own ending; a replaced line keeps the
    ending it had and an appended one takes the first line's."""
    ends = [data.draw(st.sampled_from(["\n", "\r\n"])) for _ in entries]

    def render(lines):
        return "---" + nl + "".join(text.replace("\n", end) + end for text, end in lines) + "---\r\nbody\n"

    try:
        before = yaml.safe_load("".join(text + "\n" for _, text in entries))
    except yaml.YAMLError:
        before = None
    assume(isinstance(before, dict) and set(before) == {k for k, _ in entries if k is not None})
    doc = frontmatter.split(render([(text, end) for (_, text), end in zip(entries, ends)]))
    frontmatter.set_keys(doc, {"status": "completed", "updated": WHEN})

    expected = [("status: completed" if k == "status" else text, end) for (k, text), end in zip(entries, ends)]
    at = len(expected) - (1 if entries and entries[-1] == (None, "") else 0)
    new = [] if any(k == "status" for k, _ in entries) else ["status: completed"]
    expected[at:at] = [(line, nl) for line in new + ["updated: 2026-03-04T05:06:07Z"]]
    assert doc.render() == render(expected)
    assert frontmatter.parse(doc, "t") == {**before, "status": "completed", "updated": WHEN}


def test_set_keys_refuses_to_drop_an_anchor_another_key_uses():
    """Issue 10 item 7: replacing `status: &s backlog` left `board_column: *s` dangling, and
    the next splice failed with "frontmatter is not valid YAML", naming no file."""
    text = "---\nid: TASK-A3F8\nstatus: &s backlog\nboard_column: *s\nowner: &o alice\nupdated: *o\n---\n"
    doc = frontmatter.split(text)
    with pytest.raises(FrontmatterError, match=r"^tasks/x\.md: status carries the YAML anchor &s that board_column "
                                               r"uses \(\*s\); .*write the value out in place of \*s"):
        frontmatter.set_keys(doc, {"updated": WHEN, "status": "completed"}, "tasks/x.md")
    assert doc.render() == text  # refused before any change
    frontmatter.set_keys(doc, {"updated": WHEN})  # an alias in a rewritten key just goes away
    assert frontmatter.parse(doc, "t")["owner"] == "alice"
    assert frontmatter.anchor_problems(frontmatter.split(text), frontmatter.REWRITTEN_KEYS) == [
        "status carries the YAML anchor &s that board_column uses (*s); taskmint rewrites status, which would "
        "break board_column: write the value out in place of *s"]
    both = frontmatter.split("---\nstatus: &s backlog\nupdated: *s\n---\n")
    frontmatter.set_keys(both, {"status": "completed", "updated": WHEN})  # anchor and alias both rewritten
    assert frontmatter.parse(both, "t") == {"status": "completed", "updated": WHEN}
