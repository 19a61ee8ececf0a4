"""A scripted Anthropic Messages API on loopback, for driving the real Claude Code CLI offline.

Start it, point the CLI at it with ``ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`` and any
``ANTHROPIC_API_KEY``, and the CLI's conversation runs on a fixed script instead of a model::

    with FakeAnthropicAPI([
        {"tool": "Write", "input": {"file_path": "/abs/notes/a.md", "content": "hi\\n"}},
        "All written.",
    ]) as api:
        subprocess.run([claude, "-p", "go"], env={..., "ANTHROPIC_BASE_URL": api.base_url})
        assert api.main_requests[1].tool_results()[0].get("is_error") is not True

Only the standard library is used.

Endpoints
---------
* ``POST /v1/messages?beta=true`` (the query string is ignored): the next scripted turn,
  as server-sent events when the body has ``"stream": true`` (``message_start``,
  ``content_block_start``/``content_block_delta``/``content_block_stop`` per block,
  ``message_delta``, ``message_stop``; text comes as ``text_delta``, tool input as
  ``input_json_delta`` split into two chunks), or as one JSON message otherwise.
* ``POST .../count_tokens``: ``{"input_tokens": N}`` with N a rough estimate.
* Any other ``POST``, ``GET`` or ``HEAD``: 200 with ``{}``.

Script
------
A list of turns, one per main-conversation request, in order. A turn is:

* a ``str``: one text block, ``stop_reason`` ``end_turn``;
* ``{"text": "..."}``: the same;
* ``{"tool": NAME, "input": {...}}`` (optional ``"id"``): one ``tool_use`` block,
  ``stop_reason`` ``tool_use``;
* a ``list`` of the above dicts/strings: several blocks in one assistant message (e.g. two
  parallel tool calls, or text followed by a tool call). ``stop_reason`` is ``tool_use`` when
  any block is a tool call.

When the script has run out every further main request gets the text ``final_text``
(``"done"`` by default), so the CLI's agent loop always ends.

Main requests versus side requests
----------------------------------
What Claude Code 2.1.328 sends (observed with this server, ``claude -p`` and
``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1``, in sessions using Write, Bash, hooks, slash
commands and the Agent tool):

* Every main-loop call is ``POST /v1/messages?beta=true`` with ``"stream": true``, the
  session model (``claude-opus-5-5`` unless ``--model`` says otherwise), the full tool list
  (``Agent``, ``Bash``, ``Edit``, ``Read``, ``Skill``, ``Write``, ...: 12 tools),
  ``max_tokens`` 128000, ``thinking``, ``context_management``, ``output_config``,
  ``metadata`` and a ``system`` list whose first block is a
  ``x-anthropic-billing-header: cc_version=2.1.328.xxx; cc_entrypoint=sdk-cli;`` line,
  followed by "You are a Claude agent, built on Anthropic's Claude Agent SDK." The messages
  end with a ``"role": "system"`` entry (environment, skills list, hook context, date); the
  typed prompt is its own text block in the first user message, after ``<system-reminder>``
  blocks (gitStatus, attribution). Headers: ``User-Agent: claude-cli/2.1.328 (external,
  sdk-cli)``, ``x-app: cli``, ``X-Claude-Code-Session-Id``, ``anthropic-version: 2023-06-01``,
  ``anthropic-beta: claude-code-20250219,...`` and ``x-api-key``.
* A sub-agent started by the ``Agent`` tool also streams with the same model and tools (8 of
  them) and adds ``cc_is_subagent=true;`` to the billing header line
  (:attr:`RecordedRequest.is_subagent`). It runs in the background: the main loop gets an
  immediate tool_result and goes on, so main and sub-agent requests interleave.
* No side request was seen: no ``count_tokens``, no title/topic generation, no Bash
  command-prefix check, no non-streaming call. Other versions, settings or interactive
  sessions may still make such calls (typically with a small, haiku-class model, without
  ``tools``, often ``"stream": false``); this server must not let them eat the script.

So the rule is: **a request to ``/v1/messages`` is a main request when its body has a
non-empty ``tools`` list**; everything else is a side request, answered with ``side_text``
(``"ok"``), streamed or not as the request asks, and it never consumes a scripted turn. The
model name is not used, since tests may pass ``--model``. Sub-agent requests count as main
requests and take the next turn. Pass ``classify=`` to override the rule.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlsplit

__all__ = [
    "FakeAnthropicAPI",
    "RecordedRequest",
    "is_main_request",
    "message_text",
]

Turn = Any  # str | dict | list[str | dict]


def is_main_request(body: Any) -> bool:
    """The default rule: a Messages request that offers tools belongs to the main conversation."""
    return isinstance(body, dict) and bool(body.get("tools"))


def _content_text(content: Any) -> list[str]:
    """All text inside one message's ``content`` (string or block list), tool results included."""
    if isinstance(content, str):
        return [content]
    out: list[str] = []
    if not isinstance(content, list):
        return out
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            out.append(str(block.get("text", "")))
        elif kind == "tool_result":
            out.extend(_content_text(block.get("content")))
        elif kind == "tool_use":
            out.append(json.dumps(block.get("input"), ensure_ascii=False))
    return out


