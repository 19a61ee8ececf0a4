"""doctor_scan reads what tasks.read and state.parse read, in the order doctor always had."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmint import doctor_scan, external_ids, frontmatter, ids, tasks
from taskmint.doctor_scan import Task, Unreadable
from taskmint.errors import TaskmintError
from taskmint.project import Project

CORPUS = Path(__file__).with_name("corpus")


def by_tasks_read(project: Project) -> tuple[list[tuple], int]:
    """What doctor built from tasks.read before doctor_scan: (rel, meta, doc lines) or
    (rel, message, named ID) per file in sorted path order, and the notes."""
    found, notes = [], 0
    for path in sorted(tasks.walk(project.tasks_dir)):
        rel = project.rel(path)
        try:
            task = tasks.read(project, path)
        except TaskmintError as e:
            named = ids.id_from_filename(path.name)
            found.append((rel, f"{e}".removeprefix(f"{rel}: "), named.upper() if named else None))
            continue
        if task.is_note:
            notes += 1
        else:
            found.append((rel, task.meta, task.doc.lines))
    return found, notes


def by_scan(project: Project) -> tuple[list[tuple], int]:
    read, notes, _ = doctor_scan.read_tasks(project)
    return [(r.rel, r.problem, r.named) if isinstance(r, Unreadable) else (r.rel, r.meta, r.doc.lines)
            for r in read], notes


def test_every_corpus_file_reads_as_tasks_read_reads_it(project: Project) -> None:
    for n, source in enumerate(sorted(CORPUS.glob("*.md"))):
        (project.tasks_dir / "backlog" / f"{n:02d}-{source.name}").write_bytes(source.read_bytes())
    assert by_scan(project) == by_tasks_read(project)


def test_unreadable_files_and_notes(project: Project) -> None:
    backlog = project.tasks_dir / "backlog"
    (backlog / "TASK-AB12-broken.md").write_text("---\nid: TASK-AB12\ntitle: [unclosed\n---\n")
    (backlog / "TASK-ab13-latin.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    (backlog / "listy.md").write_text("---\n- a\n---\n")
    (backlog / "README.md").write_text("# not a task\n")
    (project.tasks_dir / "notes.md").write_text("---\nno closing line\n")
    (backlog / "TASK-CD34-link.md").symlink_to(backlog / "listy.md")  # tasks/ is walked without symlinks
    read, notes, _ = doctor_scan.read_tasks(project)
    assert notes == 2
    assert [(r.rel, r.problem, r.named) for r in read] == [
        ("tasks/backlog/TASK-AB12-broken.md", "frontmatter is not valid YAML (while parsing a flow sequence); "
         "fix the file by hand", "TASK-AB12"),
        ("tasks/backlog/TASK-ab13-latin.md",
         "tasks/backlog/TASK-ab13-latin.md is not valid UTF-8 (byte 14); re-save it as UTF-8", None),
        ("tasks/backlog/listy.md", "frontmatter is not a YAML mapping of keys to values; write `key: value` lines "
         "between the `---` lines", None)]
    assert by_scan(project) == by_tasks_read(project)


def test_files_come_in_the_order_of_sorted_paths(project: Project) -> None:
    """Path order compares part by part: tasks/a/z.md comes before tasks/a-b.md ('a' < 'a-b'),
    though '/' sorts after '-' in a plain string."""
    for rel in ("a/z.md", "a-b.md", "a-b/c.md", "a.md", "A/x.md", "b/a/b.md", "b/a.md", "b/a-/x.md", "x y.md",
                "a\x01.md", "a\x01/y.md", "a /q.md", "a!.md"):
        path = project.tasks_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\ntitle: x\n---\n")
    read, _, _ = doctor_scan.read_tasks(project)
    assert [t.rel for t in read] == [project.rel(p) for p in sorted(tasks.walk(project.tasks_dir))]
    assert [t.file for t in read] == [str(p) for p in sorted(tasks.walk(project.tasks_dir))]


line = st.one_of(
    st.sampled_from(["id: TASK-A3F8", "id: task-a3f8 ", "id: 42", "id:", "title: x", 'title: "a: b"', "status: Backlog",
                     "created: 2026-01-08T10:00:00Z", "created: 2026-01-08", "created: '2026-01-08'",
                     "external_ids:", "  jira: PROJ-3", '  github: "#4"', "  github: 4", "  azure_devops: x",
                     "external_ids: [a]", "tags: [a, b]", "a: &x 1", "b: *x", "# c", "", "  - x", "---", "..."]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))


@settings(max_examples=150, deadline=None)
@given(files=st.lists(st.tuples(st.sampled_from(["backlog", "completed/2026-01", "in_progress", "weird", ""]),
                                st.lists(line, max_size=7), st.sampled_from(["\n", "\r\n"]), st.booleans()),
                      max_size=6),
       forked=st.booleans())
def test_generated_files_read_as_tasks_read_reads_them(tmp_path_factory, files, forked) -> None:
    root = tmp_path_factory.mktemp("proj")
    project = Project(root=root, shared_dir=None)
    for n, (folder, lines, newline, opened) in enumerate(files):
        path = project.tasks_dir / folder / f"TASK-{n:04X}-t.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((("---" + newline) * opened + newline.join(lines) + newline + "---\nbody\n").encode("utf-8"))
    with forking(from_files=1 if forked else 10**9) as helpers:
        scanned = by_scan(project)
    assert scanned == by_tasks_read(project)
    assert len(helpers) == (forked and len(files) > 0)  # a helper reads the second half


class forking:
    """Within the block, read_tasks shares the files, one at a time, with a forked helper from
    ``from_files`` task files on; the list it gives holds the pid of every helper started."""

    def __init__(self, from_files: int, scan=None) -> None:
        self.from_files, self.scan = from_files, scan

    def __enter__(self) -> list[int]:
        self.saved = doctor_scan.FORK_FROM, doctor_scan._start, doctor_scan._scan, doctor_scan.CHUNK
        doctor_scan.CHUNK = 1
        started: list[int] = []
        real_start = doctor_scan._start

        def start(part):
            helper = real_start(part)
            started.extend([helper.pid] if helper else [])
            return helper

        doctor_scan.FORK_FROM, doctor_scan._start = self.from_files, start
        if self.scan is not None:
            doctor_scan._scan = self.scan
        return started

    def __exit__(self, *exc) -> None:
        doctor_scan.FORK_FROM, doctor_scan._start, doctor_scan._scan, doctor_scan.CHUNK = self.saved


def everything(read: list, notes: int, dotted: list) -> tuple:
    """All that read_tasks gives, every slot of every Task and Unreadable."""
    found = []
    for r in read:
        if isinstance(r, Unreadable):
            found.append(("unreadable", r.rel, r.problem, r.named))
        else:
            found.append(("task", r.file, r.rel, r.top, r.text, r.meta, r.id, r.keyed, r.valid, r.refs,
                          [type(ref) for ref in r.refs], [ref.text() for ref in r.refs], r.mine, r.doc.lines,
                          [getattr(line, "ending", None) for line in r.doc.lines], r.order))
    return found, notes, dotted


def _mixed_project(project: Project) -> None:
    backlog = project.tasks_dir / "backlog"
    for n, source in enumerate(sorted(CORPUS.glob("*.md"))):
        (backlog / f"{n:02d}-{source.name}").write_bytes(source.read_bytes())
    (backlog / "TASK-AB12-broken.md").write_text("---\nid: TASK-AB12\ntitle: [unclosed\n---\n")
    (backlog / "TASK-ab13-latin.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    (backlog / "README.md").write_text("# not a task\n")
    for n in range(40):
        folder = project.tasks_dir / ("completed/2026-0%d" % (n % 3 + 1) if n % 2 else "in_progress")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"TASK-{n:04X}-t.md").write_text(
            f"---\nid: TASK-{n:04X}\ntitle: task {n}\nstatus: backlog\ncreated: 2026-01-0{n % 9 + 1}T10:00:00Z\n"
            f"external_ids:\n  jira: proj-{n + 1}\n  github: \"#{n + 1}\"\n  azure_devops: {n + 1}\n---\nbody\n")


def test_a_forked_helper_reads_the_second_half_as_doctor_would(project: Project) -> None:
    _mixed_project(project)
    serial = everything(*doctor_scan.read_tasks(project))
    with forking(from_files=1) as helpers:
        forked = everything(*doctor_scan.read_tasks(project))
    assert len(helpers) == 1 and forked == serial
    assert by_scan(project) == by_tasks_read(project)


def test_without_memfd_the_helper_hands_back_through_a_temporary_file(project: Project, monkeypatch) -> None:
    _mixed_project(project)
    serial = everything(*doctor_scan.read_tasks(project))
    monkeypatch.delattr("os.memfd_create", raising=False)
    with forking(from_files=1) as helpers:
        forked = everything(*doctor_scan.read_tasks(project))
    assert len(helpers) == 1 and forked == serial


def test_a_helper_killed_while_reading_costs_time_never_a_file(project: Project) -> None:
    """kill -9 of the helper while it scans its sixth file: doctor reads every file the helper
    did not hand back itself (the five before, each a chunk of its own here, it may have)."""
    import os
    import signal

    _mixed_project(project)
    serial = everything(*doctor_scan.read_tasks(project))
    doctor_pid, real_scan, scanned = os.getpid(), doctor_scan._scan, []

    def scan(item):
        scanned.append(item)
        if os.getpid() != doctor_pid and len(scanned) > 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_scan(item)

    with forking(from_files=1, scan=scan) as helpers:
        forked = everything(*doctor_scan.read_tasks(project))
    assert len(helpers) == 1 and forked == serial
    total = sum(len(names) for _, names in tasks.md_names(str(project.tasks_dir)))
    assert total - 5 <= len(scanned) <= total


@pytest.mark.parametrize("damage", ["cut", "shape"])
def test_a_damaged_pickle_from_the_helper_costs_time_never_a_file(project: Project, monkeypatch, damage) -> None:
    """The helper's third chunk arrives cut short, or with one file too few: doctor reads that
    chunk and every later one the helper took itself, and gets what a serial read gets."""
    import os
    import pickle
    import time

    _mixed_project(project)
    serial = everything(*doctor_scan.read_tasks(project))
    doctor_pid, real_scan, real_dumps, made = os.getpid(), doctor_scan._scan, pickle.dumps, []

    def dumps(obj, *args):
        made.append(obj)  # in the helper: only it pickles
        if len(made) == 3:
            n, part = obj
            return real_dumps((n, part[:-1]), *args) if damage == "shape" else real_dumps(obj, *args)[:-9]
        return real_dumps(obj, *args)

    def scan(item):
        if os.getpid() == doctor_pid:
            time.sleep(0.01)  # the helper takes most chunks, the damaged one among them
        return real_scan(item)

    monkeypatch.setattr(pickle, "dumps", dumps)
    with forking(from_files=1, scan=scan) as helpers:
        forked = everything(*doctor_scan.read_tasks(project))
    assert len(helpers) == 1 and forked == serial


def test_a_slow_doctor_leaves_the_helper_the_files_it_has_not_taken(project: Project) -> None:
    """The files are dealt one chunk at a time: while doctor is slow on its first file, the
    helper takes the others, and what it hands back is what doctor would have read."""
    import os
    import time

    _mixed_project(project)
    serial = everything(*doctor_scan.read_tasks(project))
    doctor_pid, real_scan, scanned_here = os.getpid(), doctor_scan._scan, []

    def scan(item):
        if os.getpid() == doctor_pid:
            scanned_here.append(item)
            time.sleep(0.05)
        return real_scan(item)

    with forking(from_files=1, scan=scan) as helpers:
        forked = everything(*doctor_scan.read_tasks(project))
    assert len(helpers) == 1 and forked == serial
    total = sum(len(names) for _, names in tasks.md_names(str(project.tasks_dir)))
    assert len(scanned_here) < total / 2, len(scanned_here)


@pytest.mark.parametrize("forked", [False, True])
def test_meanwhile_runs_once_before_doctor_reads_a_file(project: Project, forked: bool) -> None:
    """doctor reads the state files meanwhile: with a helper, while it takes the first chunks."""
    import os

    _mixed_project(project)
    doctor_pid, real_scan, calls = os.getpid(), doctor_scan._scan, []

    def scan(item):
        if os.getpid() == doctor_pid:
            calls.append("scan")
        return real_scan(item)

    with forking(from_files=1 if forked else 10**9, scan=scan) as helpers:
        doctor_scan.read_tasks(project, meanwhile=lambda: calls.append("meanwhile"))
    assert len(helpers) == forked
    assert calls.count("meanwhile") == 1 and calls[0] == "meanwhile"


def test_a_task_is_worked_out_once_for_every_check(project: Project) -> None:
    path = project.tasks_dir / "in_progress" / "sub" / "TASK-A3F8-x.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nid: ' task-a3f8 '\nstatus: backlog\ncreated: 2026-01-08T10:00:00Z\n"
                    "external_ids:\n  jira: proj-7\n  github: 8\n  linear: nope\n---\nbody\n")
    [task] = doctor_scan.read_tasks(project)[0]
    assert isinstance(task, Task)
    assert (task.rel, task.file, task.path, task.top) == (project.rel(path), str(path), path, "in_progress")
    assert (task.id, task.keyed, task.valid) == ("TASK-A3F8", True, True)
    assert task.refs == external_ids.refs_in(task.meta["external_ids"])
    assert task.mine == {"jira": "PROJ-7", "github": "#8"}
    assert task.order == ("2026-01-08T10:00:00Z", True, task.rel)  # backlog, in in_progress/
    assert task.doc is task.doc and task.doc.render() == path.read_text()


@pytest.mark.parametrize("raw_id, keyed, valid", [
    ("TASK-A3F8", True, True), ("TASK-001", True, False), ("42", False, False), (None, False, False),
    # ID_RE ignores case, so it takes the Kelvin sign for a K; KEY_RE does not
    ("TAS\u212a-A3F8", False, True),
])
def test_keyed_and_valid_are_asked_apart(raw_id: str | None, keyed: bool, valid: bool) -> None:
    task = Task("/p/tasks/x.md", "tasks/x.md", "", {"id": raw_id}, None)
    assert (task.keyed, task.valid) == (keyed, valid)


@pytest.mark.parametrize("created, when", [
    ("2026-01-08T10:00:00Z", "2026-01-08T10:00:00Z"), ("2026-01-08", "2026-01-08"), ("'soon'", "soon"),
    ("", "~"), ("5", "~"),
])
def test_order_sorts_an_undated_copy_last(created: str, when: str, tmp_path: Path) -> None:
    project = Project(root=tmp_path, shared_dir=None)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "x.md").write_text(f"---\nstatus: backlog\ncreated: {created}\n---\n")
    [task] = doctor_scan.read_tasks(project)[0]
    assert task.order == (when, False, "tasks/x.md")  # tasks/ itself is no status's folder


def state_file(project: Project, content: bytes | None, kind: str = "mappings") -> doctor_scan.StateFile:
    path = project.mapping_path if kind == "mappings" else project.counters_path
    if content is not None:
        path.write_bytes(content)
    else:
        path.unlink(missing_ok=True)
    return doctor_scan.read_state(project, path, kind)


def test_read_state(project: Project) -> None:
    found = state_file(project, None)
    assert (found.exists, found.data, found.problem, found.json) == (False, None, None, None)
    plain = {"version": "2.0", "updated": "2026-01-08T10:00:00Z", "mappings": {"TASK-A3F8": {"jira": "PROJ-1"}}}
    found = state_file(project, (json.dumps(plain, indent=2) + "\n").encode())
    assert found.exists and found.data == plain and found.json is found.data and not found.migrated
    v1 = {"version": "1.0", "mappings": {"TASK-A3F8": {"github": "3"}}}
    found = state_file(project, json.dumps(v1).encode())
    assert found.migrated and found.data["mappings"] == {"TASK-A3F8": {"github": "#3"}} and found.json == v1
    broken = {"version": "2.0", "updated": "x", "mappings": {"task-a3f8": {}}}
    found = state_file(project, json.dumps(broken).encode())
    assert found.data is None and found.problem.startswith("schema violation") and found.json == broken
    found = state_file(project, b"{not json")
    assert found.problem.startswith("not valid JSON") and found.json is None and found.newer is None
    found = state_file(project, json.dumps({"version": "3.0", "counters": {}}).encode(), "counters")
    assert found.problem == "its version cannot be read" and found.json == {"version": "3.0", "counters": {}}
    assert found.newer == ("has version 3.0, newer than this taskmint understands (2.0); upgrade taskmint. "
                           "The file was left untouched")
    project.counters_path.unlink()
    project.counters_path.mkdir()
    found = doctor_scan.read_state(project, project.counters_path, "counters")
    assert found.problem == "Is a directory" and found.exists and found.json is None


def test_a_frontmatter_split_is_made_only_when_asked(project: Project, monkeypatch) -> None:
    (project.tasks_dir / "backlog" / "TASK-A3F8-x.md").write_text("---\nid: TASK-A3F8\ntitle: x\n---\nbody\n")
    splits = []
    split = frontmatter.split
    monkeypatch.setattr(frontmatter, "split", lambda text: splits.append(text) or split(text))
    [task] = doctor_scan.read_tasks(project)[0]
    assert splits == [] and task.meta == {"id": "TASK-A3F8", "title": "x"}
    assert task.doc.lines == ["id: TASK-A3F8", "title: x"] and len(splits) == 1
