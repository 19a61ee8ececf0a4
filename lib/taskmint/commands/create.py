from __future__ import annotations

import argparse

import sys
from pathlib import Path

from taskmint import output, service
from taskmint.errors import UsageError
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("create", help="create a task with fresh internal and external IDs")
    p.add_argument("title")
    p.add_argument("--priority", default="medium", help=f"one of {', '.join(service.PRIORITIES)} (default medium)")
    p.add_argument("--tag", action="append", default=[], dest="tags", help="repeat for several tags")
    p.add_argument("--prefix", help="2-4 upper-case letters or digits: TASK-<PREFIX>-<HASH>")
    p.add_argument("--epic", help="epic ID; EPIC-001 also gives the prefix E01 unless --prefix is given")
    p.add_argument("--parent", help="make a subtask <PARENT>.<n> of this task")
    body = p.add_mutually_exclusive_group()
    body.add_argument("--description", metavar="TEXT", help="the task's description (its body, under ## Description)")
    body.add_argument("--description-file", metavar="FILE", help="read the description from FILE (- for stdin)")
    p.add_argument("--json", action="store_true")


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
    task = service.create(
        project, args.title, priority=args.priority, tags=args.tags,
        prefix=args.prefix, epic=args.epic, parent=args.parent, description=_description(args),
    )
    if args.json:
        output.emit_json(task)
    else:
        print(f"created {output.describe(task)}")
    return 0
