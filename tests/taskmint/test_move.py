"""`taskmint move`, `list --status` and doctor's status checks through the real CLI, with the
default statuses and with statuses a project declares (upper-case spellings included)."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from taskmint import state, tasks

DEFAULT = ("backlog", "in_progress", "in_review", "blocked", "completed")


def js(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def one_line_error(proc, code: int, fragment: str) -> None:
    assert proc.returncode == code and proc.stdout == "", (proc.returncode, proc.stdout, proc.stderr)
    [line] = proc.stderr.splitlines()
    assert line.startswith("taskmint: error: ") and fragment in line, line


def folder_of(status: str, meta: dict) -> str:
    if status == "completed":
        return f"tasks/completed/{meta['completed'][:7]}"
    return f"tasks/{status}"


def test_move_between_every_pair_of_statuses(project, taskmint, snapshot) -> None:
    made = js(taskmint("create", "Wander", "--json", root=project.root))
    mapping = state.load(project).mappings
    current = "backlog"
    # every ordered pair (a -> b, a != b) once, reopen (completed -> x) included
    pairs = list(itertools.permutations(DEFAULT, 2))
    done = set()
    while len(done) < len(pairs):
        nxt = next((b for a, b in pairs if a == current and (a, b) not in done), None)
        if nxt is None:  # everything out of here is done: go on from any status with pairs left
            nxt = next(a for a, b in pairs if (a, b) not in done and a != current)
        else:
            done.add((current, nxt))
        ref = made["id"] if len(done) % 2 else "PROJ-1"  # internal and external IDs alike
        moved = js(taskmint("move", ref, nxt, "--json", root=project.root))
        assert moved["status"] == nxt and moved["previous_status"] == current and moved["changed"] is True
        assert moved["reopened"] is (current == "completed")
        path = project.root / moved["path"]
        assert moved["path"] == f"{folder_of(nxt, moved)}/{path.name}"
        [only] = tasks.walk(project.tasks_dir)
        assert only == path
        meta = tasks.read(project, path).meta
        assert meta["status"] == nxt and meta["id"] == made["id"]
        assert ("completed" in meta) is (nxt == "completed")
        assert state.load(project).mappings == mapping
        current = nxt

    before = snapshot(project)
    again = js(taskmint("move", "PROJ-1", current, "--json", root=project.root))
    assert again["changed"] is False and snapshot(project) == before


def test_move_rewrites_only_the_keys_it_owns_and_reopen_drops_completed(project, taskmint) -> None:
    made = js(taskmint("create", "Keep my text", "--json", root=project.root))
    path = project.root / made["path"]
    path.write_text(path.read_text().replace("priority: medium\n", "priority: medium  # mine\nowner: bob\n")
                    + "Body stays.\n")
    original = path.read_text()
    done = js(taskmint("complete", "PROJ-1", "--json", root=project.root))
    back = js(taskmint("move", "PROJ-1", "in_review", "--json", root=project.root))
    assert back["reopened"] is True and back["path"] == f"tasks/in_review/{path.name}"
    text = (project.root / back["path"]).read_text()
    assert "completed:" not in text and "status: in_review\n" in text
    assert not (project.root / done["path"]).exists()
    assert not list((project.tasks_dir / "completed").rglob("*.md"))
    # every line but status and updated is as it was (updated may be the same second as before)
    changed = [(a, b) for a, b in zip(original.splitlines(), text.splitlines()) if a != b]
    assert changed[0] == ("status: backlog", "status: in_review")
    assert [a.split(":")[0] for a, _ in changed[1:]] in ([], ["updated"]), changed
    assert len(original.splitlines()) == len(text.splitlines())


@pytest.mark.parametrize("args, code, fragment", [
    (("PROJ-1", "done"), 2, "unknown status 'done'; use one of backlog, in_progress, in_review, blocked, completed"),
    (("PROJ-9", "blocked"), 1, "no task has external ID PROJ-9"),
    (("TASK-FFFF", "blocked"), 1, "no task file has ID TASK-FFFF"),
])
def test_unknown_status_or_id_is_one_line_and_changes_nothing(project, taskmint, snapshot, args, code,
                                                              fragment) -> None:
    js(taskmint("create", "Stay", "--json", root=project.root))
    before = snapshot(project)
    one_line_error(taskmint("move", *args, root=project.root), code, fragment)
    assert snapshot(project) == before


def test_move_refuses_to_overwrite_a_file_at_the_target(project, taskmint, snapshot) -> None:
    made = js(taskmint("create", "Clash", "--json", root=project.root))
    name = Path(made["path"]).name
    (project.tasks_dir / "blocked" / name).write_text("someone else's\n")
    before = snapshot(project)
    one_line_error(taskmint("move", "PROJ-1", "blocked", root=project.root), 1,
                   f"tasks/blocked/{name} already exists")
    assert snapshot(project) == before


DECLARED = """\
statuses:
  backlog: open
  design_approved: open
  in_progress: started
  review_complete: review
  blocked: blocked
  completed: done
  Cancelled: done
