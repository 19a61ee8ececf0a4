"""Tracker-backed tools through the real CLI against the loopback fakes: create, pending,
sync, complete, link, and the errors a user can act on."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from helpers import LIB, assert_recorded, mapping, outbox, task_files


def _json(proc):
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_create_records_the_keys_the_trackers_return(tm, tracked, github, jira):
    root = tracked(linear=True)
    task = _json(tm("create", "Fix login\nwith a second line", "--json", root=root))
    assert task["external_ids"] == {"linear": "ENG-1", "github": "#1", "jira": "PROJ-1"}
    assert "pending" not in task
    assert task["external_urls"]["jira"] == f"{jira.url}/browse/PROJ-1"
    assert task["external_urls"]["github"] == github.issues[1]["html_url"]
    # the marker: a whole line in the GitHub body, a label and a line of the ADF description in Jira
    assert f"taskmint: {task['id']}" in github.issues[1]["body"].splitlines()
    assert github.issues[1]["title"] == "Fix login"
    issue = jira.issues["PROJ-1"]
    assert f"taskmint:{task['id']}" in issue["fields"]["labels"]
    assert issue["fields"]["description"]["type"] == "doc"
    assert issue["fields"]["summary"] == "Fix login"
    # the task file keeps the full title; the mapping has the tracker's keys
    assert task_files(root)[task["id"]]["title"] == "Fix login\nwith a second line"
    assert mapping(root)[task["id"]] == {"linear": "ENG-1", "github": "#1", "jira": "PROJ-1"}
    shown = tm("show", task["id"], root=root)
    assert f"jira: {jira.url}/browse/PROJ-1" in shown.stdout
    # the tracker's numbers are not counted locally: another project's issues exist too
    github.issues[2] = {**github.issues[1], "number": 2, "body": "someone else's"}
    second = _json(tm("create", "Second", "--json", root=root))
    assert second["external_ids"]["github"] == "#3"


def test_init_flags_write_a_tracker_config(tm, tmp_path, github, jira):
    root = tmp_path / "p"
    root.mkdir()
    proc = tm("init", "--github-repo", github.repo, "--github-api-url", github.url,
              "--jira", "PROJ", "--jira-url", jira.url, "--jira-issue-type", "Bug", root=root)
    assert proc.returncode == 0, proc.stderr
    task = _json(tm("create", "from init", "--json", root=root))
    assert task["external_ids"] == {"github": "#1", "jira": "PROJ-1"}
    assert jira.issues["PROJ-1"]["fields"]["issuetype"]["name"] == "Bug"


def test_github_flag_alone_keeps_local_numbering(tm, tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    assert tm("init", "--github", root=root).returncode == 0
    task = _json(tm("create", "local", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}))
    assert task["external_ids"] == {"github": "#1"} and "pending" not in task


def test_offline_create_is_pending_and_sync_pushes_it(tm, tracked, github, jira):
    root = tracked()
    offline = {"TASKMINT_OFFLINE": "1"}
    created = tm("create", "Later", "--json", root=root, env=offline)
    task = _json(created)
    assert task["pending"] == ["github", "jira"] and task["external_ids"] == {}
    assert "left pending" in created.stderr
    assert github.seen == [] and jira.seen == []
    assert _json(tm("show", task["id"], "--json", root=root))["pending"] == ["github", "jira"]
    listed = _json(tm("list", "--json", root=root))["tasks"]
    assert listed[0]["pending"] == ["github", "jira"]
    assert "pending: github, jira" in tm("show", task["id"], root=root).stdout
    assert tm("sync", root=root, env=offline).returncode == 1
    synced = tm("sync", "--json", root=root)
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["pending"] == []
    assert "pending" not in _json(tm("show", task["id"], "--json", root=root))
    assert_recorded(root, github, jira)
    again = tm("sync", root=root)
    assert again.returncode == 0 and again.stdout.strip() == "nothing pending"


def test_next_create_retries_pending_work(tm, tracked, github, jira):
    root = tracked()
    first = _json(tm("create", "while offline", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}))
    _json(tm("create", "online again", "--json", root=root))
    assert outbox(root) == {}
    assert first["id"] in task_files(root)
    assert_recorded(root, github, jira)


@pytest.mark.parametrize("fault", ["500", "lose", "slow", "429-short", "429-long", "403-ratelimit"])
def test_faults_then_sync_leave_exactly_one_issue_per_task(tm, tracked, github, jira, fault):
    root = tracked()
    env = {"TASKMINT_TRACKER_TIMEOUT": "3"}
    for fake in (github, jira):
        path = r"/issues$" if fake is github else r"/rest/api/3/issue$"
        if fault == "500":
            fake.fault("POST", path, "500", count=100)  # every try of the create fails
        elif fault == "lose":
            fake.fault("POST", path, "lose", count=2)  # created, the answer never arrives
        elif fault == "slow":
            fake.fault("POST", path, "hold", count=1)  # created, the answer comes after the timeout
            env["TASKMINT_TRACKER_TIMEOUT"] = "1"
        elif fault == "429-short":
            fake.fault("POST", path, "429", retry_after=1)  # waited out within the budget
            env["TASKMINT_TRACKER_TIMEOUT"] = "10"  # room for both waits on a loaded machine
        elif fault == "429-long":
            fake.fault("POST", path, "429", count=5, retry_after=3600)
        elif fault == "403-ratelimit" and fake is github:
            import time
            fake.fault("POST", path, "403-ratelimit", reset=time.time() + 3600)
    created = [tm("create", f"task {n}", "--json", root=root, env=env) for n in range(2)]
    for proc in created:
        assert proc.returncode == 0, proc.stderr  # a task file was made: never a failure
    if fault in ("429-long", "403-ratelimit"):
        line = created[0].stderr
        assert "rate limit reached; retry after" in line and "Traceback" not in line
        # the rate limit ends: simulate the hour passing by moving the recorded retry time
        box = root / ".claude" / "state" / "tracker_outbox.json"
        data = json.loads(box.read_text())
        for tools in data["tasks"].values():
            for entry in tools.values():
                entry["retry_at"] = 0
        box.write_text(json.dumps(data))
    for fake in (github, jira):  # the tracker recovers
        fake.faults.clear()
    github.release()
    jira.release()
    if fault == "slow":
        assert github.held_done.wait(60) and jira.held_done.wait(60)
    synced = tm("sync", root=root)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert len(task_files(root)) == 2
    assert_recorded(root, github, jira)
    assert len(github.issues) == 2 and len(jira.issues) == 2


def test_jira_search_lag_never_leads_to_a_second_issue(tm, tracked, github, jira):
    """After an uncertain create, an empty search proves nothing until the settle time has
    passed: taskmint leaves the task pending instead of creating again."""
    root = tracked(use_github=False)
    jira.fault("POST", r"/rest/api/3/issue$", "lose")
    jira.index_lag = True
    env = {"TASKMINT_TRACKER_SETTLE": "3600"}
    task = _json(tm("create", "lagging", "--json", root=root, env=env))
    assert task["pending"] == ["jira"]
    again = tm("sync", root=root, env=env)
    assert again.returncode == 1 and "no second issue before" in again.stdout
    assert len(jira.issues) == 1
    jira.index_lag = False
    assert tm("sync", root=root, env=env).returncode == 0
    assert len(jira.issues) == 1
    assert task_files(root)[task["id"]]["external_ids"]["jira"] == "PROJ-1"


def test_complete_closes_the_issues(tm, tracked, github, jira):
    root = tracked()
    task = _json(tm("create", "to finish", "--json", root=root))
    done = tm("complete", task["id"], "--json", root=root)
    assert "pending" not in _json(done)
    assert github.issues[1]["state"] == "closed" and github.issues[1]["state_reason"] == "completed"
    # the transition is chosen by its target's status category, not by a name like "Done"
    assert jira.issues["PROJ-1"]["fields"]["status"]["statusCategory"]["key"] == "done"
    assert jira.issues["PROJ-1"]["fields"]["status"]["name"] == "Shipped"


def test_complete_while_unreachable_closes_on_sync(tm, tracked, github, jira):
    root = tracked()
    offline = {"TASKMINT_OFFLINE": "1"}
    a = _json(tm("create", "created online", "--json", root=root))
    b = _json(tm("create", "created offline", "--json", root=root, env=offline))
    for t in (a, b):
        assert _json(tm("complete", t["id"], "--json", root=root, env=offline))["pending"] == ["github", "jira"]
    assert github.issues[1]["state"] == "open"
    assert tm("sync", root=root).returncode == 0
    assert [i["state"] for i in github.issues.values()] == ["closed", "closed"]
    assert {i["fields"]["status"]["statusCategory"]["key"] for i in jira.issues.values()} == {"done"}
    assert_recorded(root, github, jira)


def test_link_attaches_an_existing_issue_and_refuses_a_taken_key(tm, tracked, github, jira):
    root = tracked()
    offline = {"TASKMINT_OFFLINE": "1"}
    a = _json(tm("create", "made online", "--json", root=root))
    b = _json(tm("create", "to be linked", "--json", root=root, env=offline))
    # an issue someone opened by hand
    github.issues[2] = {**github.issues[1], "number": 2, "body": "by hand", "html_url": "https://github.example/x/2"}
    jira.issues["PROJ-2"] = {**jira.issues["PROJ-1"], "key": "PROJ-2", "fields": {
        **jira.issues["PROJ-1"]["fields"], "labels": []}}
    taken = tm("link", b["id"], "github:1", root=root)
    assert taken.returncode == 1 and f"already belongs to {a['id']}" in taken.stderr
    missing = tm("link", b["id"], "github:99", root=root)
    assert missing.returncode == 1 and "404" in missing.stderr and "Traceback" not in missing.stderr
    linked = _json(tm("link", b["id"], "github:2", "--json", root=root))
    assert linked["external_ids"]["github"] == "#2" and linked["pending"] == ["jira"]
    assert _json(tm("link", b["id"], "jira:PROJ-2", "--json", root=root)).get("pending") is None
    assert tm("sync", root=root).returncode == 0
    assert len(github.issues) == 2 and len(jira.issues) == 2  # nothing created for the linked task
    assert mapping(root)[b["id"]] == {"github": "#2", "jira": "PROJ-2"}
    wrong = tm("link", b["id"], "linear:ENG-1", root=root)
    assert wrong.returncode == 2 and "tracker-backed" in wrong.stderr


def test_errors_name_the_variable_or_the_repo(tm, tracked, github, jira, tmp_path):
    root = tracked()
    proc = tm("create", "bad token", root=root, env={"GH_TOKEN": "wrong", "JIRA_API_TOKEN": "wrong"})
    assert proc.returncode == 0  # the task exists, pending
    assert "GitHub refused the token in GH_TOKEN (401" in proc.stderr
    assert "Jira refused the credentials in JIRA_EMAIL/JIRA_API_TOKEN (401)" in proc.stderr
    assert "Traceback" not in proc.stderr and "wrong" not in proc.stderr
    none = tm("sync", root=root, env={"GH_TOKEN": "", "JIRA_API_TOKEN": ""})
    assert none.returncode == 1 and "set GH_TOKEN or GITHUB_TOKEN" in none.stdout
    github.repo = "acme/other"
    proc = tm("sync", root=root)
    assert proc.returncode == 1 and "no repository acme/app" in proc.stdout
    github.repo = "acme/app"
    assert tm("sync", root=root).returncode == 0
    assert_recorded(root, github, jira)


def test_jira_bearer_pat_when_no_email_is_set(tm, tracked, github, jira):
    root = tracked(use_github=False)
    jira.email = None  # Data Center: a personal access token
    task = _json(tm("create", "pat", "--json", root=root, env={"JIRA_EMAIL": ""}))
    assert task["external_ids"] == {"jira": "PROJ-1"}
    assert jira.seen[-1].headers["authorization"].startswith("Bearer ")


def test_fake_jira_rejects_a_plain_string_description(jira):
    import base64
    body = {"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "x",
                       "description": "plain text"}}
    req = urllib.request.Request(f"{jira.url}/rest/api/3/issue", data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{jira.email}:{jira.token}".encode()).decode())
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 400
    assert "Atlassian Document" in json.loads(e.value.read())["errors"]["description"]


def test_no_authorization_after_a_redirect_to_another_host(tm, tracked, github, jira):
    from fake_github import FakeGitHub

    with FakeGitHub(token="other") as elsewhere:
        root = tracked(use_jira=False)
        github.fault("POST", r"/issues$", "redirect", location=elsewhere.url)
        proc = tm("create", "redirected", "--json", root=root)
        assert proc.returncode == 0
        assert "does not send the token to another host" in proc.stderr
        assert all("authorization" not in s.headers for s in elsewhere.seen)


@pytest.mark.parametrize("url", ["http://tracker.example.invalid", "https://user:pw@tracker.example.invalid"])
def test_plain_http_or_credentials_in_the_url_are_refused(tm, tmp_path, url):
    root = tmp_path / "p"
    (root / ".claude").mkdir(parents=True)
    (root / ".claude" / "taskmint.yaml").write_text(
        f"version: 1\npm_tools:\n  github:\n    repo: acme/app\n    api_url: {url}\n")
    proc = tm("create", "x", root=root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pm_tools/github/api_url" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (root / "tasks").exists() or not list((root / "tasks").rglob("*.md"))


def test_pending_work_copied_to_another_clone_is_looked_up_first(tm, tracked, github, jira, tmp_path):
    import shutil

    root = tracked()
    task = _json(tm("create", "copied", "--json", root=root, env={"TASKMINT_OFFLINE": "1"}))
    assert (root / ".claude" / "state" / ".gitignore").read_text().splitlines()[1] == "tracker_outbox.json"
    clone = tmp_path / "clone"
    shutil.copytree(root, clone)  # as if the outbox had been committed and pulled
    assert tm("sync", root=root).returncode == 0
    assert tm("sync", root=clone).returncode == 0
    assert len(github.issues) == 1 and len(jira.issues) == 1
    assert task_files(clone)[task["id"]]["external_ids"] == {"github": "#1", "jira": "PROJ-1"}


def test_the_network_never_holds_the_lock(tm, tracked, github, jira, tracker_env, subprocess_env):
    import os
    import subprocess
    import sys

    root = tracked()
    github.fault("POST", r"/issues$", "hold-before")  # GitHub keeps the first create waiting
    env = {**subprocess_env, **tracker_env, "PYTHONPATH": LIB}
    slow = subprocess.Popen([sys.executable, "-m", "taskmint.main", "--root", str(root), "create", "slow", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert github.in_flight.wait(60)
        fast = tm("create", "fast", "--json", root=root, env={"TASKMINT_LOCK_TIMEOUT": "5"})
        # done, with its issue, while the first create still waits on GitHub
        assert not github.held_done.is_set()
        assert _json(fast)["external_ids"] == {"github": "#1", "jira": "PROJ-1"}
    finally:
        github.release()
        out, err = slow.communicate(timeout=60)
    assert slow.returncode == 0, err
    assert json.loads(out)["external_ids"]["github"] == "#2"
    assert_recorded(root, github, jira)


def test_a_bad_timeout_is_refused_before_anything_is_created(tm, tracked, github, jira):
    root = tracked()
    proc = tm("create", "x", root=root, env={"TASKMINT_TRACKER_TIMEOUT": "soon"})
    assert proc.returncode == 1 and "TASKMINT_TRACKER_TIMEOUT='soon' is not a number" in proc.stderr
    assert task_files(root) == {} and github.seen == []
