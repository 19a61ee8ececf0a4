"""The README's install instructions, run with the real Claude Code CLI: a marketplace added
from a local checkout, the plugin installed from it, and `claude plugin list` showing it
enabled. Offline: a local marketplace needs no network."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from cli import REPO_ROOT

PLUGIN = json.loads((REPO_ROOT / ".claude-plugin" / "plugin.json").read_text(encoding="utf-8"))


def checkout_copy(target: Path) -> Path:
    """The files a fresh clone would have (tracked, plus new files not ignored), without the
    caches of this one (tests/.cache holds the Claude Code CLI)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def claude(claude_bin: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(claude_bin), "plugin", *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "DISABLE_AUTOUPDATER": "1",
             "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1", "NO_COLOR": "1"},
    )


def test_install_from_a_local_checkout_enables_the_plugin(claude_bin: Path, tmp_path: Path) -> None:
    checkout = checkout_copy(tmp_path / "taskmint")
    home = tmp_path / "home"
    home.mkdir()
    added = claude(claude_bin, home, "marketplace", "add", str(checkout))
    assert added.returncode == 0, added.stdout + added.stderr
    installed = claude(claude_bin, home, "install", "taskmint@taskmint")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = claude(claude_bin, home, "list", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    plugins = {p["id"]: p for p in json.loads(listed.stdout)}
    assert plugins["taskmint@taskmint"]["enabled"] is True
    assert plugins["taskmint@taskmint"]["version"] == PLUGIN["version"]
    installed_at = Path(plugins["taskmint@taskmint"]["installPath"])
    assert (installed_at / "hooks" / "hooks.json").is_file() and (installed_at / "lib" / "taskmint").is_dir()
    human = claude(claude_bin, home, "list")
    assert "taskmint@taskmint" in human.stdout and "enabled" in human.stdout


def test_the_readme_gives_these_install_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "claude plugin marketplace add /path/to/your/taskmint/checkout" in readme
    assert "claude plugin install taskmint@taskmint" in readme
    # taskmint/taskmint is no GitHub repository: nothing may send users (or Claude Code) there
    for path in (REPO_ROOT / "README.md", REPO_ROOT / ".claude-plugin" / "plugin.json",
                 REPO_ROOT / ".claude-plugin" / "marketplace.json"):
        assert "taskmint/taskmint" not in path.read_text(encoding="utf-8"), path
