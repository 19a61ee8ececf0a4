"""Pushing tracker work: the outbox's entries become real issues, keys and closed issues.

The order that makes a second issue impossible, whatever fails:

1. under the project lock, the entry records that a create is about to be sent
   (``uncertain_since``) before any request, and the lock is released;
2. the tracker is called while this process holds the task's claim (outbox.claim), so no
   other process talks to the tracker about that task meanwhile;
3. under the lock again, the key goes into the task file and the mapping, then the entry
   goes. A crash between the two leaves a key in the file, which the next push adopts.

An attempt that may have reached the tracker (a timeout, a cut connection, a 5xx, a process
killed mid-request) leaves ``uncertain_since`` set, and every later attempt first looks the
marker up in the tracker and adopts what it finds.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from taskmint import atomic, config, external_ids, frontmatter, outbox, tasks
from taskmint.errors import TaskmintError
from taskmint.project import Project
from taskmint.transaction import Txn, transaction

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any

    from taskmint import trackers


def _trackers():
    # urllib and http.client cost tens of ms: only a push that really talks to a tracker loads them
    from taskmint import trackers

    return trackers

DEFAULT_TIMEOUT = 10.0
BACKOFF = (0.2, 0.5)  # seconds between the tries of one push, within its budget


def timeout() -> float:
    raw = os.environ.get("TASKMINT_TRACKER_TIMEOUT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise TaskmintError(f"TASKMINT_TRACKER_TIMEOUT={raw!r} is not a number of seconds; set e.g. 10") from None


def offline() -> bool:
    return os.environ.get("TASKMINT_OFFLINE", "") not in ("", "0")


class Outcome:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, tool: str, done: bool, key: str | None = None, error: str | None = None) -> None:
        self.tool, self.done, self.key, self.error = tool, done, key, error


class Pushed:
    def __init__(self, task_id: str, outcomes: list[Outcome] | None = None) -> None:
        self.task_id = task_id
        self.outcomes = [] if outcomes is None else outcomes

    @property
    def pending(self) -> list[str]:
        return sorted(o.tool for o in self.outcomes if not o.done)

    @property
    def errors(self) -> dict[str, str]:
        return {o.tool: o.error for o in self.outcomes if o.error and not o.done}


# --- queueing, inside the caller's transaction ------------------------------------------


def queue_create(txn: Txn, task_id: str, tools: tuple[str, ...]) -> None:
    """Record that ``task_id`` needs an issue in each of ``tools`` (lock held)."""
    entries = outbox.load(txn.project)
    queued = entries.setdefault(task_id, {})
    for tool in tools:
        queued.setdefault(tool, outbox.new_entry(txn.project, create=True))
    outbox.save(txn.project, entries)


def queue_close(txn: Txn, task_id: str, meta: dict[str, Any], cfg: config.Config) -> list[str]:
    """Record that the task's issues must be closed (lock held): those it has, and those
    still to be created, which are closed right after their create."""
    entries = outbox.load(txn.project)
    tools = entries.get(task_id, {})
    have = {r.tool for r in external_ids.refs_in(meta.get("external_ids"))}
    changed = False
    for tool in cfg.trackers:
        if tool in tools:
            tools[tool]["close"] = True
            changed = True
        elif tool in have:
            tools[tool] = outbox.new_entry(txn.project, create=False, close=True)
            changed = True
    if changed:
        entries[task_id] = tools
        outbox.save(txn.project, entries)
    return sorted(tools)


# --- pushing ---------------------------------------------------------------------------


def push(project: Project, cfg: config.Config, task_id: str, budget: trackers.Budget) -> Pushed:
    """Push every pending tool of one task, within ``budget``."""
    result = Pushed(task_id)
    for tool in sorted(outbox.load(project).get(task_id, {})):
        result.outcomes.append(push_one(project, cfg, task_id, tool, budget))
    return result


def push_all(project: Project, cfg: config.Config, per_task: float, *, skip: set[str] = frozenset(),
             ready_only: bool = False, progress=None, shared: trackers.Budget | None = None) -> list[Pushed]:
    """Push every pending task, each with its own ``per_task`` seconds (or all of them
    within ``shared``, stopping when it runs out)."""
    entries = outbox.load(project)
    now = time.time()
    todo = [t for t, tools in sorted(entries.items()) if t not in skip and tools
            and not (ready_only and all((e.get("retry_at") or 0) > now for e in tools.values()))]
    results = []
    for n, task_id in enumerate(todo, 1):
        if progress:
            progress(n, len(todo))
        if shared is not None and shared.left() < 1.0:
            break
        results.append(push(project, cfg, task_id, shared or _trackers().Budget.of(per_task)))
    return results


def push_now(project: Project, task_id: str) -> Pushed:
    """What a CLI create or complete does after its transaction: push this task within
    TASKMINT_TRACKER_TIMEOUT, then, if the trackers answered, other ready pending work in
    what is left of it."""
    cfg = config.load(project)
    if not cfg.trackers:
        return Pushed(task_id)
    budget = _trackers().Budget.of(timeout())
    pushed = push(project, cfg, task_id, budget)
    if pushed.outcomes and not pushed.pending and not offline():
        push_all(project, cfg, 0, skip={task_id}, ready_only=True, shared=budget)
    return pushed


def push_reported(project: Project, task: dict[str, Any], show) -> dict[str, Any]:
    """push_now for the CLI: the work already succeeded, so whatever the push meets becomes
    one warning line per tool, never a failure; returns ``task`` with its tracker fields as they
    are now (read with ``show``)."""
    try:
        pushed = push_now(project, task["id"])
        now = show(project, task["id"])
        task = {k: v for k, v in task.items() if k not in ("external_ids", "external_urls", "pending")}
        task.update({k: now[k] for k in ("external_ids", "external_urls", "pending") if k in now})
    except (OSError, TaskmintError) as e:
        sys.stderr.write(f"taskmint: warning: tracker work left pending: {getattr(e, 'strerror', None) or e}\n")
        return task
    for tool, error in pushed.errors.items():
        sys.stderr.write(f"taskmint: warning: {tool} left pending: {error}\n")
    return task


def push_one(project: Project, cfg: config.Config, task_id: str, tool: str, budget: trackers.Budget) -> Outcome:
    tracker = cfg.trackers.get(tool)
    if tracker is None:
        return Outcome(tool, False, error=f"{tool} is no longer tracker-backed in the config; "
                                          f"run `taskmint link {task_id} {tool}:KEY` or restore the config")
    if offline():
        return Outcome(tool, False, error="TASKMINT_OFFLINE is set; run `taskmint sync` when online")
    with outbox.claim(project, task_id, tool) as mine:
        if not mine:
            return Outcome(tool, False, error="another taskmint process is pushing it right now")
        return _push_claimed(project, tracker, task_id, tool, budget)


def _push_claimed(project: Project, tracker: config.Tracker, task_id: str, tool: str,
                  budget: trackers.Budget) -> Outcome:
    # 1. intent, under the lock
    with transaction(project) as txn:
        entries = outbox.load(project)
        entry = entries.get(task_id, {}).get(tool)
        task = find_task(project, task_id)
        key = _key_in(task, tool) if task else None
        if entry is None:
            return Outcome(tool, True, key=key)
        if task is None:
            entries[task_id].pop(tool)
            outbox.save(project, entries)
            return Outcome(tool, True, error=f"no task file has ID {task_id} any more; its {tool} work was dropped")
        if entry.get("create") and key:
            entry["create"] = False  # recorded in the file by a push that died before the outbox write
        if not entry.get("create") and not entry.get("close"):
            entries[task_id].pop(tool)
            outbox.save(project, entries)
            return Outcome(tool, True, key=key)
        if (entry.get("retry_at") or 0) > time.time():
            return Outcome(tool, False, error=entry.get("error") or "rate limited")
        prior_uncertain = entry.get("uncertain_since")
        if entry.get("create") and prior_uncertain is None and entry.get("where") != outbox.where(project):
            prior_uncertain = float(entry.get("since") or 0)  # queued elsewhere: it may have been pushed there
        if entry.get("create") and prior_uncertain is None:
            # the create goes out without a look-up: recorded as maybe sent before it is
            entry["uncertain_since"] = entry["last_sent"] = time.time()
        last_sent = float(entry.get("last_sent") or entry.get("uncertain_since") or 0)
        started = entry.get("uncertain_since") or time.time()
        entry["attempts"] = int(entry.get("attempts") or 0) + 1
        outbox.save(project, entries)
        want_create, want_close = bool(entry.get("create")), bool(entry.get("close"))
        title = str(task.meta.get("title") or task_id)
    # 2. the network, without the lock
    trackers = _trackers()
    issue: trackers.Issue | None = None
    closed = False
    error: trackers.TrackerError | None = None
    sent_create = False
    for pause in (*BACKOFF, None):
        try:
            client = trackers.client(tracker, budget)
            if want_create and issue is None:
                if prior_uncertain is not None:
                    issue = client.find(task_id, prior_uncertain)
                    if issue is None:
                        _check_settled(tracker, last_sent)
                        last_sent = _mark_sent(project, task_id, tool)
                if issue is None:
                    sent_create = True
                    issue = client.create(task_id, title)
            if want_close and (issue or key):
                client.close(issue.key if issue else key)
            closed = want_close
            error = None
            break
        except trackers.TrackerError as e:
            error = e
            if sent_create and not e.definite:
                prior_uncertain = prior_uncertain or started  # the next try looks first
            if e.definite or e.retry_at or pause is None or budget.left() < pause + 1.0:
                break
            budget.sleep(pause)
    # 3. the answer, under the lock
    with transaction(project) as txn:
        entries = outbox.load(project)
        entry = entries.get(task_id, {}).get(tool)
        if issue is not None:
            key = record_key(txn, task_id, tool, issue)
        if entry is None:
            return Outcome(tool, True, key=key)
        if issue is not None:
            entry["create"] = False
            entry["uncertain_since"] = None
        elif want_create:  # still set when a create may have reached the tracker
            entry["uncertain_since"] = prior_uncertain
        if closed:
            entry["close"] = False
        entry["error"] = str(error) if error else None
        entry["retry_at"] = error.retry_at if error else None
        done = not entry.get("create") and not entry.get("close")
        if done:
            entries[task_id].pop(tool)
        outbox.save(project, entries)
    return Outcome(tool, done, key=key, error=None if done else (str(error) if error else "not confirmed"))


SETTLE = {"github": 30.0, "jira": 60.0}


def settle_seconds(tool: str) -> float:
    """How long after a create that may have reached the tracker an empty look-up is trusted:
    a server can still act on a request its client gave up on (GitHub ends requests after
    10 s), and Jira's search index lags behind its writes. TASKMINT_TRACKER_SETTLE overrides."""
    raw = os.environ.get("TASKMINT_TRACKER_SETTLE", "")
    try:
        return max(0.0, float(raw)) if raw else SETTLE.get(tool, 60.0)
    except ValueError:
        return SETTLE.get(tool, 60.0)


