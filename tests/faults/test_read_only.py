"""Read-only places, made with real read-only mounts (chmod does not stop root): the whole
project, the state directory, tasks/, the lock file, and the lock path being a directory.
Every mutation fails with one clear line and leaves every file as it was."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from filestate import changed, consistent, one_error_line, tree

ALL_TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")
MUTATIONS = (("create", "x"), ("complete", "PROJ-1"))


def seeded(root: Path, taskmint) -> Path:
    root.mkdir(exist_ok=True)
    assert taskmint("init", *ALL_TOOLS, root=root).returncode == 0
    for n in range(3):
        assert taskmint("create", f"task {n}", root=root).returncode == 0
    return root


def assert_refused(taskmint, root: Path, args: tuple, *words: str) -> str:
    before = tree(root)
    proc = taskmint(*args, root=root, env={"TASKMINT_LOCK_TIMEOUT": "10"})
    assert proc.returncode == 1, proc.stderr
    line = one_error_line(proc.stderr)
    for word in words:
        assert word in line, line
    assert not changed(before, tree(root)), changed(before, tree(root))
    return line


def test_read_only_project(tmpfs, taskmint) -> None:
    fs = tmpfs("1m")
    root = seeded(fs / "proj", taskmint)
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
    for args in MUTATIONS:
        assert_refused(taskmint, root, args, "Read-only file system")
    # Reading needs no write; show takes the lock, which on a read-only disk it cannot.
    listed = taskmint("list", root=root)
    assert listed.returncode == 0 and "task 2" in listed.stdout
    shown = taskmint("show", "PROJ-1", root=root)
    assert shown.returncode == 0 or "Read-only file system" in one_error_line(shown.stderr)


def test_read_only_state_directory(tmp_path: Path, read_only, taskmint) -> None:
    root = seeded(tmp_path / "proj", taskmint)
    read_only(root / ".claude" / "state")
    for args in MUTATIONS:
        assert_refused(taskmint, root, args, "Read-only file system")


def test_read_only_registry_directory(tmp_path: Path, read_only, taskmint) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    seeded(root, taskmint)
    read_only(root / ".git" / "taskmint")
    for args in MUTATIONS:
        assert_refused(taskmint, root, args, "Read-only file system")


def test_read_only_tasks_directory(tmp_path: Path, read_only, taskmint) -> None:
    root = seeded(tmp_path / "proj", taskmint)
    read_only(root / "tasks")
    before = tree(root)
    proc = taskmint("create", "x", root=root)
    assert proc.returncode == 1 and "Read-only file system" in one_error_line(proc.stderr)
    # The numbers were recorded before the task file was refused: a gap, never a reuse.
    assert {Path(p).name for p in changed(before, tree(root))} <= {
        "external_id_counters.json", "external_id_counters.json.bak",
        # the backup the rotation retired, kept as blocks for the next write (no state)
        ".external_id_counters.json.spare.bak"}
    assert not consistent(root)
    assert_refused(taskmint, root, ("complete", "PROJ-1"), "Read-only file system")


def test_lock_file_not_writable(tmp_path: Path, read_only, taskmint) -> None:
    root = seeded(tmp_path / "proj", taskmint)
    lock = root / ".claude" / "state" / "taskmint.lock"
    read_only(lock)
    for args in (*MUTATIONS, ("show", "PROJ-1")):
        line = assert_refused(taskmint, root, args, "cannot lock", "taskmint.lock", "Read-only file system")
        assert "another taskmint process" not in line  # the lock is unusable, not busy


def test_lock_path_is_a_directory(tmp_path: Path, taskmint) -> None:
    root = seeded(tmp_path / "proj", taskmint)
    lock = root / ".claude" / "state" / "taskmint.lock"
    lock.unlink()
    lock.mkdir()
    for args in MUTATIONS:
        line = assert_refused(taskmint, root, args, "cannot lock", "taskmint.lock")
        assert "another taskmint process" not in line