"""


@pytest.fixture
def declared(project):
    with open(project.config_path, "a", encoding="utf-8") as f:
        f.write(DECLARED)
    return project


def test_declared_statuses_for_move_list_and_doctor(declared, taskmint) -> None:
    project = declared
    first = js(taskmint("create", "Design it", "--json", root=project.root))
    second = js(taskmint("create", "Drop it", "--json", root=project.root))
    moved = js(taskmint("move", "PROJ-1", "DESIGN_APPROVED", "--json", root=project.root))
    assert moved["status"] == "design_approved" and moved["path"].startswith("tasks/design_approved/")
    dropped = js(taskmint("move", second["id"], "cancelled", "--json", root=project.root))
    assert dropped["status"] == "Cancelled" and dropped["path"].startswith("tasks/Cancelled/")
    one_line_error(taskmint("move", "PROJ-1", "in_review", root=project.root), 2,
                   "unknown status 'in_review'; use one of backlog, design_approved, in_progress, review_complete")

    listed = js(taskmint("list", "--status", "Design_Approved", "--json", root=project.root))["tasks"]
    assert [t["id"] for t in listed] == [first["id"]]
    assert [t["id"] for t in js(taskmint("list", "--status", "CANCELLED", "--json", root=project.root))["tasks"]] \
        == [second["id"]]

    # Hand-written spellings: upper case is the declared status (doctor --fix writes its spelling); an
    # undeclared status is still a bad-status.
    path = project.root / moved["path"]
    path.write_text(path.read_text().replace("status: design_approved", "status: DESIGN_APPROVED"))
    assert [t["id"] for t in js(taskmint("list", "--status", "design_approved", "--json",
                                         root=project.root))["tasks"]] == [first["id"]]
    odd = project.tasks_dir / "review_complete" / "TASK-0DD0-odd.md"
    odd.parent.mkdir()
    odd.write_text("---\nid: TASK-0DD0\ntitle: Odd\nstatus: superseded\n---\n")
    report = json.loads(taskmint("doctor", "--json", root=project.root).stdout)
    kinds = {(p["code"], p["where"]) for p in report["problems"]}
    assert ("status-spelling", moved["path"]) in kinds
    assert ("bad-status", "tasks/review_complete/TASK-0DD0-odd.md") in kinds
    bad = next(p for p in report["problems"] if p["code"] == "bad-status")
    assert "declare it under `statuses:`" in bad["message"]
    assert not any(p["code"] == "status-folder" for p in report["problems"])  # design_approved/ is its folder
    taskmint("doctor", "--fix", root=project.root)
    assert "status: design_approved\n" in path.read_text()


def test_declared_status_in_upper_case_folder_check(declared, taskmint) -> None:
    project = declared
    made = js(taskmint("create", "Misfiled", "--json", root=project.root))
    path = project.root / made["path"]
    path.write_text(path.read_text().replace("status: backlog", "status: REVIEW_COMPLETE"))
    report = json.loads(taskmint("doctor", "--json", root=project.root).stdout)
    kinds = sorted(p["code"] for p in report["problems"])
    assert kinds == ["status-folder", "status-spelling"]
    js(taskmint("doctor", "--fix", "--json", root=project.root))
    fixed = project.tasks_dir / "review_complete" / path.name
    assert "status: review_complete\n" in fixed.read_text() and not path.exists()


@pytest.mark.parametrize("text, fragment", [
    ("statuses:\n  backlog: open\n  completed: done\n  Backlog: open\n", "differ only in case"),
    ("statuses:\n  backlog: open\n", "lacks completed"),
    ("statuses:\n  backlog: open\n  completed: done\n  doing: working\n", "is invalid"),
    ("statuses:\n  backlog: open\n  completed: review\n", "completed must have category done"),
    ("statuses:\n  backlog: open\n  completed: done\n  ../x: open\n", "is invalid"),
])
def test_bad_status_declarations_are_one_line(project, taskmint, text, fragment) -> None:
    with open(project.config_path, "a", encoding="utf-8") as f:
        f.write(text)
    one_line_error(taskmint("list", root=project.root), 1, fragment)
