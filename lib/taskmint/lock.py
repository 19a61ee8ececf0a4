"""The one inter-process lock around every read-modify-write of tasks and state."""
from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taskmint.errors import TaskmintError, UsageError

DEFAULT_TIMEOUT = 60.0
TIMEOUT_ENV = "TASKMINT_LOCK_TIMEOUT"


def timeout_problem() -> str | None:
    """What is wrong with $TASKMINT_LOCK_TIMEOUT, or None when it is unset or usable. Only a
    finite number of seconds >= 0 is: float() takes "nan" and "inf", and filelock reads a
    negative timeout as "wait forever", which no one writes on purpose."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value >= 0:
        return None
    return (f"{TIMEOUT_ENV}={raw!r} is not a number of seconds (0 or more); set it to one such as 60 "
            "(0 tries the lock once), or unset it")


def env_timeout() -> float:
    """The lock timeout from the environment; a bad value is a usage error (exit 2)."""
    problem = timeout_problem()
    if problem:
        raise UsageError(problem)
    raw = os.environ.get(TIMEOUT_ENV)
    return DEFAULT_TIMEOUT if raw is None else float(raw)


@contextmanager
def held(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the project lock. The lock file is never deleted: deleting it lets a waiter
    lock an orphaned inode while a newcomer locks a fresh file of the same name."""
    # filelock imports asyncio (~50 ms): only pay for it when a transaction really runs.
    from filelock import FileLock, Timeout

    if timeout is None:
        timeout = env_timeout()
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
