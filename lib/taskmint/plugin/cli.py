"""Entry of ${CLAUDE_PLUGIN_DATA}/bin/taskmint, which provision writes to run

    venv/bin/python -E -S -c 'import sys; sys.path[0] = sys.argv.pop(1); ...' PLUGIN/lib ARGS

like the hooks: -E so that no PYTHON* variable of the user's shell reaches the plugin's
interpreter, -S so that a start does not pay for site (see layout.use_venv_packages).
"""
from __future__ import annotations

from taskmint import shortlived

shortlived.import_pathlib()  # before layout imports it

from taskmint.plugin.layout import use_venv_packages  # noqa: E402

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import NoReturn


def run() -> NoReturn:
    use_venv_packages()
    from taskmint.main import run

    run()
