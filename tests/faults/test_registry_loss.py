"""The shared worktree registry damaged beyond its .bak: numbers issued in another
worktree must still never be issued again."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from taskmint.project import find_project

ALL_TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")


def test_broken_registry_never_reissues_another_worktrees_numbers(tmp_path: Path, taskmint) -> None:
    """The shared registry is the only record of numbers issued in other worktrees; when it
    and its .bak are damaged, a create must still not reuse them."""
    main_wt = tmp_path / "repo"
    main_wt.mkdir()
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    git = lambda *a: subprocess.run(["git", *a], cwd=main_wt, check=True, capture_output=True, env={**os.environ, **env})  # noqa: E731
    git("init", "-q", "-b", "main")
    assert taskmint("init", *ALL_TOOLS, root=main_wt).returncode == 0
    git("add", ".claude/taskmint.yaml")
    git("commit", "-q", "-m", "c")
    second = tmp_path / "second"
    git("worktree", "add", "-q", "-b", "second", str(second))
    for n in range(3):
        assert taskmint("create", f"main {n}", root=main_wt).returncode == 0
    assert taskmint("create", "second 0", root=second).returncode == 0  # PROJ-4
    for n in range(2):
        assert taskmint("create", f"main {n}", root=main_wt).returncode == 0  # PROJ-5, 6
    registry = find_project(str(main_wt)).registry_path
    for path in (registry, registry.with_name(registry.name + ".bak")):
        path.write_bytes(b"{\"version\": \"2.0\"")
    proc = taskmint("create", "second 1", "--json", root=second)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["external_ids"]["jira"] == "PROJ-7", proc.stderr
