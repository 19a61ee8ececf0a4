"""What a hook hands back to Claude Code: an exit code, stdout JSON and a stderr line."""
from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Answer:
    code: int = 0
    output: dict[str, Any] | None = None  # printed as JSON on stdout
    error: str | None = None  # one line on stderr

    def send(self) -> int:
        if self.output is not None:
            sys.stdout.write(json.dumps(self.output, ensure_ascii=False) + "\n")
        if self.error:
            sys.stderr.write(self.error + "\n")
        return self.code


def cli_hints(text: str) -> str:
    """Messages tell users to run `taskmint ...`; a plugin user's CLI is the one the plugin
    installed, ${CLAUDE_PLUGIN_DATA}/bin/taskmint, which need not be on PATH."""
    data = os.environ.get("CLAUDE_PLUGIN_DATA")
    if not data:
        return text
    from taskmint.plugin.provision import cli_path

    return text.replace("`taskmint ", f"`{shlex.quote(str(cli_path(Path(data))))} ")


def context(event: str, text: str, notice: str | None = None) -> Answer:
    """Context for the model; ``notice`` is also shown to the user as one line."""
    output: dict[str, Any] = {"hookSpecificOutput": {"hookEventName": event, "additionalContext": cli_hints(text)}}
    if notice:
        output["systemMessage"] = cli_hints(notice)
    return Answer(output=output)


def warning(text: str) -> Answer:
    """A hook that could not do its job: exit 0 so the session goes on, and say so once."""
    line = cli_hints(f"taskmint: warning: {text}")
    return Answer(output={"systemMessage": line}, error=line)


def with_warning(answer: Answer, text: str) -> Answer:
    """``answer`` that also shows the user a warning line (on stderr too when it blocks,
    since Claude Code ignores stdout on exit 2)."""
    line = cli_hints(f"taskmint: warning: {text}")
    if answer.code == 2:
        return Answer(code=2, output=answer.output, error="\n".join(filter(None, [answer.error, line])))
    output = dict(answer.output or {})
    output["systemMessage"] = "\n".join(filter(None, [output.get("systemMessage"), line]))
    return Answer(code=answer.code, output=output, error=answer.error)


def blocked(text: str) -> Answer:
    """Exit 2: Claude Code blocks the prompt or tool call and shows this line."""
    return Answer(code=2, error=cli_hints(f"taskmint: error: {text}"))
