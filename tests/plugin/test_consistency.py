"""The quick SessionStart check: file names against the mapping."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from taskmint import service
from taskmint.plugin.consistency import problems
from taskmint.project import Project, find_project


def test_consistent_project_has_no_problems(tm_project: Project, write_file) -> None:
    for title in ("One", "Two"):
        service.create(tm_project, title)
    service.complete(tm_project, "PROJ-1")
    write_file(tm_project.tasks_dir / "README.md", "not a task\n")
    assert problems(tm_project) == []


def test_project_without_taskmint_is_silent(tmp_path: Path) -> None:
    assert problems(find_project(str(tmp_path))) == []


def test_unknown_duplicate_and_id_less_files_are_named(tm_project: Project, write_file) -> None:
    info = service.create(tm_project, "Known")
    original = tm_project.root / info["path"]
    shutil.copy(original, tm_project.tasks_dir / "in_progress" / original.name)
    write_file(tm_project.tasks_dir / "backlog" / "TASK-0BAD-merged.md", "---\nid: TASK-0BAD\ntitle: M\n---\n")
    write_file(tm_project.tasks_dir / "blocked" / "draft.md", "---\ntitle: no id\n---\n")
    found = problems(tm_project)
    assert found == [
        "1 task file(s) have IDs the mapping does not know (TASK-0BAD)",
        f"ID {info['id']} is used by 2 files ({info['path']}, tasks/in_progress/{original.name})",
        "1 task file(s) have no valid id (tasks/blocked/draft.md)",
    ]


def test_id_of_a_file_renamed_by_hand_is_read_from_its_frontmatter(tm_project: Project, write_file) -> None:
    info = service.create(tm_project, "Renamed")
    path = tm_project.root / info["path"]
    path.rename(path.with_name("renamed-by-hand.md"))
    assert problems(tm_project) == []
    write_file(tm_project.tasks_dir / "backlog" / "quoted.md", "---\ntitle: q\nid: 'TASK-77AA'  # c\n---\n")
    assert problems(tm_project) == ["1 task file(s) have IDs the mapping does not know (TASK-77AA)"]


def test_many_examples_are_summarised(tm_project: Project, write_file) -> None:
    for n in range(5):
        write_file(tm_project.tasks_dir / "backlog" / f"d{n}.md", "---\ntitle: x\n---\n")
    [found] = problems(tm_project)
    assert found.endswith("(tasks/backlog/d0.md, tasks/backlog/d1.md, tasks/backlog/d2.md and 2 more)")


def test_missing_or_broken_mapping_is_reported(tm_project: Project) -> None:
    service.create(tm_project, "One")
    tm_project.mapping_path.unlink()
    assert problems(tm_project) == [".claude/state/external_id_mapping.json is missing"]
    tm_project.mapping_path.write_text("{ nope")
    assert problems(tm_project) == [".claude/state/external_id_mapping.json is unreadable (JSONDecodeError)"]
    tm_project.mapping_path.write_text("[]")
    assert problems(tm_project) == ['.claude/state/external_id_mapping.json is not a taskmint mapping (no "mappings" object)']


def test_check_needs_no_third_party_module(tm_project: Project) -> None:
    service.create(tm_project, "One")
    code = ("import sys; from taskmint.plugin.consistency import problems; from taskmint.project import find_project; "
            f"print(problems(find_project({str(tm_project.root)!r}))); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'filelock', 'jsonschema')))")
    lib = str(Path(__file__).resolve().parents[2] / "lib")
    out = subprocess.run([sys.executable, "-E", "-S", "-c", f"import sys; sys.path.insert(0, {lib!r}); {code}"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out == "[]\n[]\n"


def test_deleted_task_leaves_an_orphan_entry(tm_project: Project) -> None:
    gone = service.create(tm_project, "Gone")
    service.create(tm_project, "Stays")
    (tm_project.root / gone["path"]).unlink()
    assert problems(tm_project) == [f"1 mapping entr(ies) have no task file ({gone['id']})"]


def test_what_it_reports_is_what_doctor_fix_repairs(tm_project: Project, write_file) -> None:
    gone = service.create(tm_project, "Gone")
    (tm_project.root / gone["path"]).unlink()
    write_file(tm_project.tasks_dir / "backlog" / "TASK-0BAD-merged.md", "---\nid: TASK-0BAD\ntitle: M\n---\n")
    write_file(tm_project.tasks_dir / "blocked" / "draft.md", "---\ntitle: no id\n---\n")
    copy = service.create(tm_project, "Copied")
    shutil.copy(tm_project.root / copy["path"], tm_project.tasks_dir / "in_progress" / "copied.md")
    assert len(problems(tm_project)) == 4
    fix = subprocess.run([sys.executable, "-m", "taskmint.main", "--root", str(tm_project.root), "doctor", "--fix"],
                         capture_output=True, text=True, timeout=120)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert problems(tm_project) == []


