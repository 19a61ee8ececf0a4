from __future__ import annotations

import argparse
from pathlib import Path

from taskmint import state
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge-driver", help="git merge driver for the state files (set up by install-merge-driver)")
    p.add_argument("base", help="%%O: the common ancestor's version")
    p.add_argument("ours", help="%%A: this branch's version; the result is written here")
    p.add_argument("theirs", help="%%B: the other branch's version")


def run(project: Project, args: argparse.Namespace) -> int:
    from taskmint import merge  # here, not at the top: every other verb would pay for its imports

    for warning in merge.merge_files(Path(args.base), Path(args.ours), Path(args.theirs)):
        state.warn(warning)
    return 0
