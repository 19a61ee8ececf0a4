"""JSON over HTTPS with the standard library: bounded waits, and a token that stays secret.

The Authorization header goes only to the configured host: a redirect to any other host (or
from https to http) is refused rather than followed, and no message ever shows a header.
"""
from __future__ import annotations

import email.utils
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from taskmint import __version__
from taskmint.config import is_loopback

MAX_BODY = 8 * 1024 * 1024


class TrackerError(Exception):
    """A tracker call that failed. ``definite``: the tracker certainly did not act on it (a
    4xx, a refused connection), so a create may be retried without a look-up first.
    ``retry_at``: epoch seconds before which a retry is pointless (rate limits)."""

    def __init__(self, message: str, *, definite: bool = False, retry_at: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.definite = definite
        self.retry_at = retry_at
        self.status = status


@dataclass
class Budget:
    """The seconds left for tracker calls: every request's timeout comes out of it."""

    deadline: float  # time.monotonic()
    sleep: Any = field(default=time.sleep, repr=False)

    @classmethod
    def of(cls, seconds: float) -> "Budget":
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass
class Response:
    status: int
    headers: Any
    data: Any


class _NoForeignRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
            raise TrackerError(f"{old.hostname} redirected to {new.scheme}://{new.hostname}; taskmint does not "
                               "send the token to another host: point the config's URL at the real API",
                               definite=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(host: str) -> urllib.request.OpenerDirector:
    handlers: list = [_NoForeignRedirect()]
    if is_loopback(host):
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy must not see loopback traffic
    return urllib.request.build_opener(*handlers)


def request(method: str, url: str, *, auth: str, budget: Budget, what: str, body: Any = None,
            headers: dict[str, str] | None = None) -> Response:
    """One request; returns any 2xx/3xx/4xx/5xx answer as a Response. Raises TrackerError
    for transport failures, naming ``what`` (e.g. "GitHub") but never the request headers."""
    left = budget.left()
    if left <= 0.05:
        raise TrackerError(f"{what} did not answer in time (TASKMINT_TRACKER_TIMEOUT)", definite=True)
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    req.add_header("User-Agent", f"taskmint/{__version__}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    req.add_header("Authorization", auth)
    host = urlsplit(url).hostname or ""
    harmless = method == "GET"  # a GET has no effect to be unsure about
    try:
        with _opener(host).open(req, timeout=left) as resp:
            return Response(resp.status, resp.headers, _json(resp.read(MAX_BODY)))
    except urllib.error.HTTPError as e:
        try:
            payload = _json(e.read(MAX_BODY))
        except (OSError, ValueError):
            payload = None
        finally:
            e.close()
        return Response(e.code, e.headers, payload)
    except TrackerError:
        raise
    except urllib.error.URLError as e:
        reason = e.reason
        refused = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise TrackerError(f"{what} did not answer in time (TASKMINT_TRACKER_TIMEOUT)",
                               definite=harmless) from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise TrackerError(f"cannot reach {what} at {host}: {text}", definite=refused or harmless) from None
    except (TimeoutError, socket.timeout):
        raise TrackerError(f"{what} did not answer in time (TASKMINT_TRACKER_TIMEOUT)", definite=harmless) from None
    except (OSError, ValueError) as e:  # a connection closed mid-answer, a body that is not JSON
        detail = getattr(e, "strerror", None) or type(e).__name__
        raise TrackerError(f"{what} answer was cut off or unreadable ({detail})", definite=harmless) from None


def _json(raw: bytes) -> Any:
    return json.loads(raw) if raw.strip() else None


def retry_at(resp: Response, now: float | None = None) -> float | None:
    """When a rate-limited request may be retried (Retry-After, or X-RateLimit-Reset when
    no requests are left), in epoch seconds; None when the answer is no rate limit."""
    now = time.time() if now is None else now
    after = resp.headers.get("Retry-After") if resp.headers else None
    if after:
        if after.strip().isdigit():
            return now + int(after.strip())
        try:
            return email.utils.parsedate_to_datetime(after).timestamp()
        except (TypeError, ValueError):
            return now + 60
    if resp.headers and resp.headers.get("X-RateLimit-Remaining") == "0" and resp.headers.get("X-RateLimit-Reset"):
        try:
            return float(resp.headers["X-RateLimit-Reset"])
        except ValueError:
            return now + 60
    return None


def when(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def message_of(data: Any) -> str:
    """The first human line of an error body (GitHub ``message``, Jira ``errorMessages``/``errors``)."""
    if isinstance(data, dict):
        if isinstance(data.get("message"), str):
            return data["message"].splitlines()[0][:200] if data["message"] else ""
        parts = [str(m) for m in data.get("errorMessages") or []]
        errors = data.get("errors")
        if isinstance(errors, dict):
            parts += [f"{k}: {v}" for k, v in errors.items()]
        if parts:
            return "; ".join(parts).splitlines()[0][:200]
    return ""


def call(method: str, url: str, *, auth: str, budget: Budget, what: str, body: Any = None,
         headers: dict[str, str] | None = None, rate_statuses: tuple[int, ...] = (429,)) -> Response:
    """request(), waiting out a rate limit when the budget allows it (at most 5 s); a longer
    one is a TrackerError that says when to retry. A 5xx is a TrackerError too: for a POST
    the tracker may still have acted on it."""
    while True:
        resp = request(method, url, auth=auth, budget=budget, what=what, body=body, headers=headers)
        if resp.status in rate_statuses:
            until = retry_at(resp)
            if until is not None or resp.status == 429:
                until = until if until is not None else time.time() + 60
                wait = until - time.time()
                if wait <= min(5.0, budget.left() - 1.0):
                    budget.sleep(max(wait, 0.0))
                    continue
                raise TrackerError(f"{what} rate limit reached; retry after {when(until)} (`taskmint sync`)",
                                   definite=True, retry_at=until, status=resp.status)
        if resp.status >= 500:
            detail = message_of(resp.data)
            raise TrackerError(f"{what} answered {resp.status}{': ' + detail if detail else ''}; retry later "
                               "(`taskmint sync`)", definite=method == "GET", status=resp.status)
        return resp
