"""Many OS processes in two git worktrees create tracker-backed tasks at once and complete
some, while the fakes fail now and then: no duplicate issue, every key recorded once,
nothing pending at the end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import write_config
from helpers import LIB, mapping, outbox, task_files

STRESS = Path(__file__).resolve().parents[1] / "stress"
sys.path.insert(0, str(STRESS))
from projects import git  # noqa: E402

PROCESSES = 6
EACH = 4

# One OS process: EACH creates through the CLI's own code, completing every other task.
WORKER = """
import contextlib, io, json, sys
from taskmint.main import main
root, n = sys.argv[1], int(sys.argv[2])
sys.stdin.read()  # every worker starts at once
for i in range(n):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--root", root, "create", f"worker task {i}", "--json"])
    assert code == 0, code
    task = json.loads(out.getvalue())
    if i % 2 == 0:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--root", root, "complete", task["id"]]) == 0
"""


def test_many_processes_two_worktrees_one_issue_each(tmp_path, tm, github, jira, tracker_env, subprocess_env):
    main_wt = tmp_path / "repo"
    main_wt.mkdir()
    git(main_wt, "init", "-q", "-b", "main")
    write_config(main_wt, github, jira)
    git(main_wt, "add", ".claude/taskmint.yaml")
    git(main_wt, "commit", "-q", "-m", "config")
    second = tmp_path / "second"
    git(main_wt, "worktree", "add", "-q", "-b", "second", str(second))
    write_config(second, github, jira)
    # the trackers misbehave during the run
    for fake, path in ((github, r"/issues$"), (jira, r"/rest/api/3/issue$")):
        fake.fault("POST", path, "500", count=3)
        fake.fault("POST", path, "lose", count=3)
    env = {**subprocess_env, **tracker_env, "PYTHONPATH": LIB, "TASKMINT_TRACKER_TIMEOUT": "5"}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(main_wt if n % 2 else second), str(EACH)],
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for n in range(PROCESSES)]
    for proc in procs:
        proc.stdin.close()
    for proc in procs:
        assert proc.wait(300) == 0, proc.stderr.read()
    for root in (main_wt, second):
        synced = tm("sync", root=root)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert outbox(root) == {}
    files = {**task_files(main_wt), **task_files(second)}
    assert len(files) == PROCESSES * EACH
    # one issue per task, in each tracker
    gh_markers = Counter(line for i in github.issues.values() for line in i["body"].splitlines()
                         if line.startswith("taskmint: "))
    jira_labels = Counter(label for i in jira.issues.values() for label in i["fields"]["labels"]
                          if label.startswith("taskmint:"))
    assert len(github.issues) == len(jira.issues) == len(files)
    assert set(gh_markers.values()) == {1} and set(jira_labels.values()) == {1}
    # every key recorded once, on the task whose marker its issue carries
    for tool in ("github", "jira"):
        keys = [meta["external_ids"][tool] for meta in files.values()]
        assert len(set(keys)) == len(keys)
    maps = {**mapping(main_wt), **mapping(second)}
    for task_id, meta in files.items():
        number = int(meta["external_ids"]["github"].lstrip("#"))
        assert f"taskmint: {task_id}" in github.issues[number]["body"].splitlines()
        assert f"taskmint:{task_id}" in jira.issues[meta["external_ids"]["jira"]]["fields"]["labels"]
        assert maps[task_id] == {"github": meta["external_ids"]["github"], "jira": meta["external_ids"]["jira"]}
        done = meta["status"] == "completed"
        assert (github.issues[number]["state"] == "closed") == done
        assert (jira.issues[meta["external_ids"]["jira"]]["fields"]["status"]["statusCategory"]["key"]
                == "done") == done
    assert sum(m["status"] == "completed" for m in files.values()) == PROCESSES * ((EACH + 1) // 2)
    doctor = tm("doctor", "--json", root=main_wt)
    assert doctor.returncode == 0 and json.loads(doctor.stdout)["problems"] == [], doctor.stdout + doctor.stderr
