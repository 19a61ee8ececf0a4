from __future__ import annotations

import argparse

from taskmint import output, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list tasks")
    p.add_argument("--status", help="only tasks with this status (any the project declares; case does not matter)")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    found = service.list_tasks(project, args.status)
    if args.json:
        output.emit_json({"tasks": found})
    else:
        for task in found:
            print(output.describe(task))
        if not found:
            print("no tasks")
    return 0
