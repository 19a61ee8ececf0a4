"""Fixtures for end-to-end tests that drive the real Claude Code CLI against a scripted API.

Fixtures
--------
``claude_bin`` (session)
    Path of the pinned CLI (``cli.claude_binary()``). Skips when it cannot be installed,
    except under ``CI=true``/``CI=1``, where that is a hard failure.
``fake_api``
    A running :class:`fake_api.FakeAnthropicAPI` with an empty script; call
    ``fake_api.set_script([...])`` before running the CLI.
``claude_home``
    An empty throwaway ``HOME`` for one test.
``project_dir``
    An empty project directory for one test, its own git repository, under the git-ignored
    ``tests/.cache/projects/`` (never under ``/tmp``: Claude Code refuses Write there).
    Removed afterwards.
``taskmint_plugin_dir`` (session)
    The repository root, which is the taskmint plugin.
``run_claude``
    ``run_claude(prompt, *, project_dir=None, plugin_dir=None, api=None, home=None,
    extra_env=None, timeout=120, extra_args=()) -> subprocess.CompletedProcess[str]``.
    Runs ``claude -p PROMPT [--plugin-dir PLUGIN] --permission-mode acceptEdits
    [*extra_args]`` in ``project_dir`` with a clean environment pointing at ``api``. Arguments
    left at ``None`` default to this test's ``project_dir``, ``fake_api`` and ``claude_home``
    fixtures; ``plugin_dir=None`` loads no plugin. ``stdout``/``stderr`` are text.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import CACHE_ROOT, REPO_ROOT, ClaudeInstallError, claude_binary  # noqa: E402
from fake_api import FakeAnthropicAPI  # noqa: E402

PROJECTS_ROOT = CACHE_ROOT / "projects"

# Variables of an outer Claude Code session or a developer's setup that would change how the
# CLI under test behaves; they are never passed through.
_DROPPED_ENV_PREFIXES = ("ANTHROPIC_", "CLAUDE_", "CLAUDECODE", "OTEL_", "AWS_", "GOOGLE_",
                         "VERTEX_", "XDG_")
_DROPPED_ENV = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy", "NO_PROXY", "no_proxy", "GIT_DIR", "GIT_WORK_TREE"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def claude_env(*, api: FakeAnthropicAPI, home: Path, project_dir: Path,
               extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a CLI run gets: the caller's, minus outer-session variables, plus ours."""
    env = {k: v for k, v in os.environ.items()
           if k not in _DROPPED_ENV and not k.startswith(_DROPPED_ENV_PREFIXES)}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "ANTHROPIC_BASE_URL": api.base_url,
        "ANTHROPIC_API_KEY": "test",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        # git run inside the project never climbs into the repository holding tests/.cache.
        "GIT_CEILING_DIRECTORIES": str(Path(project_dir).resolve().parent),
        "NO_COLOR": "1",
    })
    if extra_env:
        env.update(extra_env)
    return env


def run_claude_cli(
    prompt: str,
    *,
    claude_bin: Path,
    project_dir: Path,
    plugin_dir: Path | None,
    api: FakeAnthropicAPI,
    home: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120,
    extra_args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run one ``claude -p`` session; on timeout kill its whole process group and fail."""
    project_dir, home = Path(project_dir), Path(home)
    if plugin_dir is not None:
        plugin_dir = Path(plugin_dir)
        if plugin_dir.resolve() == project_dir.resolve():
            raise ValueError("plugin_dir and project_dir must be different directories")
    home.mkdir(parents=True, exist_ok=True)
    cmd = [str(claude_bin), "-p", prompt]
    if plugin_dir is not None:
        cmd += ["--plugin-dir", str(plugin_dir)]
    cmd += ["--permission-mode", "acceptEdits", *extra_args]
    proc = subprocess.Popen(cmd, cwd=project_dir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=claude_env(api=api, home=home, project_dir=project_dir,
                                           extra_env=extra_env),
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"claude -p timed out after {timeout}s\ncmd: {cmd}\n"
                    f"stdout:\n{stdout}\nstderr:\n{stderr}\n"
                    f"requests: {[(r.method, r.path, r.kind) for r in api.requests]}",
                    pytrace=False)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    try:
        return claude_binary()
    except ClaudeInstallError as exc:
        if _in_ci():
            pytest.fail(f"CI=true but the Claude Code CLI is unavailable: {exc}", pytrace=False)
        pytest.skip(f"Claude Code CLI unavailable: {exc}")


@pytest.fixture(scope="session")
def taskmint_plugin_dir() -> Path:
    return REPO_ROOT


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropicAPI]:
    with FakeAnthropicAPI() as api:
        yield api


@pytest.fixture
def claude_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def project_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    PROJECTS_ROOT.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40].strip("-")
    path = PROJECTS_ROOT / f"{safe}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True, stdin=subprocess.DEVNULL)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def run_claude(claude_bin: Path, fake_api: FakeAnthropicAPI, claude_home: Path,
               project_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    defaults = {"project_dir": project_dir, "api": fake_api, "home": claude_home}

    def run(prompt: str, *, project_dir: Path | None = None, plugin_dir: Path | None = None,
            api: FakeAnthropicAPI | None = None, home: Path | None = None,
            extra_env: dict[str, str] | None = None, timeout: float = 120,
            extra_args: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        return run_claude_cli(
            prompt, claude_bin=claude_bin,
            project_dir=defaults["project_dir"] if project_dir is None else project_dir,
            plugin_dir=plugin_dir,
            api=defaults["api"] if api is None else api,
            home=defaults["home"] if home is None else home,
            extra_env=extra_env, timeout=timeout, extra_args=extra_args)

    return run
