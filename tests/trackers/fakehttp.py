"""The loopback HTTP server the tracker fakes share, with faults a test injects.

A fake runs in a thread of the test process on 127.0.0.1 (an ephemeral port) and serves the
taskmint subprocesses the test starts. Faults apply to the next requests that match::

    fake.fault("POST", r"/issues$", "500")              # answer 500, do nothing
    fake.fault("POST", r"/issues$", "429", retry_after=2)
    fake.fault("POST", r"/issues$", "lose")             # act, then close the connection unanswered
    fake.fault("POST", r"/issues$", "hold")             # act, then wait for fake.release()
    fake.fault("POST", r"/issues$", "hold-before")      # wait for fake.release(), then act
    fake.fault("GET", r".*", "redirect", location=url)  # 301 to another server

``fake.in_flight`` is set while a held request waits, so a test can kill its client then;
``fake.held_done`` once the held request was acted on (after ``release()``).
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    method: str
    path: re.Pattern
    kind: str
    count: int
    options: dict[str, Any]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class Reply(Exception):
    """Raised by a handler to answer with an error status."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.in_flight = threading.Event()
        self.held_done = threading.Event()
        self._release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                owner._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault(self, method: str, path: str, kind: str, count: int = 1, **options: Any) -> None:
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), kind, count, options))

    def release(self) -> None:
        self._release.set()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.method == method and f.path.search(path) and f.count > 0:
                    f.count -= 1
                    return f
        return None

    # --- to be written by each fake ---
    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
               body: Any) -> Answer:
        raise NotImplementedError

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        with self.lock:
            self.seen.append(Seen(h.command, parts.path, headers, body))
        fault = self._take_fault(h.command, parts.path)
        kind = fault.kind if fault else None
        if kind == "redirect":
            return self._send(h, Answer(301, {"message": "Moved Permanently"},
                                        {"Location": fault.options["location"] + parts.path}))
        if kind == "500":
            return self._send(h, Answer(500, {"message": "Server Error"}))
        if kind == "429":
            return self._send(h, Answer(429, {"message": "rate limited", "errorMessages": ["Rate limit exceeded"]},
                                        {"Retry-After": str(fault.options.get("retry_after", 1))}))
        if kind == "403-ratelimit":
            return self._send(h, Answer(403, {"message": "API rate limit exceeded"},
                                        {"X-RateLimit-Remaining": "0",
                                         "X-RateLimit-Reset": str(int(fault.options["reset"]))}))
        if kind == "hold-before":
            self.in_flight.set()
            self._release.wait(120)
        try:
            if body is ValueError:
                raise Reply(400, {"message": "Problems parsing JSON", "errorMessages": ["Unexpected body"]})
            answer = self.handle(h.command, parts.path, parse_qs(parts.query), headers, body)
        except Reply as r:
            answer = Answer(r.status, r.body, r.headers)
        if kind == "hold-before":
            self.held_done.set()
        if kind == "lose":
            h.close_connection = True
            return  # the work is done, the answer never comes
        if kind == "hold":
            self.held_done.set()  # acted on already
            self.in_flight.set()
            self._release.wait(120)
        self._send(h, answer)

    def _send(self, h: BaseHTTPRequestHandler, answer: Answer) -> None:
        data = b"" if answer.body is None else json.dumps(answer.body).encode()
        try:
            h.send_response(answer.status)
            for k, v in answer.headers.items():
                h.send_header(k, v)
            if data:
                h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client went away (killed, timed out)
