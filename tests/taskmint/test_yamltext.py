from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from taskmint import yamltext

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])

TRICKY = [
    "yes", "No", "TRUE", "off", "On", "y", "n", "null", "Null", "NULL", "~", "", " ", "123", "0x1F", "0o17",
    "1_000", "1e3", "-1", "+1", ".5", ".inf", "-.inf", ".NaN", "2025-01-08", "2025-01-08T10:00:00Z",
    "10:30", "#235", "a #b", "a#b", "key: [1, 2]", "key:value", ": x", "---", "...", "- item", "[x]", "{a: 1}",
    "!tag", "&anchor", "*alias", "|", ">", "%YAML", "@x", "`x`", "'single'", '"double"', "back\\slash",
    "trailing ", " leading", "tab\there", "line\nbreak", "cr\rhere", "nul\0x", "\x7f", "\x1b[31m",
    "ls\u2028ps\u2029nel\x85", "\ufeffbom", "\ufffe\uffff", "emoji 🎉", "日本語", "a\u00a0b", "<<", "=",
    "Fix login (again)", "v1.2.3", "a/b", "a-b_c.d",
]


def load(text: str, loader=yaml.SafeLoader):
    return yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", TRICKY)
def test_tricky_strings_read_back_as_the_same_string(value, loader):
    assert load(f"k: {yamltext.scalar(value)}\n", loader) == {"k": value}
    assert load(f"k: {yamltext.quote(value)}\n", loader) == {"k": value}
    assert load(f"k: {yamltext.flow_list([value, value])}\n", loader) == {"k": [value, value]}


@given(st.text())
def test_scalar_round_trips_any_string(value):
    written = yamltext.scalar(value)
    assert "\n" not in written and "\r" not in written  # always one line
    for loader in LOADERS:
        assert load(f"title: {written}\n", loader) == {"title": value}
        assert load(f"tags: {yamltext.flow_list([value, 'x'])}\n", loader) == {"tags": [value, "x"]}


@given(st.text(alphabet=st.characters(codec="utf-8")) | st.text(alphabet="\u2028\u2029\x85\r\n\t\0 #:-'\"\\"))
def test_quote_round_trips_and_stays_printable(value):
    written = yamltext.quote(value)
    assert written.startswith('"') and written.endswith('"')
    assert not any(ch in written for ch in "\n\r\x85\u2028\u2029\ufeff")
    assert load(f"k: {written}", yaml.SafeLoader) == {"k": value}


@given(st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(), max_size=5))
def test_quote_handles_lone_surrogates(value):
    assert load(f"k: {yamltext.quote(value)}") == {"k": value}


def test_plain_only_for_harmless_text():
    assert yamltext.scalar("backlog") == "backlog"
    assert yamltext.scalar("PROJ-12") == "PROJ-12"
    assert yamltext.scalar("Fix the login bug") == "Fix the login bug"
    for value in ("#235", "yes", "123", "a: b", "x #y", "2025-01-08T10:00:00Z", "Off"):
        assert yamltext.scalar(value).startswith('"')


def test_non_string_scalars():
    assert yamltext.scalar(None) == "null"
    assert yamltext.scalar(True) == "true" and yamltext.scalar(False) == "false"
    assert yamltext.scalar(42) == "42"
    moment = datetime(2025, 1, 8, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert yamltext.scalar(moment) == "2025-01-08T10:00:00Z"
    assert load(f"t: {yamltext.scalar(moment)}") == {"t": datetime(2025, 1, 8, 10, 0, tzinfo=timezone.utc)}
    with pytest.raises(TypeError):
        yamltext.scalar(1.5)


def test_flow_list():
    assert yamltext.flow_list([]) == "[]"
    assert yamltext.flow_list(["a", "b c", "#1"]) == '[a, b c, "#1"]'
    assert load("k: " + yamltext.flow_list(["a", "b, c", "]"])) == {"k": ["a", "b, c", "]"]}


def test_now_is_a_utc_timestamp_that_yaml_reads_as_one():
    stamp = yamltext.now()
    parsed = load(f"t: {stamp}")["t"]
    assert isinstance(parsed, datetime) and stamp.endswith("Z")
    assert yamltext.timestamp(parsed) == stamp


def test_timestamps_read_and_reported_through_the_c_module_alone() -> None:
    """A show reads `created:` with _datetime only (datetime.py cost 2 ms): the values are the
    datetime module's own types, and taskmint reports them as it writes them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from taskmint import flatyaml, frontmatter, yamltext\n"
        "meta = flatyaml.load(['created: 2026-01-08T10:00:00Z', 'due: 2026-02-03'])\n"
        "assert 'datetime' not in sys.modules and '_datetime' in sys.modules\n"
        "assert yamltext.is_datetime(meta['created']) and not yamltext.is_datetime(meta['due'])\n"
        "assert yamltext.is_date(meta['due'])\n"
        "print(frontmatter.as_text(meta['created']), frontmatter.as_text(meta['due']))\n"
        "import datetime\n"
        "assert type(meta['created']) is datetime.datetime and type(meta['due']) is datetime.date\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "2026-01-08T10:00:00Z 2026-02-03\n"
