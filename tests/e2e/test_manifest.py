"""The plugin manifests pass Claude Code's own validator, the plugin-directory profile included."""

from __future__ import annotations

import json
import struct
import subprocess
import tomllib
from pathlib import Path

import pytest

from cli import PINNED_VERSION, REPO_ROOT

PLUGIN_JSON = REPO_ROOT / ".claude-plugin" / "plugin.json"
MARKETPLACE_JSON = REPO_ROOT / ".claude-plugin" / "marketplace.json"
ICON = REPO_ROOT / ".claude-plugin" / "icon.png"


def validate(claude_bin: Path, target: Path, home: Path, *flags: str) -> dict:
    proc = subprocess.run(
        [str(claude_bin), "plugin", "validate", str(target), "--strict", "--json", *flags],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "DISABLE_AUTOUPDATER": "1",
             "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "NO_COLOR": "1"},
    )
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"validate printed no JSON (exit {proc.returncode}):\n{proc.stdout}\n"
                    f"{proc.stderr}", pytrace=False)
    report["_exit"] = proc.returncode
    return report


def problems(report: dict, *, directory_profile: bool = True) -> list:
    """Every error and warning in a validate report, and its plugin-directory findings.

    Without ``--profile`` the directory findings are advisory (the exit code ignores them), so
    ``directory_profile=False`` leaves them out.
    """
    found = []
    for section in [report.get("manifest") or {}, *(report.get("contents") or [])]:
        for kind in ("errors", "warnings"):
            found += [(section.get("file"), kind, item) for item in section.get(kind) or []]
    if not directory_profile:
        return found
    directory = report.get("directory") or {}
    found += [("directory", "finding", item) for item in directory.get("findings") or []]
    found += [("directory", "undecided", item) for item in directory.get("undecided") or []]
    if directory.get("failure"):
        found.append(("directory", "failure", directory["failure"]))
    return found


def assert_clean(report: dict, *, directory_profile: bool = True) -> None:
    detail = json.dumps(report, indent=1)[:6000]
    assert problems(report, directory_profile=directory_profile) == [], detail
    assert report["success"] is True and report["_exit"] == 0, detail


def test_repo_root_passes_directory_profile_strict(claude_bin, claude_home) -> None:
    report = validate(claude_bin, REPO_ROOT, claude_home, "--profile", "directory")
    assert_clean(report)
    assert report["directory"]["incomplete"] is False


@pytest.mark.parametrize("manifest", [PLUGIN_JSON, MARKETPLACE_JSON], ids=lambda p: p.name)
def test_manifest_file_passes_strict(claude_bin, claude_home, manifest: Path) -> None:
    report = validate(claude_bin, manifest, claude_home)
    assert_clean(report, directory_profile=False)
    assert report["manifest"]["type"] == ("plugin" if manifest == PLUGIN_JSON else "marketplace")


def test_manifests_agree() -> None:
    plugin = json.loads(PLUGIN_JSON.read_text(encoding="utf-8"))
    market = json.loads(MARKETPLACE_JSON.read_text(encoding="utf-8"))
    [entry] = market["plugins"]
    assert plugin["name"] == entry["name"] == "taskmint"
    assert entry["source"] == "./"
    assert plugin["version"] == entry["version"]
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.exists():
        assert tomllib.loads(pyproject.read_text())["project"]["version"] == plugin["version"]
    assert plugin["license"] == "MIT" and (REPO_ROOT / "LICENSE").is_file()


def test_icon_is_square_png_within_limits() -> None:
    data = ICON.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height and 512 <= width <= 2048
    assert len(data) < 2 * 1024 * 1024


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_manifest_declares_the_oldest_claude_code_and_every_host(claude_bin, claude_home) -> None:
    plugin = json.loads(PLUGIN_JSON.read_text(encoding="utf-8"))
    # the oldest release on which the plugin's e2e suite passes (README, "Claude Code versions")
    assert plugin["engines"] == {"claude-code": ">=2.1.226"}
    assert _version("2.1.226") <= _version(PINNED_VERSION)
    hosts = {"pypi.org", "files.pythonhosted.org", "api.github.com", "*.atlassian.net"}
    assert set(plugin["network"]["hosts"]) == hosts
    report = validate(claude_bin, REPO_ROOT, claude_home)
    assert_clean(report, directory_profile=False)
    named = {h["host"]: h["sources"] for h in report["hosts"]["named"]}
    assert set(named) == hosts and all(s == [{"type": "declared"}] for s in named.values())
    assert report["hosts"]["declared"]["plugin"] is True  # no "Hosts not declared"
