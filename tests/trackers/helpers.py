"""Reading what taskmint recorded, for the tracker tests."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

# The package under test, for subprocesses started with a bare interpreter (-c scripts).
LIB = str(Path(__file__).resolve().parents[2] / "lib")


def task_files(root: Path) -> dict[str, dict]:
    """Task ID -> frontmatter of every task file under root/tasks."""
    found = {}
    for path in sorted((root / "tasks").rglob("*.md")):
        meta = yaml.safe_load(path.read_text().split("---\n")[1])
        found[meta["id"]] = meta
    return found


def mapping(root: Path) -> dict[str, dict[str, str]]:
    path = root / ".claude" / "state" / "external_id_mapping.json"
    return json.loads(path.read_text())["mappings"] if path.exists() else {}


def outbox(root: Path) -> dict:
    path = root / ".claude" / "state" / "tracker_outbox.json"
    return json.loads(path.read_text())["tasks"] if path.exists() else {}


def assert_recorded(root: Path, github, jira) -> None:
    """Every task holds, in its file and in the mapping, the key of the one issue carrying its
    marker in each fake; nothing is pending."""
    files = task_files(root)
    maps = mapping(root)
    assert outbox(root) == {}
    for task_id, meta in files.items():
        gh = github.issues_with_marker(task_id)
        jr = jira.issues_with_label(task_id)
        assert len(gh) == 1 and len(jr) == 1, (task_id, gh, jr)
        assert meta["external_ids"]["github"] == f"#{gh[0]['number']}"
        assert meta["external_ids"]["jira"] == jr[0]["key"]
        assert maps[task_id]["github"] == f"#{gh[0]['number']}"
        assert maps[task_id]["jira"] == jr[0]["key"]
