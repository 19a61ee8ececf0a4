from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskmint import atomic


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("perms", [0o644, 0o600, 0o664, 0o755])
def test_mode_of_the_replaced_file_is_kept(tmp_path, perms):
    path = tmp_path / "f.json"
    path.write_bytes(b"old")
    os.chmod(path, perms)
    atomic.write_atomic(path, b"new", backup=tmp_path / "f.json.bak")
    assert path.read_bytes() == b"new"
    assert mode(path) == perms  # mkstemp's 0600 must not leak into the file
    assert listing(tmp_path) == ["f.json", "f.json.bak"]


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_default_not_0600(tmp_path, umask, expected):
    path = tmp_path / "new.md"
    code = "import sys; from pathlib import Path; from taskmint import atomic\n" \
           "atomic.write_atomic(Path(sys.argv[1]), b'data')"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, umask=umask, timeout=60)
    assert path.read_bytes() == b"data"
    assert mode(path) == expected


def test_backup_holds_the_previous_version(tmp_path):
    path, bak = tmp_path / "c.json", tmp_path / "c.json.bak"
    spare = atomic.spare_path(path)
    atomic.write_atomic(path, b"v1", backup=bak)
    assert not bak.exists()  # nothing to back up yet
    atomic.write_atomic(path, b"v2", backup=bak)
    assert (path.read_bytes(), bak.read_bytes()) == (b"v2", b"v1")
    inode_v1, inode_v2 = os.stat(bak).st_ino, os.stat(path).st_ino
    atomic.write_atomic(path, b"v3", backup=bak)
    assert (path.read_bytes(), bak.read_bytes()) == (b"v3", b"v2")
    assert os.stat(bak).st_ino == inode_v2  # a hard link to the old file, not a copy
    assert os.stat(spare).st_ino == inode_v1  # the backup it replaced: the next write's blocks
    assert listing(tmp_path) == [".c.json.spare.bak", "c.json", "c.json.bak"]


def test_a_write_fills_the_spare_and_retires_the_backup_into_it(tmp_path):
    path, bak = tmp_path / "c.json", tmp_path / "c.json.bak"
    for text in (b"version one, long", b"v2", b"v3"):
        atomic.write_atomic(path, text, backup=bak)
    spare_inode = os.stat(atomic.spare_path(path)).st_ino
    atomic.write_atomic(path, b"v4", backup=bak)  # shorter than what the spare held
    assert (path.read_bytes(), bak.read_bytes()) == (b"v4", b"v3")
    assert os.stat(path).st_ino == spare_inode
    assert atomic.spare_path(path).read_bytes() == b"v2"
    assert listing(tmp_path) == [".c.json.spare.bak", "c.json", "c.json.bak"]


