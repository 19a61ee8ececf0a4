"""kill -9 of taskmint while its request to the tracker is in flight, then sync: exactly one
issue per task, and the task holds its key."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from helpers import LIB, assert_recorded, outbox, task_files


@pytest.mark.parametrize("tracker", ["github", "jira"])
@pytest.mark.parametrize("when", ["hold", "hold-before"])  # killed after / before the tracker acted
def test_kill_during_create_then_sync_leaves_one_issue(tm, tracked, github, jira, tracker_env, subprocess_env,
                                                      tracker, when):
    root = tracked()
    fake = github if tracker == "github" else jira
    fake.fault("POST", r"/issues$" if tracker == "github" else r"/rest/api/3/issue$", when)
    env = {**subprocess_env, **tracker_env, "PYTHONPATH": LIB}
    proc = subprocess.Popen([sys.executable, "-m", "taskmint.main", "--root", str(root), "create", "killed"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fake.in_flight.wait(60), "the create never reached the fake"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    fake.release()  # the held request is acted on (if not yet) and answered to no one
    assert fake.held_done.wait(60)
    (task_id,) = task_files(root)  # the file was written before any request
    assert tracker in outbox(root)[task_id]
    shown = tm("show", task_id, "--json", root=root)
    assert tracker in shown.stdout and '"pending"' in shown.stdout
    synced = tm("sync", root=root)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert_recorded(root, github, jira)
    assert len(github.issues) == 1 and len(jira.issues) == 1


def test_kill_during_sync_then_sync_again(tm, tracked, github, jira, tracker_env, subprocess_env):
    root = tracked()
    assert tm("create", "offline first", root=root, env={"TASKMINT_OFFLINE": "1"}).returncode == 0
    github.fault("POST", r"/issues$", "hold")
    env = {**subprocess_env, **tracker_env, "PYTHONPATH": LIB}
    proc = subprocess.Popen([sys.executable, "-m", "taskmint.main", "--root", str(root), "sync"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert github.in_flight.wait(60)
        # while the first sync holds the task's claim, a second one leaves it alone
        busy = tm("sync", root=root)
        assert busy.returncode == 1 and "another taskmint process is pushing it" in busy.stdout
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(60)
    github.release()
    assert github.held_done.wait(60)
    assert tm("sync", root=root).returncode == 0
    assert_recorded(root, github, jira)
    assert len(github.issues) == 1
