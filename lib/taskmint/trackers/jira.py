"""Jira Cloud REST API v3 (and Data Center with a PAT when no e-mail is set).

The marker is both the description line ``taskmint: <ID>`` (Atlassian Document Format) and
the label ``taskmint:<ID>``. Finding an issue by its marker is a JQL search on that label
(``POST /rest/api/3/search/jql``). Jira's search index is not updated at once, so after an
uncertain attempt an empty search is trusted only once sync.SETTLE has passed.
"""
from __future__ import annotations

import base64
import os
import re
from typing import Any
from urllib.parse import quote

from taskmint.config import Tracker
from taskmint.trackers import Issue, marker, summary, token
from taskmint.trackers.http import Budget, Response, TrackerError, call, message_of

SUMMARY_LIMIT = 254


def label(task_id: str) -> str:
    return f"taskmint:{task_id}"


def _adf(*paragraphs: str) -> dict:
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs if p]}


class Jira:
    what = "Jira"

    def __init__(self, tracker: Tracker, budget: Budget) -> None:
        self.tracker = tracker
        self.budget = budget
        self.env, secret = token(tracker)
        email = os.environ.get(tracker.email_env, "").strip() if tracker.email_env else ""
        if email:
            self._auth = "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode("ascii")
            self.env = f"{tracker.email_env}/{self.env}"
        else:
            self._auth = f"Bearer {secret}"
        self.api = f"{tracker.url}/rest/api/3"

    def _call(self, method: str, url: str, body: Any = None, *, issue: str | None = None) -> Response:
        resp = call(method, url, auth=self._auth, budget=self.budget, what=self.what, body=body)
        if resp.status in (401, 403):
            raise TrackerError(f"Jira refused the credentials in {self.env} ({resp.status}); set a valid API "
                               f"token with access to project {self.tracker.project}", definite=True,
                               status=resp.status)
        if resp.status == 404:
            thing = f"issue {issue}" if issue else f"project {self.tracker.project}"
            raise TrackerError(f"Jira at {self.tracker.url} has no {thing} that {self.env} can see (404); "
                               "check pm_tools.jira", definite=True, status=404)
        if resp.status >= 400:
            raise TrackerError(f"Jira rejected the request ({resp.status}: {message_of(resp.data)})",
                               definite=True, status=resp.status)
        return resp

    def _key(self, data: Any) -> str:
        key = data.get("key") if isinstance(data, dict) else None
        if not isinstance(key, str) or not re.fullmatch(rf"{re.escape(self.tracker.project)}-[1-9][0-9]*", key):
            raise TrackerError(f"Jira answered without an issue key of project {self.tracker.project}")
        return key

    def _issue(self, key: str, data: Any = None) -> Issue:
        closed = False
        if isinstance(data, dict):
            category = (((data.get("fields") or {}).get("status") or {}).get("statusCategory") or {}).get("key")
            closed = category == "done"
        return Issue(key, f"{self.tracker.url}/browse/{key}", closed)

    def create(self, task_id: str, title: str) -> Issue:
        fields = {
            "project": {"key": self.tracker.project},
            "issuetype": {"name": self.tracker.issue_type},
            "summary": summary(title, SUMMARY_LIMIT),
            "description": _adf(title.strip(), marker(task_id)),
            "labels": ["taskmint", label(task_id)],
        }
        return self._issue(self._key(self._call("POST", f"{self.api}/issue", {"fields": fields}).data))

    def find(self, task_id: str, since: float) -> Issue | None:
        jql = f'project = "{self.tracker.project}" AND labels = "{label(task_id)}" ORDER BY created ASC'
        data = self._call("POST", f"{self.api}/search/jql",
                          {"jql": jql, "fields": ["status", "labels"], "maxResults": 10}).data
        issues = data.get("issues") if isinstance(data, dict) else None
        if not isinstance(issues, list):
            raise TrackerError("Jira answered the search without an issue list")
        for item in issues:  # the oldest one: the issue the first attempt created
            labels = ((item.get("fields") or {}).get("labels") or []) if isinstance(item, dict) else []
            if label(task_id) in labels:
                return self._issue(self._key(item), item)
        return None

    def close(self, key: str) -> None:
        path = f"{self.api}/issue/{quote(key)}"
        current = self._call("GET", f"{path}?fields=status", issue=key).data
        if self._issue(key, current).closed:
            return
        data = self._call("GET", f"{path}/transitions", issue=key).data
        done = [t for t in (data or {}).get("transitions", [])
                if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"]
        if not done:  # chosen by category: names differ from one site's workflow to another
            raise TrackerError(f"Jira offers {key} no transition to a status in the done category; close it "
                               "by hand", definite=True)
        self._call("POST", f"{path}/transitions", {"transition": {"id": str(done[0]["id"])}}, issue=key)

    def get(self, key: str) -> Issue:
        data = self._call("GET", f"{self.api}/issue/{quote(key)}?fields=status", issue=key).data
        return self._issue(self._key(data), data)
