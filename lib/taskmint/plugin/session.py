"""SessionStart: provision the dependencies, then check tasks against state.

Silent when the venv is already there and the project is consistent. Otherwise the user gets
one line (``systemMessage``) and the model gets the same facts plus the command that fixes
them (``additionalContext``). Standard library only, like provision and consistency.
"""
from __future__ import annotations

import os
from pathlib import Path

from taskmint.plugin import consistency, provision
from taskmint.plugin.answer import Answer, cli_hints, context

EVENT = "SessionStart"


def plugin_root() -> Path:
    env = os.environ.get("CLAUDE_PLUGIN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[3]


def handle(payload: dict) -> Answer:
    notices: list[str] = []
    facts: list[str] = []
    data_env = os.environ.get("CLAUDE_PLUGIN_DATA")
    try:
        if not data_env:
            raise provision.ProvisionError("CLAUDE_PLUGIN_DATA is not set, so there is nowhere to install them; "
                                           "update Claude Code")
        data = Path(data_env)
        outcome = provision.ensure(plugin_root(), data)
    except (provision.ProvisionError, OSError) as e:  # OSError: a data dir that cannot hold a venv
        notices.append(f"taskmint: cannot install its dependencies: {e}")
        facts.append(f"taskmint's dependencies could not be installed ({e}). Until that is fixed, "
                     "/taskmint:task-* commands and taskmint's hooks are off in this session, so task IDs "
                     "are not assigned automatically")
    else:
        if outcome.installed:
            notices.append(f"taskmint: installed its dependencies (pyyaml, filelock, jsonschema) into {outcome.venv}")
        pending = _retry_pending(outcome.venv)
        if pending:
            facts.append(f"taskmint: {pending} task(s) wait for their tracker issue or its closing; a background "
                         "`taskmint sync` is pushing them now (`taskmint list --json` shows what is pending)")
    found, opt_in = _check()
    if opt_in:
        notices.append(opt_in)
    if found:
        facts.append("taskmint's consistency check of tasks/ against .claude/state/ found: " + "; ".join(found)
                     + ". Run `taskmint doctor` to see the details and `taskmint doctor --fix` to repair them"
                     " (suggest this to the user before changing task files by hand)")
        notices.append(f"taskmint: tasks and state disagree ({len(found)} problem(s)); run `taskmint doctor --fix`")
    hint = _commands_hint(Path(data_env) if data_env else None)
    if hint:
        notices.append(hint)
    notice = " | ".join(notices) or None
    if facts:
        return context(EVENT, "\n".join(facts), notice)
    return Answer(output={"systemMessage": cli_hints(notice)} if notice else None)


def _retry_pending(venv: Path) -> int:
    """Hand pending tracker work to a detached `taskmint sync` (the session does not wait);
    the number of tasks it concerns."""
    import subprocess

    from taskmint import outbox
    from taskmint.errors import TaskmintError
    from taskmint.project import find_project

    try:
        project = find_project(None)
        count = len(outbox.pending(project))
    except (TaskmintError, OSError):
        return 0
    if not count or os.environ.get("TASKMINT_OFFLINE", "") not in ("", "0"):
        return count
    env = dict(os.environ)
    env["PYTHONPATH"] = str(plugin_root() / "lib")
    try:
        subprocess.Popen([str(venv / "bin" / "python"), "-m", "taskmint.main", "--root", str(project.root), "sync"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env, start_new_session=True, close_fds=True)
    except OSError:
        pass
    return count


def _commands_hint(data: Path | None) -> str | None:
    """One line, once per project, when an opted-in project lacks the /task-* command files."""
    import hashlib

    from taskmint import project_commands
    from taskmint.errors import TaskmintError
    from taskmint.project import find_project

    try:
        project = find_project(None)
        if not project.config_path.is_file():
            return None  # not a taskmint project
        missing = project_commands.missing(project.root)
        if not missing:
            return None
        if data is not None:
            said = data / "said" / ("commands-" + hashlib.sha256(str(project.root).encode()).hexdigest()[:16])
            if said.exists():
                return None
            said.parent.mkdir(parents=True, exist_ok=True)
            said.touch()
    except (TaskmintError, OSError):
        return None
    names = ", ".join(f"/{n}" for n in missing)
    return (f"taskmint: this project lacks {names}; run `taskmint install-commands` to add them "
            f"(until then type /taskmint:{missing[0]} and the like)")


def _check() -> tuple[list[str], str | None]:
    """(consistency problems, a line on how to opt in): a project without `taskmint init`
    is not checked, and hears of taskmint only when it has a tasks/ folder."""
    from taskmint.errors import TaskmintError
    from taskmint.project import find_project

    try:
        project = find_project(None)
        if not project.opted_in:
            if project.tasks_dir.is_dir():
                return [], ("taskmint: this project has a tasks/ folder but is not a taskmint project, so task IDs "
                            "are not assigned here; run `taskmint init` in it to opt in")
            return [], None
        return consistency.problems(project), None
    except (TaskmintError, OSError) as e:
        return [f"the project could not be checked ({e})"], None
