"""tasks.read_text: what every reader of a task file gets, and the one-line reason it gets nothing."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskmint import frontmatter, tasks
from taskmint.errors import TaskmintError


def refused(path: Path) -> str:
    with pytest.raises(TaskmintError) as e:
        tasks.read_text(str(path), "tasks/x.md")
    return str(e.value)


def test_the_text_of_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("---\ntitle: caf\u00e9\r\n---\n".encode("utf-8"))
    assert tasks.read_text(str(path), "tasks/x.md") == "---\ntitle: caf\u00e9\r\n---\n"


def test_a_symlink_is_refused_whatever_it_points_at(tmp_path: Path) -> None:
    target = tmp_path / "real.md"
    target.write_text("---\nid: TASK-A3F8\n---\n")
    for name, points_at in (("link.md", target), ("dangling.md", tmp_path / "gone.md")):
        (tmp_path / name).symlink_to(points_at)
        assert refused(tmp_path / name) == "tasks/x.md is a symlink; taskmint only manages real files inside tasks/"


def test_a_file_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    assert refused(tmp_path / "gone.md") == "cannot read tasks/x.md: No such file or directory; check its permissions"
    (tmp_path / "dir.md").mkdir()
    assert refused(tmp_path / "dir.md") == "cannot read tasks/x.md: Is a directory; check its permissions"
    # a symlink loop in a folder above is no symlink at the file itself
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert refused(loop / "x.md").startswith("cannot read tasks/x.md: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\n---\n")
    path.chmod(0)
    assert refused(path) == "cannot read tasks/x.md: Permission denied; check its permissions"


def test_too_large_or_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"x" * frontmatter.MAX_BYTES)
    assert len(tasks.read_text(str(path), "tasks/x.md")) == frontmatter.MAX_BYTES
    path.write_bytes(b"x" * (frontmatter.MAX_BYTES + 1))
    assert refused(path) == "tasks/x.md is over 4 MiB; taskmint leaves it alone"
    path.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    assert refused(path) == "tasks/x.md is not valid UTF-8 (byte 14); re-save it as UTF-8"
