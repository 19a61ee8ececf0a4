"""/task-create, task-complete, task-move and task-show, run from the UserPromptExpansion hook.

Each comes as the plugin's own /taskmint:NAME and as the project's /NAME that `taskmint init`
writes into .claude/commands/ (project_commands); a bare /NAME is handled only when that
file is taskmint's, so a user's own command of the same name is left alone.

Claude Code hands the hook the user's text as ``command_args`` in the JSON on stdin: it never
passes through a shell or a ``!`` line, so nothing in it can run. The hook does the work and
hands the result to the model as context (the command's own prompt only asks the model to
report it); on any error it exits 2, which blocks the command, and shows the user one line.
"""
from __future__ import annotations

from pathlib import Path

from taskmint import output, project_commands, service, sync
from taskmint.errors import TaskmintError, UsageError
from taskmint.plugin import options
from taskmint.plugin.answer import Answer, blocked, context
from taskmint.project import Project, find_project

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a hook would pay for it)
if TYPE_CHECKING:
    from typing import Any

EVENT = "UserPromptExpansion"


def handle(payload: dict) -> Answer:
    name = str(payload.get("command_name") or "")
    verb = name.rpartition(":")[2]
    args = payload.get("command_args")
    if not isinstance(args, str):
        args = ""
    try:
        action = _ACTIONS.get(verb)
        if action is None:
            raise UsageError(f"unknown command {name!r}; use /task-create, task-complete, task-move or task-show")
        project = find_project(None)
        if ":" not in name and not _ours(project, name, payload.get("command_source")):
            return Answer()  # the user's own /task-create: not taskmint's to run
        text, notice = action(project, args, name)
    except TaskmintError as e:
        return blocked(str(e))
    except OSError as e:
        return blocked(f"cannot read or write {e.filename or 'a file'}: {e.strerror or e}; fix the cause and retry")
    return context(EVENT, text, notice)


def _ours(project: Project, name: str, source: object) -> bool:
    """Whether the bare command ``name`` runs a command file taskmint wrote."""
    root = Path.home() if source == "userSettings" else project.root
    return project_commands.is_taskmints(project_commands.path_of(root, name))


def _create(project: Project, text: str, name: str) -> tuple[str, str]:
    a = options.parse(text)
    task = service.create(project, a.title, priority=a.priority, tags=a.tags, prefix=a.prefix,
                          epic=a.epic, parent=a.parent)
    task = _pushed(project, task)
    return f"taskmint created the task:\n{_details(task)}", f"taskmint: created {_summary(task)}"


def _complete(project: Project, text: str, name: str) -> tuple[str, str]:
    from taskmint import report

    task, already = service.complete(project, _one_id(text, name))
    task = _pushed(project, task)
    verb = "was already completed" if already else "completed the task"
    facts = report.facts(project, task["id"])
    acc = facts["acceptance"]
    has_report = _has_report(project, task["path"])
    note = output.open_subtasks_line(task) if task.get("open_subtasks") else ""
    lines = [f"taskmint {verb}; it is now at {task['path']}:", _details(task), *([note] if note else []), "",
             "The facts taskmint can prove about it (use them as given in the completion report):",
             *report.lines(facts)]
    if already and has_report:
        lines.append(f"The file already has a `{report.REPORT_HEADING}` section: do not add another.")
    else:
        lines.append(f"Append a `{report.REPORT_HEADING}` section to {task['path']} as this command says.")
    notice = f"taskmint: {verb} {_summary(task)}" + (f" ({note})" if note else "")
    if acc["open"]:
        notice += f"; {len(acc['open'])} of {acc['total']} acceptance criteria are not checked"
    return "\n".join(lines), notice


def _has_report(project: Project, rel: str) -> bool:
    from taskmint import report

    try:
        return any(line.rstrip() == report.REPORT_HEADING for line in (project.root / rel).read_text(
            encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return False


def _move(project: Project, text: str, name: str) -> tuple[str, str]:
    from taskmint import transitions

    words = text.split()
    if len(words) != 2:
        what = "nothing" if not words else f"{len(words)} word{'s' * (len(words) != 1)}"
        raise UsageError(f"{what} given; usage: /{name} <ID> <status>, e.g. /{name} PROJ-12 in_progress")
    moved = transitions.move(project, words[0], words[1])
    line = moved.line()
    return f"taskmint {line}:\n{_details(moved.task)}", f"taskmint: {line}"


def _show(project: Project, text: str, name: str) -> tuple[str, str | None]:
    task = service.show(project, _one_id(text, name))
    subtasks = "".join(f"\n  subtask {s['id']}  [{s['status']}]  {s['title']}" for s in task["subtasks"])
    return f"taskmint found the task:\n{_details(task)}{subtasks}", None


def _pushed(project: Project, task: dict[str, Any]) -> dict[str, Any]:
    """The task after its tracker work was pushed for at most ~2 s (the rest goes on in a
    detached `taskmint sync`)."""
    if not task.get("pending"):
        return task
    sync.push_briefly(project, task["id"])
    try:
        now = service.show(project, task["id"])
    except TaskmintError:
        return task
    fields = ("external_ids", "external_urls", "pending")  # the rest stays as the command reported it
    return {**{k: v for k, v in task.items() if k not in fields}, **{k: now[k] for k in fields if k in now}}


_ACTIONS = {"task-create": _create, "task-complete": _complete, "task-move": _move, "task-show": _show}


def _one_id(text: str, command: str) -> str:
    words = text.split()
    if len(words) != 1:
        what = "no task ID" if not words else f"{len(words)} words"
        raise UsageError(f"{what} given; usage: /{command} <ID>, e.g. TASK-A3F2, PROJ-12, ENG-7, #34 or 1234")
    return words[0]


def _details(task: dict[str, Any]) -> str:
    lines = [output.describe(task)]
    extra = {k: task[k] for k in ("priority", "tags", "epic", "parent", "completed") if task.get(k)}
    if extra:
        lines.append("  " + "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in extra.items()))
    return "\n".join(lines)


def _summary(task: dict[str, Any]) -> str:
    external = ", ".join(task.get("external_ids", {}).values())
    return f"{task['id']}{f' ({external})' if external else ''} at {task['path']}"
