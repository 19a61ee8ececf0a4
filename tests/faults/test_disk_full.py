"""Disk full: a real small tmpfs filled to every level of free space, and ENOSPC injected
at every fsync a create or complete makes. Each failure is one clear line, no file is half
written, no temporary file stays behind, the tasks and the mapping still agree, and no
number is ever handed out twice once space is back."""
from __future__ import annotations

import errno
import os
import subprocess
import stat
from pathlib import Path

import pytest

from filestate import changed, consistent, numbers, one_error_line, tree
from taskmint import main

ALL_TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")
PAGE = 4096


def fill(fs: Path, leave_pages: int) -> Path:
    """Use up the filesystem but ``leave_pages`` pages."""
    filler = fs / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * PAGE)
        except OSError as e:
            assert e.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave_pages * PAGE))
    return filler


def all_numbers(root: Path) -> list[tuple[str, str, int]]:
    return [(t, k, n) for (t, k), ns in numbers(root).items() for n in ns]


def test_enospc_at_every_level_of_free_space(tmpfs, taskmint) -> None:
    fs = tmpfs("400k")
    root = fs / "proj"
    root.mkdir()
    assert taskmint("init", *ALL_TOOLS, root=root).returncode == 0
    for n in range(3):
        assert taskmint("create", f"seed {n}", root=root).returncode == 0
    outcomes = []
    for pages in range(0, 12):
        filler = fill(fs, pages)
        before = tree(root)
        proc = taskmint("create", f"at {pages} free pages", "--tag", "full", root=root)
        if proc.returncode == 0:
            outcomes.append("ok")
        else:
            assert proc.returncode == 1
            line = one_error_line(proc.stderr)
            assert "No space left on device" in line, line
            outcomes.append("ENOSPC")
            # Only the high-water marks may have moved (a gap, never a reuse).
            assert {Path(p).name for p in changed(before, tree(root))} <= {
                "external_id_counters.json", "external_id_counters.json.bak",
                # the backup the rotation retired, kept as blocks for the next write (no state)
                ".external_id_counters.json.spare.bak"}, changed(before, tree(root))
        assert not consistent(root), consistent(root)
        filler.unlink()
        assert taskmint("show", "PROJ-1", root=root).returncode == 0
    assert "ENOSPC" in outcomes and outcomes[-1] == "ok", outcomes
    used = all_numbers(root)
    assert len(used) == len(set(used))
    proc = taskmint("create", "after space came back", "--json", root=root)
    assert proc.returncode == 0, proc.stderr
    assert len(all_numbers(root)) == len(set(all_numbers(root)))


def _inject_enospc_at(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[int]:
    """Make the nth fsync of a file's data in the next command fail as a full disk would
    (file systems with delayed allocation report ENOSPC there, not at write)."""
    calls = [0]
    real = os.fsync

    def fsync(fd: int) -> None:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return real(fd)
        calls[0] += 1
        if calls[0] == nth:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


@pytest.mark.parametrize("verb", ["create", "complete"])
def test_enospc_injected_at_every_fsync(verb: str, tmp_path: Path, monkeypatch, capsys) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # the shared registry is written too
    assert main.main(["--root", str(root), "init", *ALL_TOOLS]) == 0
    targets = []
    for n in range(40):
        assert main.main(["--root", str(root), "create", f"seed {n}"]) == 0
        targets.append(f"PROJ-{n + 1}")
    nth = 0
    while True:
        nth += 1
        capsys.readouterr()
        before = tree(root)
        args = ["create", f"attempt {nth}"] if verb == "create" else ["complete", targets[nth]]
        with monkeypatch.context() as m:
            calls = _inject_enospc_at(m, nth)
            code = main.main(["--root", str(root), *args])
        err = capsys.readouterr().err
        if calls[0] < nth:  # the command made fewer fsyncs than nth: every one was tried
            assert code == 0
            break
        assert code == 1, err
        assert "No space left on device" in one_error_line(err)
        problems = consistent(root)
        assert not problems, (nth, problems, changed(before, tree(root)))
        if verb == "complete":  # the task is where it was, or completed where it belongs
            assert main.main(["--root", str(root), "complete", targets[nth]]) == 0
            assert not consistent(root)
    # create: registry, counters, task file, mapping; complete: the rewritten task file.
    assert nth - 1 == {"create": 4, "complete": 1}[verb]
    used = all_numbers(root)
    assert len(used) == len(set(used))
