"""The everyday command lines, read without argparse.

argparse cost a create about 8 ms here (its import with gettext and locale, building the
parser, its first message lookups): more than the create's own work. A verb module that lists
its arguments in ``ARGUMENTS`` gets its command line read here when it is one argparse reads
in exactly one way: long options spelt out, values that do not start with ``-``, the right
number of positionals. Anything else (help, an abbreviation, ``--``, a value starting with
``-``, a mistake) gives None, and argparse reads it with its usual messages. ``add_to`` builds
the verb's argparse parser from the same ``ARGUMENTS``, and tests prove the two read alike.
"""
from __future__ import annotations

from types import SimpleNamespace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

POSITIONAL, VALUE, APPEND, FLAG = "positional", "value", "append", "flag"
_ROOT = "--root"


class Arg:
    """One argument of a verb: a positional, an option taking a value (kept, or appended to a
    list), or a flag."""

    __slots__ = ("kind", "flag", "dest", "default", "help", "metavar", "group")

    def __init__(self, kind: str, name: str, *, dest: str | None = None, default: object = None,
                 help: str | None = None, metavar: str | None = None, group: str | None = None) -> None:
        self.kind, self.help, self.metavar, self.group = kind, help, metavar, group
        self.flag = None if kind == POSITIONAL else name
        self.dest = dest or name.lstrip("-").replace("-", "_")  # argparse's own choice of dest
        self.default = False if kind == FLAG else default


def positional(name: str, help: str | None = None) -> Arg:
    return Arg(POSITIONAL, name, help=help)


def value(flag: str, **kwargs) -> Arg:
    return Arg(VALUE, flag, **kwargs)


def append(flag: str, **kwargs) -> Arg:
    return Arg(APPEND, flag, **kwargs)


def flag(flag: str, help: str | None = None) -> Arg:
    return Arg(FLAG, flag, help=help)


def add_to(parser: argparse.ArgumentParser, arguments: Sequence[Arg]) -> None:
    """Declare ``arguments`` on a verb's argparse parser (for help, and what parse declines)."""
    groups: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for arg in arguments:
        target = parser
        if arg.group is not None:
            target = groups.get(arg.group) or groups.setdefault(arg.group, parser.add_mutually_exclusive_group())
        described = {k: v for k, v in (("help", arg.help), ("metavar", arg.metavar)) if v is not None}
        if arg.kind == POSITIONAL:
            target.add_argument(arg.dest, **described)
        elif arg.kind == FLAG:
            target.add_argument(arg.flag, dest=arg.dest, action="store_true", **described)
        else:
            action = "append" if arg.kind == APPEND else "store"
            target.add_argument(arg.flag, dest=arg.dest, action=action, default=arg.default, **described)


def parse(argv: Sequence[str], arguments_of: Callable[[str], Sequence[Arg] | None]) -> SimpleNamespace | None:
    """What ``taskmint``'s argparse parser gives for ``argv`` (same attributes, same values),
    or None when argv is not a plain command line of a verb with ``ARGUMENTS``."""
    found: dict[str, object] = {"root": None}
    at = 0
    while at < len(argv) and _option_like(argv[at]):  # taskmint's own options: only --root
        name, equals, inline = argv[at].partition("=")
        if name != _ROOT:
            return None
        if equals:
            if inline == "--":
                return None
            found["root"], at = inline, at + 1
        elif at + 1 < len(argv) and not _option_like(argv[at + 1]):
            found["root"], at = argv[at + 1], at + 2
        else:
            return None
    if at == len(argv):
        return None
    verb = argv[at]
    arguments = arguments_of(verb)
    if arguments is None:
        return None
    found["command"] = verb
    options = {arg.flag: arg for arg in arguments if arg.flag is not None}
    for arg in arguments:
        found[arg.dest] = arg.default
    positionals: list[str] = []
    in_group: dict[str, Arg] = {}
    rest = argv[at + 1:]
    at = 0
    while at < len(rest):
        token = rest[at]
        at += 1
        if not _option_like(token):
            positionals.append(token)
            continue
        name, equals, inline = token.partition("=")
        arg = options.get(name)
        if arg is None:
            return None
        if arg.group is not None and in_group.setdefault(arg.group, arg) is not arg:
            return None  # two options argparse says are exclusive
        if arg.kind == FLAG:
            if equals:
                return None
            found[arg.dest] = True
            continue
        if not equals:
            if at == len(rest) or _option_like(rest[at]):
                return None
            inline, at = rest[at], at + 1
        elif inline == "--":
            return None  # argparse drops a "--" even here (--status=-- gives [[]])
        if arg.kind == APPEND:
            found[arg.dest] = [*(found[arg.dest] or ()), inline]  # a new list: the default stays as it is
        else:
            found[arg.dest] = inline
    wanted = [arg for arg in arguments if arg.kind == POSITIONAL]
    if len(positionals) != len(wanted):
        return None
    for arg, text in zip(wanted, positionals):
        found[arg.dest] = text
    return SimpleNamespace(**found)


def _option_like(token: str) -> bool:
    """What argparse may take for an option (or a negative number): anything starting with -,
    except - itself, which it reads as a value (stdin, by convention)."""
    return token.startswith("-") and token != "-"
