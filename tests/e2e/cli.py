"""Locate, or install once, the pinned Claude Code CLI that the end-to-end tests drive.

``claude_binary()`` returns the native ``claude`` executable of the npm package
``@anthropic-ai/claude-code@CLAUDE_CODE_VERSION``: the pinned ``PINNED_VERSION``, or the
version named by ``TASKMINT_CLAUDE_VERSION`` (e.g. ``TASKMINT_CLAUDE_VERSION=2.1.332 bash .ci/run``
runs the suite against that release). Order of precedence:

1. ``TASKMINT_CLAUDE_BIN``: the path of an existing executable, used as is.
2. A matching install in ``tests/.cache/claude-code/`` (git-ignored; another version than the
   pinned one goes to ``tests/.cache/claude-code-VERSION/``), reused.
3. ``npm install --no-save --prefix <that folder> @anthropic-ai/claude-code@VERSION``.

npm installs the wrapper package plus one platform package,
``node_modules/@anthropic-ai/claude-code-linux-x64/claude`` (``-linux-arm64`` on ARM, with a
``-musl`` suffix on musl systems). That binary runs on its own, so the wrapper's postinstall
script, which npm 11 skips by default, is not needed and neither is Node 22.

Concurrent callers (parallel pytest processes) serialise on ``fcntl.flock`` of
``tests/.cache/claude-code/install.lock``; the lock file is never deleted.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

PINNED_VERSION = "2.1.328"
VERSION_OVERRIDE = "TASKMINT_CLAUDE_VERSION"
CLAUDE_CODE_VERSION = os.environ.get(VERSION_OVERRIDE, "").strip() or PINNED_VERSION
PACKAGE = "@anthropic-ai/claude-code"
ENV_OVERRIDE = "TASKMINT_CLAUDE_BIN"

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ROOT = REPO_ROOT / "tests" / ".cache"
# One folder per version, so switching versions never reinstalls the pinned one.
INSTALL_DIR = CACHE_ROOT / ("claude-code" if CLAUDE_CODE_VERSION == PINNED_VERSION
                            else f"claude-code-{CLAUDE_CODE_VERSION}")
NPM_TIMEOUT = 600

__all__ = [
    "CLAUDE_CODE_VERSION",
    "PINNED_VERSION",
    "CACHE_ROOT",
    "ClaudeInstallError",
    "claude_binary",
    "find_installed",
]


class ClaudeInstallError(RuntimeError):
    """The CLI could not be found or installed."""


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine,
                                                                                      machine)


def _package_version(package_dir: Path) -> str | None:
    try:
        return json.loads((package_dir / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def find_installed(install_dir: Path = INSTALL_DIR,
                   version: str = CLAUDE_CODE_VERSION) -> Path | None:
    """The platform binary under ``install_dir`` if the pinned version is installed there."""
    scope = install_dir / "node_modules" / "@anthropic-ai"
    if _package_version(scope / "claude-code") != version:
        return None
    arch = _arch()

    def preference(pkg: Path) -> tuple[int, int, str]:
        suffix = pkg.name.removeprefix("claude-code-linux-")  # "x64", "arm64-musl", ...
        return (0 if suffix.split("-")[0] == arch else 1, 1 if "musl" in suffix else 0, suffix)

    for pkg in sorted(scope.glob("claude-code-linux-*"), key=preference):
        binary = pkg / "claude"
        if (_package_version(pkg) == version and binary.is_file()
                and os.access(binary, os.X_OK)):
            return binary
    return None


def _npm_install(install_dir: Path, version: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ClaudeInstallError("npm is not on PATH; install Node.js/npm or set "
                                 f"{ENV_OVERRIDE} to a claude binary")
    cmd = [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(install_dir),
           f"{PACKAGE}@{version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=NPM_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ClaudeInstallError(f"{' '.join(cmd)} timed out after {NPM_TIMEOUT}s") from exc
    if proc.returncode != 0:
        raise ClaudeInstallError(f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")


def claude_binary(install_dir: Path = INSTALL_DIR, version: str = CLAUDE_CODE_VERSION) -> Path:
    """The path of the pinned Claude Code CLI, installing it on first use."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        path = Path(override).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ClaudeInstallError(f"{ENV_OVERRIDE}={override} is not an executable file")
        return path.resolve()

    found = find_installed(install_dir, version)
    if found is not None:
        return found
    install_dir.mkdir(parents=True, exist_ok=True)
    with open(install_dir / "install.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            found = find_installed(install_dir, version)  # another process may have finished
            if found is None:
                _npm_install(install_dir, version)
                found = find_installed(install_dir, version)
            if found is None:
                raise ClaudeInstallError(
                    f"npm installed {PACKAGE}@{version} into {install_dir} but no "
                    f"node_modules/@anthropic-ai/claude-code-linux-*/claude for "
                    f"{platform.machine()} was found")
            return found
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
