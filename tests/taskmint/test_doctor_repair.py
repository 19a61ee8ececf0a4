"""doctor_repair carries out what doctor.examine planned, and nothing else."""
from __future__ import annotations

import json
from pathlib import Path

from taskmint import doctor, doctor_repair, ids, lock, service, tasks
from taskmint.doctor_scan import Task
from taskmint.project import Project


def task_at(path: Path, meta: dict) -> Task:
    return Task(str(path), path.name, "", meta, None)


def test_a_fresh_id_keeps_the_prefix_or_takes_the_next_subtask_number() -> None:
    taken = {"TASK-FIX-A3F8", "TASK-A3F8.1", "TASK-A3F8.3", "TASK-A3F8.3.1"}
    new = doctor_repair._fresh_id("TASK-FIX-A3F8", taken)
    assert new not in taken and new.startswith("TASK-FIX-") and ids.is_valid_id(new)
    assert doctor_repair._fresh_id("TASK-A3F8.1", taken) == "TASK-A3F8.4"  # a gap is never refilled


def test_a_new_name_keeps_what_follows_the_old_id(tmp_path: Path) -> None:
    named = task_at(tmp_path / "TASK-A3F8-fix-login.md", {"id": "TASK-A3F8", "title": "other"})
    named.id = "TASK-A3F8"
    assert doctor_repair._new_name(named, "TASK-B4C9") == "TASK-B4C9-fix-login.md"
    # "-2024-roadmap" after TASK-98C8 would read as part of the ID: named from the title instead
    digits = task_at(tmp_path / "TASK-A3F8-2024-roadmap.md", {"id": "TASK-A3F8", "title": "2024 roadmap"})
    digits.id = "TASK-A3F8"
    assert doctor_repair._new_name(digits, "TASK-98C8") == "TASK-98C8--2024-roadmap.md"
    hand = task_at(tmp_path / "my-notes.md", {})
    assert doctor_repair._new_name(hand, "TASK-B4C9") == "TASK-B4C9-my-notes.md"


def test_listed_and_ext_dict_keep_what_the_file_has(tmp_path: Path) -> None:
    task = task_at(tmp_path / "x.md", {"previous_ids": ["TASK-1", 7], "external_ids": {"jira": "PROJ-1", "x": 1}})
    assert doctor_repair._listed(task.meta, "previous_ids", ["TASK-2", "TASK-1"]) == ["TASK-1", "7", "TASK-2"]
    assert doctor_repair._listed({"previous_ids": "TASK-1"}, "previous_ids", ["TASK-2"]) == ["TASK-2"]
    assert doctor_repair._ext_dict(task, {"github": "#2"}) == {"jira": "PROJ-1", "x": 1, "github": "#2"}
    assert task.meta["external_ids"] == {"jira": "PROJ-1", "x": 1}  # a copy is changed, not the file's


def test_repair_carries_out_the_plan_and_leaves_doctor_clean(project: Project) -> None:
    info = service.create(project, "kept")
    hand = project.tasks_dir / "backlog" / "hand.md"
    hand.write_text("---\ntitle: by hand\nstatus: in_progress\n---\nBody.\n")
    counters = json.loads(project.counters_path.read_text())
    counters["counters"]["github"] = 0
    project.counters_path.write_text(json.dumps(counters))
    with lock.held(project.lock_path):
        exam = doctor.examine(project)
        assert sorted(f.code for f in exam.findings) == ["counter-low", "missing-id", "status-folder"]
        done = doctor_repair.repair(project, exam)
    assert done[0] == ".claude/state/external_id_counters.json raised to the highest numbers in use"
    [moved] = [line for line in done if line.startswith("tasks/backlog/hand.md: new ID ")]
    [renamed] = tasks.walk(project.tasks_dir / "in_progress")
    assert moved.endswith(f"moved to tasks/in_progress/{renamed.name}") and renamed.name.endswith("-by-hand.md")
    assert "external IDs jira PROJ-2, linear ENG-2, github #2, azure_devops 2" in moved
    assert done[-1] == ".claude/state/external_id_mapping.json rebuilt from the task files (2 entries)"
    assert not hand.exists() and (project.root / info["path"]).exists()
    with lock.held(project.lock_path):
        assert doctor.examine(project).findings == []


def test_repair_with_nothing_planned_writes_nothing(project: Project, snapshot) -> None:
    service.create(project, "one")
    before = snapshot(project)
    with lock.held(project.lock_path):
        assert doctor_repair.repair(project, doctor.examine(project)) == []
    assert snapshot(project) == before
