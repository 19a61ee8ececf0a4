"""The taskmint command line: parse, dispatch, and turn known errors into one line."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from taskmint import __version__
from taskmint.errors import TaskmintError, UsageError

# verb -> module under taskmint.commands
COMMANDS = {
    "init": "init",
    "create": "create",
    "complete": "complete",
    "show": "show",
    "move": "move",
    "report": "report",
    "list": "list_tasks",
    "doctor": "doctor",
    "migrate": "migrate",
    "install-commands": "install_commands",
    "install-merge-driver": "install_merge_driver",
    "merge-driver": "merge_driver",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}; see `{self.prog} --help`")


def _modules() -> dict:
    import importlib

    return {verb: importlib.import_module(f"taskmint.commands.{name}") for verb, name in COMMANDS.items()}


def build_parser(modules: dict) -> argparse.ArgumentParser:
    parser = _Parser(prog="taskmint", description="Collision-free task IDs and PM-tool external IDs.")
    parser.add_argument("--version", action="version", version=f"taskmint {__version__}")
    parser.add_argument("--root", help="project directory (default: $CLAUDE_PROJECT_DIR, the git top level, or the cwd)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in modules.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from taskmint import lock
    from taskmint.project import find_project

    try:
        modules = _modules()
        args = build_parser(modules).parse_args(argv)
        if args.command is None:
            raise UsageError("no command given; see `taskmint --help`")
        # Checked before any verb starts: init writes its config before it takes the lock.
        lock.env_timeout()
        code = modules[args.command].run(find_project(args.root), args)
        sys.stdout.flush()  # here, so a closed pipe is seen by the handler below, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`taskmint list | head -1`): end quietly, like git. Point
        # stdout at /dev/null so the interpreter's last flush cannot complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except TaskmintError as e:
        print(f"taskmint: error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"taskmint: error: cannot write or read{where}: {e.strerror or e}; nothing was changed "
              "by the failed step, fix the cause and retry", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("taskmint: error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not a user mistake: still one line unless asked
        if os.environ.get("TASKMINT_DEBUG"):
            raise
        print(f"taskmint: internal error: {type(e).__name__}: {e} (set TASKMINT_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
