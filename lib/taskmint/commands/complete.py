from __future__ import annotations

import argparse

from taskmint import output, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("complete", help="mark a task completed and move it to tasks/completed/YYYY-MM/")
    p.add_argument("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    task, already = service.complete(project, args.id)
    if args.json:
        output.emit_json({**task, "already_completed": already})
    elif already:
        print(f"{task['id']} was already completed: {task['path']}")
    else:
        print(f"completed {output.describe(task)}")
    if task["open_subtasks"] and not args.json:
        print(output.open_subtasks_line(task))
    return 0
