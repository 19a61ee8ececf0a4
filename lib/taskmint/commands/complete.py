from __future__ import annotations

from taskmint import output, quickargs, service, sync
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse

ARGUMENTS = (
    quickargs.positional("id", help="internal ID (TASK-A3F2) or external ID (PROJ-12, ENG-7, #34, 1234)"),
    quickargs.flag("--json"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    quickargs.add_to(sub.add_parser("complete", help="mark a task completed and move it to tasks/completed/YYYY-MM/"), ARGUMENTS)


def run(project: Project, args: argparse.Namespace) -> int:
    sync.timeout()  # a bad TASKMINT_TRACKER_TIMEOUT is refused before anything changes
    task, already = service.complete(project, args.id)
    if task.get("pending"):
        task = sync.push_reported(project, task, service.show)
    if args.json:
        output.emit_json({**task, "already_completed": already})
    elif already:
        print(f"{task['id']} was already completed: {task['path']}")
    else:
        print(f"completed {output.describe(task)}")
    if task["open_subtasks"] and not args.json:
        print(output.open_subtasks_line(task))
    return 0
