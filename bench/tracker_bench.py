"""The benchmark's tracker row: `create` with GitHub and Jira backed by the loopback fakes of
tests/trackers (the same ones the tests use), so the figure is taskmint's cost of the two
requests and the outbox, not a real network's."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests" / "trackers"


def create_with_trackers(root: Path, tm: list[str], runs: int, timed) -> float:
    """Median seconds of ``taskmint create`` in ``root`` with both trackers on loopback fakes."""
    sys.path.insert(0, str(TESTS))
    from fake_github import FakeGitHub
    from fake_jira import FakeJira

    with FakeGitHub(token="bench-gh") as github, FakeJira(token="bench-jira", email="bench@example.invalid") as jira:
        (root / ".claude" / "taskmint.yaml").write_text(
            "version: 1\npm_tools:\n"
            f"  github:\n    repo: {github.repo}\n    api_url: {json.dumps(github.url)}\n"
            f"  jira:\n    key: {jira.project}\n    url: {json.dumps(jira.url)}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
        env.update(GH_TOKEN="bench-gh", JIRA_API_TOKEN="bench-jira", JIRA_EMAIL="bench@example.invalid")
        seconds = timed([*tm, "--root", str(root), "create", "bench task", "--tag", "bench"], runs, env=env)
        if (root / ".claude" / "state" / "tracker_outbox.json").exists() and json.loads(
                (root / ".claude" / "state" / "tracker_outbox.json").read_text())["tasks"]:
            raise SystemExit("tracker bench: creates were left pending")
        return seconds
