from __future__ import annotations

from taskmint import output, quickargs, transitions
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse

ARGUMENTS = (
    quickargs.positional("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)"),
    quickargs.positional("status", help="backlog, in_progress, in_review, blocked, completed, or a status the project "
                         "declares in .claude/taskmint.yaml"),
    quickargs.flag("--json"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    quickargs.add_to(sub.add_parser("move", help="give a task another status and move its file to that status's "
                                    "folder (moving a completed task back reopens it)"), ARGUMENTS)


def run(project: Project, args: argparse.Namespace) -> int:
    moved = transitions.move(project, args.id, args.status)
    if args.json:
        output.emit_json({**moved.task, "previous_status": moved.previous, "changed": moved.changed,
                          "reopened": moved.reopened})
    else:
        print(moved.line())
    return 0
