"""How a taskmint process starts and ends: the CLI (bin/taskmint, the `taskmint` script) and
the hooks live for tens of milliseconds, so they skip two costs of a long-lived interpreter.

- No cyclic garbage collector: in a create it ran 13 times (2 to 2.7 ms, more the larger the
  state files) to free next to nothing before the process ended anyway.
- No interpreter teardown: once standard output and error are flushed, os._exit ends the
  process and the kernel frees its memory and closes its files (the lock with them) at once,
  where finalization freed every object one by one, the state files' bytes and the doctor's
  120,000 containers among them.

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
