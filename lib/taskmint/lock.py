"""The one inter-process lock around every read-modify-write of tasks and state."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taskmint.errors import TaskmintError

DEFAULT_TIMEOUT = 60.0


@contextmanager
def held(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the project lock. The lock file is never deleted: deleting it lets a waiter
    lock an orphaned inode while a newcomer locks a fresh file of the same name."""
    # filelock imports asyncio (~50 ms): only pay for it when a transaction really runs.
    from filelock import FileLock, Timeout

    if timeout is None:
        timeout = float(os.environ.get("TASKMINT_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TaskmintError(f"cannot create {path.parent}: {e.strerror}; check its permissions") from None
    # One instance per path (and a hold count per thread): a nested hold in the same
    # thread re-enters instead of waiting on itself until the timeout.
    lock = FileLock(str(path), is_singleton=True)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise TaskmintError(
            f"another taskmint process held the lock {path} for over {timeout:g}s; "
            "retry, or raise TASKMINT_LOCK_TIMEOUT"
        ) from None
    except OSError as e:
        raise TaskmintError(
            f"cannot lock {path}: {e.strerror or e}; make the file and its directory writable"
        ) from None
    try:
        yield
    finally:
        lock.release()
