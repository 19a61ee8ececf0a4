"""The README's first command, `bash scripts/demo.sh`, on the stock Debian/Ubuntu interpreter
(/usr/bin/python3, which refuses `pip install` outside a venv) with a PATH of nothing but
/usr/bin:/bin. The script builds its own venv; here it lives under tests/.cache/ so later
runs reuse it (the first run installs from the package index)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
VENV = REPO_ROOT / "tests" / ".cache" / "demo-venv-system-python"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def system_python() -> Path:
    usable = SYSTEM_PYTHON.is_file() and subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import ensurepip, venv, sys; sys.exit(sys.version_info < (3, 11))"],
        capture_output=True).returncode == 0
    if not usable:
        message = f"{SYSTEM_PYTHON} is missing, older than 3.11 or lacks venv (Debian: apt install python3-venv)"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return SYSTEM_PYTHON


def demo(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", str(tmp)), "TMPDIR": str(tmp),
           "TASKMINT_VENV": str(VENV), "LANG": "C.UTF-8"}
    return subprocess.run(["bash", str(REPO_ROOT / "scripts" / "demo.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=600, stdin=subprocess.DEVNULL)


def test_demo_runs_on_the_system_python_and_cleans_up(system_python: Path, tmp_path: Path) -> None:
    proc = demo(tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "externally-managed-environment" not in proc.stderr
    assert (VENV / "bin" / "python").is_file()  # the venv the script made and used
    sample = Path(re.search(r"^sample project: (.+)$", proc.stdout, re.M).group(1))
    assert sample.parent == tmp_path and not sample.exists()  # removed without --keep
    shown = re.findall(r"^\$ cat (tasks/\S+\.md)$", proc.stdout, re.M)
    found = re.findall(r"^(tasks/\S+\.md)$", proc.stdout, re.M)  # the `find tasks -type f` listing
    assert len(found) == 4 and sorted(shown) == sorted(found), proc.stdout  # every task file, the completed one too
    assert any(path.startswith("tasks/completed/") for path in shown)
    assert 'no file named "pwned" was created' in proc.stdout


def test_demo_keep_leaves_the_sample_project(system_python: Path, tmp_path: Path) -> None:
    proc = demo("--keep", tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sample = Path(re.search(r"^sample project: (.+)$", proc.stdout, re.M).group(1))
    assert (sample / ".claude" / "taskmint.yaml").is_file()
    assert f"the sample project is kept: {sample}" in proc.stdout


def test_demo_refuses_an_unknown_option(tmp_path: Path) -> None:
    proc = demo("--kep", tmp=tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: unknown option --kep; usage: bash scripts/demo.sh [--keep]"


def test_without_the_venv_module_one_line_says_what_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "python3"  # answers like Debian's python3 without python3-venv
    fake.write_text(f'#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
                    f'  echo "The virtual environment was not created successfully because ensurepip is not '
                    f'available." >&2; exit 1\nfi\nexec "{sys.executable}" "$@"\n')
    fake.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "TASKMINT_PYTHON": str(fake), "TASKMINT_VENV": str(tmp_path / "venv"),
           "TMPDIR": str(tmp_path)}
    proc = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (f"error: {fake} cannot create a virtual environment; install its venv module "
                           "(Debian/Ubuntu: apt install python3-venv) and retry\n")
    assert not (tmp_path / "venv").exists()
