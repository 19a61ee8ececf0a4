"""layout.use_venv_packages: what site.main() adds for a venv, in interpreters started with -E -S."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hook_helpers import PLUGIN_ROOT

_ADDED = ("import json, sys; sys.path[0] = sys.argv.pop(1); before = list(sys.path); "
          "from taskmint.plugin.layout import use_venv_packages; use_venv_packages(); "
          "print(json.dumps([p for p in sys.path if p not in before]))")
_SITE = "import json, site; print(json.dumps(site.getsitepackages()))"


def _run(python: Path | str, *args: str) -> list[str]:
    out = subprocess.run([str(python), *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_venv_gets_the_site_packages_site_gives_it(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wanted = [p for p in _run(python, "-c", _SITE) if Path(p).is_dir()]
    added = _run(python, "-E", "-S", "-c", _ADDED, str(PLUGIN_ROOT / "lib"))
    assert added == wanted and all(p.startswith(str(venv)) for p in added)


def test_an_interpreter_outside_a_venv_gets_site_itself(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.symlink_to(sys.executable)  # no pyvenv.cfg beside it, as in the tests' fake plugin data
    added = _run(python, "-E", "-S", "-c", _ADDED, str(PLUGIN_ROOT / "lib"))
    # what site itself gives that interpreter (sys.executable may be a venv's: this one is not)
    base = [p for p in _run(python, "-c", _SITE) if Path(p).is_dir()]
    assert base and set(base) <= set(added)
