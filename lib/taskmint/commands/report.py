from __future__ import annotations

import argparse

from taskmint import output
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the facts about a task: IDs, dates, acceptance checkboxes, commits naming it")
    p.add_argument("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    from taskmint import report  # here, not at the top: only this verb runs git

    found = report.facts(project, args.id)
    if args.json:
        output.emit_json(found)
    else:
        print("\n".join(report.lines(found)))
    return 0