def _check_settled(tracker: config.Tracker, last_sent: float) -> None:
    until = last_sent + settle_seconds(tracker.tool)
    trackers = _trackers()
    if time.time() < until:
        what = "GitHub" if tracker.tool == "github" else "Jira"
        raise trackers.TrackerError(
            f"an earlier create may still reach {what} or not show in its search yet; no second issue before "
            f"{trackers.http.when(until)}: retry then (`taskmint sync`)", definite=True)  # no retry_at: look-ups are cheap


def _mark_sent(project: Project, task_id: str, tool: str) -> float:
    """Record, under the lock, that a create is about to go out again (the settle clock restarts)."""
    now = time.time()
    with transaction(project):
        entries = outbox.load(project)
        entry = entries.get(task_id, {}).get(tool)
        if entry is not None:
            entry["last_sent"] = now
            outbox.save(project, entries)
    return now


# --- recording -------------------------------------------------------------------------


def find_task(project: Project, task_id: str) -> tasks.TaskFile | None:
    wanted = task_id.upper()
    for path in tasks.ids_by_filename(project).get(wanted, []):
        try:
            task = tasks.read(project, path)
        except TaskmintError:
            continue
        if str(task.meta.get("id", "")).upper() == wanted and task.doc is not None:
            return task
    return None


