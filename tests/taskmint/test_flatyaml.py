"""flatyaml.load gives what yaml gives, or None: proven on generated texts, near misses included."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import config, flatyaml, frontmatter, yamltext

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def typed(value: object) -> object:
    """``value`` with every type spelled out: True == 1 and 1.0 == 1 must not pass for equal."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), repr(value.tzinfo))
    return (type(value).__name__, value)


def yaml_says(text: str) -> list[object]:
    """What each loader gives for ``text`` (an exception type when it refuses it)."""
    found = []
    for loader in LOADERS:
        try:
            found.append(typed(yaml.load(text, Loader=loader)))  # noqa: S506 - safe loaders only
        except (yaml.YAMLError, ValueError) as e:
            found.append(type(e).__name__)
    return found


def check(lines: list[str]) -> object:
    fast = flatyaml.load(lines)
    if fast is not None:
        assert yaml_says("\n".join(lines)) == [typed(fast)] * len(LOADERS), lines
    return fast


WORDS = ["a", "id", "x_1", "TASK-A3F2", "Fix the login", "v1.2.3", "a/b", "(x)", "y", "n", "yes", "No", "TRUE",
         "tRUE", "off", "On", "null", "Null", "NULL", "true", "false", "~", "0", "00", "012", "7", "-3", "1_000",
         "1e3", ".5", ".inf", "0x1F", "2026-01-08", "2026-01-08T10:00:00Z", "2026-13-45", "2026-02-30T10:00:00Z",
         "2026-01-08 10:00:00", "10:30", "#5", '"#5"', '"a"', "'a'", '"a\\"b"', '"\\x41\\u00e9\\U0001F389\\n\\t\\0"',
         '"\\ud800"', '"\\U00110000"', '"\\z"', '"a', "[]", "{}", "[a, b]", "[a,b]", '["a, b", c]', "[1, yes]",
         "[a, [b]]", "{a: 1}", "&x a", "*x", "!!str 1", "|", ">", "a #c", "a  b", "a: b", "a ", " a", "\ta", "-",
         "- a", "?", "<<", "=", "@x", "`x`", "é", "a\u2028b", '"\u2028"', '"\x85"', '"\ufeff"', '"\t"', "% x"]
KEYS = ["id", "title", "tags", "external_ids", "jira", "x_1", "_k", "y", "on", "No", "null", "1", "a b", "-a", "'q'",
        "k", "k"]


@pytest.mark.parametrize("word", WORDS)
def test_every_word_in_every_place(word):
    for lines in (["k: " + word], ["k:", "  j: " + word], [f"k: [{word}]"], [f"k: [a, {word}]"], [word + ": 1"],
                  ["k:", f"  {word}: 1"]):
        check(lines)


@st.composite
def flat_texts(draw) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["top", "top", "open", "sub", "sub", "comment", "blank", "raw"]))
        key, word = draw(st.sampled_from(KEYS)), draw(st.sampled_from(WORDS))
        if kind == "top":
            lines.append(f"{key}: {word}")
        elif kind == "open":
            lines.append(f"{key}:" + draw(st.sampled_from(["", " ", " # c"])))
        elif kind == "sub":
            lines.append(draw(st.sampled_from(["  ", "   ", " ", "    "])) + f"{key}: {word}")
        elif kind == "comment":
            lines.append(draw(st.sampled_from(["# c", "  # c", "#", "#\ttab", "# \x07"])))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        else:
            lines.append(draw(st.sampled_from(["---", "...", "- a", "a", "key: value: x", "k: [a, b", "k: a, b"])))
    return lines


@settings(max_examples=400, deadline=None)
@given(flat_texts())
def test_whatever_it_reads_yaml_reads_the_same(lines):
    check(lines)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(":#\"'\\[]{}, -\n\t")),
                        max_size=30), max_size=6))
def test_arbitrary_lines_are_read_as_yaml_reads_them_or_left_to_yaml(lines):
    check([line for text in lines for line in text.split("\n")])


