"""The plugin's own interpreter: a venv under ${CLAUDE_PLUGIN_DATA} holding requirements.txt.

Layout of the data directory:

- ``envs/<hash>-<pid>/``: a venv; ``<hash>`` covers requirements.txt, so a plugin update that
  changes the requirements builds a new one.
- ``venv``: a relative symlink to the complete venv that hooks use. It is swapped in by one
  rename only after pip succeeded and the imports work, so a hook never sees a half-built venv
  and hooks/run.sh needs nothing but ``[ -x venv/bin/python ]`` to decide.
- ``bin/taskmint``: the taskmint CLI on that interpreter, for the fix commands hooks suggest.
- ``provision.lock``: held while provisioning, so two sessions starting at once build one
  venv; never deleted.

Standard library only: this runs before the dependencies exist.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from taskmint.plugin.layout import cli_path, venv_link

# Bump when the layout or the way a venv is built changes, to rebuild existing venvs.
LAYOUT = b"taskmint-venv-1"
MIN_PYTHON = (3, 11)
VENV_TIMEOUT = 60.0
PIP_TIMEOUT = 180.0
# A session waits this long for another one that is provisioning; the SessionStart hook's
# timeout (hooks/hooks.json) is above VENV_TIMEOUT + PIP_TIMEOUT.
LOCK_WAIT = 240.0
PROBE = "import yaml, filelock, jsonschema"
# bin/taskmint runs `python -E -S -c CLI_START PLUGIN/lib ARGS...` (see taskmint/plugin/cli.py).
CLI_START = "import sys; sys.path[0] = sys.argv.pop(1); from taskmint.plugin.cli import run; sys.exit(run())"


class ProvisionError(Exception):
    """Provisioning is impossible; the message is one line naming the cause and the fix."""


@dataclass
class Outcome:
    venv: Path
    installed: bool  # False: it was already there


def requirements_hash(plugin_root: Path) -> str:
    try:
        text = (plugin_root / "requirements.txt").read_bytes()
    except OSError as e:
        raise ProvisionError(f"cannot read {plugin_root / 'requirements.txt'} ({e.strerror}); reinstall the plugin") from None
    return hashlib.sha256(LAYOUT + b"\0" + text).hexdigest()[:16]


def ready(data: Path, want: str) -> bool:
    """The published venv was built for ``want`` and its interpreter still exists."""
    link = venv_link(data)
    try:
        target = os.readlink(link)
    except OSError:
        return False
    return Path(target).name.startswith(want + "-") and os.access(link / "bin" / "python", os.X_OK)


def ensure(plugin_root: Path, data: Path, python: str | None = None) -> Outcome:
    """Make sure ``data/venv`` holds the requirements; build it when it does not."""
    want = requirements_hash(plugin_root)
    if not ready(data, want):
        try:
            data.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ProvisionError(f"cannot create {data} ({e.strerror}); check its permissions") from None
        with _locked(data / "provision.lock"):
            if not ready(data, want):  # another session may have built it meanwhile
                _build(plugin_root, data, want, python or sys.executable)
                write_cli(plugin_root, data)
                return Outcome(venv_link(data), installed=True)
    write_cli(plugin_root, data)
    return Outcome(venv_link(data), installed=False)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # fcntl rather than filelock: filelock is one of the packages being installed.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ProvisionError(
                        f"another session has been installing taskmint's dependencies for over {LOCK_WAIT:g}s "
                        f"(lock {path}); start a new session once it is done"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # releases the lock


def _run(cmd: list[str], timeout: float, what: str, hint: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ProvisionError(f"{what} took over {timeout:g}s; {hint}") from None
    except OSError as e:
        raise ProvisionError(f"{what} could not start ({e.strerror}); {hint}") from None
    if proc.returncode != 0:
        lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines
        detail = errors[0] if errors else f"exit code {proc.returncode}"
        raise ProvisionError(f"{what} failed ({detail[:300]}); {hint}")


def _build(plugin_root: Path, data: Path, want: str, python: str) -> None:
    version = _python_version(python)
    if version < MIN_PYTHON:
        raise ProvisionError(
            f"{python} is Python {version[0]}.{version[1]}, and taskmint needs {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; "
            "install it, or set TASKMINT_PYTHON to such an interpreter, and start a new session"
        )
    envs = data / "envs"
    envs.mkdir(exist_ok=True)
    published = _published(data)
    # Under the lock nothing else builds: any folder but the published venv is abandoned.
    _remove_envs(envs, keep=published)
    target = envs / f"{want}-{os.getpid()}"
    try:
        _install(plugin_root, python, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    staged = data / f"venv.new-{os.getpid()}"
    staged.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, data), staged)
    os.replace(staged, venv_link(data))  # one atomic step: hooks see the old venv or the new one
    _remove_envs(envs, keep=target)


def _install(plugin_root: Path, python: str, target: Path) -> None:
    _run([python, "-I", "-m", "venv", str(target)], VENV_TIMEOUT, f"creating a venv with {python}",
         "install Python's venv module (on Debian/Ubuntu: apt install python3-venv) or set TASKMINT_PYTHON "
         "to a Python that has it, then start a new session")
    target_python = str(target / "bin" / "python")
    pip_args = shlex.split(os.environ.get("TASKMINT_PIP_ARGS", ""))
    _run([target_python, "-I", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
          "-r", str(plugin_root / "requirements.txt"), *pip_args], PIP_TIMEOUT,
         "installing pyyaml, filelock and jsonschema with pip",
         "check the network access to PyPI (or set TASKMINT_PIP_ARGS, e.g. to --index-url URL or "
         "--no-index --find-links DIR), then start a new session")
    _run([target_python, "-I", "-c", PROBE], 30, "importing the installed packages",
         "reinstall the plugin, then start a new session")


def _published(data: Path) -> Path | None:
    try:
        return (data / os.readlink(venv_link(data))).resolve()
    except OSError:
        return None


def _remove_envs(envs: Path, keep: Path | None) -> None:
    for folder in envs.iterdir():
        if keep is None or folder.resolve() != keep.resolve():
            shutil.rmtree(folder, ignore_errors=True)


def _python_version(python: str) -> tuple[int, int]:
    if python == sys.executable:
        return sys.version_info[:2]
    try:
        out = subprocess.run([python, "-I", "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL).stdout
        major, minor = out.split()
        return int(major), int(minor)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        raise ProvisionError(f"cannot run {python}; set TASKMINT_PYTHON to a Python 3.11+ interpreter") from None


def write_cli(plugin_root: Path, data: Path) -> None:
    """``data/bin/taskmint``: the CLI on the venv, rewritten when the plugin moved (update)."""
    python = venv_link(data) / "bin" / "python"
    text = (
        "#!/bin/sh\n"
        "# Written by the taskmint plugin's SessionStart hook: the taskmint CLI on the plugin's venv\n"
        "# (taskmint/plugin/cli.py says why -E -S).\n"
        f"exec {shlex.quote(str(python))} -E -S -c {shlex.quote(CLI_START)} {shlex.quote(str(plugin_root / 'lib'))} \"$@\"\n"
    )
    path = cli_path(data)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".taskmint.{os.getpid()}")
    staged.write_text(text, encoding="utf-8")
    staged.chmod(0o755)
    os.replace(staged, path)
