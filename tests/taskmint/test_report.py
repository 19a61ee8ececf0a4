"""`taskmint report` in a real git repository: acceptance from checkboxes, commits naming the task."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime

from taskmint import report


def git(root, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.invalid",
                           "-c", "commit.gpgsign=false", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit(root, message: str) -> str:
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def js(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


BODY = """
## Acceptance Criteria
- [x] login works
- [ ] logout works
  - [X] nested and checked
1. [ ] numbered and open

```
- [ ] inside a code fence
```

## Notes
- [ ] a note, not a criterion
"""


def test_report_json_in_a_real_repository(tmp_path, taskmint) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    js(taskmint("init", "--jira", "PROJ", "--github", "--json", root=root))
    made = js(taskmint("create", "Login", "--json", root=root))
    js(taskmint("create", "Other", "--json", root=root))
    task_id = made["id"]
    path = root / made["path"]
    path.write_text(path.read_text() + BODY)
    wanted = [commit(root, f"Fix the login form ({task_id})"),
              commit(root, "proj-1: lower-case key"),
              commit(root, "Subject only\n\nBody says: part of #1."),
              commit(root, f"Second line names it\n\nRefs {task_id}")]
    for decoy in ("PROJ-12 is another task", f"{task_id}.1 is a subtask", "#10 and #11", "PROJ-2 other",
                  f"X{task_id} glued"):
        commit(root, decoy)
    js(taskmint("complete", "PROJ-1", "--json", root=root))

    found = js(taskmint("report", "PROJ-1", "--json", root=root))
    assert found["id"] == task_id and found["title"] == "Login" and found["status"] == "completed"
    assert found["external_ids"] == {"jira": "PROJ-1", "github": "#1"}
    created = datetime.fromisoformat(found["created"].replace("Z", "+00:00"))
    completed = datetime.fromisoformat(found["completed"].replace("Z", "+00:00"))
    assert found["duration_seconds"] == int((completed - created).total_seconds()) >= 0
    assert found["acceptance"] == {"done": 2, "total": 4, "open": ["logout works", "numbered and open"]}
    assert found["git"] is True
    assert [c["sha"] for c in found["commits"]] == wanted[::-1]  # newest first
    assert found["commits"][0]["subject"] == "Second line names it"

    text = taskmint("report", task_id, root=root)
    assert text.returncode == 0
    assert "acceptance criteria: 2 of 4 checked\n    open: logout works\n    open: numbered and open" in text.stdout
    assert "commits naming this task: 4" in text.stdout


def test_report_outside_git_and_without_boxes(project, taskmint) -> None:
    js(taskmint("create", "Plain", "--json", root=project.root))
    found = js(taskmint("report", "PROJ-1", "--json", root=project.root))
    assert found["git"] is False and found["commits"] == []
    assert found["acceptance"] == {"done": 0, "total": 0, "open": []}
    assert found["completed"] is None and found["duration_seconds"] is None


def test_without_an_acceptance_heading_every_box_counts() -> None:
    assert report.acceptance("- [ ] a\n- [x] b\n# Heading\n* [ ] c\n") == {"done": 1, "total": 3, "open": ["a", "c"]}
    assert report.acceptance("# Acceptance\n## Part one\n- [x] a\n# Done\n- [ ] b\n") == {
        "done": 1, "total": 1, "open": []}
