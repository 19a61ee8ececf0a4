from __future__ import annotations

import argparse
import sys

from taskmint import config, output, outbox, service, sync
from taskmint.project import Project

PROGRESS_FROM = 10  # tasks: fewer than that get no progress line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="push pending tracker work (issues to create or close); exit 1 if any is left")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    cfg = config.load(project)
    progress = None
    if not args.json and sys.stderr.isatty() and len(outbox.load(project)) >= PROGRESS_FROM:
        def progress(n: int, total: int) -> None:
            sys.stderr.write(f"\rtaskmint: syncing {n}/{total}" + ("\n" if n == total else ""))
            sys.stderr.flush()
    results = sync.push_all(project, cfg, sync.timeout(), progress=progress)
    left = outbox.pending(project)
    rows = []
    for pushed in results:
        task = _task(project, pushed.task_id)
        row = {"id": pushed.task_id, "external_ids": task.get("external_ids", {}),
               "pending": left.get(pushed.task_id, []), "errors": pushed.errors}
        rows.append(row)
        if not args.json:
            keys = ", ".join(f"{t} {k}" for t, k in row["external_ids"].items()) or "no external IDs"
            line = f"{pushed.task_id}: {keys}"
            if row["pending"]:
                line += "; pending: " + "; ".join(f"{t} ({pushed.errors.get(t, 'not confirmed')})"
                                                  for t in row["pending"])
            print(line)
    if args.json:
        output.emit_json({"tasks": rows, "pending": sorted(left)})
    elif not results:
        print("nothing pending")
    return 1 if left else 0


def _task(project: Project, task_id: str) -> dict:
    try:
        return service.show(project, task_id)
    except Exception:  # noqa: BLE001 - a task that vanished still gets its line
        return {}
