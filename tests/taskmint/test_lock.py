"""Single-process behaviour of lock.held; the many-process mutual exclusion test is in
test_concurrency.py."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from taskmint import lock
from taskmint.errors import TaskmintError

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from taskmint import lock
    with lock.held(Path(sys.argv[1]), timeout=30):
        print("locked", flush=True)
        sys.stdin.readline()
""")


@pytest.fixture
def holder():
    """Start another process that holds a lock until its stdin closes."""
    procs = []

    def start(path):
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline() == "locked\n"
        return proc

    yield start
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_lock_file_is_kept_on_release_and_reused(tmp_path):
    path = tmp_path / "sub" / "taskmint.lock"
    with lock.held(path):
        assert path.is_file()  # the parent folder is created
        inode = os.stat(path).st_ino
    # filelock#574: deleting the file on release let two processes hold "the" lock
    assert path.is_file() and os.stat(path).st_ino == inode
    with lock.held(path):
        assert os.stat(path).st_ino == inode
    assert path.is_file()


def test_released_when_the_body_raises(tmp_path, holder):
    path = tmp_path / "taskmint.lock"
    with pytest.raises(ValueError), lock.held(path):
        raise ValueError("boom")
    holder(path)  # another process can take it: it was released


def test_nested_hold_in_one_process_reenters(tmp_path, holder):
    path = tmp_path / "taskmint.lock"
    with lock.held(path, timeout=5):
        with lock.held(path, timeout=0.5):  # would wait on itself and time out if not reentrant
            pass
        # the outer hold survives the inner release: another process still cannot get in
        probe = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from taskmint import lock\n"
             "with lock.held(Path(sys.argv[1]), timeout=0.3): pass", str(path)],
            capture_output=True, text=True, timeout=60)
        assert probe.returncode != 0 and "held the lock" in probe.stderr
    holder(path)


def test_timeout_names_the_lock_and_the_fix(tmp_path, holder, monkeypatch):
    path = tmp_path / "taskmint.lock"
    proc = holder(path)
    with pytest.raises(TaskmintError, match="held the lock .*TASKMINT_LOCK_TIMEOUT"):
        with lock.held(path, timeout=0.2):
            pass
    monkeypatch.setenv("TASKMINT_LOCK_TIMEOUT", "0.1")
    with pytest.raises(TaskmintError, match="for over 0.1s"):
        with lock.held(path):
            pass
    proc.stdin.close()
    proc.wait(timeout=30)
    with lock.held(path, timeout=30):
        pass


def test_unusable_lock_directory_is_a_clean_error(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where the lock folder should be")
    with pytest.raises(TaskmintError, match="cannot create"):
        with lock.held(blocker / "taskmint.lock", timeout=1):
            pass
    assert blocker.read_text() == "a file where the lock folder should be"


FILELOCK_HOLDER = textwrap.dedent("""
    import sys
    from filelock import FileLock
    with FileLock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.readline()
""")


def test_filelock_and_taskmint_exclude_each_other(tmp_path, holder):
    """lock.held takes the flock filelock's FileLock takes on the same file: a process still
    on filelock (an older taskmint, say) and this one never both hold it."""
    path = tmp_path / "taskmint.lock"
    proc = subprocess.Popen([sys.executable, "-c", FILELOCK_HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "locked\n"
        with pytest.raises(TaskmintError, match="held the lock"):
            with lock.held(path, timeout=0.2):
                pass
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    holder(path)  # taskmint's lock in another process ...
    from filelock import FileLock, Timeout

    with pytest.raises(Timeout):  # ... keeps filelock out
        FileLock(str(path)).acquire(timeout=0.2)


@pytest.mark.filterwarnings("ignore:flock not supported")
def test_without_flock_filelock_takes_over(tmp_path, monkeypatch):
    """A filesystem without flock (ENOSYS): filelock's soft lock holds it, reentrant too, and the
    file lock.held created for its probe does not make the soft lock wait on itself."""
    import errno
    import fcntl

    def no_flock(fd, operation):
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    path = tmp_path / "taskmint.lock"
    with lock.held(path, timeout=5):
        with lock.held(path, timeout=0.5):
            assert lock._held == {}  # not held through flock
            assert path.exists()  # the soft lock's marker
    with lock.held(path, timeout=5):
        pass
