"""The CLI through real subprocesses: JSON on stdout, exit codes 0/1/2, one clean line on
stderr for every error."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest



def ok(proc):
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def js(proc):
    return json.loads(ok(proc).stdout)


def failed(proc, code, *fragments):
    """One line on stderr naming the problem, nothing on stdout, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskmint: error: "), proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def root(tmp_path, taskmint):
    path = tmp_path / "proj"
    path.mkdir()
    proc = ok(taskmint("init", "--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops", "--json",
                       root=path))
    assert json.loads(proc.stdout) == {"config": ".claude/taskmint.yaml", "commands": [
        {"name": n, "path": f".claude/commands/{n}.md", "action": "wrote"}
        for n in ("task-create", "task-complete", "task-move", "task-show")]}
    return path


def test_create_show_complete_list_round_trip(root, taskmint):
    title = "#235 follow-up: yes --- no"
    made = js(taskmint("create", title, "--priority", "high", "--tag", "auth", "--tag", "api", "--json", root=root))
    assert made["title"] == title and made["tags"] == ["auth", "api"] and made["priority"] == "high"
    assert made["external_ids"] == {"jira": "PROJ-1", "linear": "ENG-1", "github": "#1", "azure_devops": "1"}
    assert (root / made["path"]).is_file()

    for ref in (made["id"], made["id"].lower(), "PROJ-1", "ENG-1", "#1", "github:1", "azure_devops:1", "1"):
        assert js(taskmint("show", ref, "--json", root=root)) == {**made, "subtasks": []}

    done = js(taskmint("complete", "PROJ-1", "--json", root=root))
    assert done["already_completed"] is False and done["status"] == "completed"
    assert done["path"].startswith("tasks/completed/" + done["completed"][:7] + "/")
    again = taskmint("complete", made["id"], root=root)
    assert ok(again).stdout.startswith(f"{made['id']} was already completed: {done['path']}")
    assert js(taskmint("complete", "#1", "--json", root=root))["already_completed"] is True

    listed = js(taskmint("list", "--json", root=root))["tasks"]
    assert [(t["id"], t["status"]) for t in listed] == [(made["id"], "completed")]
    assert js(taskmint("list", "--status", "backlog", "--json", root=root)) == {"tasks": [], "skipped": []}
    assert ok(taskmint("list", "--status", "backlog", root=root)).stdout == "no tasks\n"


def test_human_output(root, taskmint):
    out = ok(taskmint("create", "Plain output", root=root)).stdout
    assert out.startswith("created TASK-") and "external IDs: jira: PROJ-1, linear: ENG-1, github: #1" in out
    assert "[backlog]  Plain output" in ok(taskmint("show", "#1", root=root)).stdout


@pytest.mark.parametrize("args, fragments", [
    ((), ["no command given"]),
    (("frobnicate",), ["invalid choice", "--help"]),
    (("create",), ["the following arguments are required: title"]),
    (("create", "x", "--priority", "urgent"), ["unknown priority 'urgent'"]),
    (("create", "x", "--prefix", "lower-case!"), ["invalid prefix 'lower-case!'"]),
    (("create", "x", "--tag", "two words"), ["contains a space or comma"]),
    (("create", "x", "--prefix", "FIX", "--parent", "TASK-A3F2"), ["give a prefix or a parent, not both"]),
    (("create", "   "), ["the title is empty"]),
    (("create", "x", "--bogus"), ["unrecognized arguments: --bogus"]),
    (("list", "--status", "done"), ["unknown status 'done'; use one of backlog, in_progress"]),
    (("show", "not an id!"), ["is not a task ID"]),
])
def test_usage_errors_exit_2(root, taskmint, args, fragments):
    failed(taskmint(*args, root=root), 2, *fragments)


def test_unknown_ids_exit_1(root, taskmint):
    ok(taskmint("create", "one", root=root))
    failed(taskmint("show", "TASK-FFFF", root=root), 1, "no task file has ID TASK-FFFF")
    failed(taskmint("show", "PROJ-99", root=root), 1, "no task has external ID PROJ-99")
    failed(taskmint("complete", "#42", root=root), 1, "no task has external ID #42")


