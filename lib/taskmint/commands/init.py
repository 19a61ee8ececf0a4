from __future__ import annotations

import argparse

from taskmint import output, project_commands, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="write .claude/taskmint.yaml and the tasks/ folders")
    p.add_argument("--jira", metavar="KEY", help="Jira project key, e.g. PROJ")
    p.add_argument("--linear", metavar="KEY", help="Linear team key, e.g. ENG")
    p.add_argument("--github", action="store_true", help="issue GitHub numbers (#34)")
    p.add_argument("--azure-devops", action="store_true", help="issue Azure DevOps numbers (1234)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config")
    p.add_argument("--no-commands", action="store_true",
                   help="do not write /task-create and the other commands into .claude/commands/")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    path = service.init(project, args.jira, args.linear, args.github, args.azure_devops, args.force)
    outcomes = [] if args.no_commands else project_commands.install(project)
    if args.json:
        output.emit_json({"config": project.rel(path),
                          "commands": [{"name": o.name, "path": project.rel(o.path), "action": o.action}
                                       for o in outcomes]})
    else:
        print(f"wrote {project.rel(path)}")
        for outcome in outcomes:
            print(project_commands.describe(project, outcome))
    return 0
