"""kill -9 at random moments inside creates and completes (see crash_driver.py for what is
checked after every kill). Default: 300 kills across two worktrees of one repository and
100 in a project outside git. TASKMINT_STRESS=full: ten times as many."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from projects import FULL, init_project

HERE = Path(__file__).resolve().parent
SCALE = 10 if FULL else 1


def run_driver(rounds: int, seed: int, *roots: Path) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "crash_driver.py"), str(rounds), str(seed), "60", *map(str, roots)],
                          capture_output=True, text=True, timeout=600 * SCALE)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    print(json.dumps(report["stats"]))
    assert proc.returncode == 0 and not report["problems"], report["problems"]
    stats = report["stats"]
    assert stats["rounds"] == rounds and stats["child_exited_early"] == 0
    assert stats["creates_printed"] >= rounds / 10 and stats["completes_printed"] > 0
    # Some kills must have landed between a create's first write and its success line,
    # or the harness proved nothing about the critical section.
    assert stats["kills_with_visible_trace"] > 0
    return stats


def test_kill_9_in_two_worktrees(repo_with_worktree: tuple[Path, Path]) -> None:
    run_driver(300 * SCALE, 4, *repo_with_worktree)


def test_kill_9_outside_git(tmp_path: Path) -> None:
    init_project(tmp_path)
    run_driver(100 * SCALE, 5, tmp_path)