def test_bare_number_ambiguity_names_the_disambiguating_forms(root, taskmint):
    ok(taskmint("init", "--github", "--force", root=root))
    first = js(taskmint("create", "github only", "--json", root=root))  # #1
    ok(taskmint("init", "--github", "--azure-devops", "--force", root=root))
    second = js(taskmint("create", "both", "--json", root=root))  # #2, azure 1
    assert second["external_ids"] == {"github": "#2", "azure_devops": "1"}
    line = failed(taskmint("show", "1", root=root), 1, "names several tasks", "github:1", "azure_devops:1")
    assert first["id"] in line and second["id"] in line
    assert js(taskmint("show", "github:1", "--json", root=root))["id"] == first["id"]
    assert js(taskmint("show", "azure_devops:1", "--json", root=root))["id"] == second["id"]
    assert js(taskmint("show", "2", "--json", root=root))["id"] == second["id"]


def test_state_errors_are_one_line_and_change_nothing(root, taskmint):
    ok(taskmint("create", "one", root=root))
    state_dir = root / ".claude" / "state"
    counters = state_dir / "external_id_counters.json"
    data = json.loads(counters.read_text())
    data["version"] = "3.0"
    counters.write_text(json.dumps(data))
    before = counters.read_bytes()
    failed(taskmint("create", "two", root=root), 1, "newer than this taskmint understands", "upgrade taskmint")
    assert counters.read_bytes() == before

    counters.write_text("{broken")
    (state_dir / "external_id_counters.json.bak").write_text("also broken")
    failed(taskmint("create", "two", root=root), 1, "is unusable", ".bak is unusable too", "taskmint doctor --fix")
    assert len(list((root / "tasks" / "backlog").iterdir())) == 1


def test_recovery_warns_on_stderr_and_succeeds(root, taskmint):
    ok(taskmint("create", "one", root=root))
    ok(taskmint("create", "two", root=root))
    (root / ".claude" / "state" / "external_id_counters.json").write_text("{broken")
    proc = ok(taskmint("create", "three", "--json", root=root))
    assert json.loads(proc.stdout)["external_ids"]["github"] == "#3"
    assert proc.stderr.startswith("taskmint: warning: .claude/state/external_id_counters.json is unusable")


def test_bad_config_and_bad_task_files(root, taskmint):
    made = js(taskmint("create", "one", "--json", root=root))
    (root / made["path"]).write_text("---\ntitle: [unclosed\n---\n")
    failed(taskmint("show", made["id"], root=root), 1, "frontmatter is not valid YAML", "fix the file by hand")
    (root / ".claude" / "taskmint.yaml").write_text("version: 1\npm_tools:\n  jira: lower\n")
    failed(taskmint("create", "two", root=root), 1, ".claude/taskmint.yaml is invalid", "taskmint init")
    failed(taskmint("init", "--jira", "PROJ", root=root), 1, "already exists; pass --force")


def test_odd_hand_written_file_does_not_break_list_json(root, taskmint):
    (root / "tasks" / "backlog" / "TASK-D00D-odd.md").write_text("---\nid: 2025-01-08\nstatus: 2025-01-09\n---\n")
    listed = js(taskmint("list", "--json", root=root))["tasks"]
    assert listed[0]["id"] == "2025-01-08"


def test_invalid_utf8_argument_is_a_usage_error(root, subprocess_env):
    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "--root", str(root), "create", b"bad \xff title"],
                          capture_output=True, text=True, env=subprocess_env, timeout=60)
    failed(proc, 2, "not valid UTF-8")
    assert list((root / "tasks" / "backlog").iterdir()) == []


def test_missing_root_and_project_dir_from_the_environment(tmp_path, root, taskmint):
    failed(taskmint("list", root=tmp_path / "nowhere"), 1, "is not a directory; pass an existing one with --root")
    made = js(taskmint("create", "via env", "--json", env={"CLAUDE_PROJECT_DIR": str(root)}))
    assert (root / made["path"]).is_file()


