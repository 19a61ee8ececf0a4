"""Projects for the stress suites: real git repositories and worktrees, initialised the
way a user would; TASKMINT_STRESS=full scales every suite up for hand runs."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

FULL = os.environ.get("TASKMINT_STRESS", "").lower() == "full"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def init_project(root: Path, *, tools: bool = True) -> None:
    from taskmint import service
    from taskmint.project import find_project

    service.init(find_project(str(root)), "PROJ" if tools else None, "ENG" if tools else None, tools, tools, False)
