"""The taskmint plugin in the real Claude Code CLI, against the scripted Messages API.

The plugin is loaded with ``--plugin-dir`` from a copy of its shipped files (manifest,
commands, hooks, lib, requirements.txt) outside the repository: Claude Code refuses Write
calls into a project that lies inside the plugin directory, and the harness keeps projects
under the repository's tests/.cache/. The copy also proves the plugin runs from its own files.

Provisioning costs a venv and a pip install, so one session-scoped venv serves every test
(linked into each test's fresh ${CLAUDE_PLUGIN_DATA}), and only
``test_first_session_provisions_dependencies`` provisions from scratch.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli import REPO_ROOT
from fake_api import FakeAnthropicAPI

from taskmint import project_commands, service, state, tasks
from taskmint.plugin import provision
from taskmint.project import Project, find_project

PLUGIN_PARTS = (".claude-plugin", "commands", "hooks", "lib", "requirements.txt", "README.md", "LICENSE")
HOSTILE = ("Fix \"quoted\" it's $(touch pwned) `touch pwned2` ; touch pwned3 # hash: colon ! bang "
           "café ✓ 日本語 \\n $HOME\nsecond line")


@pytest.fixture(scope="session")
def plugin_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin") / "taskmint"
    root.mkdir()
    for part in PLUGIN_PARTS:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, root / part)
    return root


@pytest.fixture(scope="session")
def shared_venv(plugin_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("shared-plugin-data")
    provision.ensure(plugin_copy, data)
    return provision.venv_link(data).resolve()


def data_dir(home: Path) -> Path:
    return home / ".claude" / "plugins" / "data" / "taskmint-inline"


@pytest.fixture
def home(claude_home: Path, shared_venv: Path) -> Path:
    """A fresh HOME whose plugin data already holds the session's venv."""
    data = data_dir(claude_home)
    data.mkdir(parents=True)
    provision.venv_link(data).symlink_to(shared_venv)
    return claude_home


@pytest.fixture
def project(project_dir: Path) -> Project:
    found = find_project(str(project_dir))
    service.init(found, jira="PROJ", linear=None, github=True, azure_devops=False, force=False)
    project_commands.install(found)  # as `taskmint init` does
    return found


@pytest.fixture
def claude(run_claude, plugin_copy: Path, home: Path, project: Project) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(prompt: str, **kwargs) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("home", home)
        proc = run_claude(prompt, plugin_dir=plugin_copy, project_dir=project.root, **kwargs)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    return run


def hook_responses(stream: str, event: str) -> list[dict]:
    """The hook_response records of one event in ``--output-format stream-json`` output."""
    records = [json.loads(line) for line in stream.splitlines() if line.startswith("{")]
    return [r for r in records if r.get("subtype") == "hook_response" and r.get("hook_event") == event]


STREAM = ("--output-format", "stream-json", "--verbose")


def task_files(project: Project) -> list[Path]:
    return sorted(tasks.walk(project.tasks_dir))


def no_pwned_anywhere(*roots: Path) -> None:
    for root in roots:
        assert not list(root.rglob("pwned*")), f"a command in the title ran under {root}"


