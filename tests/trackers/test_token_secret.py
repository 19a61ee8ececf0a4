"""The tokens never leave the environment: not in any file taskmint wrote, nor in anything it
printed, whatever happened (errors, redirects, --json, doctor)."""
from __future__ import annotations

import base64
from conftest import GH_TOKEN, JIRA_EMAIL, JIRA_TOKEN
from fake_github import FakeGitHub


def test_no_token_in_any_file_or_output(tmp_path, tm, tracked, github, jira):
    root = tracked(linear=True)
    printed: list[str] = []

    def run(*args: str, **env: str) -> None:
        proc = tm(*args, root=root, env=env or None)
        printed.extend([proc.stdout, proc.stderr])

    run("create", "plain", "--json")
    run("create", "offline", "--json", TASKMINT_OFFLINE="1")
    for fake, path in ((github, r"/issues$"), (jira, r"/rest/api/3/issue$")):
        fake.fault("POST", path, "500", count=10)
    run("create", "failing", "--json")
    with FakeGitHub(token="x") as elsewhere:
        github.faults.clear()
        github.fault("GET", r"/issues$", "redirect", location=elsewhere.url)
        run("sync")
        run("sync", "--json")
        assert all("authorization" not in s.headers for s in elsewhere.seen)
    github.faults.clear()
    jira.faults.clear()
    run("create", "wrong token", GH_TOKEN=GH_TOKEN + "-old", JIRA_API_TOKEN=JIRA_TOKEN + "-old")
    run("sync", "--json")
    run("list", "--json")
    run("show", "ENG-1", "--json")
    run("complete", "ENG-1", "--json")
    run("link", "ENG-2", "github:1")
    run("doctor", "--json")
    run("doctor", "--fix")
    run("sync")

    secrets = [GH_TOKEN, JIRA_TOKEN, base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # the project and everything beside it
    assert {"external_id_mapping.json", "taskmint.yaml"} <= {p.name for p in written}
    for secret in secrets:
        for path in written:
            assert secret.encode() not in path.read_bytes(), path
        for text in printed:
            assert secret not in text
    # the requests really carried them (the test would prove nothing otherwise)
    assert any(s.headers.get("authorization") == f"Bearer {GH_TOKEN}" for s in github.seen)
    assert any(s.headers.get("authorization") == f"Basic {secrets[2]}" for s in jira.seen)
