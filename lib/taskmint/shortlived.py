"""How a taskmint process starts and ends: the CLI (bin/taskmint, the `taskmint` script) and
the hooks live for tens of milliseconds, so they skip two costs of a long-lived interpreter.

- No cyclic garbage collector: in a create it ran 13 times (2 to 2.7 ms, more the larger the
  state files) to free next to nothing before the process ended anyway.
- No interpreter teardown: once standard output and error are flushed, os._exit ends the
  process and the kernel frees its memory and closes its files (the lock with them) at once,
  where finalization freed every object one by one, the state files' bytes and the doctor's
  120,000 containers among them.

- No urllib.parse at start (import_pathlib): pathlib imports it, and it imports ipaddress, for
  Path.as_uri alone, which taskmint never calls: 2 to 7 ms of every command here
  (five runs of 60 interleaved starts each).

Nothing taskmint does waits for teardown: every file is written, closed and, where it
matters, fsynced inside the step that writes it, and no atexit handler is registered.
"""
from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn


_ending: list[object] | None = None  # what the exit frees, in a process run() runs


def run(main: Callable[[], int]) -> NoReturn:
    """Run ``main`` and end the process with the exit code it returns."""
    global _ending
    _ending = []
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - a closed pipe, say: the usual exit reports it as before
        sys.exit(code)
    os._exit(code)


def leave(obj: object) -> None:
    """Leave ``obj`` to the exit: in a process run() runs, nothing frees it one object at a
    time before os._exit (doctor's 10,000 tasks took 20 ms). Elsewhere (a test, a library
    caller) nothing is kept."""
    if _ending is not None:
        _ending.append(obj)


def import_pathlib() -> None:
    """Import pathlib without urllib.parse: a stand-in module gives pathlib the one function it
    takes from urllib.parse (quote_from_bytes, which imports the real one if it is ever called)
    and leaves sys.modules as soon as pathlib is in, so that any later import of urllib.parse
    (a tracker's) gets the real module. A pathlib that wants more from urllib.parse (another
    Python) is imported the usual way."""
    if "pathlib" in sys.modules or "urllib.parse" in sys.modules:
        return
    import types

    def quote_from_bytes(*args: object, **kwargs: object) -> str:
        from urllib.parse import quote_from_bytes as real

        return real(*args, **kwargs)

    stand_in = types.ModuleType("urllib.parse")
    stand_in.quote_from_bytes = quote_from_bytes  # type: ignore[attr-defined]
    sys.modules["urllib.parse"] = stand_in
    try:
        import pathlib  # noqa: F401
    except ImportError:
        pass  # the import system dropped the half-made pathlib: the caller's own import makes it
    finally:
        if sys.modules.get("urllib.parse") is stand_in:
            del sys.modules["urllib.parse"]
