from __future__ import annotations

import argparse

from taskmint import output, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("show", help="show a task by internal or external ID")
    p.add_argument("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    task = service.show(project, args.id)
    if args.json:
        output.emit_json(task)
    else:
        print(output.describe(task))
        if task["subtasks"]:
            print(f"  subtasks ({len(task['subtasks'])}):")
            for sub in task["subtasks"]:
                print(f"    {sub['id']}  [{sub['status']}]  {sub['title']}")
    return 0
