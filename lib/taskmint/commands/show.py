from __future__ import annotations

from taskmint import output, quickargs, service
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse

ARGUMENTS = (
    quickargs.positional("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)"),
    quickargs.flag("--json"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    quickargs.add_to(sub.add_parser("show", help="show a task by internal or external ID"), ARGUMENTS)


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
