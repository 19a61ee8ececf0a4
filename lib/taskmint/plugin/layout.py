"""Where the plugin keeps its venv and CLI under ${CLAUDE_PLUGIN_DATA} (see provision.py), and
where that venv keeps its packages.

Apart from provision so that a hook naming the CLI in a message does not import what
provisioning needs (subprocess, shutil, hashlib).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


def venv_link(data: Path) -> Path:
    return data / "venv"


def cli_path(data: Path) -> Path:
    return data / "bin" / "taskmint"


def use_venv_packages() -> None:
    """Put the venv's site-packages on sys.path, in an interpreter started with -E -S (the
    hooks and bin/taskmint are: no PYTHON* variables, no site).

    These are the directories site.main() adds for a venv without system packages (provision
    builds no other), without its cost: 1.5 ms a start here, mostly .pth files, one of which
    imports setuptools' _distutils_hack every time. The venv holds only requirements.txt's
    packages, which need no .pth file. An interpreter with no pyvenv.cfg beside it (not the
    plugin's venv) gets site.main() itself."""
    venv = os.path.dirname(os.path.dirname(sys.executable))
    if not os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        import site

        site.main()
        return
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for libdir in dict.fromkeys((sys.platlibdir, "lib")):  # lib64 first where the platform has it, as site does
        path = os.path.join(venv, libdir, version, "site-packages")
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)
