"""Hostile input: property-based titles, tags, prefixes, IDs and whole task files, plus
symlinks that point out of the project. Nothing may crash with a traceback (only
TaskmintError, which the CLI prints as one line), execute anything, or write outside the
project."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filestate import one_error_line, tree
from taskmint import ids, main, service, tasks
from taskmint.errors import TaskmintError
from taskmint.project import Project, find_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stress"))
import hookrun  # noqa: E402

ALL_TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")
SENTINEL = "taskmint-pwned"
HOSTILE = [
    '"', "'", "---", "...", "#", " #x", "key: value", "- item", "[1, 2]", "{a: 1}", "yes", "No", "null", "~", "123",
    "0x1F", "1e3", "2026-01-08", "!!python/object/apply:os.system", f"!!python/object/apply:os.system ['touch {SENTINEL}']",
    "&anchor", "*alias", "<<: *a", "|", ">", "%YAML 1.1", "@", "`id`", f"$(touch {SENTINEL})", "\\", "\0", "\x07",
    "\x1b[31m", "\r\n", "\u2028", "\ufeff", "\ud800", "../../etc/passwd", "/etc/passwd", "C:\\Windows", "TASK-A3F2",
    "ünïcødé", "\U0001F600", "x" * 600,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=10), min_size=1, max_size=6).map("".join),
    st.text(st.characters(), min_size=300, max_size=2000),
)
SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)


def new_project(base: Path) -> Project:
    root = base / "proj"
    root.mkdir()
    (base / "outside").mkdir()
    (base / "outside" / "secret.md").write_text("---\nid: TASK-0UT5\ntitle: outside\n---\n")
    assert main.main(["--root", str(root), "init", *ALL_TOOLS]) == 0
    return find_project(str(root))


def assert_nothing_outside(base: Path, before: dict) -> None:
    assert {p.name for p in base.iterdir()} <= {"outside", "proj", "plugin-data"}
    assert tree(base / "outside") == before
    assert not list(base.rglob(SENTINEL)) and not Path(SENTINEL).exists()  # nothing ran `touch`


@pytest.fixture
def hostile_project(tmp_path: Path):
    project = new_project(tmp_path)
    outside = tree(tmp_path / "outside")
    yield project
    assert_nothing_outside(tmp_path, outside)


@SETTINGS
@given(title=hostile_text, tags=st.lists(hostile_text, max_size=3),
       prefix=st.none() | st.sampled_from(["FIX", "E01", "fix", "../", "A", "TOOLONG", "A-B", "ZZ\n"]) | st.text(max_size=5))
def test_create_with_hostile_title_tags_prefix(hostile_project: Project, title: str, tags: list[str], prefix) -> None:
    count = len(list(tasks.walk(hostile_project.tasks_dir)))
    try:
        task = service.create(hostile_project, title, tags=tags, prefix=prefix)
    except TaskmintError:
        assert len(list(tasks.walk(hostile_project.tasks_dir))) == count  # refused: nothing written
        return
    path = hostile_project.root / task["path"]
    assert path.parent == hostile_project.tasks_dir / "backlog"
    assert ids.is_valid_id(task["id"]) and (prefix is None or task["id"].startswith(f"TASK-{prefix}-"))
    meta = tasks.read(hostile_project, path).meta
    assert meta["title"] == title.strip() and meta["tags"] == [t.strip() for t in tags]
    assert meta["id"] == task["id"] and meta["status"] == "backlog"
    for ref in (task["id"], task["external_ids"]["jira"], task["external_ids"]["github"]):
        assert service.show(hostile_project, ref)["id"] == task["id"]


@SETTINGS
@given(ref=hostile_text | st.from_regex(r"(TASK-|PROJ-|ENG-|#|github:|ado:)?[0-9A-Fa-f.\-/]{0,12}", fullmatch=True))
def test_show_and_complete_with_hostile_refs(hostile_project: Project, ref: str) -> None:
    for operation in (service.show, service.complete):
        try:
            operation(hostile_project, ref)
        except TaskmintError:
            pass


YAML_BOMBS = [
    f"id: !!python/object/apply:os.system ['touch {SENTINEL}']\ntitle: x",
    f"title: !!python/object/new:subprocess.Popen [['touch', '{SENTINEL}']]",
    "title: !!python/name:os.system",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ntitle: *h\ntags: *h",
    "s: &s " + "y" * 20000 + "\ntitle: [" + ", ".join(["*s"] * 400) + "]",
    "a: &a [*a]\ntitle: *a",
    "title: " + "[" * 5000 + "]" * 5000,
    "title: x\ntitle: y\nid: TASK-AAAA\nid: TASK-BBBB",
    "external_ids: {jira: PROJ-1, github: 1, azure_devops: [1], linear: {a: b}}\ntitle: dup numbers",
    "? [a, b]\n: c\ntitle: complex key",
    "title: !!binary aGVsbG8=\ntags: !!set {a, b}",
    "<<: {title: merged}\nid: TASK-ABCD",
    "title: ok\ncreated: 2026-13-45T99:99:99Z\nstatus: completed\ncompleted: yesterday",
]


def task_file_bytes() -> st.SearchStrategy[bytes]:
    frontmatter = st.one_of(st.sampled_from(YAML_BOMBS), hostile_text).map(lambda fm: f"---\n{fm}\n---\nbody\n".encode(
        "utf-8", "surrogatepass"))
    return st.one_of(frontmatter, st.binary(max_size=300), st.binary(max_size=50).map(lambda b: b"---\n" + b + b"\n---\n"),
                     st.just(b"---\ntitle: " + b"\xff\xfe" * 10 + b"\n---\n"), st.just(b"\0" * 100))


@SETTINGS
@given(content=task_file_bytes(),
       name=st.sampled_from(["TASK-BEEF-x.md", "TASK-beef.md", "notes.md", "TASK-A3F2-.md", "TASK-ZZZZ-x.md", ".md"]),
       folder=st.sampled_from(["backlog", "completed/2026-01", "in_progress", "odd"]))
def test_hostile_task_files(hostile_project: Project, content: bytes, name: str, folder: str) -> None:
    good = service.create(hostile_project, "a good task")
    path = hostile_project.tasks_dir / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    try:
        listed = service.list_tasks(hostile_project)
        json.dumps(listed)  # what --json prints must be printable
        assert good["id"] in {t["id"] for t in listed}
        for ref in ("TASK-BEEF", "TASK-A3F2", "PROJ-1", "#1"):
            for operation in (service.show, service.complete):
                try:
                    operation(hostile_project, ref)
                except TaskmintError:
                    pass
        service.create(hostile_project, "after the hostile file")
        assert service.complete(hostile_project, good["id"])[0]["status"] == "completed"
    finally:
        path.unlink()


@pytest.mark.parametrize("n", range(len(YAML_BOMBS)))
def test_each_yaml_bomb_in_a_task_file(hostile_project: Project, n: int) -> None:
    """Every crafted file above, deterministically (hypothesis may not draw them all)."""
    (hostile_project.tasks_dir / "backlog" / f"TASK-BEEF-{n}.md").write_text(f"---\n{YAML_BOMBS[n]}\n---\n")
    good = service.create(hostile_project, "a good task")
    json.dumps(service.list_tasks(hostile_project))
    for operation in (service.show, service.complete):
        try:
            operation(hostile_project, "TASK-BEEF")
        except TaskmintError:
            pass
    assert service.complete(hostile_project, good["id"])[0]["status"] == "completed"


@pytest.mark.parametrize("n, why", [(3, "aliases"), (4, "aliases"), (12, "impossible value")])
def test_unusable_frontmatter_is_refused_by_name(hostile_project: Project, n: int, why: str) -> None:
    """Regressions: an alias bomb made `list` and `show` print gigabytes (one more level
    and memory ran out), and `created: 2026-13-45T99:99:99Z` made every `list` an internal
    error. Such a file is now skipped by list and named by show."""
    (hostile_project.tasks_dir / "backlog" / "TASK-BEEF-x.md").write_text(f"---\n{YAML_BOMBS[n]}\nid: TASK-BEEF\n---\n")
    good = service.create(hostile_project, "a good task")
    assert [t["id"] for t in service.list_tasks(hostile_project)] == [good["id"]]
    with pytest.raises(TaskmintError, match=why):
        service.show(hostile_project, "TASK-BEEF")


def test_hostile_task_files_through_hook_cli_and_doctor(tmp_path: Path, taskmint) -> None:
    """The same files, each registered by the real PostToolUse hook as the agent's Write,
    then all of them met by the real CLI (list, show, doctor --fix): exit 0, or one line."""
    project = new_project(tmp_path)
    outside = tree(tmp_path / "outside")
    data = hookrun.plugin_data(tmp_path / "plugin-data")
    for n, bomb in enumerate(YAML_BOMBS):
        path = project.tasks_dir / "backlog" / f"agent-{n}.md"
        content = f"---\n{bomb}\n---\nbody\n"
        path.write_text(content)
        proc = hookrun.run_hook(project, hookrun.write_payload(project, path, content), data)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (bomb[:60], proc.stderr)
    doctor = "doctor" in taskmint("--help").stdout
    for args in (("list",), ("show", "TASK-ABCD"), *((("doctor", "--fix"),) if doctor else ())):
        proc = taskmint(*args, root=project.root)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, (args, proc.stderr[-500:])
        if proc.returncode == 1 and args[0] != "doctor":
            one_error_line(proc.stderr)
    assert_nothing_outside(tmp_path, outside)


HOSTILE_ARGV = [
    ("create", f"$(touch {SENTINEL}) `touch {SENTINEL}`"),
    ("create", "x", "--prefix", "../.."),
    ("create", "x", "--parent", "../../outside/secret"),
    ("create", "x", "--epic", "../../../etc"),
    ("create", "x", "--tag", "a,b"),
    ("create", "\x1b]0;title\x07"),
    ("create", "x" * 100_000),
    ("show", "../../outside/secret.md"),
    ("show", "/etc/passwd"),
    ("complete", "TASK-0UT5"),
    ("complete", "../outside/secret"),
    ("list", "--status", "../../etc"),
]


@pytest.mark.parametrize("args", HOSTILE_ARGV, ids=[" ".join(a)[:40] for a in HOSTILE_ARGV])
def test_hostile_command_lines(tmp_path: Path, taskmint, args: tuple[str, ...]) -> None:
    project = new_project(tmp_path)
    outside = tree(tmp_path / "outside")
    proc = taskmint(*args, root=project.root, env={"HOME": str(tmp_path / "outside")})
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr
    if proc.returncode:
        one_error_line(proc.stderr)
    assert_nothing_outside(tmp_path, outside)


def _link_tasks(p: Project, out: Path) -> None:
    os.rmdir(p.tasks_dir / "blocked")
    (p.tasks_dir / "blocked").symlink_to(out)


def _link_task_file(p: Project, out: Path) -> None:
    (p.tasks_dir / "backlog" / "TASK-0UT5-outside.md").symlink_to(out / "secret.md")


def _link_state(p: Project, out: Path) -> None:
    for f in p.state_dir.iterdir():
        if f.name != "taskmint.lock":
            os.replace(f, out / f.name)
    p.state_dir.rename(p.root / "state-was-here")
    p.state_dir.symlink_to(out)


def _link_counters(p: Project, out: Path) -> None:
    os.replace(p.counters_path, out / "counters.json")
    p.counters_path.symlink_to(out / "counters.json")


def _link_completed(p: Project, out: Path) -> None:
    (p.tasks_dir / "completed").rmdir() if not any((p.tasks_dir / "completed").iterdir()) else None
    (p.tasks_dir / "completed").symlink_to(out)


def _link_config(p: Project, out: Path) -> None:
    os.replace(p.config_path, out / "taskmint.yaml")
    p.config_path.symlink_to(out / "taskmint.yaml")


SYMLINKS = {"tasks/blocked": _link_tasks, "task file": _link_task_file, ".claude/state": _link_state,
            "counters file": _link_counters, "tasks/completed": _link_completed, "config file": _link_config}


@pytest.mark.parametrize("case", sorted(SYMLINKS))
def test_symlinks_out_of_the_project_are_never_written_through(tmp_path: Path, taskmint, case: str) -> None:
    project = new_project(tmp_path)
    for n in range(2):
        assert taskmint("create", f"task {n}", root=project.root).returncode == 0
    SYMLINKS[case](project, tmp_path / "outside")
    outside = tree(tmp_path / "outside")
    doctor = "doctor" in taskmint("--help").stdout
    runs = [("create", "x"), ("complete", "PROJ-1"), ("complete", "TASK-0UT5"), ("show", "PROJ-2"), ("list",)]
    runs += [("doctor", "--fix")] if doctor else []
    for args in runs:
        proc = taskmint(*args, root=project.root)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, (args, proc.stderr)
        if proc.returncode == 1 and args[0] != "doctor":
            one_error_line(proc.stderr)
        assert tree(tmp_path / "outside") == outside, (case, args, "wrote outside the project")
    path = project.tasks_dir / "in_progress" / "agent.md"
    content = "---\ntitle: written by the agent\n---\n"
    path.write_text(content)
    proc = hookrun.run_hook(project, hookrun.write_payload(project, path, content), hookrun.plugin_data(tmp_path / "plugin-data"))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert tree(tmp_path / "outside") == outside
