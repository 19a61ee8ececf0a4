"""The facts about a task that taskmint can prove, for `taskmint report` and /task-complete.

Nothing here is a claim: acceptance counts come from the task body's Markdown checkboxes
(those under an "Acceptance" heading when there is one), and commits from `git log` of the
project, matched on the task's internal or external IDs as whole words.
"""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from typing import Any

from taskmint import service
from taskmint.project import Project
from taskmint.transaction import transaction

REPORT_HEADING = "## Completion report"
_REPORT_TITLE = REPORT_HEADING[3:].lower()
_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BOX_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX])\][ \t]+(.*\S)[ \t]*$")
_FENCE_RE = re.compile(r"^[ \t]*(```|~~~)")
_GIT_TIMEOUT = 30


def facts(project: Project, ref: str) -> dict[str, Any]:
    with transaction(project) as txn:
        task = service.resolve(project, txn, ref)
        found = service.info(project, task.path, task.meta)
        body = task.doc.tail.partition("\n")[2] if task.doc is not None else task.text
    result: dict[str, Any] = {key: found.get(key) for key in ("id", "title", "status", "path", "external_ids",
                                                             "created", "completed")}
    created, completed = _when(task.meta.get("created")), _when(task.meta.get("completed"))
    seconds = int((completed - created).total_seconds()) if created and completed else None
    result["duration_seconds"] = seconds
    result["duration"] = _human(seconds) if seconds is not None else None
    result["acceptance"] = acceptance(body)
    ids = [found["id"], *found["external_ids"].values()] if found["id"] else list(found["external_ids"].values())
    result["git"], result["commits"] = commits(project, ids, found["external_ids"])
    return result


def acceptance(body: str) -> dict[str, Any]:
    """{"done", "total", "open"} of the checkboxes in ``body``: those in sections whose heading
    names acceptance when there are any, else all of them; never those in fenced code or in
    an earlier completion report."""
    boxes: list[tuple[bool, str, bool]] = []  # (checked, text, under an acceptance heading)
    fenced = False
    headings: list[tuple[int, str]] = []  # the headings the current line is under
    for line in body.splitlines():
        if _FENCE_RE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            depth = len(heading.group(1))
            while headings and headings[-1][0] >= depth:
                headings.pop()
            headings.append((depth, heading.group(2).strip().lower()))
            continue
        box = _BOX_RE.match(line)
        if box and not any(title == _REPORT_TITLE for _, title in headings):
            boxes.append((box.group(1) != " ", box.group(2), any("acceptance" in t for _, t in headings)))
    if any(under for _, _, under in boxes):
        boxes = [b for b in boxes if b[2]]
    return {"done": sum(1 for checked, _, _ in boxes if checked), "total": len(boxes),
            "open": [text for checked, text, _ in boxes if not checked]}


def commits(project: Project, ids: list[str], external: dict[str, str]) -> tuple[bool, list[dict[str, str]]]:
    """(whether the project is a git work tree, the commits reachable from HEAD whose message
    names one of ``ids``), newest first."""
    patterns = [_id_pattern(i, _tool_of(i, external)) for i in ids if i]
    if not patterns:
        return _is_repo(project), []
    args = ["git", "-C", str(project.root), "log", "--format=%H%x00%s%x00%B%x1e", "-F", "-i"]
    args += [f"--grep={_grep_text(i)}" for i in ids if i]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=_GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False, []
    if proc.returncode != 0:
        return _is_repo(project), []  # not a repository, or one without commits yet
    wanted = re.compile("|".join(patterns), re.IGNORECASE)
    found = []
    for record in proc.stdout.split("\x1e"):
        parts = record.strip("\n").split("\x00")
        if len(parts) == 3 and wanted.search(parts[2]):
            found.append({"sha": parts[0], "subject": parts[1]})
    return True, found


def _tool_of(value: str, external: dict[str, str]) -> str | None:
    return next((tool for tool, v in external.items() if v == value), None)


def _grep_text(value: str) -> str:
    return value.lstrip("#") if value.startswith("#") else value


def _id_pattern(value: str, tool: str | None) -> str:
    if tool == "github":  # #34, not #345 or &#34
        return rf"(?<![\w&#]){re.escape(value)}(?!\d)"
    if tool == "azure_devops":  # AB#1234, Azure Boards' own commit syntax
        return rf"\bAB#{re.escape(value)}(?!\d)"
    # TASK-A3F2 but not TASK-A3F2.1 or TASK-A3F2B; PROJ-1 but not PROJ-12
    return rf"(?<![\w.-]){re.escape(value)}(?![\w]|\.\d)"


def _is_repo(project: Project) -> bool:
    try:
        proc = subprocess.run(["git", "-C", str(project.root), "rev-parse", "--is-inside-work-tree"],
                              capture_output=True, text=True, timeout=_GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _human(seconds: int) -> str:
    if seconds < 0:
        return f"-{_human(-seconds)}"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) if parts else f"{secs}s"


def lines(found: dict[str, Any]) -> list[str]:
    """The facts as plain lines, for people and for the model."""
    external = ", ".join(f"{t}: {v}" for t, v in found["external_ids"].items()) or "none"
    out = [f"{found['id']}  {found['title']}", f"  status: {found['status']}  path: {found['path']}",
           f"  external IDs: {external}", f"  created: {found['created'] or 'unknown'}"
           f"  completed: {found['completed'] or 'not completed'}"
           + (f"  (took {found['duration']})" if found["duration"] else "")]
    acc = found["acceptance"]
    if acc["total"]:
        out.append(f"  acceptance criteria: {acc['done']} of {acc['total']} checked")
        out += [f"    open: {text}" for text in acc["open"]]
    else:
        out.append("  acceptance criteria: none found (no Markdown checkboxes in the task body)")
    if not found["git"]:
        out.append("  commits: none (the project is not a git repository)")
    elif not found["commits"]:
        out.append("  commits: none name this task's IDs")
    else:
        out.append(f"  commits naming this task: {len(found['commits'])}")
        out += [f"    {c['sha'][:12]} {c['subject']}" for c in found["commits"]]
    return out

