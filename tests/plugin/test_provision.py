"""Provisioning the plugin's venv: real `python -m venv` and real pip, in real processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hook_helpers import PLUGIN_ROOT
from taskmint.plugin import provision

_ENSURE = """
import json, sys
from pathlib import Path
from taskmint.plugin import provision
outcome = provision.ensure(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"installed": outcome.installed}))
"""


@pytest.fixture
def plugin_root(tmp_path: Path) -> Path:
    root = tmp_path / "plugin"
    root.mkdir()
    shutil.copy(PLUGIN_ROOT / "requirements.txt", root / "requirements.txt")
    (root / "lib").symlink_to(PLUGIN_ROOT / "lib")
    return root


def _venv_python(data: Path) -> Path:
    return provision.venv_link(data) / "bin" / "python"


def _imports_work(data: Path) -> bool:
    proc = subprocess.run([str(_venv_python(data)), "-I", "-c", provision.PROBE], capture_output=True, timeout=60)
    return proc.returncode == 0


def test_build_then_reuse_then_rebuild_when_requirements_change(plugin_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = provision.ensure(plugin_root, data)
    assert first.installed and _imports_work(data)
    target = os.readlink(provision.venv_link(data))
    assert not os.path.isabs(target)  # the data directory can move
    # The venv is isolated from the interpreter that made it: no system site-packages.
    cfg = (data / target / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    cli = provision.cli_path(data)
    assert subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout.startswith("taskmint ")
    _cli_uses_the_venv_packages_and_ignores_pythonpath(cli, tmp_path)

    again = provision.ensure(plugin_root, data)
    assert not again.installed and os.readlink(provision.venv_link(data)) == target

    with open(plugin_root / "requirements.txt", "a") as f:
        f.write("# a plugin update changed this file\n")
    third = provision.ensure(plugin_root, data)
    new_target = os.readlink(provision.venv_link(data))
    assert third.installed and new_target != target and _imports_work(data)
    assert [p.name for p in (data / "envs").iterdir()] == [Path(new_target).name]  # the old venv is gone


def _cli_uses_the_venv_packages_and_ignores_pythonpath(cli: Path, tmp_path: Path) -> None:
    """bin/taskmint starts its venv's python with -E -S (no site): the packages still come from
    the venv, and a PYTHONPATH in the user's shell reaches neither the CLI nor its imports."""
    poison = tmp_path / "poison"
    for name in ("taskmint", "yaml", "filelock", "jsonschema"):
        (poison / name).mkdir(parents=True)
        (poison / name / "__init__.py").write_text("raise SystemExit('imported from PYTHONPATH')\n")
    env = {**os.environ, "PYTHONPATH": str(poison)}
    project = tmp_path / "project"
    project.mkdir()
    run = lambda *args: subprocess.run([str(cli), "--root", str(project), *args], capture_output=True, text=True,
                                       timeout=60, env=env)
    assert run("init", "--jira", "PROJ", "--no-commands").returncode == 0
    # A block list is not flat: yaml (from the venv) reads it, and filelock guards the lock.
    (project / "tasks" / "backlog" / "hand.md").write_text("---\ntitle: By hand\ntags:\n  - a\n  - b\n---\n")
    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [t["tags"] for t in json.loads(listed.stdout)["tasks"]] == [["a", "b"]]
    created = run("create", "Through the launcher")
    assert created.returncode == 0 and "PROJ-1" in created.stdout, created.stderr
    probe = "import sys; sys.path[0] = sys.argv.pop(1); from taskmint.plugin import layout; layout.use_venv_packages(); " \
            "import yaml, filelock, jsonschema; print(yaml.__file__)"
    python = cli.parent.parent / "venv" / "bin" / "python"
    out = subprocess.run([str(python), "-E", "-S", "-c", probe, str(PLUGIN_ROOT / "lib")], capture_output=True,
                         text=True, timeout=60, env=env)
    assert out.returncode == 0 and out.stdout.startswith(str(cli.parent.parent / "venv")), out.stderr


def test_concurrent_sessions_build_one_venv(plugin_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(PLUGIN_ROOT / "lib")}
    procs = [subprocess.Popen([sys.executable, "-c", _ENSURE, str(plugin_root), str(data)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out)["installed"])
    assert sorted(results) == [False, False, True]
    assert len(list((data / "envs").iterdir())) == 1 and _imports_work(data)


def test_pip_failure_is_one_line_and_publishes_nothing(plugin_root: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TASKMINT_PIP_ARGS", "--no-index")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    data = tmp_path / "data"
    with pytest.raises(provision.ProvisionError) as raised:
        provision.ensure(plugin_root, data)
    message = str(raised.value)
    assert message.startswith("installing pyyaml, filelock and jsonschema with pip failed (ERROR: ")
    assert "TASKMINT_PIP_ARGS" in message and "\n" not in message
    assert not os.path.lexists(provision.venv_link(data)) and not provision.cli_path(data).exists()
    assert list((data / "envs").iterdir()) == []  # the half-built venv is gone


def _fake_python(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-python"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_too_old_python_is_refused(plugin_root: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, 'echo "3 9"\n')
    with pytest.raises(provision.ProvisionError, match=r"is Python 3\.9, and taskmint needs 3\.11 or newer; "):
        provision.ensure(plugin_root, tmp_path / "data", python)


def test_missing_venv_module_names_the_fix(plugin_root: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, 'if [ "$3" = venv ]; then echo "No module named venv" >&2; exit 1; fi\necho "3 12"\n')
    with pytest.raises(provision.ProvisionError) as raised:
        provision.ensure(plugin_root, tmp_path / "data", python)
    assert str(raised.value) == (
        f"creating a venv with {python} failed (No module named venv); install Python's venv module (on "
        "Debian/Ubuntu: apt install python3-venv) or set TASKMINT_PYTHON to a Python that has it, then start a new session")


def test_waiting_for_a_stuck_provisioner_gives_up_with_a_message(plugin_root: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('locked', flush=True); time.sleep(60)", str(data / "provision.lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        monkeypatch.setattr(provision, "LOCK_WAIT", 0.5)
        with pytest.raises(provision.ProvisionError, match="another session has been installing"):
            provision.ensure(plugin_root, data)
    finally:
        holder.kill()
        holder.wait()


def test_published_venv_with_a_vanished_interpreter_is_not_ready(plugin_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    want = provision.requirements_hash(plugin_root)
    env_dir = data / "envs" / f"{want}-1"
    (env_dir / "bin").mkdir(parents=True)
    (env_dir / "bin" / "python").symlink_to(tmp_path / "uninstalled-python")
    provision.venv_link(data).symlink_to(os.path.relpath(env_dir, data))
    assert not provision.ready(data, want)
    (env_dir / "bin" / "python").unlink()
    (env_dir / "bin" / "python").symlink_to(sys.executable)
    assert provision.ready(data, want) and not provision.ready(data, "0" * 16)