@settings(max_examples=100, deadline=None)
@given(title=st.text(min_size=1), tags=st.lists(st.text(min_size=1), max_size=3),
       moment=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1)).map(
           lambda d: d.replace(microsecond=0, tzinfo=timezone.utc)),
       number=st.integers(1, 10**9), epic=st.none() | st.text(max_size=10))
def test_reads_every_frontmatter_taskmint_writes(title, tags, moment, number, epic):
    fields = {"id": "TASK-A3F2", "title": title, "status": "backlog", "created": moment, "updated": moment,
              "priority": "medium", "tags": tags,
              "external_ids": {"jira": f"PROJ-{number}", "github": f"#{number}", "azure_devops": str(number)}}
    if epic is not None:
        fields["epic"] = epic
    doc = frontmatter.split(frontmatter.new_text(fields, "\n## Description\n\n"))
    if any(0xD800 <= ord(ch) <= 0xDFFF for text in [title, *tags, epic or ""] for ch in text):
        return  # lone surrogates: only the pure-Python loader reads them back, so yaml decides
    assert check(doc.lines) == fields  # read without yaml, and right


@pytest.mark.parametrize("options", [("PROJ", "ENG", True, True), (None, None, False, False), ("A_1", None, True, False)])
def test_reads_the_config_taskmint_writes(options):
    text = config.render(*options)
    assert check(text.split("\n")) == yaml.safe_load(text)


def test_values():
    assert flatyaml.load(["a: 2026-01-08", "b: 2026-01-08T10:00:00Z", "c: 0", "d: null", "e: []", "f: {}", "g:",
                          "h: [x, \"y, z\", 3]", "i: \"\\u00e9\""]) == {
        "a": date(2026, 1, 8), "b": datetime(2026, 1, 8, 10, tzinfo=timezone.utc), "c": 0, "d": None, "e": [],
        "f": {}, "g": None, "h": ["x", "y, z", 3], "i": "é"}


@pytest.mark.parametrize("lines", [
    ["a: 1", "a: 2"],  # duplicate keys: yaml keeps the last
    ["a:", "  b: 1", "  b: 2"],
    ["a: 1", "  b: 1"],  # yaml's error
    ["a: yes"], ["on: 1"], ["a: 012"], ["a: 2026-13-45"], ["a: 'x'"], ["a: x # c"], ["a: \"\\ud800\""], [],
    ["# only a comment"], ["a:", "   b: 1"], ["\ta: 1"],
])
def test_leaves_to_yaml(lines):
    assert flatyaml.load(lines) is None


def test_frontmatter_parse_uses_it_and_keeps_yaml_errors():
    doc = frontmatter.split("---\nid: TASK-A3F2\ntitle: a\n---\n")
    assert frontmatter.parse(doc, "x.md") == {"id": "TASK-A3F2", "title": "a"}
    bad = frontmatter.split("---\nid: [unclosed\n---\n")
    with pytest.raises(frontmatter.FrontmatterError, match="not valid YAML"):
        frontmatter.parse(bad, "x.md")
    assert yamltext.scalar("a") == "a"


FLAT_WORDS = ["a", "TASK-A3F2", "Fix the login", "0", "7", "2026-01-08", "2026-01-08T10:00:00Z", '"#5"', '"a, b"',
              "[]", "{}", "[a, b]", '["a, b", c, 3]', "true", "null", '"\\u00e9\\n"', '"é"']
GAPS = ["", "  ", "# c", "  # c", "#"]


@st.composite
def flat_only_texts(draw) -> list[str]:
    """Texts in the flat layout (flatyaml reads all of them), with gaps where YAML allows them."""
    lines = []
    keys = draw(st.lists(st.sampled_from(["id", "title", "tags", "external_ids", "x_1", "k"]), unique=True, max_size=6))
    for key in keys:
        lines += draw(st.lists(st.sampled_from(GAPS), max_size=2))
        subs = draw(st.none() | st.lists(st.sampled_from(["jira", "github", "k2"]), unique=True, max_size=3))
        if subs is None:
            lines.append(f"{key}: {draw(st.sampled_from(FLAT_WORDS))}")
            continue
        lines.append(f"{key}:")
        for sub in subs:
            lines += draw(st.lists(st.sampled_from(GAPS), max_size=1))
            lines.append(f"  {sub}: {draw(st.sampled_from(FLAT_WORDS))}")
    return lines + draw(st.lists(st.sampled_from(GAPS), max_size=2))


