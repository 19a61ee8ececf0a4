"""`taskmint doctor [--fix]`: every finding on real files, its repair, and a clean second run."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskmint import doctor, service, state, tasks
from taskmint.project import Project


def report(taskmint, project: Project, *args: str) -> tuple[int, dict]:
    proc = taskmint("doctor", "--json", *args, root=project.root)
    assert not proc.stderr or "warning" in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def codes(found: dict) -> list[str]:
    return sorted(p["code"] for p in found["problems"])


def fix_then_clean(taskmint, project: Project) -> dict:
    """--fix exits 0 and leaves nothing for a second doctor to report."""
    rc, fixed = report(taskmint, project, "--fix")
    assert rc == 0 and fixed["problems"] == [], fixed
    rc, again = report(taskmint, project)
    assert rc == 0 and again["problems"] == [], again
    return fixed


def make(project: Project, title: str, **kwargs) -> tuple[dict, Path]:
    info = service.create(project, title, **kwargs)
    return info, project.root / info["path"]


def task_files(project: Project) -> dict[str, dict]:
    return {project.rel(p): meta for p, meta in tasks.iter_frontmatter(project)}


def numbers(project: Project, tool: str) -> list[str]:
    return sorted(str(m["external_ids"][tool]) for m in task_files(project).values())


def test_a_healthy_project_has_no_findings(project: Project, taskmint) -> None:
    for n in range(3):
        make(project, f"task {n}")
    service.complete(project, "PROJ-2")
    assert report(taskmint, project) == (0, {"ok": True, "tasks": 3, "notes": 0, "fixed": [], "problems": []})
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.returncode == 0 and proc.stdout == "no problems (3 task files)\n"
    assert taskmint("doctor", "--quiet", root=project.root).stdout == ""


def test_a_file_without_an_id_gets_one_numbers_and_a_name(project: Project, taskmint) -> None:
    make(project, "existing")
    hand = project.tasks_dir / "backlog" / "my-notes.md"
    hand.write_text("---\ntitle: Written by hand  # with a comment\nstatus: backlog\ntags: [a, b]\n---\n\nBody.\n")
    rc, found = report(taskmint, project)
    assert rc == 1 and codes(found) == ["missing-id"]
    assert found["problems"][0]["where"] == "tasks/backlog/my-notes.md"
    fix_then_clean(taskmint, project)
    assert not hand.exists()
    [(rel, meta)] = [(r, m) for r, m in task_files(project).items() if m["title"] == "Written by hand"]
    assert rel == f"tasks/backlog/{meta['id']}-written-by-hand.md"
    assert meta["external_ids"] == {"jira": "PROJ-2", "linear": "ENG-2", "github": "#2", "azure_devops": "2"}
    text = (project.root / rel).read_text()
    assert "title: Written by hand  # with a comment\nstatus: backlog\ntags: [a, b]\n" in text
    assert text.endswith("---\n\nBody.\n")


def test_duplicate_ids_renumber_the_later_copy_and_keep_the_old_id(project: Project, taskmint) -> None:
    info, path = make(project, "original")
    copy = path.with_name(path.name.replace("original", "copy"))
    text = path.read_text().replace("title: original", "title: copy").replace(
        info["created"], "2099-01-01T00:00:00Z", 1)
    copy.write_text(text.replace(f"id: {info['id']}", f"id: {info['id'].lower()}"))  # case does not matter
    original_bytes = path.read_bytes()
    rc, found = report(taskmint, project)
    assert rc == 1
    assert codes(found) == ["duplicate-external-id"] * 4 + ["duplicate-id"]
    assert {p["where"] for p in found["problems"]} == {project.rel(copy)}  # the later one, never the original
    fix_then_clean(taskmint, project)
    assert path.read_bytes() == original_bytes
    files = task_files(project)
    assert len(files) == 2
    [(rel, meta)] = [(r, m) for r, m in files.items() if m["title"] == "copy"]
    assert meta["previous_ids"] == [info["id"]] and meta["id"] != info["id"]
    assert rel.startswith(f"tasks/backlog/{meta['id']}-")
    assert meta["previous_external_ids"] == ["jira:PROJ-1", "linear:ENG-1", "github:#1", "azure_devops:1"]
    assert meta["external_ids"] == {"jira": "PROJ-2", "linear": "ENG-2", "github": "#2", "azure_devops": "2"}
    # The old numbers stay used, and both tasks are found by their IDs.
    assert service.show(project, "PROJ-1")["title"] == "original"
    assert make(project, "next")[0]["external_ids"]["jira"] == "PROJ-3"


def test_a_duplicate_that_cannot_be_rewritten_is_left_and_the_mapping_keeps_the_original(project: Project,
                                                                                          taskmint) -> None:
    """Regression: --fix recorded the new ID it meant to give a copy it could not rewrite (its id
    carries a YAML anchor another key uses), so every --fix added a mapping entry without a
    file, and said the same `unfixed:` line three times and `run --fix again` forever."""
    info, path = make(project, "original")
    original = path.read_bytes()
    copy = path.with_name(f"{info['id']}-a-copy.md")  # sorts before the original
    copy.write_text(path.read_text().replace("title: original", "title: copy").replace(
        info["created"], "2099-01-01T00:00:00Z", 1).replace(f"id: {info['id']}", f"id: &i {info['id']}\nalias: *i"))
    copied = copy.read_bytes()
    mapping = project.mapping_path.read_bytes()
    for run in range(1, 3):
        rc, fixed = report(taskmint, project, "--fix")
        assert rc == 1 and copy.read_bytes() == copied
        # each --fix tries the copy once: one set of numbers spent on it, not one a pass
        assert state.load(project).counters["jira"]["PROJ"] == 1 + run
        assert json.loads(project.mapping_path.read_bytes())["mappings"] == json.loads(mapping)["mappings"]
        lines = [f"{p['code']}: {p['where']}: {p['message']}" for p in fixed["problems"]]
        assert sorted(lines) == sorted({*lines}), lines
        assert codes(fixed).count("unfixed") == 1 and "mapping-orphan" not in codes(fixed)
        assert not any(p["fixable"] for p in fixed["problems"]), fixed["problems"]
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.stdout.count("unfixed: ") == 1 and proc.stdout.endswith(" problems left to fix by hand\n"), proc.stdout
    assert path.read_bytes() == original


def test_a_duplicated_subtask_id_gets_the_next_subtask_number(project: Project, taskmint) -> None:
    parent, _ = make(project, "parent")
    sub, path = make(project, "sub", parent=parent["id"])
    later = path.with_name(f"{sub['id']}-other.md")
    later.write_text(path.read_text().replace("title: sub", "title: other").replace(
        sub["created"], "2099-01-01T00:00:00Z", 1).replace("PROJ-2", "PROJ-9").replace("ENG-2", "ENG-9").replace(
        '"#2"', '"#9"').replace('"2"', '"9"'))
    rc, found = report(taskmint, project)
    assert codes(found) == ["counter-low"] * 4 + ["duplicate-id"]  # the copy carries numbers never issued
    fix_then_clean(taskmint, project)
    other = next(m for m in task_files(project).values() if m["title"] == "other")
    assert other["id"] == f"{parent['id']}.2" and other["previous_ids"] == [sub["id"]]


def test_duplicate_external_numbers_renumber_only_the_clashing_tool(project: Project, taskmint) -> None:
    first, first_path = make(project, "first")
    second, path = make(project, "second")
    # Created in the same second, and named so that it sorts first: the mapping, which
    # records PROJ-1 for "first", decides which copy keeps the number.
    first_path.write_text(first_path.read_text().replace(first["created"], "2026-01-01T00:00:00Z"))
    text = path.read_text().replace("jira: PROJ-2", "jira: PROJ-1").replace(second["created"], "2026-01-01T00:00:00Z")
    path.unlink()
    path = path.with_name("0-second.md")
    path.write_text(text)
    rc, found = report(taskmint, project)
    assert codes(found) == ["duplicate-external-id", "mapping-mismatch"]
    fix_then_clean(taskmint, project)
    meta = task_files(project)[project.rel(path)]
    assert meta["external_ids"] == {"jira": "PROJ-3", "linear": "ENG-2", "github": "#2", "azure_devops": "2"}
    assert meta["previous_external_ids"] == ["jira:PROJ-1"]
    assert meta["id"] == second["id"]


def test_mapping_entries_without_a_file_are_dropped_but_their_numbers_stay_used(project: Project, taskmint) -> None:
    make(project, "kept")
    _, gone = make(project, "deleted by hand")
    gone.unlink()
    rc, found = report(taskmint, project)
    assert rc == 1 and codes(found) == ["mapping-orphan"]
    fix_then_clean(taskmint, project)
    assert len(json.loads(project.mapping_path.read_text())["mappings"]) == 1
    assert make(project, "new")[0]["external_ids"]["jira"] == "PROJ-3"  # PROJ-2 is never reissued


def test_task_files_missing_from_the_mapping_are_added(project: Project, taskmint) -> None:
    info, _ = make(project, "one")
    make(project, "two")
    data = json.loads(project.mapping_path.read_text())
    del data["mappings"][info["id"]]
    project.mapping_path.write_text(json.dumps(data))
    rc, found = report(taskmint, project)
    assert codes(found) == ["mapping-missing"]
    fix_then_clean(taskmint, project)
    assert json.loads(project.mapping_path.read_text())["mappings"][info["id"]] == info["external_ids"]


def test_frontmatter_wins_over_the_mapping_and_fills_what_it_lacks(project: Project, taskmint) -> None:
    info, path = make(project, "one")
    data = json.loads(project.mapping_path.read_text())
    data["mappings"][info["id"]]["linear"] = "ENG-1"
    data["mappings"][info["id"]]["jira"] = "PROJ-1"
    project.mapping_path.write_text(json.dumps(data))
    # `github: #1` unquoted is a YAML comment: the value is lost (null) in the file.
    path.write_text(path.read_text().replace('github: "#1"', "github: #1").replace("jira: PROJ-1", "jira: PROJ-7"))
    rc, found = report(taskmint, project)
    assert codes(found) == ["counter-low", "mapping-mismatch", "mapping-mismatch"]
    fix_then_clean(taskmint, project)
    meta = task_files(project)[project.rel(path)]
    assert meta["external_ids"] == {"jira": "PROJ-7", "linear": "ENG-1", "github": "#1", "azure_devops": "1"}
    assert json.loads(project.mapping_path.read_text())["mappings"][info["id"]] == meta["external_ids"]
    assert make(project, "next")[0]["external_ids"]["jira"] == "PROJ-8"


def test_files_move_to_the_folder_of_their_status(project: Project, taskmint) -> None:
    started, started_path = make(project, "started")
    done, done_path = make(project, "done")
    odd, odd_path = make(project, "no status")
    started_path.write_text(started_path.read_text().replace("status: backlog", "status: in_progress"))
    # A crash between `complete`'s rewrite and its move leaves exactly this:
    done_path.write_text(done_path.read_text().replace(
        "status: backlog", "status: completed\ncompleted: 2025-03-04T05:06:07Z"))
    odd_path.write_text(odd_path.read_text().replace("status: backlog\n", ""))
    rc, found = report(taskmint, project)
    assert codes(found) == ["status-folder"] * 3
    fix_then_clean(taskmint, project)
    files = task_files(project)
    assert files[f"tasks/in_progress/{started_path.name}"]["status"] == "in_progress"
    assert files[f"tasks/completed/2025-03/{done_path.name}"]["status"] == "completed"
    assert files[project.rel(odd_path)]["status"] == "backlog"


def test_counters_below_a_number_in_use_are_raised(project: Project, taskmint) -> None:
    make(project, "one")
    make(project, "two")
    counters = json.loads(project.counters_path.read_text())
    counters["counters"]["jira"]["PROJ"] = 0
    counters["counters"]["github"] = 1
    project.counters_path.write_text(json.dumps(counters))
    rc, found = report(taskmint, project)
    assert codes(found) == ["counter-low", "counter-low"]
    assert "PROJ-2 is in use" in found["problems"][0]["message"] + found["problems"][1]["message"]
    fix_then_clean(taskmint, project)
    assert make(project, "three")[0]["external_ids"] == {
        "jira": "PROJ-3", "linear": "ENG-3", "github": "#3", "azure_devops": "3"}


def test_doubly_broken_state_is_rebuilt_never_below_any_number_in_use(project: Project, taskmint) -> None:
    make(project, "one")
    _, gone = make(project, "two")
    make(project, "three")
    gone.unlink()  # PROJ-2 now lives only in the state files and their .bak
    mapping_bak = project.mapping_path.with_name(project.mapping_path.name + ".bak")
    project.mapping_path.write_text("{not json")
    counters_bak = project.counters_path.with_name(project.counters_path.name + ".bak")
    counters = json.loads(counters_bak.read_text())
    counters["counters"]["github"] = 40  # the only record of numbers up to 40, in a schema-broken .bak
    counters["unexpected"] = True
    counters_bak.write_text(json.dumps(counters))
    project.counters_path.write_bytes(b"")
    proc = taskmint("create", "refused", root=project.root)
    assert proc.returncode == 1 and "run `taskmint doctor --fix`" in proc.stderr
    rc, found = report(taskmint, project)
    # The mapping's .bak predates "three" and still lists "two": it is what doctor compares with.
    assert codes(found) == ["mapping-missing", "mapping-orphan", "state-unusable", "state-unusable"]
    [counters_finding] = [p for p in found["problems"] if p["where"].endswith("counters.json")]
    assert "its .bak is unusable too" in counters_finding["message"]
    fix_then_clean(taskmint, project)
    for bak in (mapping_bak, counters_bak):  # a good copy now, not the broken file
        assert json.loads(bak.read_text())["version"] == "2.0"
        assert state.parse(bak.read_bytes(), "mappings" if bak == mapping_bak else "counters", "bak")
    assert make(project, "four")[0]["external_ids"] == {
        "jira": "PROJ-4", "linear": "ENG-4", "github": "#41", "azure_devops": "4"}


def test_a_state_file_from_a_newer_taskmint_is_refused_not_overwritten(project: Project, taskmint) -> None:
    make(project, "one")
    _, path = make(project, "two")
    path.write_text(path.read_text().replace("status: backlog", "status: blocked"))  # fixable, but...
    data = json.loads(project.counters_path.read_text())
    data["version"] = "3.0"
    project.counters_path.write_text(json.dumps(data))
    before = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file() and p.suffix != ".lock"}
    rc, found = report(taskmint, project)
    assert rc == 1 and "state-newer" in codes(found)
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.returncode == 1 and "newer taskmint" in proc.stderr and proc.stderr.count("\n") == 1
    after = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file() and p.suffix != ".lock"}
    assert after == before


def test_guardkit_v1_state_is_imported(project: Project, taskmint) -> None:
    info, _ = make(project, "one")
    v1 = {"version": "1.0", "updated": "2025-01-01T00:00:00Z",
          "mappings": {info["id"]: {"jira": "PROJ-1", "linear": "ENG-1", "github": "1", "azure_devops": "1"}}}
    project.mapping_path.write_text(json.dumps(v1))
    rc, found = report(taskmint, project)
    assert codes(found) == ["state-v1"]
    fix_then_clean(taskmint, project)
    assert json.loads(project.mapping_path.read_text())["version"] == "2.0"


def test_missing_state_files_are_rebuilt(project: Project, taskmint) -> None:
    make(project, "one")
    for path in (project.mapping_path, project.counters_path):
        path.unlink()
        path.with_name(path.name + ".bak").unlink(missing_ok=True)
    rc, found = report(taskmint, project)
    assert codes(found) == ["state-missing", "state-missing"]
    fix_then_clean(taskmint, project)
    assert make(project, "two")[0]["external_ids"]["jira"] == "PROJ-2"


@pytest.mark.parametrize("name, content, code", [
    ("TASK-AB12-broken.md", "---\nid: TASK-AB12\ntitle: [unclosed\n---\n", "unreadable"),
    ("odd.md", "---\nid: 42\ntitle: odd\nstatus: backlog\n---\n", "bad-id"),
    ("TASK-001-old.md", "---\nid: TASK-001\ntitle: old\nstatus: backlog\n---\n", "legacy-id"),
    ("TASK-CD34-x.md", "---\nid: TASK-CD34\ntitle: x\nstatus: backlog\nexternal_ids:\n  jira: nope\n---\n",
     "bad-external-id"),
    ("TASK-EF56-y.md", "---\nid: TASK-EF56\ntitle: y\nstatus: done\n---\n", "bad-status"),
])
def test_what_cannot_be_repaired_safely_is_reported_and_left_alone(project: Project, taskmint, name: str,
                                                                  content: str, code: str) -> None:
    make(project, "healthy")
    path = project.tasks_dir / "backlog" / name
    path.write_text(content)
    rc, found = report(taskmint, project)
    assert rc == 1 and code in codes(found)
    assert all(not p["fixable"] for p in found["problems"] if p["code"] == code)
    rc, fixed = report(taskmint, project, "--fix")
    assert rc == 1 and code in codes(fixed)
    assert path.read_text() == content
    proc = taskmint("doctor", root=project.root)
    assert f"{code}: tasks/backlog/{name}: " in proc.stdout
    assert proc.stdout.endswith("1 problem left to fix by hand\n")


def test_every_finding_is_one_line_and_fixes_never_delete_a_file(project: Project, taskmint) -> None:
    info, path = make(project, "a")
    make(project, "b")
    path.with_name("dup.md").write_text(path.read_text())
    (project.tasks_dir / "backlog" / "hand.md").write_text("---\ntitle: hand\n---\n")
    count = len(list(tasks.walk(project.tasks_dir)))
    proc = taskmint("doctor", root=project.root)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert lines[-1] == f"{len(lines) - 1} problems, {len(lines) - 1} fixable: run `taskmint doctor --fix`"
    assert all(line.split(": ")[0] in {"duplicate-id", "duplicate-external-id", "missing-id", "status-folder"}
               for line in lines[:-1])
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "no problems (4 task files)"
    assert len(list(tasks.walk(project.tasks_dir))) == count


_CREATOR = """
import sys
from taskmint import service
from taskmint.project import find_project
project = find_project(sys.argv[1])
for i in range(int(sys.argv[2])):
    service.create(project, f"{sys.argv[3]} {i}")
