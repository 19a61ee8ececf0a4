"""Fixtures for the tracker suite: loopback fakes of GitHub and Jira, and projects backed by them.

``github`` / ``jira``: a running FakeGitHub / FakeJira (tests/trackers/fake_*.py).
``tracked``: ``tracked(root, github=True, jira=True, linear=False)`` writes a config whose
github/jira tools point at the fakes and returns the root.
``tracker_env``: the environment a taskmint subprocess needs to reach them (tokens set).
``tm``: the conftest ``taskmint`` runner with ``tracker_env`` merged in.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_github import FakeGitHub  # noqa: E402
from fake_jira import FakeJira  # noqa: E402

GH_TOKEN = "ghp-tm-SECRET-0a1b2c3d4e5f"
JIRA_TOKEN = "atl-tm-SECRET-9z8y7x6w"
JIRA_EMAIL = "dev@example.invalid"


@pytest.fixture
def github():
    with FakeGitHub(token=GH_TOKEN) as fake:
        yield fake


@pytest.fixture
def jira():
    with FakeJira(token=JIRA_TOKEN, email=JIRA_EMAIL) as fake:
        yield fake


def write_config(root: Path, github: FakeGitHub | None, jira: FakeJira | None, *, linear: bool = False) -> Path:
    lines = ["version: 1", "pm_tools:"]
    if github is not None:
        lines += ["  github:", f"    repo: {github.repo}", f"    api_url: {json.dumps(github.url)}"]
    if jira is not None:
        lines += ["  jira:", f"    key: {jira.project}", f"    url: {json.dumps(jira.url)}"]
    if linear:
        lines.append("  linear: ENG")
    path = root / ".claude" / "taskmint.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    for status in ("backlog", "in_progress", "in_review", "blocked", "completed"):
        (root / "tasks" / status).mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def tracked(tmp_path: Path, github: FakeGitHub, jira: FakeJira) -> Callable[..., Path]:
    def make(root: Path | None = None, *, use_github: bool = True, use_jira: bool = True,
             linear: bool = False) -> Path:
        root = root or tmp_path / "proj"
        root.mkdir(parents=True, exist_ok=True)
        return write_config(root, github if use_github else None, jira if use_jira else None, linear=linear)

    return make


@pytest.fixture
def tracker_env() -> dict[str, str]:
    # Settle 0: the fakes' look-ups are consistent at once and a test waits (fake.held_done)
    # until a held request was acted on before it syncs; the settle tests set their own.
    return {"GH_TOKEN": GH_TOKEN, "JIRA_API_TOKEN": JIRA_TOKEN, "JIRA_EMAIL": JIRA_EMAIL,
            "TASKMINT_TRACKER_SETTLE": "0"}


@pytest.fixture
def tm(taskmint, tracker_env) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, root: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return taskmint(*args, root=root, env={**tracker_env, **(env or {})})

    return run


def one_per_task(github: FakeGitHub, jira: FakeJira, task_ids: list[str]) -> None:
    """Exactly one issue per task in each fake."""
    for task_id in task_ids:
        assert len(github.issues_with_marker(task_id)) == 1, (task_id, github.issues_with_marker(task_id))
        assert len(jira.issues_with_label(task_id)) == 1, (task_id, jira.issues_with_label(task_id))
