"""PostToolUse: register a task file the agent wrote under tasks/<status>/.

A thin adapter: the hook payload becomes a call of registration.register, and its outcome
the answer the agent reads.
"""
from __future__ import annotations

import os

from taskmint.errors import TaskmintError
from taskmint.plugin.answer import Answer, context
from taskmint.plugin.entry import locate
from taskmint.project import Project, find_project
from taskmint.registration import Registered, register

EVENT = "PostToolUse"
__all__ = ["EVENT", "describe", "handle", "register"]


def handle(payload: dict) -> Answer:
    tool_input = payload.get("tool_input") or {}
    cwd = payload.get("cwd") or os.getcwd()
    response = payload.get("tool_response")
    previous = response.get("originalFile") if isinstance(response, dict) else None
    project = find_project(None)
    if not project.opted_in:
        return Answer()  # no `taskmint init` here: not ours to touch
    rel = locate(str(project.root), cwd, tool_input.get("file_path", ""))
    if rel is None:
        return Answer()
    path = project.root / rel  # as the project names it, whichever side a symlink is on
    try:
        done = register(project, path, previous if isinstance(previous, str) else None)
    except TaskmintError as e:
        return context(EVENT, f"taskmint did not register {project.rel(path)} as a task: {e}")
    if done is None:
        return Answer()
    return context(EVENT, describe(project, done), f"taskmint: {project.rel(done.path)} is {done.task_id}"
                   + (f" ({', '.join(done.external.values())})" if done.external else ""))


def describe(project: Project, done: Registered) -> str:
    external = ", ".join(f"{tool} {value}" for tool, value in done.external.items()) or "none configured"
    lines = [f"taskmint registered the task file {project.rel(done.renamed_from or done.path)}: {done.why}. "
             f"Its ID is {done.task_id}; its external IDs are: {external}."]
    if done.renamed_from is not None:
        lines.append(f"The file was renamed to {project.rel(done.path)}; use that path from now on.")
    lines.append("taskmint rewrote the frontmatter keys it owns (id, external_ids and missing defaults); "
                 "never change id or external_ids yourself.")
    return " ".join(lines)
