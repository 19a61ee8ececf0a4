"""The taskmint command line: parse, dispatch, and turn known errors into one line."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import NoReturn

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
    "sync": "sync",
    "link": "link",
}


def _modules(argv: Sequence[str]) -> dict:
    """The command modules the parser needs: only the verb's own when the command line names
    one (each module's imports are its verb's), every one for `--help` and mistakes."""
    import importlib

    verb = _verb(argv)
    chosen = {verb: COMMANDS[verb]} if verb is not None else COMMANDS
    return {v: importlib.import_module(f"taskmint.commands.{name}") for v, name in chosen.items()}


def _verb(argv: Sequence[str]) -> str | None:
    """The verb ``argv`` names, or None when it names none or asks for the top-level help."""
    args = iter(argv)
    for arg in args:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
        option, equals, _ = arg.partition("=")
        if len(option) < 3 or not "--root".startswith(option):
            return None  # --help, --version, or a mistake argparse words best
        if not equals:
            next(args, None)  # --root DIR (or an abbreviation: --ro DIR)
    return None


def _parse(argv: Sequence[str], modules: dict):
    """The command line as argparse reads it: by quickargs when it is a plain one of a verb
    that lists its ARGUMENTS, by the argparse parser otherwise."""
    from taskmint import quickargs

    args = quickargs.parse(argv, lambda verb: getattr(modules.get(verb), "ARGUMENTS", None))
    if args is None:
        from taskmint.parser import build_parser

        args = build_parser(modules).parse_args(argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from taskmint import lock
    from taskmint.project import find_project

    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        modules = _modules(argv)
        args = _parse(argv, modules)
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


def run() -> NoReturn:
    """The command line as a process: main(), then the exit (see shortlived)."""
    from taskmint import shortlived

    shortlived.run(main)


if __name__ == "__main__":
    run()