"""
_HEALER = """
import sys
from pathlib import Path
from taskmint import doctor
from taskmint.project import find_project
project = find_project(sys.argv[1])
for i in range(int(sys.argv[2])):
    # A hand-written task with no ID: every round, --fix must issue it numbers under the lock.
    (Path(sys.argv[1]) / "tasks" / "backlog" / f"hand-{i}.md").write_text(f"---\\ntitle: hand {i}\\n---\\n")
    doctor.run(project, fix=True)
"""


def test_doctor_fix_holds_the_lock_against_concurrent_creates(project: Project) -> None:
    """Repairs rebuild the mapping and issue numbers: without the lock, a create running at
    the same time would lose its mapping entry or share a number."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    root = str(project.root)
    procs = [subprocess.Popen([sys.executable, "-c", _CREATOR, root, "15", f"w{n}"], env=env, stderr=subprocess.PIPE,
                              text=True) for n in range(3)]
    procs.append(subprocess.Popen([sys.executable, "-c", _HEALER, root, "8"], env=env, stderr=subprocess.PIPE,
                                  text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    total = 3 * 15 + 8
    assert numbers(project, "azure_devops") == sorted(str(n) for n in range(1, total + 1))
    assert doctor.run(project, fix=False).findings == []
    assert len(json.loads(project.mapping_path.read_text())["mappings"]) == total


def test_doctor_finds_one_problem_among_many_tasks(project: Project, taskmint) -> None:
    count = int(os.environ.get("TASKMINT_DOCTOR_TASKS", "300"))
    # tasks with Jira numbers only: a project configured for Jira only (else missing-external-id)
    service.init(project, jira="PROJ", linear=None, github=False, azure_devops=False, force=True)
    backlog = project.tasks_dir / "backlog"
    mapping = {}
    for n in range(1, count + 1):
        task_id = f"TASK-{n:05X}"
        (backlog / f"{task_id}-t.md").write_text(
            f"---\nid: {task_id}\ntitle: t{n}\nstatus: backlog\nexternal_ids:\n  jira: PROJ-{n}\n---\n")
        mapping[task_id] = {"jira": f"PROJ-{n}"}
    state.save_mapping(project, mapping)
    counters = json.loads(project.counters_path.read_text())["counters"]
    counters["jira"]["PROJ"] = count
    state.save_counters(project, counters)
    assert report(taskmint, project)[0] == 0
    (backlog / "TASK-00001-t.md").rename(project.tasks_dir / "TASK-00001-t.md")  # in no status folder: fine
    (backlog / "TASK-00002-t.md").rename(project.tasks_dir / "blocked" / "TASK-00002-t.md")
    rc, found = report(taskmint, project)
    assert rc == 1 and codes(found) == ["status-folder"] and found["tasks"] == count
    fix_then_clean(taskmint, project)
    assert (backlog / "TASK-00002-t.md").exists()


def test_temporary_files_of_interrupted_writes_are_removed(project: Project, taskmint) -> None:
    info, path = make(project, "a")
    # what a write killed between its temporary file and the rename leaves, named as
    # write_atomic names them; and look-alikes that are not taskmint's
    left = [Path(tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=suffix)[1])
            for folder, name, suffix in [(path.parent, path.name, ".tmp"), (project.state_dir, "external_id_mapping.json",
                                         ".tmp"), (project.state_dir, "external_id_counters.json", ".tmp.bak")]]
    kept = [project.tasks_dir / "backlog" / ".notes.tmp", project.tasks_dir / "backlog" / "draft.md.abcdefgh.tmp",
            project.root / ".claude" / ".taskmint.yaml.abcdefgh.tmp"]
    for other in kept:
        other.write_text("mine")
    rc, found = report(taskmint, project)
    assert rc == 1 and codes(found) == ["temp-files"] and "3 temporary file(s)" in found["problems"][0]["message"]
    fix_then_clean(taskmint, project)
    assert not any(p.exists() for p in left) and all(p.read_text() == "mine" for p in kept)
    assert taskmint("show", info["id"], root=project.root).returncode == 0


@pytest.mark.parametrize("copy_into, status", [("in_progress", "backlog"), ("backlog", "in_progress")])
def test_a_copy_in_another_status_folder_is_renumbered_and_moved_in_one_fix(project: Project, taskmint,
                                                                         copy_into: str, status: str) -> None:
    """Issue 10 item 9: --fix renumbered the copy but left it in the wrong folder ("1 problem
    left to fix by hand" for a finding it called fixable); a second doctor still reported
    status-folder. The copy (the file outside its status's folder) is the one renumbered."""
    info, path = make(project, "original")
    home = project.tasks_dir / status
    home.mkdir(exist_ok=True)
    original = home / path.name
    original.write_text(path.read_text().replace("status: backlog", f"status: {status}"))
    if original != path:
        path.unlink()
    copy = project.tasks_dir / copy_into / path.name
    copy.write_bytes(original.read_bytes())
    proc = taskmint("doctor", root=project.root)
    assert "already exists; move one of them by hand" not in proc.stdout
    assert f"{len(proc.stdout.splitlines()) - 1} problems, {len(proc.stdout.splitlines()) - 1} fixable" in proc.stdout
    fixed = fix_then_clean(taskmint, project)
    [line] = [f for f in fixed["fixed"] if f.startswith(project.rel(copy))]
    assert f"{info['id']} -> " in line and f"moved to tasks/{status}/" in line
    assert task_files(project)[project.rel(original)]["id"] == info["id"]  # the original keeps its ID
    assert not copy.exists() and len(list(home.glob("*.md"))) == 2


def test_fix_files_a_completed_task_by_completed_in_any_form(project: Project, taskmint) -> None:
    """Issue 10 item 12: doctor --fix filed a completed task by `updated` whenever `completed:`
    was not a full timestamp (a plain date 2020-02-03, or a quoted string)."""
    for n, completed in enumerate(["2020-02-03", "'2020-03-04T10:00:00Z'", "2020-04-05 10:00:00"]):
        _, path = make(project, f"done {n}")
        path.write_text(path.read_text().replace("status: backlog", f"status: completed\ncompleted: {completed}"))
    fix_then_clean(taskmint, project)
    folders = sorted(project.rel(p.parent) for p in (project.tasks_dir / "completed").rglob("*.md"))
    assert folders == ["tasks/completed/2020-02", "tasks/completed/2020-03", "tasks/completed/2020-04"]


def test_bad_id_message_prints_what_the_file_says(project: Project, taskmint) -> None:
    """Issue 10: the bad-id message printed `datetime.date(2025, 1, 8)` for `id: 2025-01-08`."""
    _, path = make(project, "dated")
    path.write_text(path.read_text().replace(path.read_text().split("\n")[1], "id: 2025-01-08"))
    _, found = report(taskmint, project)
    [problem] = [p for p in found["problems"] if p["code"] == "bad-id"]
    assert problem["message"].startswith("id 2025-01-08 is not a task ID"), problem


_NUMBERS = st.one_of(st.none(), st.integers(1, 9))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks_numbers=st.lists(st.tuples(_NUMBERS, _NUMBERS, st.sampled_from(["PROJ", "OPS"])), min_size=1, max_size=5),
       entries=st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["same", "other", "junk", "none"]), _NUMBERS),
                        max_size=8))