def test_lock_timeout_is_one_line(root, taskmint, subprocess_env):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys
            from pathlib import Path
            from taskmint import lock
            with lock.held(Path(sys.argv[1]), timeout=30):
                print("locked", flush=True)
                sys.stdin.readline()
        """), str(root / ".claude" / "state" / "taskmint.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=subprocess_env)
    try:
        assert holder.stdout.readline() == "locked\n"
        failed(taskmint("create", "blocked", root=root, env={"TASKMINT_LOCK_TIMEOUT": "0.2"}), 1,
               "held the lock", "TASKMINT_LOCK_TIMEOUT")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert list((root / "tasks" / "backlog").iterdir()) == []
    ok(taskmint("create", "now free", root=root))


def test_help_version_and_the_entry_point(taskmint, tmp_path, subprocess_env):
    assert ok(taskmint("--help")).stdout.startswith("usage: taskmint")
    version = ok(taskmint("--version")).stdout
    assert version.startswith("taskmint ")
    exe = shutil.which("taskmint")
    if exe is None:
        pytest.skip("the taskmint entry point is not installed")
    proc = subprocess.run([exe, "--root", str(tmp_path), "init", "--github", "--json"], capture_output=True,
                          text=True, env=subprocess_env, timeout=60)
    assert json.loads(ok(proc).stdout)["config"] == ".claude/taskmint.yaml"
    assert (tmp_path / ".claude" / "commands" / "task-create.md").is_file()  # init's command files too
    assert ok(subprocess.run([exe, "--version"], capture_output=True, text=True, env=subprocess_env,
                             timeout=60)).stdout == version


def test_runs_from_a_subdirectory_of_a_git_checkout(tmp_path, taskmint, subprocess_env):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    ok(taskmint("init", "--github", root=repo))
    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "create", "from a subdir", "--json"],
                          cwd=repo / "src", capture_output=True, text=True, env=subprocess_env, timeout=60)
    made = json.loads(ok(proc).stdout)
    assert (repo / made["path"]).is_file() and made["external_ids"] == {"github": "#1"}
    assert (repo / ".git" / "taskmint" / "taskmint.lock").is_file()  # the shared lock of all worktrees
    assert os.path.isfile(repo / ".git" / "taskmint" / "registry.json")


def test_json_output_survives_yaml_only_keys_and_values(root, taskmint):
    """Issue 10 item 4: a date-like key under external_ids (and other values YAML holds but
    JSON does not) crashed every --json, and `complete --json` crashed after moving the file."""
    made = js(taskmint("create", "odd keys", "--json", root=root))
    path = root / made["path"]
    text = path.read_text().replace("external_ids:\n", "external_ids:\n  2020-01-01: synced\n")
    path.write_text(text.replace("tags: []", "tags: []\nseen: !!set {a, b}\nscore: .nan\nblob: !!binary aGk="))

    listed = js(taskmint("list", "--json", root=root))["tasks"]
    assert listed[0]["external_ids"]["2020-01-01"] == "synced"
    assert js(taskmint("show", "PROJ-1", "--json", root=root))["external_ids"]["2020-01-01"] == "synced"
    done = js(taskmint("complete", "PROJ-1", "--json", root=root))
    assert done["already_completed"] is False and done["external_ids"]["jira"] == "PROJ-1"
    assert (root / done["path"]).is_file() and not path.exists()
    assert js(taskmint("complete", "PROJ-1", "--json", root=root))["already_completed"] is True
    assert js(taskmint("doctor", "--json", root=root))["ok"] is True


@pytest.mark.parametrize("value", ["", "abc", "nan", "-1", "inf"])
def test_bad_lock_timeout_is_a_usage_error_naming_the_variable(root, taskmint, snapshot, value):
    """Issue 10 item 5: an empty or non-numeric TASKMINT_LOCK_TIMEOUT was an internal error
    (ValueError, exit 3); nan, inf and -1 made a wait that never ends."""
    from taskmint.project import find_project

    before = snapshot(find_project(str(root)))
    for args in (("create", "x"), ("init", "--github", "--force"), ("doctor",), ("complete", "PROJ-1")):
        failed(taskmint(*args, root=root, env={"TASKMINT_LOCK_TIMEOUT": value}), 2,
               f"TASKMINT_LOCK_TIMEOUT={value!r} is not a number of seconds", "unset it")
    assert snapshot(find_project(str(root))) == before
    assert js(taskmint("create", "x", "--json", root=root, env={"TASKMINT_LOCK_TIMEOUT": "0"}))["id"]


def test_complete_keeps_the_crlf_of_lines_it_does_not_own(root, taskmint):
    """Issue 10 item 14: the first `---` ends in LF, other lines in CRLF: `complete` dropped
    the \\r of every line it does not own (`notes: keep me\\r` -> `notes: keep me`)."""
    made = js(taskmint("create", "mixed", "--json", root=root))
    path = root / made["path"]
    raw = path.read_bytes()
    raw = raw.replace(b"priority: medium\n", b"priority: medium\r\nnotes: keep me\r\n").replace(b"tags: []\n",
                                                                                          b"tags: [a,\r\n  b]\r\n")
    path.write_bytes(raw)
    done = js(taskmint("complete", made["id"], "--json", root=root))
    after = (root / done["path"]).read_bytes()
    assert b"priority: medium\r\nnotes: keep me\r\ntags: [a,\r\n  b]\r\n" in after
    assert after.startswith(raw[:raw.index(b"status:")])
    ext = raw[raw.index(b"external_ids:"):raw.index(b"---", 3)]
    assert ext in after and after.endswith(raw[raw.index(b"---", 3):])


def test_complete_refuses_to_break_a_yaml_anchor_naming_file_and_key(root, taskmint):
    """Issue 10 item 7: `status: &s backlog` with `board_column: *s` made `complete` say
    "frontmatter is not valid YAML; fix the file by hand", naming no file, and doctor saw nothing."""
    made = js(taskmint("create", "anchored", "--json", root=root))
    path = root / made["path"]
    path.write_text(path.read_text().replace("status: backlog", "status: &s backlog\nboard_column: *s"))
    before = path.read_bytes()
    failed(taskmint("complete", made["id"], root=root), 1,
           f"{made['path']}: status carries the YAML anchor &s that board_column uses (*s)",
           "write the value out in place of *s")
    assert path.read_bytes() == before
    proc = taskmint("doctor", root=root)
    assert proc.returncode == 1
    assert f"yaml-anchor: {made['path']}: status carries the YAML anchor &s" in proc.stdout
    path.write_text(path.read_text().replace("board_column: *s", "board_column: backlog"))
    assert js(taskmint("complete", made["id"], "--json", root=root))["status"] == "completed"


@pytest.mark.parametrize("completed", ["2020-02-03", "'2020-02-03'", "2020-02-03 10:00:00", "2020-02-03T10:00:00Z"])
def test_completing_a_completed_task_leaves_it_in_the_month_of_its_completed_date(root, taskmint, completed):
    """Issue 10 item 12: with `completed: 2020-02-03` (a plain date), completing the task
    again moved it from completed/2020-02/ to this month's folder while saying "was already
    completed"."""
    made = js(taskmint("create", "old work", "--json", root=root))
    path = root / made["path"]
    filed = root / "tasks" / "completed" / "2020-02" / path.name
    filed.parent.mkdir(parents=True)
    filed.write_text(path.read_text().replace("status: backlog", f"status: completed\ncompleted: {completed}"))
    path.unlink()
    before = filed.read_bytes()
    done = js(taskmint("complete", made["id"], "--json", root=root))
    assert done["already_completed"] is True and done["path"] == f"tasks/completed/2020-02/{path.name}"
    assert filed.read_bytes() == before
    assert ok(taskmint("doctor", root=root)).stdout.startswith("no problems")
