"""GitHub issues (REST API, api.github.com or GitHub Enterprise Server's /api/v3).

The marker is the body line ``taskmint: <ID>``. Labels would not do: GitHub silently drops
them for users without push access. Finding an issue by its marker lists the repository's
issues newest first (``GET /repos/{owner}/{repo}/issues``), which is consistent at once,
unlike the search API.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from taskmint.config import Tracker
from taskmint.trackers import Issue, has_marker, marker, summary, token
from taskmint.trackers.http import Budget, Response, TrackerError, call, message_of

TITLE_LIMIT = 256
# How far back of the first uncertain attempt the listing looks: clocks differ.
CLOCK_SLACK = 3600
MAX_PAGES = 20


class GitHub:
    what = "GitHub"

    def __init__(self, tracker: Tracker, budget: Budget) -> None:
        self.tracker = tracker
        self.budget = budget
        self.env, secret = token(tracker)
        self._auth = f"Bearer {secret}"
        owner, _, repo = tracker.project.partition("/")
        self.base = f"{tracker.url}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def _call(self, method: str, url: str, body: Any = None) -> Response:
        resp = call(method, url, auth=self._auth, budget=self.budget, what=self.what, body=body,
                    headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
                    rate_statuses=(403, 429))
        if resp.status in (401, 403):
            raise TrackerError(f"GitHub refused the token in {self.env} ({resp.status}: "
                               f"{message_of(resp.data) or 'no access'}); set a token that may write issues "
                               f"in {self.tracker.project}", definite=True, status=resp.status)
        if resp.status == 404:
            raise TrackerError(f"GitHub has no repository {self.tracker.project} that the token in {self.env} "
                               "can see (404); check pm_tools.github.repo", definite=True, status=404)
        if resp.status == 410:
            raise TrackerError(f"issues are disabled in {self.tracker.project} (410)", definite=True, status=410)
        if resp.status >= 400:
            raise TrackerError(f"GitHub rejected the request ({resp.status}: {message_of(resp.data)})",
                               definite=True, status=resp.status)
        return resp

    def _issue(self, data: Any) -> Issue:
        if not isinstance(data, dict) or not isinstance(data.get("number"), int) or data["number"] < 1:
            raise TrackerError("GitHub answered without an issue number", definite=False)
        return Issue(f"#{data['number']}", str(data.get("html_url") or ""), data.get("state") == "closed")

    def create(self, task_id: str, title: str) -> Issue:
        body = f"{title.strip()}\n\n{marker(task_id)}\n"
        resp = self._call("POST", f"{self.base}/issues", {"title": summary(title, TITLE_LIMIT), "body": body})
        return self._issue(resp.data)

    def find(self, task_id: str, since: float) -> Issue | None:
        # every issue updated since then, newest first: ours was created after ``since``
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since - CLOCK_SLACK))
        for page in range(1, MAX_PAGES + 1):
            query = urlencode({"state": "all", "sort": "created", "direction": "desc", "since": stamp,
                               "per_page": 100, "page": page})
            items = self._call("GET", f"{self.base}/issues?{query}").data
            if not isinstance(items, list):
                raise TrackerError("GitHub answered the issue listing with something else than a list")
            for item in items:
                if isinstance(item, dict) and "pull_request" not in item and has_marker(item.get("body"), task_id):
                    return self._issue(item)
            if len(items) < 100 or _created(items[-1]) < since - CLOCK_SLACK:
                return None
        raise TrackerError(f"too many issues changed in {self.tracker.project} since the first attempt to "
                           f"look for {task_id}'s; link it by hand: taskmint link {task_id} github:NUMBER")

    def close(self, key: str) -> None:
        self._call("PATCH", f"{self.base}/issues/{key.lstrip('#')}", {"state": "closed", "state_reason": "completed"})

    def get(self, key: str) -> Issue:
        return self._issue(self._call("GET", f"{self.base}/issues/{key.lstrip('#')}").data)


def _created(item: Any) -> float:
    try:
        return datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00")).timestamp()
    except (KeyError, TypeError, ValueError):
        return float("inf")  # unknown: keep paging