def test_mapping_entries_seen_already_are_skipped_without_changing_a_counter(
        project: Project, tasks_numbers, entries) -> None:
    """doctor._unseen skips the mapping (and .bak) entries equal to what a task or the
    mapping already named: every counter, every place a highest number was first seen and
    the order of the keys must be what reading all of them gives."""
    backlog = project.tasks_dir / "backlog"
    for path in backlog.glob("*.md"):
        path.unlink()
    mine = {}
    for n, (jira, github, key) in enumerate(tasks_numbers):
        ext = {**({"jira": f"{key}-{jira}"} if jira else {}), **({"github": f"#{github}"} if github else {})}
        mine[f"TASK-{n:04X}"] = ext
        lines = "".join(f'  {tool}: "{value}"\n' for tool, value in ext.items())
        (backlog / f"TASK-{n:04X}-t.md").write_text(
            f"---\nid: TASK-{n:04X}\nstatus: backlog\n" + (f"external_ids:\n{lines}" if lines else "") + "---\n")
    files: list[dict] = [{}, {}]
    for n, kind, number in entries:
        task_id = f"TASK-{n:04X}"
        value = {"same": mine.get(task_id, {}), "other": {"jira": f"PROJ-{number or 1}", "linear": f"ENG-{n + 1}"},
                 "junk": [number], "none": None}[kind]
        files[n % 2][task_id] = value
    for path, found in ((project.mapping_path, files[0]), (project.mapping_path.with_name(
            project.mapping_path.name + ".bak"), {**files[0], **files[1]})):
        path.write_text(json.dumps({"version": "2.0", "updated": "2026-01-01T00:00:00Z", "mappings": found}))

    def exam_of() -> tuple:
        exam = doctor.examine(project)
        return [f.line() for f in exam.findings], json.dumps(exam.here), json.dumps(exam.floor)

    skipping, unseen = exam_of(), doctor._unseen
    doctor._unseen = lambda data, seen: data  # (not monkeypatch: undone only after every example)
    try:
        assert skipping == exam_of()
    finally:
        doctor._unseen = unseen


