"""The modules a verb loads, not its time: a heavy import that creeps back onto the create or
show path fails here (bench/bench.py measures the time)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Heavy, and not needed to issue IDs or to look one up (bench/bench.py measured each).
OFF_THE_PATH = ("yaml", "jsonschema", "referencing", "filelock", "asyncio", "dataclasses", "inspect", "typing", "tempfile",
                "shutil", "secrets", "argparse", "gettext", "locale", "taskmint.parser", "taskmint.doctor",
                "taskmint.doctor_scan", "taskmint.doctor_repair", "taskmint.migrate", "taskmint.merge",
                "taskmint.worktrees", "taskmint.commands.doctor", "taskmint.commands.migrate", "taskmint.commands.init")

# Also off a create's path: it reads no timestamp and writes yamltext.Timestamp (datetime cost
# 1.5 ms), and digests with _blake2 (hashlib loads OpenSSL, 2.5 ms).
OFF_THE_CREATE_PATH = ("datetime", "_datetime", "hashlib", "_hashlib", "math")

PROBE = """
import sys
started = set(sys.modules)  # what the interpreter's own start loaded (site-packages' .pth files too)
from taskmint import main
code = main.main(sys.argv[1:])
import json
print(json.dumps(sorted(set(sys.modules) - started)), file=sys.stderr)
sys.exit(code)
"""


def loaded(project, *args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, "--root", str(project.root), *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.splitlines()[-1]))


@pytest.mark.parametrize("args", [("create", "a task", "--tag", "x"), ("show", "PROJ-1"), ("list",)])
def test_a_verb_imports_nothing_heavy(project, args):
    from taskmint import service

    service.create(project, "first")
    found = loaded(project, *args)
    heavy = sorted(m for m in found if m in OFF_THE_PATH or m.split(".")[0] in OFF_THE_PATH)
    assert heavy == []
    if args[0] == "create":
        assert sorted(found & set(OFF_THE_CREATE_PATH)) == []
    else:  # a look-up issues nothing, and reads `created:` through _datetime (datetime.py cost 2 ms)
        assert {"taskmint.assign", "taskmint.sync", "datetime", "math"}.isdisjoint(found)
        assert "_datetime" in found
    assert f"taskmint.commands.{'list_tasks' if args[0] == 'list' else args[0]}" in found
    assert not {m for m in found if m.startswith("taskmint.commands.")} - {
        f"taskmint.commands.{'list_tasks' if args[0] == 'list' else args[0]}"}  # only its own verb's module


def test_help_still_lists_every_verb(project):
    from taskmint import main

    proc = subprocess.run([sys.executable, "-m", "taskmint.main", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for verb in main.COMMANDS:
        assert verb in proc.stdout


def test_a_check_loads_neither_the_repairs_nor_yaml(project):
    """`doctor` without --fix reads and reports: the writers, the transaction that issues
    numbers and the tracker machinery are --fix's (doctor_repair), and taskmint's own
    frontmatter is read without yaml."""
    from taskmint import service

    for n in range(3):
        service.create(project, f"task {n}")
    found = loaded(project, "doctor")
    assert {"taskmint.doctor", "taskmint.doctor_scan"} <= found
    heavy = {"taskmint.doctor_repair", "taskmint.assign", "taskmint.transaction", "taskmint.sync",
             "taskmint.folder_index", "yaml", "jsonschema", "dataclasses", "inspect", "typing", "tempfile"}
    assert sorted(found & heavy) == []


@pytest.mark.parametrize(("args", "expected"), [(("create", "a task"), "created TASK-"), (("show", "PROJ-1"), "TASK-")])
def test_the_plugin_cli_loads_no_urllib(project, args, expected):
    """bin/taskmint imports pathlib without urllib.parse and its ipaddress (shortlived.import_pathlib),
    and a project without trackers never needs them."""
    from pathlib import Path

    from taskmint import service
    from taskmint.plugin import provision

    service.create(project, "first")
    lib = str(Path(__file__).resolve().parents[2] / "lib")
    proc = subprocess.run([sys.executable, "-E", "-S", "-X", "importtime", "-c", provision.CLI_START, lib,
                           "--root", str(project.root), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    # importlib.import_module (main._modules) escapes -X importtime, so the verb shows by its output
    assert {"pathlib", "taskmint.config"} <= found and proc.stdout.startswith(expected)
    assert sorted(m for m in found if m.split(".")[0] in ("urllib", "ipaddress")) == []
