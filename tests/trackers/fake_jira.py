"""A fake of Jira Cloud's REST API v3, written from its public documentation.

Served: ``POST /rest/api/3/issue`` (201 ``{id, key, self}``; 400 with ``errors`` for a missing
project or issue type, a summary with a newline or over 255 characters, labels with spaces,
and a description that is not an Atlassian Document, as a plain string is),
``POST /rest/api/3/search/jql`` (the JQL forms ``project = "K" AND labels = "L"`` with an
optional ``ORDER BY created ASC|DESC``; other JQL is a 400), ``GET /rest/api/3/issue/{key}``,
``GET``/``POST /rest/api/3/issue/{key}/transitions`` (204). Auth: Basic ``email:token`` or
Bearer ``token``; anything else is 401.

The workflow is named as no default one is: To Do (new) -> In Progress (indeterminate) ->
Shipped (done), so a client that picks a transition by name rather than by the target status
category fails here.
"""
from __future__ import annotations

import base64
import re
from typing import Any

from fakehttp import Answer, FakeServer, Reply

STATUSES = {"1": ("To Do", "new"), "3": ("In Progress", "indeterminate"), "10001": ("Shipped", "done")}
TRANSITIONS = [("11", "Back to backlog", "1"), ("21", "Start work", "3"), ("31", "Ship it", "10001")]
_JQL = re.compile(r'project = "([A-Z][A-Z0-9_]*)" AND labels = "([^"\s]+)"(?: ORDER BY created (ASC|DESC))?')


class FakeJira(FakeServer):
    def __init__(self, project: str = "PROJ", email: str | None = "dev@example.invalid",
                 token: str = "jira-test-token", issue_types: tuple[str, ...] = ("Task", "Bug")) -> None:
        super().__init__()
        self.project = project
        self.email = email
        self.token = token
        self.issue_types = issue_types
        self.issues: dict[str, dict[str, Any]] = {}
        self._ids = iter(range(10001, 10 ** 9))
        # True: the search does not show issues yet, as Jira's index lags behind its writes
        self.index_lag = False

    def issues_with_label(self, task_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [i for i in self.issues.values() if f"taskmint:{task_id}" in i["fields"]["labels"]]

    def _auth_ok(self, header: str | None) -> bool:
        if self.email is None:
            return header == f"Bearer {self.token}"
        return header == "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()

    def handle(self, method: str, path: str, query: dict, headers: dict, body: Any) -> Answer:
        if not self._auth_ok(headers.get("authorization")):
            raise Reply(401, {"errorMessages": ["You are not authenticated. Authentication required."]})
        with self.lock:
            if path == "/rest/api/3/issue" and method == "POST":
                return self._create(body)
            if path == "/rest/api/3/search/jql" and method == "POST":
                return self._search(body)
            m = re.fullmatch(r"/rest/api/3/issue/([^/]+)(/transitions)?", path)
            if m:
                issue = self.issues.get(m.group(1).upper())
                if issue is None:
                    raise Reply(404, {"errorMessages": ["Issue does not exist or you do not have permission to "
                                                        "see it."], "errors": {}})
                if m.group(2) and method == "GET":
                    return Answer(200, {"transitions": [self._transition(t) for t in TRANSITIONS
                                                        if t[2] != issue["fields"]["status"]["id"]]})
                if m.group(2) and method == "POST":
                    return self._do_transition(issue, body)
                if method == "GET":
                    return Answer(200, issue)
        raise Reply(404, {"errorMessages": ["Not found"]})

    def _transition(self, t: tuple[str, str, str]) -> dict:
        name, category = STATUSES[t[2]]
        return {"id": t[0], "name": t[1], "hasScreen": False, "isAvailable": True,
                "to": {"id": t[2], "name": name, "statusCategory": {"key": category}}}

    def _status(self, status_id: str) -> dict:
        name, category = STATUSES[status_id]
        return {"id": status_id, "name": name, "statusCategory": {"key": category}}

    def _create(self, body: Any) -> Answer:
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise Reply(400, {"errorMessages": ["Request body is missing fields"], "errors": {}})
        errors: dict[str, str] = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        if (fields.get("issuetype") or {}).get("name") not in self.issue_types:
            errors["issuetype"] = "Specify a valid issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif "\n" in summary or "\r" in summary:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        elif len(summary) > 254:
            errors["summary"] = "Summary must be less than 255 characters."
        desc = fields.get("description")
        if desc is not None and not (isinstance(desc, dict) and desc.get("type") == "doc"
                                     and desc.get("version") == 1 and isinstance(desc.get("content"), list)):
            errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or any(not isinstance(x, str) or re.search(r"\s", x) or len(x) > 255
                                               for x in labels):
            errors["labels"] = "The label must not contain spaces and be at most 255 characters."
        if errors:
            raise Reply(400, {"errorMessages": [], "errors": errors})
        issue_id = str(next(self._ids))
        key = f"{self.project}-{len(self.issues) + 1}"
        self.issues[key] = {
            "id": issue_id, "key": key, "self": f"{self.url}/rest/api/3/issue/{issue_id}",
            "fields": {"summary": summary, "description": desc, "labels": list(labels),
                       "issuetype": {"name": fields["issuetype"]["name"]}, "status": self._status("1"),
                       "created_seq": len(self.issues)},
        }
        return Answer(201, {"id": issue_id, "key": key, "self": self.issues[key]["self"]})

    def _search(self, body: Any) -> Answer:
        jql = body.get("jql") if isinstance(body, dict) else None
        m = _JQL.fullmatch(jql or "")
        if not m:
            raise Reply(400, {"errorMessages": [f"Error in the JQL Query: unsupported by this fake: {jql!r}"],
                              "errors": {}})
        if m.group(1) != self.project:
            raise Reply(400, {"errorMessages": [f"The value '{m.group(1)}' does not exist for the field 'project'."]})
        found = [] if self.index_lag else [i for i in self.issues.values() if m.group(2) in i["fields"]["labels"]]
        found.sort(key=lambda i: i["fields"]["created_seq"], reverse=m.group(3) == "DESC")
        limit = int(body.get("maxResults") or 50)
        return Answer(200, {"issues": found[:limit], "isLast": len(found) <= limit})

    def _do_transition(self, issue: dict, body: Any) -> Answer:
        wanted = ((body or {}).get("transition") or {}).get("id")
        for t in TRANSITIONS:
            if t[0] == wanted and t[2] != issue["fields"]["status"]["id"]:
                issue["fields"]["status"] = self._status(t[2])
                return Answer(204)
        raise Reply(400, {"errorMessages": ["It seems that you have tried to perform a workflow operation on "
                                            f"{issue['key']} that is not valid for the current state."]})
