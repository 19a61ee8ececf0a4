from __future__ import annotations

import sys
from pathlib import Path

from taskmint import output, quickargs, service, sync
from taskmint.errors import UsageError
from taskmint.project import Project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse

ARGUMENTS = (
    quickargs.positional("title"),
    quickargs.value("--priority", default="medium", help=f"one of {', '.join(service.PRIORITIES)} (default medium)"),
    quickargs.append("--tag", default=[], dest="tags", help="repeat for several tags"),
    quickargs.value("--prefix", help="2-4 upper-case letters or digits: TASK-<PREFIX>-<HASH>"),
    quickargs.value("--epic", help="epic ID; EPIC-001 also gives the prefix E01 unless --prefix is given"),
    quickargs.value("--parent", help="make a subtask <PARENT>.<n> of this task"),
    quickargs.value("--description", metavar="TEXT", group="body",
                    help="the task's description (its body, under ## Description)"),
    quickargs.value("--description-file", metavar="FILE", group="body",
                    help="read the description from FILE (- for stdin)"),
    quickargs.flag("--json"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    quickargs.add_to(sub.add_parser("create", help="create a task with fresh internal and external IDs"), ARGUMENTS)


def _description(args: argparse.Namespace) -> str | None:
    if args.description_file is None:
        return args.description
    name = args.description_file
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        return raw.decode("utf-8")
    except OSError as e:
        raise UsageError(f"cannot read the description file {name}: {e.strerror or e}; give a readable file") from None
    except UnicodeDecodeError as e:
        raise UsageError(f"the description file {name} is not valid UTF-8 (byte {e.start}); re-save it as UTF-8") \
            from None


def run(project: Project, args: argparse.Namespace) -> int:
    sync.timeout()  # a bad TASKMINT_TRACKER_TIMEOUT is refused before anything is created
    task = service.create(
        project, args.title, priority=args.priority, tags=args.tags,
        prefix=args.prefix, epic=args.epic, parent=args.parent, description=_description(args),
    )
    if task.get("pending"):  # the task exists now; the trackers may keep it pending, never fail it
        task = sync.push_reported(project, task, service.show)
    if args.json:
        output.emit_json(task)
    else:
        print(f"created {output.describe(task)}")
    return 0