def test_an_invalid_config_is_reported_with_the_rest_and_fix_waits_for_it(project: Project, taskmint) -> None:
    """Regression: with an invalid config doctor used to end in the config's own error (its
    status check read the config again), so it printed none of its findings."""
    _, path = make(project, "one")
    path.rename(path.parent.parent / "in_review" / path.name)  # misplaced: a status-folder finding, normally
    project.config_path.write_text("version: 1\npm_tools:\n  jira: proj\n")
    before = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file() and p.name != "taskmint.lock"}
    rc, found = report(taskmint, project)
    assert rc == 1 and codes(found) == ["config"]  # statuses are unknown until the config is fixed
    assert "pm_tools.jira 'proj' is not a Jira project key" in found["problems"][0]["message"]
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.returncode == 1 and proc.stdout.endswith("\n1 problem left to fix by hand\n")
    project.counters_path.unlink()  # now something --fix could repair, but not by this config
    del before[project.counters_path]
    assert codes(report(taskmint, project)[1]) == ["config", "state-missing"]
    assert taskmint("doctor", root=project.root).stdout.endswith(
        "2 problems, 1 fixable once .claude/taskmint.yaml is fixed: then run `taskmint doctor --fix`\n")
    proc = taskmint("doctor", "--fix", root=project.root)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("taskmint: error: .claude/taskmint.yaml is unusable (see `taskmint doctor`); fix it "
                           "before `taskmint doctor --fix`, which numbers tasks by it (nothing was changed)\n")
    assert {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file() and p.name != "taskmint.lock"} == before
    project.config_path.unlink()
    service.init(project, jira="PROJ", linear="ENG", github=True, azure_devops=True, force=False)
    assert "status-folder" in codes(report(taskmint, project)[1])
