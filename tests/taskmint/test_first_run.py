"""What a new user meets first, through the real CLI (issue 13): the README walkthrough, opting
in, list and unreadable files, pipes, messages, finding tasks, .gitignore and slugs."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ERROR_LINE = re.compile(r"taskmint: error: [^\n;]+; [^\n]+\n")


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stderr
    return proc


def js(proc: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(ok(proc).stdout)


@pytest.fixture
def root(tmp_path: Path, taskmint) -> Path:
    path = tmp_path / "proj"
    path.mkdir()
    ok(taskmint("init", "--jira", "PROJ", "--github", root=path))
    return path


def tree(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


# --- 2. the README walkthrough, pasted into a shell -----------------------------------------


def test_the_readme_walkthrough_runs_as_pasted(tmp_path: Path, subprocess_env) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"A walkthrough you can paste into a shell.*?\n```sh\n(.*?)```", readme, re.S).group(1)
    assert block.startswith('cd "$(mktemp -d)"')  # so it runs in tmp_path (TMPDIR), never in the checkout
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "taskmint"  # what `pip install` puts on PATH, on this interpreter
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m taskmint.main "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {**subprocess_env, "PATH": f"{bin_dir}{os.pathsep}{subprocess_env['PATH']}",
           "GIT_CEILING_DIRECTORIES": str(tmp_path), "TMPDIR": str(tmp_path)}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no task file has ID" not in proc.stdout + proc.stderr
    # `echo "$parent"`: the first line that is only an ID (init's lines come before it)
    parent = next(line for line in proc.stdout.splitlines() if re.fullmatch(r"TASK-[0-9A-F]{4}", line))
    assert proc.stdout.splitlines().index(parent) == len(("config", *("task-create", "task-complete",
                                                                         "task-move", "task-show")))
    assert f"note: {parent} has 1 open subtask ({parent}.1)" in proc.stdout
    assert proc.stdout.rstrip().endswith("]}")  # the last command's JSON
    listed = json.loads(proc.stdout.rstrip().splitlines()[-1])
    assert [t["id"] for t in listed["tasks"]] == [f"{parent}.1"]


# --- 3. no project, no consent ---------------------------------------------------------------


@pytest.mark.parametrize("args", [("create", "x"), ("complete", "PROJ-1"), ("show", "PROJ-1"), ("list",),
                                  ("doctor",), ("doctor", "--fix")])
def test_commands_outside_a_project_refuse_and_write_nothing(tmp_path: Path, taskmint, args) -> None:
    (tmp_path / "tasks" / "backlog").mkdir(parents=True)
    (tmp_path / "tasks" / "backlog" / "notes.md").write_text("---\ntitle: my notes\n---\n")
    before = tree(tmp_path)
    proc = taskmint(*args, root=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (f"taskmint: error: {tmp_path} is not a taskmint project (it has no "
                           ".claude/taskmint.yaml); run `taskmint init` there to opt in\n")
    assert tree(tmp_path) == before


def test_create_from_the_filesystem_root_refuses(taskmint) -> None:
    before = (Path("/tasks").exists(), Path("/.claude/state").exists())
    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "create", "x"], cwd="/", capture_output=True,
                          text=True, timeout=60, env={**os.environ, "CLAUDE_PROJECT_DIR": ""})
    assert proc.returncode == 1 and "is not a taskmint project" in proc.stderr and "taskmint init" in proc.stderr
    assert (Path("/tasks").exists(), Path("/.claude/state").exists()) == before


def test_a_subfolder_of_a_project_outside_git_finds_the_project(root: Path, taskmint) -> None:
    sub = root / "docs" / "deep"
    sub.mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "create", "from below", "--json"], cwd=sub,
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))})
    assert proc.returncode == 0, proc.stderr
    assert (root / json.loads(proc.stdout)["path"]).is_file() and not (sub / "tasks").exists()


def test_adding_a_tool_is_one_doctor_fix_and_done_tasks_are_left_alone(root: Path, taskmint) -> None:
    first = js(taskmint("create", "open one", "--json", root=root))
    done = js(taskmint("create", "finished", "--json", root=root))
    ok(taskmint("complete", done["id"], root=root))
    ok(taskmint("init", "--jira", "PROJ", "--github", "--linear", "ENG", "--force", root=root))

    proc = taskmint("doctor", "--json", root=root)
    found = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [(p["code"], p["where"]) for p in found["problems"]] == [("missing-external-id", first["path"])]
    assert "has no linear ID; --fix gives it the next number" in found["problems"][0]["message"]

    ok(taskmint("doctor", "--fix", root=root))
    assert js(taskmint("show", first["id"], "--json", root=root))["external_ids"] == {
        "jira": "PROJ-1", "github": "#1", "linear": "ENG-1"}
    assert "linear" not in js(taskmint("show", done["id"], "--json", root=root))["external_ids"]
    assert ok(taskmint("doctor", root=root)).stdout.startswith("no problems")

    proc = taskmint("doctor", "--include-done", root=root)
    assert proc.returncode == 1 and "missing-external-id" in proc.stdout and done["id"] in proc.stdout
    ok(taskmint("doctor", "--fix", "--include-done", root=root))
    assert js(taskmint("show", done["id"], "--json", root=root))["external_ids"]["linear"] == "ENG-2"
    assert ok(taskmint("doctor", "--include-done", root=root)).stdout.startswith("no problems")
    # the number doctor issued is never issued again
    assert js(taskmint("create", "after", "--json", root=root))["external_ids"]["linear"] == "ENG-3"


# --- 4. list and files it cannot read -------------------------------------------------------


def test_list_names_the_files_it_skips_and_ignores_notes(root: Path, taskmint) -> None:
    good = js(taskmint("create", "good", "--json", root=root))
    backlog = root / "tasks" / "backlog"
    (backlog / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    (backlog / "latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    (backlog / "notes.md").write_text("Just notes, no frontmatter.\n")
    proc = ok(taskmint("list", root=root))
    assert "None" not in proc.stdout and "notes.md" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(good["id"])
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("taskmint: warning: skipped tasks/backlog/broken.md: frontmatter is not valid YAML")
    assert lines[1].startswith("taskmint: warning: skipped tasks/backlog/latin1.md: ")
    assert "not valid UTF-8" in lines[1]
    assert lines[2] == "taskmint: warning: 2 files in tasks/ skipped; fix them by hand or see `taskmint doctor`"
    assert len(lines) == 3
    listed = js(taskmint("list", "--json", root=root))
    assert [t["id"] for t in listed["tasks"]] == [good["id"]]
    assert [s["path"] for s in listed["skipped"]] == ["tasks/backlog/broken.md", "tasks/backlog/latin1.md"]


# --- 5. pipes -----------------------------------------------------------------------------


def test_a_closed_stdout_ends_list_quietly(root: Path, taskmint, subprocess_env) -> None:
    for n in range(3):
        ok(taskmint("create", f"task {n}", root=root))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before taskmint writes: every write is EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "taskmint.main", "--root", str(root), "list"],
                              stdout=write_end, stderr=subprocess.PIPE, env=subprocess_env, timeout=60)
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, b"")


def test_list_into_head_prints_one_line_and_nothing_on_stderr(root: Path, taskmint, subprocess_env) -> None:
    for n in range(3):
        ok(taskmint("create", f"task {n}", root=root))
    cmd = f'"{sys.executable}" -m taskmint.main --root "{root}" list | head -1'
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=subprocess_env, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "" and len(proc.stdout.splitlines()) == 1


# --- 6. messages ---------------------------------------------------------------------------


def test_a_bad_jira_key_names_the_field_and_gives_an_example(tmp_path: Path, taskmint) -> None:
    proc = taskmint("init", "--jira", "proj", root=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("taskmint: error: invalid Jira project key 'proj'; use an upper-case letter, then up to 9 "
                           "upper-case letters, digits or _, e.g. --jira PROJ\n")
    assert not (tmp_path / ".claude").exists()
    proc = taskmint("init", "--linear", "eng-team", root=tmp_path)
    assert proc.returncode == 2 and "invalid Linear team key 'eng-team'; " in proc.stderr and "e.g. --linear ENG" \
        in proc.stderr


@pytest.mark.parametrize("args, code", [
    (("create", "x", "--prefix", "fix"), 2),
    (("create", "x", "--priority", "urgent"), 2),
    (("create", "x", "--tag", "a,b"), 2),
    (("create", " "), 2),
    (("create", "x", "--description-file", "/nonexistent/file"), 2),
    (("create", "x", "--description", "a", "--description-file", "f"), 2),
    (("create", "x", "--parent", "TASK-FFFF"), 1),
    (("create", "x", "--prefix", "FIX", "--parent", "TASK-FFFF"), 2),
    (("show", "PROJ-99"), 1),
    (("show", "TASK-FFFF"), 1),
    (("show", "what?"), 2),
    (("complete", "#99"), 1),
    (("list", "--priority", "urgent"), 2),
    (("list", "--parent", "nope"), 2),
    (("list", "--status", "done"), 2),
    (("init",), 1),
    (("frobnicate",), 2),
    ((), 2),
])
def test_every_error_is_one_line_problem_semicolon_fix(root: Path, taskmint, args, code) -> None:
    proc = taskmint(*args, root=root)
    assert proc.returncode == code, proc.stderr
    assert ERROR_LINE.fullmatch(proc.stderr), proc.stderr
    assert proc.stdout == ""


def test_a_bad_prefix_reads_like_every_other_message(root: Path, taskmint) -> None:
    proc = taskmint("create", "x", "--prefix", "fix", root=root)
    assert proc.stderr == ("taskmint: error: invalid prefix 'fix'; use 2-4 upper-case letters or digits, "
                           "e.g. FIX or E01\n")


# --- 7. finding tasks ------------------------------------------------------------------------


def test_list_filters_show_lists_subtasks_and_completing_a_parent_says_they_are_open(root: Path, taskmint) -> None:
    parent = js(taskmint("create", "parent", "--tag", "auth", "--priority", "high", "--json", root=root))
    child1 = js(taskmint("create", "child one", "--parent", parent["id"], "--tag", "API", "--json", root=root))
    child2 = js(taskmint("create", "child two", "--parent", parent["id"], "--json", root=root))
    epic = js(taskmint("create", "epic work", "--epic", "EPIC-001", "--priority", "low", "--json", root=root))

    def ids(*args: str) -> list[str]:
        return sorted(t["id"] for t in js(taskmint("list", *args, "--json", root=root))["tasks"])

    assert ids("--tag", "auth") == [parent["id"]]
    assert ids("--tag", "api") == [child1["id"]]  # tags compare case-insensitively
    assert ids("--priority", "high") == [parent["id"]]
    assert ids("--epic", "EPIC-001") == [epic["id"]]
    assert ids("--parent", parent["id"].lower()) == sorted([child1["id"], child2["id"]])
    assert ids("--priority", "medium", "--parent", parent["id"]) == sorted([child1["id"], child2["id"]])

    ok(taskmint("complete", child2["id"], root=root))
    assert ids("--status", "completed") == [child2["id"]]
    assert ids("--status", "completed", "--status", "backlog") == sorted(
        [parent["id"], child1["id"], child2["id"], epic["id"]])

    shown = js(taskmint("show", "PROJ-1", "--json", root=root))
    assert [(s["id"], s["status"]) for s in shown["subtasks"]] == [(child1["id"], "backlog"),
                                                                  (child2["id"], "completed")]
    text = ok(taskmint("show", parent["id"], root=root)).stdout
    assert f"  subtasks (2):\n    {child1['id']}  [backlog]  child one\n    {child2['id']}  [completed]  child two\n" \
        in text

    proc = ok(taskmint("complete", parent["id"], root=root))
    note = [line for line in proc.stdout.splitlines() if line.startswith("note:")]
    assert note == [f"note: {parent['id']} has 1 open subtask ({child1['id']}); they stay open, complete them "
                    "with `taskmint complete <ID>`"]
    assert js(taskmint("show", parent["id"], "--json", root=root))["status"] == "completed"
    again = js(taskmint("complete", parent["id"], "--json", root=root))
    assert again["already_completed"] is True and [s["id"] for s in again["open_subtasks"]] == [child1["id"]]


def test_create_description_fills_the_body(root: Path, taskmint, tmp_path: Path) -> None:
    made = js(taskmint("create", "with text", "--description", "First line.\n\nSee `id` and $(x).", "--json",
                       root=root))
    text = (root / made["path"]).read_text()
    assert text.endswith("---\n\n## Description\n\nFirst line.\n\nSee `id` and $(x).\n")
    source = tmp_path / "body.md"
    source.write_text("From a file: ünïcødé\n")
    made = js(taskmint("create", "from file", "--description-file", str(source), "--json", root=root))
    assert (root / made["path"]).read_text().endswith("## Description\n\nFrom a file: ünïcødé\n")
    made = js(taskmint("create", "from stdin", "--description-file", "-", "--json", root=root, input="piped\n"))
    assert (root / made["path"]).read_text().endswith("## Description\n\npiped\n")
    assert (root / js(taskmint("create", "bare", "--json", root=root))["path"]).read_text().endswith(
        "---\n\n## Description\n\n")


# --- 8. git hygiene ------------------------------------------------------------------------


def test_init_ignores_what_must_not_be_committed(tmp_path: Path, taskmint) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text("node_modules/\n# mine\n*.log")  # no final newline
    ok(taskmint("init", "--jira", "PROJ", root=repo))
    ok(taskmint("create", "one", root=repo))
    ok(taskmint("create", "two", root=repo))
    ignore = (repo / ".gitignore").read_text()
    assert ignore.startswith("node_modules/\n# mine\n*.log\n# taskmint: ")
    state = ".claude/state/"
    paths = [f"{state}external_id_mapping.json.bak", f"{state}external_id_counters.json.bak",
             f"{state}taskmint.lock", f"{state}mapping-floor.json", f"{state}tasks-index.json",
             f"{state}tasks-files.json", f"{state}.external_id_mapping.json.abcd1234.tmp",
             f"{state}external_id_mapping.json", f"{state}external_id_counters.json", ".claude/taskmint.yaml"]
    checked = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=repo, capture_output=True, text=True)
    assert checked.stdout.splitlines() == paths[:7]  # the state files and config are meant to be committed
    ok(taskmint("init", "--jira", "PROJ", "--force", root=repo))
    assert (repo / ".gitignore").read_text() == ignore  # idempotent


# --- 9. slugs --------------------------------------------------------------------------------


def test_slugs_transliterate_common_latin_letters(root: Path, taskmint) -> None:
    made = js(taskmint("create", "Øresund Straße Æble smørrebrød Łódź Þing", "--json", root=root))
    assert made["path"].endswith("-oresund-strasse-aeble-smorrebrod-lodz-thing.md")


def test_a_bad_key_in_the_config_file_is_named_in_words(root: Path, taskmint) -> None:
    config = root / ".claude" / "taskmint.yaml"
    config.write_text(config.read_text().replace("jira: PROJ", "jira: proj"))
    proc = taskmint("create", "x", root=root)
    assert proc.returncode == 1
    assert proc.stderr == ("taskmint: error: .claude/taskmint.yaml is invalid (pm_tools.jira 'proj' is not a Jira "
                           "project key: use an upper-case letter, then up to 9 upper-case letters, digits or _, "
                           "e.g. jira: PROJ); fix it or rewrite it with `taskmint init`\n")
