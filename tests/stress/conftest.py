"""Fixtures for the concurrency and crash suites: real git repositories with worktrees,
initialised the way a user would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

FULL = os.environ.get("TASKMINT_STRESS", "").lower() == "full"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def init_project(root: Path, *, tools: bool = True) -> None:
    from taskmint import service
    from taskmint.project import find_project

    service.init(find_project(str(root)), "PROJ" if tools else None, "ENG" if tools else None, tools, tools, False)


@pytest.fixture
def repo_with_worktree(tmp_path: Path) -> tuple[Path, Path]:
    """A git repository with taskmint configured and committed, and a second worktree of it."""
    main = tmp_path / "repo"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    init_project(main)
    git(main, "add", ".claude/taskmint.yaml")
    git(main, "commit", "-q", "-m", "taskmint config")
    second = tmp_path / "second"
    git(main, "worktree", "add", "-q", "-b", "second", str(second))
    return main, second
