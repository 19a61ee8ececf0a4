"""Run the real hook scripts as Claude Code does: a subprocess, JSON on stdin.

``run_hook(event, payload, env=..., via_sh=False)`` starts ``hooks/hook.py EVENT`` under
``python -E -S`` (or ``sh hooks/run.sh EVENT``) and returns the CompletedProcess (text).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from taskmint.project import Project

PLUGIN_ROOT = Path(__file__).resolve().parents[2]
HOOK = PLUGIN_ROOT / "hooks" / "hook.py"
RUN_SH = PLUGIN_ROOT / "hooks" / "run.sh"


def hook_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TASKMINT_"))}
    env["CLAUDE_PLUGIN_ROOT"] = str(PLUGIN_ROOT)
    env.update(extra or {})
    return env


def run_hook(event: str, payload: dict[str, Any] | bytes, *, env: dict[str, str] | None = None,
             via_sh: bool = False, python: str = sys.executable,
             flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    cmd = ["sh", str(RUN_SH), event] if via_sh else [python, "-E", "-S", *flags, str(HOOK), event]
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    proc = subprocess.run(cmd, input=data, capture_output=True, env=hook_env(env), timeout=120)
    return subprocess.CompletedProcess(cmd, proc.returncode, proc.stdout.decode("utf-8"),
                                       proc.stderr.decode("utf-8"))


def hook_output(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON a hook printed; {} when it printed nothing."""
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def tool_payload(event: str, project: Project, rel: str, tool: str = "Write", **tool_input: Any) -> dict[str, Any]:
    path = project.root / rel
    return {
        "hook_event_name": event, "session_id": "s", "transcript_path": "/nowhere/t.jsonl",
        "cwd": str(project.root), "tool_name": tool,
        "tool_input": {"file_path": str(path), **tool_input},
    }


def fake_plugin_data(tmp_path: Path) -> Path:
    """A ${CLAUDE_PLUGIN_DATA} whose published "venv" runs this test interpreter with its
    packages (enough for run.sh and the `taskmint sync` hooks start, without a pip install)."""
    import os
    import sys

    from taskmint.plugin import provision

    data = tmp_path / "plugin-data"
    env_dir = data / "envs" / f"{provision.requirements_hash(PLUGIN_ROOT)}-1"
    (env_dir / "bin").mkdir(parents=True)
    (env_dir / "bin" / "python").symlink_to(sys.executable)
    if sys.prefix != sys.base_prefix:
        # The test interpreter is a venv's: started through the link, python finds the venv's
        # packages only through a pyvenv.cfg next to it (without one, a detached sync once found
        # filelock only where the base interpreter happened to have it).
        (env_dir / "pyvenv.cfg").write_bytes((Path(sys.prefix) / "pyvenv.cfg").read_bytes())
        (env_dir / "lib").symlink_to(Path(sys.prefix) / "lib")
    (data / "venv").symlink_to(os.path.relpath(env_dir, data))
    return data
