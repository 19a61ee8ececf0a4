"""doctor on tracker-backed projects: work pending for long, a tracker key on two tasks, the
file and the mapping disagreeing about a key; --fix never talks to a tracker."""
from __future__ import annotations

import json

from helpers import mapping, outbox, task_files


def _problems(tm, root, *extra):
    proc = tm("doctor", "--json", *extra, root=root)
    return proc, {p["code"]: p for p in json.loads(proc.stdout)["problems"]}


def test_pending_for_long_is_reported(tm, tracked, github, jira):
    root = tracked()
    task = json.loads(tm("create", "stuck", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}).stdout)
    proc, found = _problems(tm, root)
    assert proc.returncode == 0 and found == {}  # pending a moment ago is normal
    box = root / ".claude" / "state" / "tracker_outbox.json"
    data = json.loads(box.read_text())
    for entry in data["tasks"][task["id"]].values():
        entry["since"] -= 3 * 3600
    box.write_text(json.dumps(data))
    proc, found = _problems(tm, root)
    assert proc.returncode == 1 and "pending for 3 h" in found["pending-long"]["message"]
    assert not found["pending-long"]["fixable"]
    assert github.seen == [] and jira.seen == []  # doctor never talks to a tracker


def test_a_tracker_key_on_two_tasks_is_reported_not_renumbered(tm, tracked, github, jira):
    root = tracked()
    a = json.loads(tm("create", "first", "--json", root=root).stdout)
    b = json.loads(tm("create", "second", "--json", root=root).stdout)
    path = root / b["path"]
    path.write_text(path.read_text().replace('github: "#2"', 'github: "#1"'))
    proc, found = _problems(tm, root)
    assert proc.returncode == 1 and "github #1 is on 2 tasks" in found["tracker-key-shared"]["message"]
    fixed = tm("doctor", "--fix", root=root)
    assert task_files(root)[b["id"]]["external_ids"]["github"] == "#1"  # no locally counted number
    assert task_files(root)[a["id"]]["external_ids"]["github"] == "#1"
    assert "tracker-key-shared" in fixed.stdout or "#1 is on 2 tasks" in fixed.stdout
    assert len(github.issues) == 2


def test_file_and_mapping_disagreeing_about_a_key(tm, tracked, github, jira):
    root = tracked()
    a = json.loads(tm("create", "one", "--json", root=root).stdout)
    state = root / ".claude" / "state" / "external_id_mapping.json"
    data = json.loads(state.read_text())
    data["mappings"][a["id"]]["jira"] = "PROJ-7"
    state.write_text(json.dumps(data))
    proc, found = _problems(tm, root)
    assert "jira: file PROJ-1, mapping PROJ-7" in found["mapping-mismatch"]["message"]
    assert tm("doctor", "--fix", root=root).returncode == 0
    assert mapping(root)[a["id"]]["jira"] == "PROJ-1"


def test_work_for_a_deleted_task_is_dropped_by_fix(tm, tracked, github, jira):
    root = tracked()
    task = json.loads(tm("create", "gone", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}).stdout)
    (root / task["path"]).unlink()
    proc, found = _problems(tm, root)
    assert "pending-orphan" in found
    assert tm("doctor", "--fix", root=root).returncode == 0
    assert outbox(root) == {}
    assert tm("sync", root=root).returncode == 0
    assert github.seen == [] and jira.seen == []


def test_a_task_without_issue_nor_pending_work_is_reported(tm, tracked, github, jira):
    root = tracked()
    task = json.loads(tm("create", "made before the tracker", "--json", root=root,
                         env={"TASKMINT_OFFLINE": "1"}).stdout)
    box = root / ".claude" / "state" / "tracker_outbox.json"
    box.write_text(json.dumps({"version": 1, "tasks": {}}))
    proc = tm("doctor", "--json", root=root)
    messages = [p["message"] for p in json.loads(proc.stdout)["problems"] if p["code"] == "tracker-unlinked"]
    assert proc.returncode == 1 and len(messages) == 2
    assert any(f"taskmint link {task['id']} github:KEY" in m for m in messages)


def test_fix_makes_an_unlinked_task_pending_and_sync_gives_it_one_issue(tm, tracked, github, jira):
    """Issue 13: adding a tracker to a project is one `doctor --fix` (then sync); finished
    work is left without an issue unless asked."""
    root = tracked()
    open_task = json.loads(tm("create", "still open", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}).stdout)
    done_task = json.loads(tm("create", "long done", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}).stdout)
    assert tm("complete", done_task["id"], root=root, env={"TASKMINT_OFFLINE": "1"}).returncode == 0
    box = root / ".claude" / "state" / "tracker_outbox.json"
    box.write_text(json.dumps({"version": 1, "tasks": {}}))  # as if the trackers were configured just now
    proc, found = _problems(tm, root)
    assert proc.returncode == 1 and found["tracker-unlinked"]["fixable"]
    assert all(open_task["path"] in p["where"] for p in json.loads(proc.stdout)["problems"]
               if p["code"] == "tracker-unlinked")
    fixed = tm("doctor", "--fix", root=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert github.seen == [] and jira.seen == []  # doctor never talks to a tracker
    assert sorted(outbox(root)) == [open_task["id"]]
    assert tm("sync", root=root).returncode == 0
    assert outbox(root) == {}
    assert len(github.issues) == 1 and len(jira.issues) == 1
    ext = task_files(root)[open_task["id"]]["external_ids"]
    assert ext["github"] == "#1" and ext["jira"] == "PROJ-1"
    assert "github" not in task_files(root)[done_task["id"]].get("external_ids", {})
    assert tm("doctor", root=root).returncode == 0
