"""Fixtures for the concurrency and crash suites: real git repositories with worktrees,
initialised the way a user would."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from projects import git, init_project  # noqa: E402


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
