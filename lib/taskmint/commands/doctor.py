from __future__ import annotations

import argparse

from taskmint import output
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check task files against the state; --fix repairs what is safe")
    p.add_argument("--fix", action="store_true", help="repair under the lock: rebuild the mapping, raise counters, "
                   "renumber later duplicates (never deletes a task file)")
    p.add_argument("--include-done", action="store_true",
                   help="also give completed tasks the external IDs they lack (left alone by default)")
    p.add_argument("--quiet", action="store_true", help="print nothing when there is no problem")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    from taskmint import doctor  # here, not at the top: every other verb would pay for its imports

    project.require_opt_in()
    result = doctor.run(project, args.fix, args.include_done)
    if args.json:
        output.emit_json({
            "ok": not result.findings,
            "tasks": result.tasks,
            "notes": result.notes,  # Markdown files without frontmatter under tasks/
            "fixed": result.fixed,
            "problems": [vars(f) for f in result.findings],
        })
        return 1 if result.findings else 0
    for line in result.fixed:
        print(f"fixed: {line}")
    for finding in result.findings:
        print(finding.line())
    if result.notes and not args.quiet:
        print(f"{result.notes} note{'s' * (result.notes != 1)} (Markdown without frontmatter) under tasks/: "
              "not tasks, left alone")
    if not result.findings:
        if not args.quiet:
            print(f"no problems ({result.tasks} task files)")
    else:
        count = f"{len(result.findings)} problem{'s' * (len(result.findings) != 1)}"
        fixable = sum(f.fixable for f in result.findings)
        if fixable and any(f.code == "config" for f in result.findings):  # --fix waits for it
            print(f"{count}, {fixable} fixable once .claude/taskmint.yaml is fixed: then run `taskmint doctor --fix`")
        elif fixable:  # after --fix only when a repair failed on the way (say, a full disk)
            print(f"{count}, {fixable} fixable: run `taskmint doctor --fix`{' again' * args.fix}")
        else:
            print(f"{count} left to fix by hand")
    return 1 if result.findings else 0
