"""In-process checks of the tracker config, the marker, titles and rate-limit times."""
from __future__ import annotations

import email.utils

import pytest

from taskmint import config, trackers
from taskmint.errors import TaskmintError
from taskmint.trackers import http


def _cfg(pm_tools: dict) -> config.Config:
    return config.validate({"version": 1, "pm_tools": pm_tools}, ".claude/taskmint.yaml")


def test_a_mapping_is_tracker_backed_and_a_scalar_is_local():
    cfg = _cfg({"github": {"repo": "acme/app"}, "jira": "PROJ", "linear": "ENG"})
    assert cfg.tools == {"jira": "PROJ", "linear": "ENG"}
    assert cfg.trackers["github"].url == "https://api.github.com"
    assert cfg.trackers["github"].token_envs == ("GH_TOKEN", "GITHUB_TOKEN")
    cfg = _cfg({"jira": {"key": "PROJ", "url": "https://acme.atlassian.net/", "token_env": "MY_TOKEN"}})
    assert cfg.tools == {} and cfg.trackers["jira"].url == "https://acme.atlassian.net"
    assert cfg.trackers["jira"].token_envs == ("MY_TOKEN",) and cfg.trackers["jira"].email_env == "JIRA_EMAIL"


@pytest.mark.parametrize("tools, field", [
    ({"github": {"repo": "no-slash"}}, "pm_tools/github/repo"),
    ({"github": {"repo": "a/b", "colour": "red"}}, "pm_tools/github"),
    ({"github": {}}, "pm_tools/github"),
    ({"jira": {"key": "PROJ"}}, "pm_tools/jira"),
    ({"jira": {"key": "proj", "url": "https://x.example"}}, "pm_tools/jira/key"),
    ({"jira": {"key": "PROJ", "url": "ftp://x.example"}}, "pm_tools/jira/url"),
    ({"jira": {"key": "PROJ", "url": "http://x.example"}}, "pm_tools/jira/url"),
    ({"github": {"repo": "a/b", "api_url": "https://u:p@x.example"}}, "pm_tools/github/api_url"),
    ({"github": {"repo": "a/b", "token_env": "not a name"}}, "pm_tools/github/token_env"),
])
def test_a_bad_tracker_field_is_one_line_naming_it(tools, field):
    with pytest.raises(TaskmintError) as e:
        _cfg(tools)
    assert f"at {field}" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_plain_http_is_allowed_to_loopback_only(host):
    cfg = _cfg({"github": {"repo": "a/b", "api_url": f"http://{host}:8080"}})
    assert cfg.trackers["github"].url == f"http://{host}:8080"


def test_the_marker_is_a_whole_token():
    body = "Title\n\ntaskmint: TASK-A3F2\n"
    assert trackers.has_marker(body, "TASK-A3F2")
    assert not trackers.has_marker(body, "TASK-A3F")
    assert not trackers.has_marker("taskmint: TASK-A3F2D\n", "TASK-A3F2")
    assert not trackers.has_marker("taskmint: TASK-A3F2.1\n", "TASK-A3F2")
    assert not trackers.has_marker("see taskmint: TASK-A3F2 above", "TASK-A3F2")


def test_titles_are_cut_to_one_line_within_the_limit():
    assert trackers.summary("First line\nsecond", 254) == "First line"
    long = trackers.summary("x" * 600, 256)
    assert len(long) == 256 and long.endswith("…")
    assert trackers.summary("  a\tb  ", 10) == "a b"


def test_retry_times_from_rate_limit_headers():
    now = 1_000_000.0
    assert http.retry_at(http.Response(429, {"Retry-After": "30"}, None), now) == now + 30
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert http.retry_at(http.Response(429, {"Retry-After": date}, None), now) == pytest.approx(now + 90)
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now + 600))}
    assert http.retry_at(http.Response(403, reset, None), now) == now + 600
    assert http.retry_at(http.Response(403, {"X-RateLimit-Remaining": "12"}, None), now) is None


def test_a_missing_token_names_the_variables(monkeypatch):
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    tracker = _cfg({"github": {"repo": "a/b"}}).trackers["github"]
    with pytest.raises(trackers.TrackerError) as e:
        trackers.client(tracker, trackers.Budget.of(1))
    assert "set GH_TOKEN or GITHUB_TOKEN" in str(e.value)
