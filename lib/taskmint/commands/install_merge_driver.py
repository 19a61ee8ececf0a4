from __future__ import annotations

import argparse

from taskmint import output
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser(
        "install-merge-driver",
        help="configure this clone's git to merge the state files with taskmint, and add a post-merge check",
    ).add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    from taskmint import merge  # here, not at the top: every other verb would pay for its imports

    done = merge.install(project)
    if args.json:
        output.emit_json({"done": done})
    else:
        for line in done:
            print(line)
    return 0
