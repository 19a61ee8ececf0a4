"""Shared fixtures for the whole suite.

``project``: a fresh project (a taskmint.project.Project) in ``tmp_path / "proj"``, not a
git repository, initialised with all four PM tools (Jira PROJ, Linear ENG, GitHub, Azure
DevOps).
``snapshot``: ``snapshot(project)`` is every file under .claude/ and tasks/ with its bytes.
``subprocess_env``: os.environ without CLAUDE_* and TASKMINT_* variables.
``taskmint``: ``taskmint(*args, root=..., input=None, env=None)`` runs the real CLI
(``python -m taskmint.main``) in a subprocess and returns the CompletedProcess (text).
Hypothesis: the default profile keeps examples modest; TASKMINT_HYPOTHESIS=full runs more.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "full", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("TASKMINT_HYPOTHESIS", "default"))


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a taskmint subprocess: nothing from an outer session or run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    env.update(extra or {})
    return env


def _snapshot(project) -> dict[str, bytes]:
    return {p.relative_to(project.root).as_posix(): p.read_bytes()
            for base in (project.root / ".claude", project.tasks_dir) for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture
def snapshot() -> Callable[..., dict[str, bytes]]:
    return _snapshot


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    return _clean_env()


@pytest.fixture
def taskmint() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, root: Path | None = None, input: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "taskmint.main"]
        if root is not None:
            cmd += ["--root", str(root)]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, input=input,
                              env=_clean_env(env), timeout=120)

    return run


@pytest.fixture
def project(tmp_path: Path):
    """What `taskmint init --jira PROJ --linear ENG --github --azure-devops` does, in-process."""
    from taskmint import service
    from taskmint.project import find_project

    root = tmp_path / "proj"
    root.mkdir()
    found = find_project(str(root))
    service.init(found, jira="PROJ", linear="ENG", github=True, azure_devops=True, force=False)
    return found
