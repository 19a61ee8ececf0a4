from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from taskmint import output
from taskmint.project import Project

if TYPE_CHECKING:
    from taskmint.migrate import Plan


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="give tasks with legacy IDs (TASK-001) hash IDs and rewrite references to them")
    p.add_argument("--dry-run", action="store_true", help="print exactly what would change; write nothing")
    p.add_argument("--legacy", action="append", default=[], metavar="ID",
                   help="treat this ID as legacy even if taskmint's state lists it (repeatable)")
    p.add_argument("--include-lowercase", action="store_true",
                   help="also rewrite look-alikes not in upper case (task-045, as in a branch name claude/task-045-x); "
                   "by default they are listed as possible references and left alone")
    p.add_argument("--rollback", action="store_true", help="undo the latest migration, keeping later tasks and edits")
    p.add_argument("--json", action="store_true")


def _lines(project: Project, plan: Plan) -> list[str]:
    lines = [f"import {project.rel(path)}: v1.0 -> 2.0" for path in plan.imports]
    for move in plan.moves:
        lines.append(f"migrate {move.legacy} -> {move.new}: {project.rel(move.old_path)} -> "
                     f"{project.rel(move.new_path)} (legacy_id: {move.legacy})")
    for edit in plan.edits:
        for change in edit.changes:
            where = f"{project.rel(edit.path)}:{change.line}"
            if change.new is None:
                lines.append(f"ambiguous {where}: {change.old} was the ID of several tasks; left unchanged")
            else:
                lines.append(f"rewrite {where}: {change.old} -> {change.new}")
    for path, change in plan.possible:
        meaning = f"{change.new}" if change.new is not None else "an ID several tasks had"
        lines.append(f"possible reference {project.rel(path)}:{change.line}: {change.old} (would be {meaning}) is not "
                     "in upper case; left unchanged, pass --include-lowercase to rewrite it")
    return lines + [f"skip {s}" for s in plan.skipped]


def run(project: Project, args: argparse.Namespace) -> int:
    from taskmint import migrate  # here, not at the top: every other verb would pay for its imports

    if args.rollback:
        undo = migrate.rollback(project, args.dry_run)
        if args.json:
            output.emit_json({"dry_run": args.dry_run, "record": project.rel(undo.record), "actions": undo.lines})
            return 0
        for line in undo.lines:
            print(line)
        verb = "would roll back" if args.dry_run else "rolled back"
        print(f"{verb} the migration recorded in {project.rel(undo.record)}")
        return 0
    plan, record = migrate.migrate(project, args.dry_run, set(args.legacy), args.include_lowercase)
    if args.json:
        output.emit_json({
            "dry_run": args.dry_run,
            "record": project.rel(record) if record else None,
            "tasks": [{"legacy_id": m.legacy, "new_id": m.new, "old_path": project.rel(m.old_path),
                       "new_path": project.rel(m.new_path)} for m in plan.moves],
            "lines": _lines(project, plan),
        })
        return 0
    for line in _lines(project, plan):
        print(line)
    rewrites = sum(1 for e in plan.edits for c in e.changes if c.new is not None)
    counts = f"{len(plan.moves)} tasks, {rewrites} references in {sum(1 for e in plan.edits if e.changes)} files"
    if plan.possible:
        counts += f" ({len(plan.possible)} lower-case look-alikes left unchanged)"
    if args.dry_run:
        print(f"dry run: would migrate {counts}; nothing was written (new IDs are drawn when it runs)")
    elif record is None:
        print("no legacy task IDs found; nothing to migrate")
    else:
        print(f"migrated {counts}; backup and rollback record in {project.rel(record)} "
              "(undo with `taskmint migrate --rollback`)")
    return 0
