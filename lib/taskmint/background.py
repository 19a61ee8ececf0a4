"""One call run on a second thread while the caller goes on: at 10,000 tasks a transaction
digests the 1.3 MB mapping file (2 ms in BLAKE2b, which lets go of the GIL) while it reads the
registry and the folder index.

The low-level _thread, not threading: importing threading cost a create 1.5 ms, more than
most of what it would overlap.
"""
from __future__ import annotations

import _thread

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Call:
    """``function(*args)`` started on a second thread (or, if none can be had, run at once)."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self._function, self._args = function, args
        self._value: Any = None
        self._error: BaseException | None = None
        self._done = _thread.allocate_lock()
        self._done.acquire()
        self._started = _thread.allocate_lock()
        self._started.acquire()
        try:
            _thread.start_new_thread(self._run, ())
        except RuntimeError:  # "can't start new thread": a process or memory limit
            self._run()
        # Wait until it runs. Else it waits for the GIL, which the caller takes back after each
        # short system call before the thread has woken up, for up to the 5 ms switch
        # interval: measured so, the digest overlapped nothing.
        self._started.acquire()

    def _run(self) -> None:
        self._started.release()
        try:
            self._value = self._function(*self._args)
        except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
            self._error = e
        finally:
            self._done.release()

    def result(self) -> Any:
        """What the call returned (waiting for it to end); raises what it raised."""
        with self._done:
            pass
        if self._error is not None:
            raise self._error
        return self._value