def message_text(messages: Iterable[dict]) -> str:
    """Every text a list of messages carries (text blocks, tool inputs and tool results)."""
    parts: list[str] = []
    for msg in messages:
        if isinstance(msg, dict):
            parts.extend(_content_text(msg.get("content")))
    return "\n".join(parts)


@dataclass
class RecordedRequest:
    """One HTTP request the fake API received."""

    method: str
    path: str  # with query string, as sent
    headers: dict[str, str]
    body: Any  # parsed JSON, or raw ``bytes`` when the body was not JSON
    kind: str  # "main", "side", "count_tokens" or "other"
    turn: int | None = None  # index in the script a main request was answered with (None: final)
    reply: dict = field(default_factory=dict)  # the assistant message sent back (messages only)

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def tool_names(self) -> list[str]:
        if not isinstance(self.body, dict):
            return []
        return [t.get("name", "") for t in self.body.get("tools") or [] if isinstance(t, dict)]

    @property
    def system_text(self) -> str:
        system = self.body.get("system") if isinstance(self.body, dict) else None
        return "\n".join(_content_text(system)) if system is not None else ""

    @property
    def is_subagent(self) -> bool:
        """True for a request made by a sub-agent (``Agent`` tool) rather than the session."""
        return "cc_is_subagent=true" in self.system_text

    def text(self) -> str:
        """All text of the conversation as sent: prompts, reminders, hook context, tool results."""
        return message_text(self.messages)

    def text_blocks(self, role: str = "user") -> list[str]:
        """The text of each text block (or string content) in messages of ``role``, in order.

        The typed prompt is one block of its own; reminders such as gitStatus come as others.
        """
        out: list[str] = []
        for msg in self.messages:
            if msg.get("role") != role:
                continue
            content = msg.get("content")
            if isinstance(content, str):
                out.append(content)
            elif isinstance(content, list):
                out.extend(str(b.get("text", "")) for b in content
                           if isinstance(b, dict) and b.get("type") == "text")
        return out

    def tool_results(self) -> list[dict]:
        """The ``tool_result`` blocks in the last user message, each with ``text`` flattened in."""
        for msg in reversed(self.messages):
            if msg.get("role") != "user":
                continue
            content = msg.get("content")
            if not isinstance(content, list):
                return []
            results = []
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    results.append({**block, "text": "\n".join(_content_text(block.get("content")))})
            return results
        return []


def _normalize_turn(turn: Turn) -> list[dict]:
    """A script turn as a list of Messages API content blocks."""
    items = turn if isinstance(turn, list) else [turn]
    blocks: list[dict] = []
    for item in items:
        if isinstance(item, str):
            blocks.append({"type": "text", "text": item})
        elif isinstance(item, dict) and "tool" in item:
            blocks.append({
                "type": "tool_use",
                "id": item.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
                "name": item["tool"],
                "input": dict(item.get("input") or {}),
            })
        elif isinstance(item, dict) and "text" in item:
            blocks.append({"type": "text", "text": str(item["text"])})
        else:
            raise ValueError(f"bad script turn item: {item!r}")
    if not blocks:
        raise ValueError("a script turn needs at least one block")
    return blocks


