"""A fake of GitHub's REST issues API, written from its public documentation.

Served: ``POST /repos/{owner}/{repo}/issues`` (201; 422 for a missing or too long title),
``GET /repos/{owner}/{repo}/issues`` (state, sort, direction, since, per_page <= 100, page;
a ``Link`` header with rel="next"), ``GET``/``PATCH /repos/{owner}/{repo}/issues/{number}``
(state, state_reason). Requests need ``Authorization: Bearer <token>`` (or ``token <token>``)
and a User-Agent: 401 ``Bad credentials`` / 403 otherwise; an unknown repository is 404.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from fakehttp import Answer, FakeServer, Reply

TITLE_MAX = 256


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub(FakeServer):
    def __init__(self, repo: str = "acme/app", token: str = "gh-test-token") -> None:
        super().__init__()
        self.repo = repo
        self.token = token
        self.issues: dict[int, dict[str, Any]] = {}

    def issues_with_marker(self, task_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [i for i in self.issues.values()
                    if re.search(rf"(?m)^taskmint: {re.escape(task_id)}$", i["body"] or "")]

    def handle(self, method: str, path: str, query: dict, headers: dict, body: Any) -> Answer:
        if not headers.get("user-agent"):
            raise Reply(403, {"message": "Request forbidden by administrative rules. Please make sure your "
                                         "request has a User-Agent header"})
        if headers.get("authorization") not in (f"Bearer {self.token}", f"token {self.token}"):
            raise Reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues(?:/([0-9]+))?", path)
        if not m or f"{m.group(1)}/{m.group(2)}" != self.repo:
            raise Reply(404, {"message": "Not Found"})
        number = int(m.group(3)) if m.group(3) else None
        with self.lock:
            if number is None and method == "POST":
                return self._create(body)
            if number is None and method == "GET":
                return self._list(path, query)
            if number is not None and number not in self.issues:
                raise Reply(404, {"message": "Not Found"})
            if method == "GET":
                return Answer(200, self.issues[number])
            if method == "PATCH":
                return self._update(number, body)
        raise Reply(404, {"message": "Not Found"})

    def _create(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not body["title"]:
            raise Reply(422, {"message": "Validation Failed",
                              "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]})
        if len(body["title"]) > TITLE_MAX:
            raise Reply(422, {"message": "Validation Failed",
                              "errors": [{"resource": "Issue", "code": "custom", "field": "title",
                                          "message": "title is too long (maximum is 256 characters)"}]})
        number = len(self.issues) + 1
        now = _now()
        issue = {
            "id": 1000 + number, "node_id": f"I_{number}", "number": number,
            "url": f"{self.url}/repos/{self.repo}/issues/{number}",
            "html_url": f"https://github.example/{self.repo}/issues/{number}",
            "state": "open", "state_reason": None, "title": body["title"], "body": body.get("body"),
            "user": {"login": "taskmint-bot"}, "labels": [], "created_at": now, "updated_at": now,
            "closed_at": None,
        }
        self.issues[number] = issue
        return Answer(201, issue, {"Location": issue["url"]})

    def _list(self, path: str, query: dict) -> Answer:
        q = {k: v[-1] for k, v in query.items()}
        state = q.get("state", "open")
        items = [i for i in self.issues.values() if state == "all" or i["state"] == state]
        if "since" in q:
            items = [i for i in items if i["updated_at"] >= q["since"]]
        key = {"created": "created_at", "updated": "updated_at"}.get(q.get("sort", "created"), "created_at")
        items.sort(key=lambda i: (i[key], i["number"]), reverse=q.get("direction", "desc") == "desc")
        per_page = min(int(q.get("per_page", 30)), 100)
        page = int(q.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            rest = "&".join(f"{k}={v}" for k, v in {**q, "page": page + 1}.items())
            headers["Link"] = f'<{self.url}{path}?{rest}>; rel="next"'
        return Answer(200, chunk, headers)

    def _update(self, number: int, body: Any) -> Answer:
        issue = self.issues[number]
        if not isinstance(body, dict):
            raise Reply(422, {"message": "Validation Failed"})
        if body.get("state") not in (None, "open", "closed"):
            raise Reply(422, {"message": "Validation Failed", "errors": [{"field": "state", "code": "invalid"}]})
        if body.get("state_reason") not in (None, "completed", "not_planned", "reopened"):
            raise Reply(422, {"message": "Validation Failed", "errors": [{"field": "state_reason", "code": "invalid"}]})
        if body.get("state") == "closed":
            issue.update(state="closed", state_reason=body.get("state_reason") or "completed", closed_at=_now())
        issue["updated_at"] = _now()
        return Answer(200, issue)
