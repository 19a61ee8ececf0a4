"""quickargs reads a command line exactly as taskmint's argparse parser does, or declines."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from taskmint import main, quickargs
from taskmint.errors import UsageError
from taskmint.parser import build_parser

QUICK = ("create", "show", "complete", "move", "list")


def _arguments_of(modules: dict):
    return lambda verb: getattr(modules.get(verb), "ARGUMENTS", None)


def _both(argv: list[str]) -> tuple[dict | None, dict | str]:
    """(quickargs' reading or None, argparse's reading or how it ended)."""
    modules = main._modules(argv)
    quick = quickargs.parse(argv, _arguments_of(modules))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            full = vars(build_parser(modules).parse_args(argv))
    except UsageError as e:
        full = f"usage error: {e}"
    except SystemExit as e:  # --help, --version
        full = f"exit {e.code}"
    return (None if quick is None else vars(quick)), full


def _tokens(verb: str) -> st.SearchStrategy[str]:
    module = main._modules([verb]).get(verb)
    flags = [a.flag for a in getattr(module, "ARGUMENTS", ()) if a.flag]
    mangled = [f[:-2] for f in flags if len(f) > 4] + [f"{f}=v" for f in flags] + [f"{f}=" for f in flags]
    odd = ["--", "-", "-h", "--help", "--root", "--root=r", "--version", "-1", "--unknown", "--json=1", "", " ",
           "two words", "-x y", "a=b", "--tag=-x", "--description=-d", "-T", "TASK-A3F2", "PROJ-12", "#34", "é"]
    plain = st.text(alphabet="abcXYZ-_ =#.", min_size=0, max_size=6)
    return st.one_of(st.sampled_from(flags or ["--json"]), st.sampled_from(mangled or ["--x"]), st.sampled_from(odd),
                     plain)


@st.composite
def _command_lines(draw) -> list[str]:
    head = draw(st.lists(st.sampled_from(["--root", "--root=/p", "/p", "--ro", "--version", "-h", "--root=", ""]),
                         max_size=3))
    verb = draw(st.sampled_from([*QUICK, "doctor", "sync", "nope", "Create", "--json"]))
    tail = draw(st.lists(_tokens(verb if verb in QUICK else "create"), max_size=7))
    return [*head, verb, *tail]


@st.composite
def _plain_lines(draw) -> list[str]:
    """Lines built from a verb's ARGUMENTS: mostly ones quickargs reads, with near misses."""
    verb = draw(st.sampled_from(QUICK))
    arguments = main._modules([verb])[verb].ARGUMENTS
    values = st.one_of(st.text(alphabet="abZ9 =.#-_é", max_size=5), st.sampled_from(["-", "-x", "--json", ""]))
    parts: list[list[str]] = []
    for arg in arguments:
        for _ in range(draw(st.integers(0, 2 if arg.flag else 1) if arg.flag else st.just(1))):
            if arg.kind == quickargs.POSITIONAL:
                parts.append([draw(values)])
            elif arg.kind == quickargs.FLAG:
                parts.append([arg.flag])
            elif draw(st.booleans()):
                parts.append([f"{arg.flag}={draw(values)}"])
            else:
                parts.append([arg.flag, draw(values)])
    if draw(st.integers(0, 9)) == 0:
        parts.append([draw(values)])  # one positional too many
    order = draw(st.permutations(range(len(parts))))
    root = draw(st.sampled_from([[], ["--root", "/p"], ["--root=/p q"], ["--root", "-"]]))
    return [*root, verb, *(token for i in order for token in parts[i])]


@settings(max_examples=1500 if os.environ.get("TASKMINT_HYPOTHESIS") != "full" else 20000, deadline=None)
@given(st.one_of(_command_lines(), _plain_lines()))
def test_quickargs_reads_a_line_as_argparse_does_or_declines(argv: list[str]) -> None:
    quick, full = _both(argv)
    event("read by quickargs" if quick is not None else "left to argparse")
    if quick is not None:
        assert quick == full


@pytest.mark.parametrize("argv", [
    ["create", "Fix the login page"],
    ["--root", "/p", "create", "Add retries", "--tag", "api", "--tag", "backend", "--priority", "high", "--json"],
    ["--root=/p", "create", "--epic", "EPIC-001", "Epic work", "--description", "why: it breaks"],
    ["create", "Sub", "--parent", "TASK-A3F2", "--description-file", "-"],
    ["create", "--prefix=FIX", "Quoted = sign", "--tag="],
    ["show", "PROJ-12"], ["show", "#34", "--json"], ["complete", "TASK-A3F2", "--json"],
    ["move", "ENG-7", "in_review"], ["move", "--json", "1234", "blocked"],
    ["list"], ["list", "--status", "backlog", "--status", "blocked", "--tag", "api", "--json"],
])
def test_the_everyday_lines_are_read_without_argparse(argv: list[str]) -> None:
    quick, full = _both(argv)
    assert quick is not None and quick == full


@pytest.mark.parametrize("argv", [
    ["create", "--pri", "high", "x"],  # an abbreviation: argparse expands it
    ["create", "x", "--priority", "-1"],  # a value that starts with -
    ["create", "--", "-x"], ["create", "-h"], ["--version"], [], ["--root", "/p"],
    ["create", "x", "--description", "a", "--description-file", "b"],  # exclusive: argparse's error
    ["create", "x", "y"], ["show"], ["show", "--json=yes", "X"], ["doctor"], ["create", "x", "--root", "/p"],
    ["list", "--status=--"], ["--root=--", "list"],  # argparse drops that "--" (found by the test above)
])
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert _both(argv)[0] is None


def test_a_create_does_not_import_argparse(tmp_path) -> None:
    """The same process the CLI is: a plain create never loads argparse, --help still works."""
    code = ("import sys\nfrom taskmint import main\ncode = main.main(sys.argv[1:])\n"
            "print('argparse' in sys.modules, file=sys.stderr)\nsys.exit(code)\n")
    run = lambda *args: subprocess.run([sys.executable, "-c", code, "--root", str(tmp_path), *args],
                                       capture_output=True, text=True, timeout=60)
    assert run("init", "--jira", "PROJ", "--no-commands").returncode == 0
    created = run("create", "A task", "--tag", "x")
    assert created.returncode == 0 and created.stderr.splitlines()[-1] == "False", created.stderr
    helped = run("create", "--help")
    assert helped.returncode == 0 and "--description-file FILE" in helped.stdout