def _key_in(task: tasks.TaskFile, tool: str) -> str | None:
    refs = [r for r in external_ids.refs_in(task.meta.get("external_ids")) if r.tool == tool]
    return refs[0].text() if refs else None


def record_key(txn: Txn, task_id: str, tool: str, issue: trackers.Issue) -> str:
    """Write the tracker's key into the task file and the mapping (lock held)."""
    project = txn.project
    task = find_task(project, task_id)
    if task is not None:
        ext = task.meta.get("external_ids") if isinstance(task.meta.get("external_ids"), dict) else {}
        urls = task.meta.get("external_urls") if isinstance(task.meta.get("external_urls"), dict) else {}
        updates: dict[str, Any] = {"external_ids": {**{k: v for k, v in ext.items() if v is not None},
                                                    tool: issue.key}}
        if issue.url:
            updates["external_urls"] = {**urls, tool: issue.url}
        if ext.get(tool) != issue.key or (issue.url and urls.get(tool) != issue.url):
            assert task.doc is not None
            frontmatter.set_keys(task.doc, updates, project.rel(task.path))
            atomic.write_atomic(task.path, task.doc.render().encode("utf-8"))
    ref = external_ids.parse_stored(tool, issue.key)
    if ref is not None and external_ids.raise_to(txn.state.counters, [ref]):
        # counters stay at or above every number in use, as doctor checks
        external_ids.merge_max(txn.registry.counters, txn.state.counters)
        txn.save_numbers()
    mapped = dict(txn.state.mappings.get(task_id, {}))
    if mapped.get(tool) != issue.key:
        mapped[tool] = issue.key
        txn.state.mappings[task_id] = mapped
        txn.save_mapping()
    return issue.key


# --- the hooks' way: never wait ---------------------------------------------------------

HOOK_SECONDS = 2.0  # the most a hook waits on a tracker


def push_briefly(project: Project, task_id: str) -> Pushed:
    """What a hook does after its transaction: push for at most HOOK_SECONDS, then leave
    whatever is left to a detached `taskmint sync`."""
    try:
        cfg = config.load(project)
        if not cfg.trackers or offline():
            return Pushed(task_id)
        pushed = push(project, cfg, task_id, _trackers().Budget.of(min(HOOK_SECONDS, timeout())))
    except (OSError, TaskmintError):  # the hook's own work is done: the background sync says why
        spawn_background(project)
        return Pushed(task_id)
    if pushed.pending:
        spawn_background(project)
    return pushed



def spawn_background(project: Project) -> bool:
    """Start a detached ``taskmint sync`` for this project; the caller does not wait for it."""
    import subprocess

    if offline():
        return False
    lib = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = lib + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        subprocess.Popen([sys.executable, "-m", "taskmint.main", "--root", str(project.root), "sync"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env, start_new_session=True, close_fds=True)
    except OSError:
        return False
    return True
