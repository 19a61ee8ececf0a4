"""Where the plugin keeps its venv and CLI under ${CLAUDE_PLUGIN_DATA} (see provision.py).

Apart from provision so that a hook naming the CLI in a message does not import what
provisioning needs (subprocess, shutil, hashlib).
"""
from __future__ import annotations

from pathlib import Path


def venv_link(data: Path) -> Path:
    return data / "venv"


def cli_path(data: Path) -> Path:
    return data / "bin" / "taskmint"