@settings(max_examples=300, deadline=None)
@given(flat_only_texts())
def test_flat_texts_are_read_without_yaml_and_as_yaml_reads_them(lines):
    if any(not line.startswith(("#", "  #")) and line.strip() for line in lines):
        assert check(lines) is not None, lines


@settings(max_examples=300, deadline=None)
@given(flat_only_texts() | flat_texts())
def test_key_blocks_of_a_flat_text_are_those_yaml_marks_give(lines):
    flat = flatyaml.blocks(lines)
    if flat is not None:
        assert flat == frontmatter._yaml_blocks(lines), lines


def test_key_blocks_of_taskmint_frontmatter():
    lines = ["id: TASK-A3F2", "", "# about the title", "title: a", "external_ids:", "  jira: PROJ-1", "  # c",
             "", "tags: []", "#", ""]
    assert flatyaml.blocks(lines) == frontmatter._yaml_blocks(lines) == {
        "id": [(0, 1)], "title": [(3, 4)], "external_ids": [(4, 7)], "tags": [(8, 9)]}


# The line pattern as it was before its repeats were made possessive: the same texts match,
# with the same groups (a possessive repeat only drops positions no match could come from).
_U = "\x00-\x1f\x7f-\x9f"
_BACKTRACKING_ITEM = (r"[A-Za-z][A-Za-z0-9_./()+-]*(?: [A-Za-z0-9_./()+-]+)*|"
                      rf'"(?:[^"\\{_U}]|\\[\\"ntr0]|\\x[0-9A-Fa-f]{{2}}|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*"'
                      r"|0|[1-9][0-9]*")
_BACKTRACKING = {
    "line": re.compile(rf"(?P<indent>  )?(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: (?P<value>{_BACKTRACKING_ITEM}|"
                       rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(?:T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z)?|\[\]|\{{\}}|"
                       rf"\[(?P<items>[^{_U}]+)\]))?| *(?:#[^{_U}]*)?"),
    "items": re.compile(rf"(?:{_BACKTRACKING_ITEM})(?:, (?:{_BACKTRACKING_ITEM}))*"),
}


_PIECES = st.text(alphabet=st.sampled_from(list('ab1 :#"\\[], -_.\t\x07é')) | st.characters(codec="utf-8"),
                  max_size=24)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(flat_texts(), flat_only_texts(), st.lists(_PIECES)),
       st.lists(st.sampled_from(WORDS + FLAT_WORDS) | _PIECES, min_size=1, max_size=4))
def test_possessive_patterns_match_what_backtracking_ones_matched(lines, items):
    for line in lines + [f"k: [{', '.join(items)}]", f"  k: [{', '.join(items)}]"]:
        was, now = _BACKTRACKING["line"].fullmatch(line), flatyaml._pattern("line").fullmatch(line)
        assert (was and was.groups()) == (now and now.groups()), line
        for text in ([was.group("items")] if was and was.group("items") else []) + [", ".join(items)]:
            assert bool(_BACKTRACKING["items"].fullmatch(text)) == bool(flatyaml._pattern("items").fullmatch(text)), text


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(WORDS + FLAT_WORDS) | _PIECES | st.from_regex(r"[A-Za-z][a-z0-9_./()+ -]{0,6}", fullmatch=True),
                min_size=1, max_size=4))
def test_plain_items_are_items_the_pattern_matches(items):
    """The check that spares compiling the "items" pattern accepts nothing that pattern refuses."""
    text = ", ".join(items)
    if flatyaml._plain_items(text):
        assert flatyaml._pattern("items").fullmatch(text), text
    assert flatyaml._plain_items("generated, a b, x.y_z(1)+-/") and not flatyaml._plain_items("yes please, \"q\"")
