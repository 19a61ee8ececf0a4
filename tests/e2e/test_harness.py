"""The end-to-end harness itself: the real Claude Code CLI against the scripted fake API."""

from __future__ import annotations

import json
import sys
import textwrap
import urllib.request
from pathlib import Path

from fake_api import FakeAnthropicAPI

from cli import CLAUDE_CODE_VERSION

# A hook that appends its stdin (one JSON object) plus what it saw of its environment to
# $PROBE_LOG, then answers with additionalContext naming the event.
RECORDER = textwrap.dedent("""\
    import json, os, sys
    raw = sys.stdin.buffer.read()
    event = json.loads(raw)
    seen = {
        "raw": raw.decode("utf-8"),
        "cwd": os.getcwd(),
        "env": {k: os.environ.get(k) for k in (
            "CLAUDE_PROJECT_DIR", "CLAUDE_PLUGIN_ROOT", "CLAUDE_PLUGIN_DATA", "CLAUDECODE")},
    }
    with open(os.environ["PROBE_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps(seen, ensure_ascii=False) + "\\n")
    name = event["hook_event_name"]
    print(json.dumps({"hookSpecificOutput": {
        "hookEventName": name, "additionalContext": f"PROBE-CONTEXT-{name}"}}))
""")


def make_probe_plugin(root: Path, hooks: dict, commands: dict[str, str] | None = None) -> Path:
    """A throwaway plugin named ``probe`` with the recorder hook script and the given hooks."""
    (root / ".claude-plugin").mkdir(parents=True)
    (root / ".claude-plugin" / "plugin.json").write_text(
        json.dumps({"name": "probe", "version": "0.0.1", "description": "e2e probe"}))
    (root / "hooks").mkdir()
    (root / "hooks" / "record.py").write_text(RECORDER)
    (root / "hooks" / "hooks.json").write_text(json.dumps({"hooks": hooks}))
    for name, text in (commands or {}).items():
        (root / "commands").mkdir(exist_ok=True)
        (root / "commands" / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def recorder_hook(matcher: str) -> list[dict]:
    return [{"matcher": matcher, "hooks": [{
        "type": "command", "command": sys.executable,
        "args": ["${CLAUDE_PLUGIN_ROOT}/hooks/record.py"], "timeout": 20}]}]


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- the fake API on its own ------------------------------------------------------------------

def _post(api: FakeAnthropicAPI, path: str, body: dict) -> tuple[str, bytes]:
    req = urllib.request.Request(api.base_url + path, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers.get("content-type", ""), resp.read()


def test_fake_api_side_requests_do_not_consume_turns() -> None:
    with FakeAnthropicAPI(["first", {"tool": "Write", "input": {"file_path": "/x", "content": "y"}}]) as api:
        tools = [{"name": "Write", "input_schema": {"type": "object"}}]
        ctype, raw = _post(api, "/v1/messages", {"model": "claude-haiku", "stream": False,
                                                 "messages": [{"role": "user", "content": "t"}]})
        assert ctype == "application/json"
        assert json.loads(raw)["content"] == [{"type": "text", "text": "ok"}]
        ctype, raw = _post(api, "/v1/messages?beta=true",
                           {"model": "m", "stream": True, "tools": tools, "messages": []})
        assert ctype == "text/event-stream"
        events = [line.split(": ", 1)[1] for line in raw.decode().splitlines()
                  if line.startswith("event: ")]
        assert events == ["message_start", "content_block_start", "content_block_delta",
                          "content_block_stop", "message_delta", "message_stop"]
        assert '"text": "first"' in raw.decode()
        _, raw = _post(api, "/v1/messages?beta=true",
                       {"model": "m", "stream": True, "tools": tools, "messages": []})
        text = raw.decode()
        assert '"input_json_delta"' in text and '"stop_reason": "tool_use"' in text
        partial = "".join(json.loads(line[6:])["delta"]["partial_json"]
                          for line in text.splitlines()
                          if line.startswith("data: ") and "input_json_delta" in line)
        assert json.loads(partial) == {"file_path": "/x", "content": "y"}
        _, raw = _post(api, "/v1/messages", {"model": "m", "stream": False, "tools": tools,
                                             "messages": []})
        assert json.loads(raw)["content"] == [{"type": "text", "text": "done"}]
        _, raw = _post(api, "/v1/messages/count_tokens?beta=true", {"messages": []})
        assert json.loads(raw)["input_tokens"] >= 1
        with urllib.request.urlopen(api.base_url + "/", timeout=10) as resp:
            assert resp.status == 200
        assert [r.kind for r in api.requests] == ["side", "main", "main", "main",
                                                  "count_tokens", "other"]
        assert [r.turn for r in api.main_requests] == [0, 1, None]


# -- the real CLI ------------------------------------------------------------------------------

def test_plain_text_reply_is_printed(run_claude, fake_api) -> None:
    fake_api.set_script(["Hello from the scripted model."])
    proc = run_claude("say hello")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Hello from the scripted model."
    [req] = fake_api.main_requests
    assert "say hello" in req.text_blocks("user")
    assert req.route == "/v1/messages" and req.body["stream"] is True
    assert {"Write", "Edit", "Read", "Bash"} <= set(req.tool_names)
    assert req.headers["User-Agent"].startswith(f"claude-cli/{CLAUDE_CODE_VERSION} ")
    assert req.headers["x-api-key"] == "test"
    assert fake_api.script_done


def test_write_tool_creates_file_and_result_goes_back(run_claude, fake_api, project_dir) -> None:
    target = project_dir / "notes" / "hello.md"
    content = "# Hello\n\nCafé ✓ \"quoted\" $(not run)\n"
    fake_api.set_script([
        {"tool": "Write", "input": {"file_path": str(target), "content": content}},
        "Wrote the note.",
    ])
    proc = run_claude("write a note")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Wrote the note."
    assert target.read_bytes() == content.encode("utf-8")
    first, second = fake_api.main_requests
    tool_use_id = first.reply["content"][0]["id"]
    [result] = second.tool_results()
    assert result["tool_use_id"] == tool_use_id
    assert result.get("is_error") is not True
    assert "File created successfully" in result["text"] and str(target) in result["text"]
    assert second.messages[-2]["content"][0]["name"] == "Write"


def test_post_tool_use_hook_gets_documented_payload(run_claude, fake_api, project_dir,
                                                    claude_home, tmp_path) -> None:
    plugin = make_probe_plugin(tmp_path / "plugin", {"PostToolUse": recorder_hook("Write")})
    log = tmp_path / "hook-log.jsonl"
    target = project_dir / "a.md"
    fake_api.set_script([
        {"tool": "Write", "input": {"file_path": str(target), "content": "one\n"}},
        "ok then",
    ])
    proc = run_claude("go", plugin_dir=plugin, extra_env={"PROBE_LOG": str(log)})
    assert proc.returncode == 0, proc.stderr
    [seen] = read_log(log)
    event = json.loads(seen["raw"])
    assert event["hook_event_name"] == "PostToolUse"
    assert event["tool_name"] == "Write"
    assert event["tool_input"] == {"file_path": str(target), "content": "one\n"}
    response = event["tool_response"]
    assert response["type"] == "create"
    assert response["filePath"] == str(target)
    assert response["content"] == "one\n"
    assert response["originalFile"] is None
    assert event["cwd"] == str(project_dir)
    assert event["permission_mode"] == "acceptEdits"
    assert event["session_id"] and event["transcript_path"].endswith(".jsonl")
    assert event["tool_use_id"] == fake_api.main_requests[0].reply["content"][0]["id"]
    assert seen["cwd"] == str(project_dir)
    assert seen["env"] == {
        "CLAUDE_PROJECT_DIR": str(project_dir),
        "CLAUDE_PLUGIN_ROOT": str(plugin),
        "CLAUDE_PLUGIN_DATA": str(claude_home / ".claude" / "plugins" / "data" / "probe-inline"),
        "CLAUDECODE": "1",
    }
    # The hook's additionalContext reaches the model on the next request.
    assert "PROBE-CONTEXT-PostToolUse" in fake_api.main_requests[1].text()
    assert "PROBE-CONTEXT-PostToolUse" not in fake_api.main_requests[0].text()


def test_user_prompt_expansion_hook_gets_args_byte_exact(run_claude, fake_api, project_dir,
                                                         claude_home, tmp_path) -> None:
    plugin = make_probe_plugin(
        tmp_path / "plugin",
        {"UserPromptExpansion": recorder_hook("probe:echo")},
        {"echo": "---\ndescription: Echo the arguments\ndisable-model-invocation: true\n---\n"
                 "ECHO-BEGIN $ARGUMENTS ECHO-END\n"},
    )
    log = tmp_path / "hook-log.jsonl"
    args = ("say \"hi\" and 'bye' $(touch pwned) `touch pwned2` ; touch pwned3 "
            "it's ünïcødé ✓ 日本語 \\n $HOME")
    fake_api.set_script(["echoed"])
    proc = run_claude(f"/probe:echo {args}", plugin_dir=plugin,
                      extra_env={"PROBE_LOG": str(log)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "echoed"
    [seen] = read_log(log)
    event = json.loads(seen["raw"])
    assert event["hook_event_name"] == "UserPromptExpansion"
    assert event["command_name"] == "probe:echo"
    assert event["command_args"] == args
    assert event["command_args"].encode("utf-8") == args.encode("utf-8")
    assert event["prompt"] == f"/probe:echo {args}"
    for root in (project_dir, plugin, claude_home):
        assert not list(root.rglob("pwned*")), f"a command ran under {root}"
    [req] = fake_api.main_requests
    assert f"ECHO-BEGIN {args} ECHO-END" in req.text()
    assert "PROBE-CONTEXT-UserPromptExpansion" in req.text()
