"""taskmint's slash commands as a project's own commands: /task-create instead of /taskmint:task-create.

Claude Code namespaces a plugin's commands (/taskmint:task-create); a project's
.claude/commands/NAME.md is found under its bare name, and the plugin's UserPromptExpansion
hook fires for it too. So `taskmint init` (or `taskmint install-commands`) writes these
files, each marked as taskmint's by a comment line in its frontmatter. The hook acts on a
bare name only when that file carries the mark, and a file without it (the user's own) is
never overwritten.

The files are committed with the project, so a teammate without the plugin runs them too:
then no hook runs and the body alone reaches the model, which is why every body says what
to answer when taskmint's result is missing.

Standard library only: the hook and SessionStart read these files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from taskmint.project import Project

COMMANDS_DIR = Path(".claude/commands")
MARKER = "# taskmint-command: written by `taskmint install-commands`, which keeps it up to date; " \
         "delete this line to make the file your own"
_MARKER_PREFIX = "# taskmint-command:"
_HEAD_BYTES = 8192

_MISSING_PLUGIN = """\
If the hook context of this turn holds no result from taskmint (text that begins with "taskmint"), the taskmint
Claude Code plugin is not installed or not enabled here, and nothing was done. Then answer exactly:
"Nothing was done: /{name} needs the taskmint plugin for Claude Code, which is not installed or not enabled in this
session. Install it as taskmint's README says (`claude plugin marketplace add <taskmint checkout>`, then
`claude plugin install taskmint@taskmint`), then start a new session (or use the `taskmint` command line)." Do not create, move, write or edit any file yourself, do
not run any tool, and never say that a task was {done}.
"""

_BODIES = {
    "task-create": ("Create a task with a collision-free ID and PM-tool external IDs (taskmint)",
                    "<title> [priority:high] [tags:auth,api] [prefix:FIX] [epic:EPIC-001] [parent:TASK-A3F2]",
                    "created", """\
The taskmint plugin handles /task-create in its hook before this message reaches you: it creates the task and puts
the result in the hook context of this turn.

If that result is there, tell the user, in one or two sentences, the task's ID, its external IDs and its file path,
exactly as the hook context gives them. Do not create the task again, and do not run any tool for this.
"""),
    "task-complete": ("Complete a task by its internal or external ID and write its completion report (taskmint)",
                      "<ID: TASK-A3F2, PROJ-12, ENG-7, #34 or 1234>", "completed", """\
The taskmint plugin handles /task-complete in its hook before this message reaches you: it completes the task,
moves its file to tasks/completed/, and puts the result and the facts it can prove (IDs, dates, acceptance criteria
from the task's checkboxes, commits naming the task) in the hook context of this turn.

If that result is there:
1. Unless the hook says the task was already completed and its file already has one, append a section
   `## Completion report` at the end of the task file at the path the hook gives (Read it, then Edit it). In it:
   the facts exactly as the hook gives them; what was done, in your own words, from what you know of this work
   (say so where you do not know); and every open acceptance criterion listed as open. Claim nothing the facts do
   not show. Change nothing else in the file, its frontmatter above all.
2. Tell the user, in one sentence, which task was completed and where its file is now, and, when acceptance
   criteria are open, how many are open.
"""),
    "task-move": ("Give a task another status and move its file to that status's folder (taskmint)",
                  "<ID> <status: backlog, in_progress, in_review, blocked, completed or a project status>", "moved", """\
The taskmint plugin handles /task-move in its hook before this message reaches you: it gives the task the new
status, moves its file to that status's folder (a completed task moved back is reopened), and puts the result in
the hook context of this turn.

If that result is there, tell the user, in one sentence, the task's ID, its old and new status and its file path,
exactly as the hook context gives them. Do not move or edit the file yourself, and do not run any tool for this.
"""),
    "task-show": ("Show a task by its internal or external ID (taskmint)",
                  "<ID: TASK-A3F2, PROJ-12, ENG-7, #34 or 1234>", "found", """\
The taskmint plugin handles /task-show in its hook before this message reaches you: it looks up the task and puts
its details in the hook context of this turn.

If they are there, show the user those details (ID, title, status, path, external IDs and the other fields given)
as a short list. Do not run any tool for this.
"""),
}
NAMES = tuple(_BODIES)


def text(name: str) -> str:
    description, hint, done, body = _BODIES[name]
    allowed = "allowed-tools: Read, Edit\n" if name == "task-complete" else ""
    return (f"---\ndescription: {description}\nargument-hint: \"{hint}\"\ndisable-model-invocation: true\n"
            f"{allowed}{MARKER}\n---\n{body}\n{_MISSING_PLUGIN.format(name=name, done=done)}")


def path_of(root: Path, name: str) -> Path:
    return root / COMMANDS_DIR / f"{name}.md"


def is_taskmints(path: Path) -> bool:
    """Whether the command file at ``path`` carries taskmint's mark in its frontmatter."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    lines = head.split("\n")
    if not lines or lines[0].strip().lstrip("\ufeff") != "---":
        return False
    for line in lines[1:]:
        if line.strip() == "---":
            return False
        if line.startswith(_MARKER_PREFIX):
            return True
    return False


@dataclass
class Outcome:
    name: str
    path: Path
    action: str  # "wrote", "updated", "unchanged" or "kept" (the user's own file)


def install(project: Project) -> list[Outcome]:
    """Write or refresh every command file taskmint owns; never touch one it does not."""
    from taskmint import atomic

    outcomes = []
    for name in NAMES:
        path = path_of(project.root, name)
        wanted = text(name).encode("utf-8")
        if os.path.lexists(path) and not (path.is_file() and not path.is_symlink() and is_taskmints(path)):
            outcomes.append(Outcome(name, path, "kept"))
            continue
        if path.exists():
            if path.read_bytes() == wanted:
                outcomes.append(Outcome(name, path, "unchanged"))
                continue
            action = "updated"
        else:
            action = "wrote"
        path.parent.mkdir(parents=True, exist_ok=True)
        project.check_inside(path)
        atomic.write_atomic(path, wanted)
        outcomes.append(Outcome(name, path, action))
    return outcomes


def describe(project: Project, outcome: Outcome) -> str:
    rel = project.rel(outcome.path)
    if outcome.action == "kept":
        return (f"kept {rel}: it is not taskmint's (it lacks the `{_MARKER_PREFIX}` line), so taskmint does not "
                f"overwrite it and /{outcome.name} runs it; use /taskmint:{outcome.name} for taskmint's")
    return f"{outcome.action} {rel} (/{outcome.name})"


def missing(root: Path) -> list[str]:
    """The command names the project has no file for at all (a user's own file is not missing)."""
    return [name for name in NAMES if not os.path.lexists(path_of(root, name))]

