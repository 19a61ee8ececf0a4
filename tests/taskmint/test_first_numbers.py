"""A crash during the first create of a project without state (a fresh worktree) must leave
state that loads: found by tests/stress/test_crash.py (kill -9 in the second worktree), fixed
in assign.assign (the mapping is written before the first numbers)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from taskmint import service, state
from taskmint.project import find_project
from taskmint.transaction import transaction

# Dies like kill -9 (os._exit: no cleanup) while writing the first task file: after the
# numbers were saved, before the mapping was.
DIE_IN_TASK_WRITE = textwrap.dedent("""
    import os, sys
    from taskmint import atomic, service
    from taskmint.project import find_project
    real = atomic.write_atomic
    def write_atomic(path, data, **kw):
        if path.suffix == ".md":
            os._exit(9)
        return real(path, data, **kw)
    atomic.write_atomic = write_atomic
    service.create(find_project(sys.argv[1]), "first task")
""")


def test_a_crash_in_the_first_create_leaves_state_that_loads(tmp_path, subprocess_env):
    root = tmp_path / "fresh"
    root.mkdir()
    project = find_project(str(root))
    service.init(project, "PROJ", None, True, False, False)
    for name in (project.mapping_path, project.counters_path):
        name.unlink()  # a worktree that has the config (committed) but never had state
        name.with_name(name.name + ".bak").unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", DIE_IN_TASK_WRITE, str(root)], env=subprocess_env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    assert project.counters_path.exists()  # the numbers were recorded before the crash
    with transaction(project) as txn:  # raised StateError: mapping missing while the counters exist
        assert txn.state.mappings == {}
    loaded = state.load(project)
    assert loaded.counters["jira"] == {"PROJ": 1}
    assert service.create(project, "second")["external_ids"]["jira"] == "PROJ-2"  # 1 stays a gap