def _pieces(data: bytes, cuts: list[int]) -> list[bytes | memoryview]:
    """``data`` in pieces, as the mapping is written (a memoryview among bytes)."""
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [memoryview(data)[a:b] if i % 2 else data[a:b] for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


_SIZES = st.integers(0, 200_000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old_size=_SIZES, new_size=_SIZES, seed=st.integers(0, 2**32 - 1), edits=st.lists(st.integers(0, 200_000), max_size=4),
       cuts=st.lists(st.integers(0, 200_000), max_size=3))
def test_filling_the_spare_gives_exactly_the_new_bytes(tmp_path, old_size, new_size, seed, edits, cuts):
    """Whatever the spare held (longer, shorter, alike but for a few bytes), the file written
    into it holds exactly the new bytes: blocks left out are only those found equal."""
    import random

    rng = random.Random(seed)
    old = rng.randbytes(old_size)
    new = bytearray(old[:new_size] + rng.randbytes(max(0, new_size - old_size)))
    for at in edits:  # a few bytes changed here and there, as a new line of a mapping would
        if new:
            new[at % len(new)] ^= 0x5A
    path, bak = tmp_path / "m.json", tmp_path / "m.json.bak"
    for leftover in (path, bak, atomic.spare_path(path)):
        leftover.unlink(missing_ok=True)
    for text in (b"first", b"second"):
        atomic.write_atomic(path, text, backup=bak)
    atomic.spare_path(path).write_bytes(old)  # what the spare holds: the write that retired it
    atomic.write_atomic(path, b"third", backup=bak)  # fills the spare: b"first"
    atomic.spare_path(path).write_bytes(old)
    atomic.write_atomic(path, _pieces(bytes(new), cuts), backup=bak)
    assert path.read_bytes() == bytes(new) and bak.read_bytes() == b"third"


def test_a_spare_that_holds_nearly_the_new_text_is_written_only_where_it_differs(tmp_path, monkeypatch):
    path, bak = tmp_path / "m.json", tmp_path / "m.json.bak"
    text = bytes(range(256)) * 5000  # 1.28 MB
    for version in (text, text, text):
        atomic.write_atomic(path, version, backup=bak)
    written: list[tuple[int, int]] = []
    real = os.pwrite
    monkeypatch.setattr(atomic.os, "pwrite", lambda fd, data, at: written.append((at, len(data))) or real(fd, data, at))
    new = b"X" + text[1:] + b"appended"
    atomic.write_atomic(path, [new[:10], memoryview(new)[10:]], backup=bak)
    assert path.read_bytes() == new
    assert sum(n for _, n in written) <= 3 * 4096 and written[0][0] == 0


def test_a_spare_linked_from_elsewhere_is_never_written_into(tmp_path):
    path, bak = tmp_path / "c.json", tmp_path / "c.json.bak"
    for text in (b"v1", b"v2", b"v3"):
        atomic.write_atomic(path, text, backup=bak)
    elsewhere = tmp_path / "snapshot-of-v1"  # say, a backup tool's hard link
    os.link(atomic.spare_path(path), elsewhere)
    atomic.write_atomic(path, b"v4", backup=bak)
    assert (path.read_bytes(), bak.read_bytes(), elsewhere.read_bytes()) == (b"v4", b"v3", b"v1")
    assert os.stat(path).st_ino != os.stat(elsewhere).st_ino
    atomic.spare_path(path).unlink()
    atomic.spare_path(path).symlink_to(elsewhere)  # nor through a symlink
    atomic.write_atomic(path, b"v5", backup=bak)
    assert (path.read_bytes(), bak.read_bytes(), elsewhere.read_bytes()) == (b"v5", b"v4", b"v1")


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["fsync", "write", "replace", "link", "interrupt"])
def test_a_failed_write_leaves_the_original_and_no_temp_files(tmp_path, monkeypatch, where):
    path, bak = tmp_path / "m.json", tmp_path / "m.json.bak"
    path.write_bytes(b"current")
    bak.write_bytes(b"previous")
    os.chmod(path, 0o644)
    if where == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", enospc)
    elif where == "write":
        real_fdopen = os.fdopen

        class FullDisk:
            def __init__(self, fd, *a, **k):
                self.f = real_fdopen(fd, *a, **k)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])  # part of it reached the temp file
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(atomic.os, "fdopen", FullDisk)
    elif where == "replace":
        real_replace = os.replace

        def replace(src, dst):
            if str(dst) == str(path):
                enospc()
            real_replace(src, dst)

        monkeypatch.setattr(atomic.os, "replace", replace)
    elif where == "link":
        monkeypatch.setattr(atomic.os, "link", enospc)
    else:
        def interrupt(fd):
            raise KeyboardInterrupt

        monkeypatch.setattr(atomic.os, "fsync", interrupt)

    with pytest.raises((OSError, KeyboardInterrupt)):
        atomic.write_atomic(path, b"replacement data", backup=bak)
    assert path.read_bytes() == b"current"
    assert mode(path) == 0o644
    assert bak.read_bytes() in (b"previous", b"current")  # never the new data, never missing
    assert listing(tmp_path) == ["m.json", "m.json.bak"]  # no .tmp left behind


def test_a_cache_is_replaced_whole_without_a_temp_file_left(tmp_path):
    path = tmp_path / "index.json"
    atomic.write_cache(path, "first")
    atomic.write_cache(path, "second, longer")
    atomic.write_cache(path, "3")
    assert path.read_text() == "3" and listing(tmp_path) == ["index.json"]


@pytest.mark.parametrize("where", ["write", "rename"])
def test_a_cache_that_cannot_be_written_is_no_error_and_leaves_no_temp_file(tmp_path, monkeypatch, where):
    path = tmp_path / "index.json"
    path.write_text("old")
    if where == "write":
        real_fdopen = os.fdopen

        def full(fd, *a, **k):
            f = real_fdopen(fd, *a, **k)
            f.write = lambda text: enospc()
            return f

        monkeypatch.setattr(atomic.os, "fdopen", full)
    else:
        monkeypatch.setattr(atomic.os, "rename", enospc)
    atomic.write_cache(path, "new")
    assert listing(tmp_path) in (["index.json"], [])  # the old cache, or none: never a part of the new
    assert not path.exists() or path.read_text() == "old"
    atomic.write_cache(tmp_path / "gone" / "index.json", "x")  # no temp file can be made there
    assert not (tmp_path / "gone").exists()


def test_move_no_clobber(tmp_path):
    src_dir, dst_dir = tmp_path / "backlog", tmp_path / "completed"
    src_dir.mkdir()
    dst_dir.mkdir()
    src = src_dir / "TASK-A3F8-x.md"
    src.write_text("task")
    atomic.move_no_clobber(src, dst_dir / src.name)
    assert not src.exists() and (dst_dir / src.name).read_text() == "task"

    other = src_dir / "TASK-A3F8-x.md"
    other.write_text("another")
    with pytest.raises(FileExistsError):
        atomic.move_no_clobber(other, dst_dir / other.name)
    assert other.read_text() == "another" and (dst_dir / other.name).read_text() == "task"

    (dst_dir / "dangling.md").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        atomic.move_no_clobber(other, dst_dir / "dangling.md")
    assert other.read_text() == "another"