def test_first_session_provisions_dependencies(run_claude, fake_api: FakeAnthropicAPI, claude_home: Path,
                                               plugin_copy: Path, project: Project) -> None:
    fake_api.set_script(["Created."])
    proc = run_claude("/taskmint:task-create First task priority:high", plugin_dir=plugin_copy,
                      project_dir=project.root, home=claude_home, extra_args=STREAM, timeout=400)
    assert proc.returncode == 0, proc.stderr
    data = data_dir(claude_home)
    [start] = hook_responses(proc.stdout, "SessionStart")
    assert start["exit_code"] == 0
    assert json.loads(start["stdout"])["systemMessage"] == (
        f"taskmint: installed its dependencies (pyyaml, filelock, jsonschema) into {data / 'venv'}")
    venv_python = data / "venv" / "bin" / "python"
    probe = subprocess.run([str(venv_python), "-I", "-c", provision.PROBE + "; import sys; print(sys.prefix)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).resolve().parent == (data / "envs").resolve()
    # The command ran in the same session, on the interpreter provisioned moments before.
    [path] = task_files(project)
    assert tasks.read(project, path).meta["title"] == "First task"
    assert "taskmint created the task" in fake_api.main_requests[0].text()

    # The next session finds the venv in place: SessionStart is silent, nothing is rebuilt.
    target = os.readlink(data / "venv")
    fake_api.set_script(["Hi."])
    again = run_claude("hello", plugin_dir=plugin_copy, project_dir=project.root, home=claude_home, extra_args=STREAM)
    [start] = hook_responses(again.stdout, "SessionStart")
    assert (start["exit_code"], start["stdout"]) == (0, "")
    assert os.readlink(data / "venv") == target


def test_task_create_keeps_a_hostile_title_and_runs_nothing(claude, fake_api: FakeAnthropicAPI, project: Project,
                                                            plugin_copy: Path, home: Path) -> None:
    fake_api.set_script(["Reported."])
    proc = claude(f"/taskmint:task-create {HOSTILE} tags:auth,api")
    assert proc.stdout.strip() == "Reported."
    [path] = task_files(project)
    meta = tasks.read(project, path).meta
    assert meta["title"] == HOSTILE and meta["tags"] == ["auth", "api"]
    assert meta["external_ids"] == {"jira": "PROJ-1", "github": "#1"}
    assert state.load(project).mappings == {meta["id"]: {"jira": "PROJ-1", "github": "#1"}}
    no_pwned_anywhere(project.root, plugin_copy, home, REPO_ROOT)
    [request] = fake_api.main_requests
    text = request.text()
    assert f"{meta['id']}  [backlog]  {HOSTILE}" in text
    assert f"path: {project.rel(path)}" in text and "external IDs: jira: PROJ-1, github: #1" in text
    assert "consistency check" not in text  # a consistent project: SessionStart said nothing


def test_task_create_without_text_shows_usage_and_creates_nothing(claude, fake_api: FakeAnthropicAPI,
                                                                   project: Project) -> None:
    fake_api.set_script(["must not be called"])
    proc = claude("/taskmint:task-create")
    assert "taskmint: error: no title given; usage: /taskmint:task-create <title>" in proc.stdout
    assert fake_api.main_requests == [] and task_files(project) == []


def test_task_file_written_by_the_agent_gets_its_ids(claude, fake_api: FakeAnthropicAPI, project: Project) -> None:
    draft = project.tasks_dir / "backlog" / "fix-login.md"
    own_id = project.tasks_dir / "in_progress" / "mine.md"
    content = "---\ntitle: Fix the login\nowner: alice  # keep me\n---\n\nSteps:\n1. reproduce\n"
    fake_api.set_script([
        {"tool": "Write", "input": {"file_path": str(draft), "content": content}},
        {"tool": "Write", "input": {"file_path": str(own_id), "content": "---\nid: TASK-C0FFEE\ntitle: Mine\n---\n"}},
        "Both written.",
    ])
    claude("write two tasks")
    assert not draft.exists() and not own_id.exists()
    [first] = list((project.tasks_dir / "backlog").glob("TASK-*-fix-the-login.md"))
    meta = tasks.read(project, first).meta
    assert first.name == f"{meta['id']}-fix-the-login.md"
    assert meta["external_ids"] == {"jira": "PROJ-1", "github": "#1"}
    text = first.read_text()
    assert "owner: alice  # keep me\n" in text and text.endswith("---\n\nSteps:\n1. reproduce\n")
    second = project.tasks_dir / "in_progress" / "TASK-C0FFEE-mine.md"
    assert tasks.read(project, second).meta["external_ids"] == {"jira": "PROJ-2", "github": "#2"}
    assert state.load(project).mappings == {meta["id"]: {"jira": "PROJ-1", "github": "#1"},
                                            "TASK-C0FFEE": {"jira": "PROJ-2", "github": "#2"}}
    # The model learnt the IDs and the new path right after its Write.
    after_first = fake_api.main_requests[1].text()
    assert f"Its ID is {meta['id']}" in after_first and f"renamed to {project.rel(first)}" in after_first
    assert "it carries the new ID TASK-C0FFEE, which is kept" in fake_api.main_requests[2].text()


def test_edit_of_an_existing_task_id_is_denied(claude, fake_api: FakeAnthropicAPI, project: Project) -> None:
    info = service.create(project, "Protected")
    path = project.root / info["path"]
    original = path.read_text()
    mapping = project.mapping_path.read_bytes()
    fake_api.set_script([
        {"tool": "Read", "input": {"file_path": str(path)}},
        {"tool": "Edit", "input": {"file_path": str(path), "old_string": f"id: {info['id']}", "new_string": "id: TASK-BEEF"}},
        {"tool": "Edit", "input": {"file_path": str(path), "old_string": "jira: PROJ-1", "new_string": "jira: PROJ-9"}},
        {"tool": "Write", "input": {"file_path": str(project.mapping_path), "content": "{}\n"}},
        {"tool": "Edit", "input": {"file_path": str(path), "old_string": "title: Protected", "new_string": "title: Still protected"}},
        "Done.",
    ])
    claude("renumber the task")
    assert path.read_text() == original.replace("title: Protected", "title: Still protected")
    assert project.mapping_path.read_bytes() == mapping
    results = [r.tool_results()[0] for r in fake_api.main_requests[2:5]]
    assert "a task's id never changes" in results[0]["text"] and f"Keep `id: {info['id']}`" in results[0]["text"]
    assert "external_ids of task" in results[1]["text"]
    assert "is taskmint's state" in results[2]["text"]
    assert all(r.get("is_error") for r in results)
    assert fake_api.main_requests[5].tool_results()[0].get("is_error") is not True


def test_task_complete_by_external_id_moves_the_task(claude, fake_api: FakeAnthropicAPI, project: Project) -> None:
    keep = project.root / service.create(project, "Stays")["path"]
    done = service.create(project, "Finish me")
    mapping = state.load(project).mappings
    fake_api.set_script(["Completed."])
    claude("/taskmint:task-complete PROJ-2")
    assert not (project.root / done["path"]).exists() and keep.exists()
    [moved] = list((project.tasks_dir / "completed").glob(f"*/{done['id']}-finish-me.md"))
    meta = tasks.read(project, moved).meta
    assert meta["status"] == "completed" and meta["completed"] is not None
    assert state.load(project).mappings == mapping
    assert f"it is now at {project.rel(moved)}" in fake_api.main_requests[0].text()

    fake_api.set_script(["must not be called"])
    before = {p: p.read_bytes() for p in task_files(project)}
    proc = claude("/taskmint:task-complete PROJ-99")
    assert "taskmint: error: no task has external ID PROJ-99" in proc.stdout
    assert len(fake_api.main_requests) == 1
    assert {p: p.read_bytes() for p in task_files(project)} == before


def test_session_start_names_an_inconsistency_and_its_fix(claude, fake_api: FakeAnthropicAPI, project: Project,
                                                         home: Path) -> None:
    service.create(project, "Known")
    stray = project.tasks_dir / "backlog" / "TASK-0BAD-from-a-merge.md"
    stray.write_text("---\nid: TASK-0BAD\ntitle: From a merge\n---\n")
    fake_api.set_script(["Noted."])
    claude("hello")
    text = fake_api.main_requests[0].text()
    assert "1 task file(s) have IDs the mapping does not know (TASK-0BAD)" in text
    assert f"`{data_dir(home) / 'bin' / 'taskmint'} doctor --fix`" in text


def test_session_without_dependencies_keeps_working(run_claude, fake_api: FakeAnthropicAPI, claude_home: Path,
                                                    plugin_copy: Path, project: Project, tmp_path: Path) -> None:
    (tmp_path / "no-wheels").mkdir()
    offline = {"TASKMINT_PIP_ARGS": "--no-index", "PIP_CONFIG_FILE": os.devnull,
               "PIP_FIND_LINKS": str(tmp_path / "no-wheels")}
    note = project.tasks_dir / "backlog" / "note.md"
    fake_api.set_script([{"tool": "Write", "input": {"file_path": str(note), "content": "---\ntitle: N\n---\n"}},
                         "Still here."])
    proc = run_claude("write a note", plugin_dir=plugin_copy, project_dir=project.root, home=claude_home,
                      extra_env=offline, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "Still here."
    assert note.read_text() == "---\ntitle: N\n---\n"  # hooks are off: written, not registered
    assert "taskmint's dependencies could not be installed (installing pyyaml" in fake_api.main_requests[0].text()
    assert not os.path.lexists(data_dir(claude_home) / "venv")

    fake_api.set_script(["must not be called"])
    blocked = run_claude("/taskmint:task-create Anything", plugin_dir=plugin_copy, project_dir=project.root,
                         home=claude_home, extra_env=offline, timeout=300)
    assert "taskmint: error: taskmint's dependencies are not installed" in blocked.stdout
    assert len(fake_api.main_requests) == 2 and task_files(project) == [note]


# --- the bare names: commands `taskmint init` writes into the project -------------------


@pytest.fixture
def cli_project(project_dir: Path) -> Project:
    """A project made by the real `taskmint init` (so it has .claude/commands/task-*.md)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "lib")}
    env = {k: v for k, v in env.items() if not k.startswith("CLAUDE_")}
    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "--root", str(project_dir), "init", "--jira", "PROJ",
                           "--github"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "wrote .claude/commands/task-create.md (/task-create)" in proc.stdout
    return find_project(str(project_dir))


def test_bare_commands_create_move_and_complete(run_claude, fake_api: FakeAnthropicAPI, plugin_copy: Path,
                                                 home: Path, cli_project: Project) -> None:
    project = cli_project

    def claude(prompt: str) -> subprocess.CompletedProcess[str]:
        proc = run_claude(prompt, plugin_dir=plugin_copy, project_dir=project.root, home=home, extra_args=STREAM)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    fake_api.set_script(["Reported."])
    claude(f"/task-create {HOSTILE} tags:auth")
    [path] = task_files(project)
    meta = tasks.read(project, path).meta
    assert meta["title"] == HOSTILE and meta["tags"] == ["auth"] and meta["status"] == "backlog"
    assert meta["external_ids"] == {"jira": "PROJ-1", "github": "#1"}
    no_pwned_anywhere(project.root, plugin_copy, home, REPO_ROOT)
    text = fake_api.main_requests[0].text()
    assert "taskmint created the task" in text and f"{meta['id']}  [backlog]  {HOSTILE}" in text
    assert "The taskmint plugin handles /task-create in its hook" in text  # the project command's body
    assert "lacks /task" not in text  # every command file is there: SessionStart said nothing of them

    fake_api.set_script(["Moved."])
    claude("/task-move PROJ-1 in_progress")
    moved = project.tasks_dir / "in_progress" / path.name
    assert not path.exists() and tasks.read(project, moved).meta["status"] == "in_progress"
    assert f"moved {meta['id']} from backlog to in_progress: {project.rel(moved)}" in fake_api.main_requests[1].text()

    # Acceptance criteria in the body: the completion facts count them, the one-line answer names the open one.
    moved.write_text(moved.read_text() + "## Acceptance Criteria\n- [x] logs in\n- [ ] logs out\n")
    fake_api.set_script(["Completed."])
    proc = claude("/task-complete PROJ-1")
    [done] = list((project.tasks_dir / "completed").glob(f"*/{path.name}"))
    assert tasks.read(project, done).meta["status"] == "completed" and not moved.exists()
    text = fake_api.main_requests[2].text()
    assert f"taskmint completed the task; it is now at {project.rel(done)}" in text
    assert "acceptance criteria: 1 of 2 checked" in text and "open: logs out" in text
    assert "## Completion report" in text and "every open acceptance criterion listed as open" in text
    # (the hook's one-line notice naming the open criterion: tests/plugin/test_slash.py; Claude Code shows it
    # as a stream-json "informational" record, but not reliably before the session ends)
    assert state.load(project).mappings == {meta["id"]: {"jira": "PROJ-1", "github": "#1"}}


def test_bare_command_without_the_plugin_says_it_is_missing(run_claude, fake_api: FakeAnthropicAPI, home: Path,
                                                            cli_project: Project) -> None:
    project = cli_project
    reply = "Nothing was done: /task-create needs the taskmint plugin."
    fake_api.set_script([reply])
    proc = run_claude("/task-create Fix login", project_dir=project.root, home=home)  # no --plugin-dir
    assert proc.returncode == 0 and proc.stdout.strip() == reply
    assert task_files(project) == [] and state.load(project).mappings == {}
    [request] = fake_api.main_requests
    text = request.text()
    assert "taskmint created" not in text  # no hook ran
    assert ("Nothing was done: /task-create needs the taskmint plugin for Claude Code, which is not installed or not "
            "enabled in this\nsession.") in text
    assert "never say that a task was created" in text


def test_a_users_own_command_of_the_same_name_is_left_alone(run_claude, fake_api: FakeAnthropicAPI,
                                                            plugin_copy: Path, home: Path,
                                                            cli_project: Project) -> None:
    project = cli_project
    own = project.root / ".claude" / "commands" / "task-show.md"
    own.write_text("---\ndescription: my own\n---\nSay the word OWN-COMMAND.\n")
    fake_api.set_script(["OWN-COMMAND"])
    # No task PROJ-1 exists: had taskmint's hook acted, it would have blocked the command (exit 2) and
    # the model would not have been called.
    proc = run_claude("/task-show PROJ-1", plugin_dir=plugin_copy, project_dir=project.root, home=home)
    assert proc.returncode == 0 and proc.stdout.strip() == "OWN-COMMAND", proc.stdout + proc.stderr
    text = fake_api.main_requests[0].text()
    assert "Say the word OWN-COMMAND." in text and "taskmint found the task" not in text
    assert own.read_text() == "---\ndescription: my own\n---\nSay the word OWN-COMMAND.\n"
