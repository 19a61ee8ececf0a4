from __future__ import annotations

import argparse

from taskmint import output, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("link", help="attach an existing tracker issue to a task (checked to exist)")
    p.add_argument("id", help="the task: TASK-A3F2")
    p.add_argument("issue", help="TOOL:KEY, e.g. github:34 or jira:PROJ-12")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    task = service.link(project, args.id, args.issue)
    if args.json:
        output.emit_json(task)
    else:
        print(f"linked {output.describe(task)}")
    return 0
