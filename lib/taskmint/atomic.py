"""Crash-safe file replacement."""
from __future__ import annotations

import os
import stat
from pathlib import Path

_umask: int | None = None
_TEMP_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _default_mode() -> int:
    # temp_file creates 0600 files; a new file should get what open() would give it.
    global _umask
    if _umask is None:
        _umask = os.umask(0)
        os.umask(_umask)
    return 0o666 & ~_umask


def temp_file(directory: Path, name: str) -> tuple[int, Path]:
    """A new file ``.<name>.<8 random characters>.tmp`` in ``directory``, open for writing with
    mode 0600: what tempfile.mkstemp makes (doctor knows these names), without importing tempfile
    (shutil, random and weakref come with it)."""
    for _ in range(100):
        token = "".join(_TEMP_NAME_CHARS[b % len(_TEMP_NAME_CHARS)] for b in os.urandom(8))
        path = directory / f".{name}.{token}.tmp"
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {directory}")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | list[bytes | memoryview], *, backup: Path | None = None) -> None:
    """Replace ``path`` with ``data`` (or the pieces in it, in order, never joined: the mapping
    is 1.3 MB at 10,000 tasks) so a reader sees the old or the new file, never a mix.

    With ``backup``, the previous version is hard-linked to it first; the main file is
    never missing, even for a moment, and no copy is made.
    """
    try:
        st = os.lstat(path)
        mode = stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else _default_mode()
        existed = stat.S_ISREG(st.st_mode)
    except FileNotFoundError:
        mode, existed = _default_mode(), False
    fd, tmp = temp_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in [data] if isinstance(data, bytes) else data:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if backup is not None and existed:
            bak_tmp = tmp.with_name(tmp.name + ".bak")
            os.link(path, bak_tmp)
            os.replace(bak_tmp, backup)
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".bak")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass
        raise
    fsync_dir(path.parent)


def move_no_clobber(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` in one step. Callers hold the lock, so the existence
    check cannot race another taskmint process."""
    if os.path.lexists(dst):
        raise FileExistsError(dst)
    os.rename(src, dst)
    fsync_dir(dst.parent)
    if src.parent != dst.parent:
        fsync_dir(src.parent)