def _estimate_tokens(body: Any) -> int:
    try:
        return max(1, len(json.dumps(body)) // 4)
    except (TypeError, ValueError):
        return 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    # -- request plumbing ------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raw = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                raw += self.rfile.read(size)
                self.rfile.readline()
            data = bytes(raw)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        return data

    def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:24]}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _send_json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json.dumps(obj).encode())

    # -- methods -----------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.server.api._record(self, b"", "other")
        self._send(200, b"")

    def do_GET(self) -> None:
        self.server.api._record(self, b"", "other")
        self._send_json({})

    def do_POST(self) -> None:
        api = self.server.api
        raw = self._read_body()
        route = urlsplit(self.path).path.rstrip("/")
        if route.endswith("/count_tokens"):
            rec = api._record(self, raw, "count_tokens")
            self._send_json({"input_tokens": _estimate_tokens(rec.body)})
            return
        if not route.endswith("/v1/messages"):
            api._record(self, raw, "other")
            self._send_json({})
            return
        rec = api._record(self, raw, None)
        body = rec.body if isinstance(rec.body, dict) else {}
        message = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or "claude-fake",
            "content": rec.reply["content"],
            "stop_reason": rec.reply["stop_reason"],
            "stop_sequence": None,
            "usage": {"input_tokens": _estimate_tokens(body), "output_tokens": 5,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }
        if body.get("stream"):
            self._send(200, _sse(message), "text/event-stream")
        else:
            self._send_json(message)


def _sse(message: dict) -> bytes:
    """The server-sent event stream the Messages API would send for ``message``."""
    events: list[tuple[str, dict]] = []
    start = {**message, "content": [], "stop_reason": None,
             "usage": {**message["usage"], "output_tokens": 1}}
    events.append(("message_start", {"type": "message_start", "message": start}))
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": {"type": "text", "text": ""}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": {"type": "text_delta",
                                                             "text": block["text"]}}))
        else:
            events.append(("content_block_start", {
                "type": "content_block_start", "index": index,
                "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"],
                                  "input": {}}}))
            partial = json.dumps(block["input"], ensure_ascii=False)
            cut = len(partial) // 2
            for chunk in (partial[:cut], partial[cut:]):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                       "delta": {"type": "input_json_delta",
                                                                 "partial_json": chunk}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": message["stop_reason"],
                                               "stop_sequence": None},
                                     "usage": {"output_tokens": message["usage"]["output_tokens"]}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return b"".join(
        f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
        for name, data in events
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: "FakeAnthropicAPI"


class FakeAnthropicAPI:
    """A scripted Messages API server on 127.0.0.1, on an ephemeral port, in a background thread.

    Use as a context manager (``with FakeAnthropicAPI(script) as api``) or call
    :meth:`start` / :meth:`stop`. Everything it receives is kept in :attr:`requests`.
    """

    def __init__(
        self,
        script: Sequence[Turn] = (),
        *,
        final_text: str = "done",
        side_text: str = "ok",
        classify: Callable[[Any], bool] = is_main_request,
    ) -> None:
        self.final_text = final_text
        self.side_text = side_text
        self.classify = classify
        self._lock = threading.Lock()
        self._script: list[list[dict]] = []
        self._next_turn = 0
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.set_script(script)

    # -- script ------------------------------------------------------------------------------
    def set_script(self, script: Sequence[Turn]) -> None:
        """Replace the script and start again at its first turn (recorded requests are kept)."""
        turns = [_normalize_turn(t) for t in script]
        with self._lock:
            self._script = turns
            self._next_turn = 0

    @property
    def turns_used(self) -> int:
        with self._lock:
            return self._next_turn

    @property
    def script_done(self) -> bool:
        with self._lock:
            return self._next_turn >= len(self._script)

    # -- server ------------------------------------------------------------------------------
    def start(self) -> "FakeAnthropicAPI":
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-anthropic-api",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeAnthropicAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("fake API is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- records -----------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def main_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.kind == "main"]

    @property
    def side_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.kind == "side"]

    def all_main_text(self) -> str:
        """The text of every main request, joined; handy for ``assert "..." in``."""
        return "\n".join(r.text() for r in self.main_requests)

    def _record(self, handler: _Handler, raw: bytes, kind: str | None) -> RecordedRequest:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        rec = RecordedRequest(method=handler.command, path=handler.path,
                              headers={k: v for k, v in handler.headers.items()}, body=body,
                              kind=kind or "side")
        with self._lock:
            if kind is None:
                if self.classify(body):
                    rec.kind = "main"
                    if self._next_turn < len(self._script):
                        rec.turn = self._next_turn
                        blocks = self._script[self._next_turn]
                        self._next_turn += 1
                    else:
                        blocks = [{"type": "text", "text": self.final_text}]
                else:
                    blocks = [{"type": "text", "text": self.side_text}]
                stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
                rec.reply = {"content": blocks, "stop_reason": stop}
            self._requests.append(rec)
        return rec
