from __future__ import annotations

import sys

from taskmint import output, quickargs, service
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse

ARGUMENTS = (
    quickargs.append("--status", help="any status the project declares (case does not matter); repeat for several"),
    quickargs.value("--tag", help="tasks with this tag"),
    quickargs.value("--priority", help=f"one of {', '.join(service.PRIORITIES)}"),
    quickargs.value("--epic", help="tasks of this epic, e.g. EPIC-001"),
    quickargs.value("--parent", metavar="ID", help="subtasks of this task, e.g. TASK-A3F2"),
    quickargs.flag("--json"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    quickargs.add_to(sub.add_parser("list", help="list tasks; every filter given must match"), ARGUMENTS)


def run(project: Project, args: argparse.Namespace) -> int:
    skipped: list[tuple[str, str]] = []
    found = service.list_tasks(project, args.status, tag=args.tag, priority=args.priority, epic=args.epic,
                               parent=args.parent, skipped=skipped)
    if args.json:
        output.emit_json({"tasks": found, "skipped": [{"path": path, "problem": why} for path, why in skipped]})
        return 0
    for task in found:
        print(output.describe(task))
    if not found:
        print("no tasks")
    # On stderr, so the task lines on stdout stay what a script reads.
    for path, why in skipped:
        print(f"taskmint: warning: skipped {path}: {why}", file=sys.stderr)
    if skipped:
        count = f"{len(skipped)} file{'s' * (len(skipped) != 1)}"
        print(f"taskmint: warning: {count} in tasks/ skipped; fix {'them' if len(skipped) > 1 else 'it'} "
              "by hand or see `taskmint doctor`", file=sys.stderr)
    return 0
