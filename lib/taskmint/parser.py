"""taskmint's argparse parser: help, and every command line quickargs does not read."""
from __future__ import annotations

import argparse
import os
import sys

from taskmint import __version__
from taskmint.errors import UsageError


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        # argparse would import shutil (and bz2, lzma, zlib with it) for the width on every run,
        # since add_argument builds a formatter; only --help needs it.
        super().__init__(prog, indent_increment, max_help_position, width or _columns() - 2)


def _columns() -> int:
    """shutil.get_terminal_size().columns, without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", 0))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}; see `{self.prog} --help`")


def build_parser(modules: dict) -> argparse.ArgumentParser:
    parser = _Parser(prog="taskmint", description="Collision-free task IDs and PM-tool external IDs.")
    parser.add_argument("--version", action="version", version=f"taskmint {__version__}")
    parser.add_argument("--root", help="project directory (default: $CLAUDE_PROJECT_DIR, the git top level, or the cwd)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in modules.values():
        module.add_parser(sub)
    return parser
