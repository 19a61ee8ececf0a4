"""Fixtures for the plugin's tests.

``tm_project``: a fresh project configured for Jira PROJ and GitHub. ``project_env``: the hook
environment pointing at it. ``fake_data``: a ${CLAUDE_PLUGIN_DATA} whose published "venv" runs
this test interpreter (enough for run.sh, without a pip install). ``write_file(path, text)``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hook_helpers import fake_plugin_data
from taskmint import project_commands, service
from taskmint.project import Project, find_project


@pytest.fixture
def tm_project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    project = find_project(str(root))
    service.init(project, jira="PROJ", linear=None, github=True, azure_devops=False, force=False)
    project_commands.install(project)  # as `taskmint init` does
    return project


@pytest.fixture
def project_env(tm_project: Project) -> dict[str, str]:
    return {"CLAUDE_PROJECT_DIR": str(tm_project.root)}


@pytest.fixture
def fake_data(tmp_path: Path) -> Path:
    return fake_plugin_data(tmp_path)


@pytest.fixture
def write_file() -> Callable[[Path, str], Path]:
    def write(path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
