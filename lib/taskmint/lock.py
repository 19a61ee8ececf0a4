"""The one inter-process lock around every read-modify-write of tasks and state.

The lock is ``flock(LOCK_EX)`` on one lock file, the primitive filelock's ``FileLock`` uses on
Unix, so the two exclude each other on the same file. taskmint calls it directly: importing
filelock 4.x costs more than the rest of a create (its package init loads ``_core``, which pulls
in logging, inspect, decimal, platform and more; measured in bench/bench.py), and every verb
and hook takes this lock. filelock still takes over wherever ``flock`` is unavailable (a
platform without fcntl, a filesystem that answers ENOSYS), where it falls back to its soft lock.
"""
from __future__ import annotations

import errno
import os
import time
from _thread import get_ident  # threading's own source of thread IDs, without importing threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taskmint.errors import TaskmintError, UsageError

DEFAULT_TIMEOUT = 60.0
_CONTENDED = {errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK}
# Seconds between two tries while another process holds the lock. Holds last milliseconds,
# and a waiter that sleeps longer than a hold leaves the lock idle: with filelock's 50 ms, 8
# processes creating at once took 2.4x as long as one doing it all. A try is one syscall.
_POLL_FIRST, _POLL_MAX = 0.0005, 0.005

# (pid, thread, lock path) -> [fd, hold count] of the holds of this process: a nested hold in
# the same thread re-enters instead of waiting on itself until the timeout. flock belongs to
# the open file, so another thread (with its own fd) still waits, and a forked child (another
# pid) never takes its parent's hold for its own.
_held: dict[tuple[int, int, str], list[int]] = {}


class _Unsupported(Exception):
    """flock is not available for this file: filelock's fallback decides."""


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
        value = -1.0
    if 0 <= value < float("inf"):  # false for nan too
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
    lock an orphaned inode while a newcomer locks a fresh file of the same name (filelock#574)."""
    if timeout is None:
        timeout = env_timeout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TaskmintError(f"cannot create {path.parent}: {e.strerror}; check its permissions") from None
    key = (os.getpid(), get_ident(), str(path))
    hold = _held.get(key)
    if hold is not None:
        hold[1] += 1
        try:
            yield
        finally:
            hold[1] -= 1
        return
    try:
        fd = _acquire(path, timeout)
    except _Unsupported:
        with _held_by_filelock(path, timeout):
            yield
        return
    _held[key] = [fd, 1]
    try:
        yield
    finally:
        del _held[key]
        os.close(fd)  # releases the flock; the file stays


def _acquire(path: Path, timeout: float) -> int:
    """An open descriptor of ``path`` holding its flock."""
    try:
        import fcntl
    except ImportError:
        raise _Unsupported from None
    fd, created = _open(path)
    deadline = time.monotonic() + timeout
    pause = _POLL_FIRST
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as e:
                if e.errno == errno.ENOSYS:
                    if created:  # where flock is missing, filelock's soft lock reads an existing file as held
                        os.unlink(path)
                    raise _Unsupported from None
                if e.errno not in _CONTENDED:
                    raise TaskmintError(f"cannot lock {path}: {e.strerror or e}; make the file and its directory "
                                        "writable") from None
            if time.monotonic() >= deadline:
                raise _timeout(path, timeout)
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MAX)
    except BaseException:
        os.close(fd)
        raise


def _open(path: Path) -> tuple[int, bool]:
    """(descriptor, whether this call created the file) of the lock file ``path``."""
    while True:
        try:
            try:
                return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644), True
            except FileExistsError:
                return os.open(path, os.O_RDWR), False
        except FileNotFoundError:
            continue  # removed in between (by filelock's soft lock): create it again
        except OSError as e:
            raise TaskmintError(f"cannot lock {path}: {e.strerror or e}; make the file and its directory "
                                "writable") from None


def _timeout(path: Path, timeout: float) -> TaskmintError:
    return TaskmintError(f"another taskmint process held the lock {path} for over {timeout:g}s; "
                         "retry, or raise TASKMINT_LOCK_TIMEOUT")


@contextmanager
def _held_by_filelock(path: Path, timeout: float) -> Iterator[None]:
    from filelock import FileLock, Timeout

    # One instance per path (and a hold count per thread): nested holds re-enter.
    lock = FileLock(str(path), is_singleton=True)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise _timeout(path, timeout) from None
    except OSError as e:
        raise TaskmintError(f"cannot lock {path}: {e.strerror or e}; make the file and its directory writable") from None
    try:
        yield
    finally:
        lock.release()
