"""Fixtures for the fault suites: real small and read-only filesystems (tmpfs and bind
mounts), which is the only way a read-only test bites when the suite runs as root."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _mount(*args: str) -> None:
    proc = subprocess.run(["mount", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise OSError(proc.stderr.strip() or f"mount exited {proc.returncode}")


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs(size)`` mounts a fresh tmpfs of that size (e.g. "256k") and returns it;
    skips, saying why, where mounting is not allowed."""
    mounted: list[Path] = []

    def make(size: str) -> Path:
        target = tmp_path / f"tmpfs{len(mounted)}"
        target.mkdir()
        try:
            _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target))
        except (OSError, FileNotFoundError) as e:
            pytest.skip(f"cannot mount a tmpfs here ({e}); these faults need a real small filesystem")
        mounted.append(target)
        return target

    yield make
    for target in reversed(mounted):
        _umount(target)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """``read_only(path)`` bind-mounts a file or directory read-only over itself (real
    EROFS, which binds root too); undone afterwards."""
    mounted: list[Path] = []

    def make(path: Path) -> None:
        try:
            _mount("--bind", str(path), str(path))
        except (OSError, FileNotFoundError) as e:
            pytest.skip(f"cannot bind-mount here ({e}); read-only faults need a real read-only mount")
        mounted.append(path)
        try:
            _mount("-o", "remount,bind,ro", str(path))
        except OSError as e:
            pytest.skip(f"cannot remount read-only here ({e})")

    yield make
    for path in reversed(mounted):
        _umount(path)
