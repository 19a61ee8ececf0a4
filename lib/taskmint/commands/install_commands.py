from __future__ import annotations

import argparse

from taskmint import output, project_commands
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser(
        "install-commands",
        help="write /task-create, /task-complete, /task-move and /task-show into .claude/commands/ "
             "(never overwriting a file of your own)",
    ).add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    outcomes = project_commands.install(project)
    if args.json:
        output.emit_json({"commands": [{"name": o.name, "path": project.rel(o.path), "action": o.action}
                                       for o in outcomes]})
    else:
        for outcome in outcomes:
            print(project_commands.describe(project, outcome))
    return 0
