"""The hook entry: the fast path, its imports, the launcher, and failing open."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hook_helpers import RUN_SH, hook_env, hook_output, run_hook, tool_payload
from taskmint.plugin.entry import area
from taskmint.project import Project

HEAVY = ("yaml", "filelock", "jsonschema", "taskmint.service", "taskmint.transaction", "taskmint.plugin.guard",
         "taskmint.plugin.register")


@pytest.mark.parametrize("file_path, expected", [
    ("/p/tasks/backlog/a.md", "task"),
    ("tasks/completed/2026-01/a.md", "task"),
    ("/p/tasks/a.md", "task"),
    ("/p/tasks/backlog/a.txt", None),
    ("/p/tasks", None),
    ("/p/.claude/state/external_id_mapping.json", "state"),
    ("/p/.claude/state/../state/x.json", "state"),
    ("/p/.claude/state/x.json.bak", None),
    ("/p/.claude/state/sub/x.json", None),
    ("/p/src/tasks/a.md", None),
    ("/other/tasks/a.md", None),
    ("/p/../p/tasks/a.md", "task"),
])
def test_area(file_path: str, expected: str | None) -> None:
    assert area("/p", "/p", file_path) == expected


def test_area_sees_through_a_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "tasks").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert area(str(link), str(link), str(real / "tasks" / "a.md")) == "task"
    assert area(str(real), str(real), str(link / "tasks" / "a.md")) == "task"


def _imports(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


def test_common_tool_call_ends_before_importing_taskmint(tm_project: Project, project_env) -> None:
    payload = tool_payload("PreToolUse", tm_project, "src/app.py", content="print('hello')\n")
    proc = run_hook("pre-tool-use", payload, env=project_env, flags=("-X", "importtime"))
    imported = _imports(proc)
    assert proc.returncode == 0 and proc.stdout == ""
    assert imported and not {m for m in imported if m.startswith(("taskmint", "json"))}


def test_tool_call_mentioning_tasks_stays_off_heavy_imports(tm_project: Project, project_env) -> None:
    payload = tool_payload("PostToolUse", tm_project, "docs/notes.md", content="see tasks/ and the state\n")
    proc = run_hook("post-tool-use", payload, env=project_env, flags=("-X", "importtime"))
    imported = _imports(proc)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "taskmint.plugin.entry" in imported and "json" in imported
    assert not {m for m in imported if m.strip().startswith(HEAVY)}


def test_task_file_takes_the_slow_path(tm_project: Project, project_env) -> None:
    # The positive control for the two tests above: a task file does load the handler (yaml
    # too, when its frontmatter is not in taskmint's flat layout, which flatyaml reads).
    (tm_project.tasks_dir / "backlog" / "a.md").write_text("---\nid: TASK-1234\ntitle: A\n---\n")
    payload = tool_payload("PreToolUse", tm_project, "tasks/backlog/a.md", content="---\ntitle: A\n---\n")
    proc = run_hook("pre-tool-use", payload, env=project_env, flags=("-X", "importtime"))
    assert "taskmint.plugin.guard" in _imports(proc) and "yaml" not in _imports(proc)
    assert hook_output(proc)["hookSpecificOutput"]["permissionDecision"] == "deny"


@pytest.mark.parametrize("event, code, level", [("pre-tool-use", 0, "warning"), ("post-tool-use", 0, "warning"),
                                                ("prompt", 2, "error")])
def test_internal_error_is_one_line_and_never_breaks_the_session(event: str, code: int, level: str) -> None:
    proc = run_hook(event, b'{"tool_input": {"file_path": "tasks/x.md"', env={})
    assert proc.returncode == code and proc.stdout == ""
    assert proc.stderr.startswith(f"taskmint: {level}: the {event} hook failed (JSONDecodeError: ")
    assert proc.stderr.count("\n") == 1


def test_launcher_without_venv_says_so_in_one_line(tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_DATA": str(tmp_path / "empty")}
    tool = run_hook("pre-tool-use", {"tool_input": {"file_path": "/x/tasks/a.md"}}, env=env, via_sh=True)
    assert tool.returncode == 0 and tool.stdout == ""
    assert tool.stderr == ("taskmint: warning: taskmint's dependencies are not installed (see the message at session "
                           "start; a new session retries); this hook did nothing\n")
    command = run_hook("prompt", {"command_name": "taskmint:task-create", "command_args": "x"}, env=env, via_sh=True)
    assert command.returncode == 2 and command.stderr.startswith("taskmint: error: taskmint's dependencies are not")


def test_launcher_runs_session_start_on_a_fallback_python(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"CLAUDE_PLUGIN_DATA": str(blocker / "data"), "TASKMINT_PYTHON": sys.executable, "CLAUDE_PROJECT_DIR": str(tmp_path)}
    proc = run_hook("session-start", {"source": "startup"}, env=env, via_sh=True)
    assert proc.returncode == 0
    assert hook_output(proc)["systemMessage"].startswith("taskmint: cannot install its dependencies: cannot create")


def test_launcher_without_any_python_explains(tmp_path: Path) -> None:
    env = hook_env({"CLAUDE_PLUGIN_DATA": str(tmp_path / "d"), "PATH": str(tmp_path / "nothing-here")})
    proc = subprocess.run(["/bin/sh", str(RUN_SH), "session-start"], input=b"{}", capture_output=True, env=env,
                          timeout=60)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["systemMessage"].startswith("taskmint: no python3 on PATH")


def test_launcher_uses_the_published_venv(tm_project: Project, project_env, fake_data: Path) -> None:
    payload = tool_payload("PreToolUse", tm_project, ".claude/state/external_id_counters.json", content="{}")
    proc = run_hook("pre-tool-use", payload, env={**project_env, "CLAUDE_PLUGIN_DATA": str(fake_data)}, via_sh=True)
    assert hook_output(proc)["hookSpecificOutput"]["permissionDecision"] == "deny"


FAKE_PYTHON = """#!/bin/sh
# Records that it ran, its arguments and its stdin, and answers like a hook.
printf '%s\\n' "$@" > "$CLAUDE_PLUGIN_DATA/args"
cat > "$CLAUDE_PLUGIN_DATA/stdin"
echo '{"answer": 1}'
exit 2
"""


@pytest.mark.parametrize("event", ["pre-tool-use", "post-tool-use"])
def test_launcher_ends_a_tool_call_without_tasks_or_state_before_python(tmp_path: Path, event: str) -> None:
    """run.sh makes hook.py's first check itself: a payload without "tasks" or "state" never
    starts Python; one with either reaches it whole, and its answer and exit code come back."""
    data = tmp_path / "data"
    (data / "venv" / "bin").mkdir(parents=True)
    python = data / "venv" / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    env = {"CLAUDE_PLUGIN_DATA": str(data)}
    other = {"tool_input": {"file_path": "/p/src/app.py", "content": "x = 1\n" * 5000}, "cwd": "/p"}
    proc = run_hook(event, other, env=env, via_sh=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not (data / "args").exists()
    for word in ("tasks", "state"):
        payload = json.dumps({"tool_input": {"file_path": f"/p/{word}/a.md", "content": "é \\$HOME `x` \n"},
                              "cwd": "$HOME"}).encode() + b"\n\n"
        proc = run_hook(event, payload, env=env, via_sh=True)
        assert (proc.returncode, proc.stdout) == (2, '{"answer": 1}\n')
        assert (data / "args").read_text().splitlines() == ["-E", "-S", str(RUN_SH.parent / "hook.py"), event]
        assert (data / "stdin").read_bytes() == payload.rstrip(b"\n") + b"\n"  # byte for byte, one newline at the end
    for event in ("session-start", "prompt"):  # never decided here
        (data / "args").unlink()
        assert run_hook(event, {"source": "startup"}, env=env, via_sh=True).returncode == 2
        assert (data / "args").read_text().splitlines()[-1] == event


def _old_python() -> str | None:
    """Some interpreter older than 3.11: on PATH, or among pyenv's versions."""
    candidates = [shutil.which(n) for n in ("python3.10", "python3.9", "python3.8", "python2")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        candidates += sorted(str(p) for p in Path(root).glob("versions/*/bin/python"))
    for python in filter(None, candidates):
        probe = subprocess.run([python, "-c", "import sys; print(sys.version_info[0] * 100 + sys.version_info[1])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and int(probe.stdout) < 311:
            return python
    return None


def test_an_old_python_says_what_it_needs() -> None:
    python = _old_python()
    if python is None:
        pytest.skip("no Python older than 3.11 on this machine")
    start = run_hook("session-start", {"source": "startup"}, python=python)
    assert start.returncode == 0
    assert json.loads(start.stdout)["systemMessage"].startswith("taskmint: taskmint needs Python 3.11 or newer, found ")
    command = run_hook("prompt", {"command_name": "taskmint:task-create"}, python=python)
    assert command.returncode == 2 and "needs Python 3.11 or newer" in command.stderr


def test_bad_lock_timeout_does_not_silence_the_hooks(tm_project: Project, project_env) -> None:
    """Issue 10 item 5: with TASKMINT_LOCK_TIMEOUT=abc every hook failed with a stderr-only
    warning (so the agent's task file silently got no ID). The hook now uses its own timeout
    and tells the user why."""
    rel = "tasks/backlog/login.md"
    (tm_project.root / rel).write_text("---\ntitle: Fix the login\n---\n")
    payload = tool_payload("PostToolUse", tm_project, rel)
    proc = run_hook("post-tool-use", payload, env={**project_env, "TASKMINT_LOCK_TIMEOUT": "abc"})
    assert proc.returncode == 0
    answer = hook_output(proc)
    assert "PROJ-1" in answer["hookSpecificOutput"]["additionalContext"]
    assert "TASKMINT_LOCK_TIMEOUT='abc' is not a number of seconds" in answer["systemMessage"]
    assert not (tm_project.root / rel).exists()  # renamed to <ID>-<slug>.md
