"""`taskmint doctor` on deliberately damaged projects, compared byte for byte with a snapshot.

The snapshot (snapshots/doctor_regression.json) was recorded from doctor as it was before it
was made faster: every finding, message and ordering, every repair and every resulting file
must stay exactly what it was. The CLI runs in a real subprocess with only its randomness and
clock pinned (new IDs, `updated:` stamps, pending-work ages), so two runs give the same bytes.
(PYTHONHASHSEED is fixed too; it used to matter, since the tools a mapping fills into a file
came from a set: the damaged scenarios were recorded again when they began to follow the
mapping entry's order, and a test now runs them under other seeds.)

    TASKMINT_RECORD_DOCTOR=1 pytest tests/taskmint/test_doctor_regression.py   (rewrites the snapshot)

Record only from a doctor known to be right: the test exists to catch any change. Recorded
again since: bad-config, when doctor stopped ending in the config's own error and began to
report its findings (and --fix to refuse until the config is fixed); the two damaged
scenarios for the order above (the same lines and numbers, in the entry's order); and the
scenarios whose repairs write the worktree registry, when it began to hold its IDs as one
string (the same IDs in the same order, every other key and file the same), and again when
that string began to separate them with spaces instead of newlines (checked the same way); and
the damaged scenarios' `--fix` when a repair that fails on a file (TASK-A019-nested) stopped
printing its `unfixed:` line twice and calling the file's remaining finding fixable ("run
--fix again", which failed the same way): the same files, bytes and other lines.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "doctor_regression.json"
FIXED = 1767225600.0  # 2026-01-01T00:00:00Z: "now" for every run

# The CLI with its randomness and clock pinned: ids.random_hex (new IDs) from a seeded
# generator, time.time (outbox ages and entries) and time.gmtime() (yamltext.now) at FIXED,
# and the host name outbox entries record.
RUNNER = f"""
import random, socket, sys, time
_gmtime = time.gmtime
time.time = lambda: {FIXED}
time.gmtime = lambda secs=None: _gmtime({FIXED} if secs is None else secs)
socket.gethostname = lambda: "host"
from taskmint import ids, main
rng = random.Random(sys.argv[1])
ids.random_hex = lambda nbytes: rng.randbytes(nbytes).hex()
sys.exit(main.main(sys.argv[2:]))
"""

CONFIG = """# taskmint configuration
version: 1
pm_tools:
  jira: PROJ
  linear: ENG
  github: true
  azure_devops: true
"""


def ext(n: int, *, jira: int | None = None, tools: str = "jlga") -> str:
    """An external_ids block numbered ``n`` (jira ``jira`` if given), for the tools in ``tools``."""
    lines = ["external_ids:"]
    if "j" in tools:
        lines.append(f"  jira: PROJ-{jira or n}")
    if "l" in tools:
        lines.append(f"  linear: ENG-{n}")
    if "g" in tools:
        lines.append(f'  github: "#{n}"')
    if "a" in tools:
        lines.append(f'  azure_devops: "{n}"')
    return "\n".join(lines) + "\n"


def task(task_id: str | None, title: str, status: str | None = "backlog", created: str = "2026-01-08T10:00:00Z",
         extra: str = "") -> str:
    lines = ["---"]
    if task_id is not None:
        lines.append(f"id: {task_id}")
    lines.append(f"title: {title}")
    if status is not None:
        lines.append(f"status: {status}")
    lines.append(f"created: {created}")
    return "\n".join(lines) + "\n" + extra + "---\n\n## Description\n\nBody.\n"


def mapping(entries: dict[str, dict[str, str]]) -> str:
    return json.dumps({"version": "2.0", "updated": "2026-01-08T10:00:00Z", "mappings": entries}, indent=2) + "\n"


def counters(jira: int, linear: int, github: int, azure: int, *, version: str = "2.0") -> str:
    return json.dumps({"version": version, "updated": "2026-01-08T10:00:00Z",
                       "counters": {"jira": {"PROJ": jira}, "linear": {"ENG": linear}, "github": github,
                                    "azure_devops": azure}}, indent=2) + "\n"


def entry(n: int, jira: int | None = None) -> dict[str, str]:
    return {"jira": f"PROJ-{jira or n}", "linear": f"ENG-{n}", "github": f"#{n}", "azure_devops": str(n)}


def write(root: Path, rel: str, content: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


def repository(base: Path, name: str) -> Path:
    root = base / name
    root.mkdir()
    git("init", "-q", "-b", "main", ".", cwd=root)
    return root


def damaged(base: Path) -> Path:
    """A git repository (with a second worktree) whose tasks and state have most of what doctor finds."""
    root = repository(base, "repo")
    git("commit", "-q", "--allow-empty", "-m", "init", cwd=root)
    git("worktree", "add", "-q", "-b", "other", str(base / "other"), cwd=root)
    # the other worktree's state holds higher numbers and one more ID
    write(base / "other", ".claude/state/external_id_counters.json", counters(60, 61, 62, 63))
    write(base / "other", ".claude/state/external_id_mapping.json", mapping({"TASK-0E1F": entry(60)}))
    write(root, ".git/taskmint/registry.json", json.dumps(
        {"version": "2.0", "updated": "2026-01-08T10:00:00Z",
         "counters": {"jira": {"PROJ": 1}, "linear": {}, "github": 1, "azure_devops": 0},
         "ids": ["TASK-A001", "TASK-0E1F"]}) + "\n")
    write(root, ".claude/taskmint.yaml", CONFIG)
    for status in ("backlog", "in_progress", "in_review", "blocked", "completed"):
        (root / "tasks" / status).mkdir(parents=True, exist_ok=True)
    b = "tasks/backlog"
    files: dict[str, str | bytes] = {
        f"{b}/TASK-A001-healthy.md": task("TASK-A001", "healthy", extra=ext(1)),
        "tasks/in_progress/TASK-A002-started.md": task("TASK-A002", "started", "in_progress", extra=ext(2)),
        # a later copy (lower-case id) of TASK-A002, with all its numbers
        f"{b}/TASK-A002-copy.md": task("task-a002", "copy", "backlog", "2026-02-01T00:00:00Z", ext(2)),
        f"{b}/TASK-A003-parent.md": task("TASK-A003", "parent", extra=ext(3)),
        f"{b}/TASK-A003.1-sub.md": task("TASK-A003.1", "sub", extra=ext(4)),
        f"{b}/TASK-A003.1-other.md": task("TASK-A003.1", "other", created="2026-03-01T00:00:00Z", extra=ext(9)),
        f"{b}/hand.md": "---\ntitle: Written by hand  # with a comment\nstatus: backlog\ntags: [a, b]\n---\n\nBody.\n",
        "tasks/completed/2025-01/old-done.md": "---\ntitle: old done\nstatus: completed\ncompleted: 2025-01-05\n---\n",
        # the mapping disagrees (PROJ-15) and records github #5, which the file lacks
        f"{b}/TASK-A005-mismatch.md": task("TASK-A005", "mismatch", extra=ext(5, tools="jla")),
        f"{b}/TASK-B001-unmapped.md": task("TASK-B001", "unmapped", extra=ext(6)),
        f"{b}/TASK-A007-done.md": task("TASK-A007", "bad status", "done", extra=ext(7)),
        f"{b}/TASK-A008-spelled.md": task("TASK-A008", "spelled", "BACKLOG", extra=ext(8)),
        f"{b}/TASK-A009-moving.md": task("TASK-A009", "moving", "in_progress", extra=ext(10)),
        f"{b}/TASK-A00A-finished.md": task("TASK-A00A", "finished", "completed",
                                           extra="completed: 2025-03-04T05:06:07Z\n" + ext(11)),
        f"{b}/shared-name.md": task("TASK-A00B", "blocked move", "in_review", extra=ext(12)),
        "tasks/in_review/shared-name.md": task("TASK-A00C", "in place", "in_review", extra=ext(13)),
        f"{b}/TASK-A00D-anchor.md": "---\nid: TASK-A00D\ntitle: anchor\nstatus: &s backlog\nboard_column: *s\n"
                                    f"created: 2026-01-08T10:00:00Z\n{ext(14)}---\n",
        f"{b}/TASK-AB12-broken.md": "---\nid: TASK-AB12\ntitle: [unclosed\n---\n",
        f"{b}/TASK-AB13-latin.md": "---\nid: TASK-AB13\ntitle: caf\xe9\n---\n".encode("latin-1"),
        f"{b}/TASK-AB15-big.md": "---\nid: TASK-AB15\ntitle: big\n---\n" + "x" * (4 * 1024 * 1024),
        f"{b}/listy.md": "---\n- a\n- b\n---\n",
        f"{b}/empty.md": "---\n---\nnothing in it\n",
        f"{b}/TASK-AB16-bomb.md": "---\nid: TASK-AB16\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
                                  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                                  "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n",
        f"{b}/TASK-AB17-deep.md": "---\nid: TASK-AB17\ntitle: deep\n" + "x:\n" + "".join(
            "  " * n + "- \n" for n in range(1, 40)) + "---\n",
        f"{b}/TASK-A00E-lacking.md": task("TASK-A00E", "lacking", extra=ext(15, tools="j")),
        "tasks/completed/2026-01/TASK-A00F-done.md": task("TASK-A00F", "done lacking", "completed",
                                                          extra="completed: 2026-01-09T00:00:00Z\n" + ext(16, tools="jl")),
        f"{b}/odd.md": "---\nid: 42\ntitle: odd\nstatus: backlog\n---\n",
        f"{b}/dated.md": "---\nid: 2025-01-08\ntitle: dated\nstatus: backlog\n---\n",
        f"{b}/TASK-001-old.md": "---\nid: TASK-001\ntitle: old\nstatus: backlog\n---\n",
        f"{b}/TASK-CD34-x.md": task("TASK-CD34", "x", extra="external_ids:\n  jira: nope\n  github: 17\n"),
        f"{b}/TASK-CD35-y.md": task("TASK-CD35", "y", extra="external_ids: [a, b]\n"),
        f"{b}/TASK-CD36-z.md": task("TASK-CD36", "z", extra="external_ids:\n  jira: PROJ-18\n  linear: true\n"
                                                             "  github: 0\n  azure_devops: 19\n  trello: 5\n"),
        # shares PROJ-1 with TASK-A001, created the same second: the mapping decides who keeps it
        f"{b}/0-shares.md": task("TASK-A010", "shares", extra=ext(20, jira=1)),
        f"{b}/TASK-A011-previous.md": task("TASK-A011", "previous",
                                           extra=ext(21) + 'previous_external_ids: ["jira:PROJ-30", "github:#31", 7]\n'),
        f"{b}/.TASK-A001-healthy.md.abcdefgh.tmp": "left by a killed write",
        ".claude/state/.external_id_mapping.json.a1b2c3d4.tmp.bak": "{}",
        f"{b}/draft.md.abcdefgh.tmp": "not taskmint's",
        "tasks/README.md": "# Tasks\n\nNotes, not a task.\n",
        f"{b}/notes.md": "just notes\n",
        "tasks/TASK-A012-root.md": task("TASK-A012", "at the root", extra=ext(22)),
        "tasks/weird/TASK-A013-weird.md": task("TASK-A013", "weird folder", "in_progress", extra=ext(23)),
        f"{b}/TASK-A014-crlf.md": task("TASK-A014", "crlf", extra=ext(24)).replace("\n", "\r\n"),
        f"{b}/TASK-A015-bom.md": "\ufeff" + task("TASK-A015", "bom", extra=ext(25)),
        f"{b}/TASK-A016-block.md": task("TASK-A016", "block", extra="description: |\n  two\n  lines\n" + ext(26)),
        f"{b}/TASK-A017-quoted.md": "---\n# a comment\nid: 'TASK-A017'\ntitle: \"quoted: \\u00e9 \\\"x\\\"\"\n"
                                    "status: backlog   # trailing\ntags: [\"a, b\", c]\ncreated: 2026-01-08 10:00:00\n"
                                    + ext(27) + "---\n",
        f"{b}/TASK-A018-twice.md": task("TASK-A018", "first title", extra="title: second title\n" + ext(28)),
        f"{b}/TASK-A019-nested.md": task("TASK-A019", "nested", extra="external_ids:\n  jira: PROJ-29\n  extra:\n"
                                                                       "    deep: 1\n"),
        f"{b}/TASK-A01A-dated-done.md": task("TASK-A01A", "dated done", "completed",
                                             extra="completed: 2020-02-03\n" + ext(32)),
        f"{b}/TASK-A01B-quoted-done.md": task("TASK-A01B", "quoted done", "completed",
                                              extra="completed: '2020-03-04T10:00:00Z'\n" + ext(33)),
        f"{b}/TASK-A01C-spaced-done.md": task("TASK-A01C", "spaced done", "completed",
                                              extra="completed: 2020-04-05 10:00:00\n" + ext(34)),
        "tasks/in_progress/TASK-A01D-nostatus.md": task("TASK-A01D", "no status", None, extra=ext(35)),
        "tasks/blocked/TASK-A01E-empty-status.md": task("TASK-A01E", "empty status", '""', extra=ext(36)),
        f"{b}/TASK-A01F-spaced.md": task('" TASK-A01F "', "spaced id", extra=ext(37)),
        f"{b}/TASK-A020-updated.md": task("TASK-A020", "filed by updated", "completed",
                                          extra="updated: 2024-07-01T00:00:00Z\n" + ext(38)),
        f"{b}/TASK-A021-number.md": task("TASK-A021", "numbers", extra="external_ids:\n  jira: PROJ-39\n"
                                                                        "  linear: ENG-39\n  github: 39\n  azure_devops: 39\n"),
        "outside.md": task("TASK-AB14", "outside"),
    }
    for rel, content in files.items():
        write(root, rel, content)
    (root / b / "TASK-AB14-link.md").symlink_to("../../outside.md")
    entries = {f"TASK-A00{n}": entry(n) for n in (1, 2, 3)}
    entries.update({"TASK-A003.1": entry(4), "TASK-A005": entry(5, jira=15), "TASK-DEAD": entry(40),
                    "TASK-AB12": entry(41), "TASK-A00E": {"jira": "PROJ-15"}, "TASK-A010": entry(20)})
    entries.update({f"TASK-A0{n:02X}": entry(n + 10) for n in range(0x11, 0x22)})
    write(root, ".claude/state/external_id_mapping.json", mapping(entries))
    write(root, ".claude/state/external_id_counters.json", counters(10, 50, 2, 40))
    return root


def trackers(base: Path) -> Path:
    """No git; GitHub issues the keys; declared statuses; pending tracker work; a v1.0
    mapping and no counters file."""
    root = base / "trackers"
    write(root, ".claude/taskmint.yaml", "version: 1\npm_tools:\n  jira: PROJ\n  github:\n    repo: acme/widgets\n"
          "  azure_devops: false\nstatuses:\n  backlog: open\n  doing: started\n  qa: review\n  completed: done\n")
    b = "tasks/backlog"
    files = {
        f"{b}/TASK-C001-pending.md": task("TASK-C001", "pending", extra="external_ids:\n  jira: PROJ-1\n"),
        f"{b}/TASK-C002-unlinked.md": task("TASK-C002", "unlinked", extra="external_ids:\n  jira: PROJ-2\n"),
        f"{b}/TASK-C003-shared.md": task("TASK-C003", "shared", extra='external_ids:\n  jira: PROJ-3\n  github: "#5"\n'),
        f"{b}/TASK-C004-shared.md": task("TASK-C004", "shared too", created="2026-01-09T00:00:00Z",
                                         extra='external_ids:\n  jira: PROJ-4\n  github: "#5"\n'),
        "tasks/doing/TASK-C005-doing.md": task("TASK-C005", "Doing", "Doing", extra="external_ids:\n  jira: PROJ-5\n"),
        "tasks/qa/TASK-C006-qa.md": task("TASK-C006", "qa", "doing", extra='external_ids:\n  jira: PROJ-6\n  github: "#6"\n'),
        "tasks/doing/TASK-C007-undeclared.md": task("TASK-C007", "undeclared", "in_progress",
                                                    extra="external_ids:\n  jira: PROJ-7\n"),
        "tasks/in_progress/TASK-C008-outside.md": task("TASK-C008", "not a declared folder", "in_progress"),
        "tasks/completed/2026-01/TASK-C009-done.md": task("TASK-C009", "done", "completed",
                                                          extra="completed: 2026-01-09T00:00:00Z\n"),
        f"{b}/new.md": "---\ntitle: new by hand\n---\n",
    }
    for rel, content in files.items():
        write(root, rel, content)
    write(root, ".claude/state/external_id_mapping.json", json.dumps(
        {"version": "1.0", "updated": "2025-01-01T00:00:00Z",
         "mappings": {"TASK-C001": {"jira": "PROJ-1", "github": "3"}, "TASK-C003": {"jira": "PROJ-3", "github": "5"},
                      "TASK-GONE": {"jira": "PROJ-9"}}}) + "\n")
    write(root, ".claude/state/tracker_outbox.json", json.dumps({"version": 1, "tasks": {
        "TASK-C001": {"github": {"create": True, "close": False, "since": FIXED - 7300, "attempts": 3,
                                 "uncertain_since": None, "retry_at": None, "error": "HTTP 502"}},
        "TASK-C005": {"github": {"create": False, "close": True, "since": FIXED - 60, "attempts": 0}},
        "TASK-DEAD1": {"github": {"create": True, "close": False, "since": FIXED - 10}}}}, indent=2) + "\n")
    return root


def broken_state(base: Path) -> Path:
    """A git repository whose mapping, counters and registry are all unusable."""
    root = repository(base, "broken")
    write(root, ".claude/taskmint.yaml", CONFIG)
    write(root, "tasks/backlog/TASK-D001-one.md", task("TASK-D001", "one", extra=ext(1)))
    write(root, "tasks/backlog/TASK-D003-three.md", task("TASK-D003", "three", extra=ext(3)))
    write(root, ".claude/state/external_id_mapping.json", "{not json")
    write(root, ".claude/state/external_id_mapping.json.bak", mapping({"TASK-D001": entry(1), "TASK-D002": entry(2)}))
    write(root, ".claude/state/external_id_counters.json", "")
    bak = json.loads(counters(2, 2, 40, 2))
    bak["unexpected"] = True
    write(root, ".claude/state/external_id_counters.json.bak", json.dumps(bak))
    write(root, ".git/taskmint/registry.json", "not json")
    write(root, ".git/taskmint/registry.json.bak", json.dumps({"version": "2.0", "counters": {}, "ids": ["x"]}))
    return root


def newer(base: Path) -> Path:
    """A counters file and a registry from a newer taskmint: doctor reports, --fix refuses."""
    root = repository(base, "newer")
    write(root, ".claude/taskmint.yaml", CONFIG)
    write(root, "tasks/backlog/TASK-E001-one.md", task("TASK-E001", "one", "blocked", extra=ext(1)))
    write(root, ".claude/state/external_id_mapping.json", mapping({"TASK-E001": entry(1)}))
    write(root, ".claude/state/external_id_counters.json", counters(1, 1, 1, 1, version="3.0"))
    write(root, ".git/taskmint/registry.json", json.dumps({"version": "99", "counters": {}, "ids": []}))
    return root


def bad_config(base: Path) -> Path:
    root = base / "badconfig"
    write(root, ".claude/taskmint.yaml", "version: 1\npm_tools:\n  jira: proj\n")
    write(root, "tasks/backlog/TASK-F001-one.md", task("TASK-F001", "one", "in_review"))
    return root


def generated(base: Path) -> Path:
    """300 tasks in taskmint's own layout (what doctor reads at 10,000 tasks), a seeded few
    of them damaged: unmapped, misplaced, renumbered by hand, spelled, lacking a number."""
    import random

    rng = random.Random(7)
    root = base / "generated"
    write(root, ".claude/taskmint.yaml", CONFIG)
    entries: dict[str, dict[str, str]] = {}
    statuses = ["backlog", "backlog", "in_progress", "in_review", "blocked", "completed"]
    for n in range(1, 301):
        task_id = f"TASK-{0x1000 + n * 7:04X}" + (f".{n % 3}" if n % 11 == 0 and n % 3 else "")
        status = rng.choice(statuses)
        folder = "completed/2026-01" if status == "completed" else status
        title = rng.choice(["fix the login", '"add: the api"', "refactor cache", '"tricky \\"quotes\\""'])
        roll = rng.random()
        numbers = entry(n, jira=rng.randint(1, n) if roll < 0.03 else None)
        tags = rng.choice(["generated", "a, b", '"x, y"'])
        extra = (f"updated: 2026-01-{rng.randint(10, 28)}T10:00:00Z\npriority: {rng.choice(['low', 'high'])}\n"
                 f"tags: [{tags}]\n")
        if status == "completed":
            extra += "completed: 2026-01-09T10:00:00Z\n"
        extra += "external_ids:\n" + "".join(
            f"  {tool}: {json.dumps(value) if tool in ('github', 'azure_devops') else value}\n"
            for tool, value in numbers.items() if not (0.03 <= roll < 0.05 and tool == "github"))
        shown = status.upper() if 0.05 <= roll < 0.07 else status
        if 0.07 <= roll < 0.10:
            folder = rng.choice(["backlog", "in_review", "completed/2025-12"])
        write(root, f"tasks/{folder}/{task_id}-t{n}.md",
              task(task_id, title, shown, f"2026-01-08T10:{n // 60:02d}:{n % 60:02d}Z", extra))
        if not 0.10 <= roll < 0.15:
            entries[task_id] = entry(n) if roll >= 0.15 or n % 2 else {**entry(n), "github": f"#{n + 1000}"}
    write(root, ".claude/state/external_id_mapping.json", mapping(entries))
    write(root, ".claude/state/external_id_counters.json", counters(300, 300, 290, 300))
    return root


SCENARIOS: dict[str, Callable[[Path], Path]] = {
    "damaged": damaged, "trackers": trackers, "broken-state": broken_state, "newer": newer, "bad-config": bad_config,
    "generated": generated,
}
CHECKS = (["doctor"], ["doctor", "--json"], ["doctor", "--quiet"], ["doctor", "--include-done", "--json"])
FIXES = (["doctor", "--fix"], ["doctor", "--json"], ["doctor", "--fix", "--json"])


def files(root: Path) -> dict[str, str]:
    """Every file doctor may read or write (lock files aside, and the spares atomic.write_atomic
    keeps: blocks for its next write, no state), as text, or as a digest when large or not
    UTF-8; symlinks as their target."""
    found: dict[str, str] = {}
    for base in (root / ".claude", root / "tasks", root / ".git" / "taskmint"):
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"symlink to {os.readlink(path)}"
            elif path.is_file() and not path.name.endswith((".lock", ".spare.bak")):
                raw = path.read_bytes()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
                if text is None or len(raw) > 20000:
                    found[rel] = f"sha256 {hashlib.sha256(raw).hexdigest()} {base64.b64encode(raw[:64]).decode()}"
                else:
                    found[rel] = text
    return found


def run(root: Path, base: Path, args: list[str], seed: str, env: dict[str, str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUNNER, seed, "--root", str(root), *args], capture_output=True,
                          text=True, env={"PYTHONHASHSEED": "0", **env}, timeout=300)
    clean = lambda text: text.replace(str(base), "<tmp>")  # noqa: E731
    return {"args": args, "rc": proc.returncode, "stdout": clean(proc.stdout), "stderr": clean(proc.stderr)}


def observe(build: Callable[[Path], Path], base: Path, env: dict[str, str]) -> dict:
    root = build(base)
    before = files(root)
    checks = [run(root, base, args, "check", env) for args in CHECKS]
    assert files(root) == before, "a check-only doctor changed a file"
    fixes = [run(root, base, args, f"fix-{n}", env) for n, args in enumerate(FIXES)]
    return {"checks": checks, "fixes": fixes,
            "files": {rel: text.replace(str(base), "<tmp>") for rel, text in files(root).items()}}


def observe_include_done(base: Path, env: dict[str, str]) -> dict:
    """The damaged project repaired with --include-done (completed tasks get numbers too)."""
    root = damaged(base)
    fixes = [run(root, base, args, f"done-{n}", env) for n, args in
             enumerate((["doctor", "--fix", "--include-done"], ["doctor", "--include-done", "--json"]))]
    return {"fixes": fixes, "files": {rel: text.replace(str(base), "<tmp>") for rel, text in files(root).items()}}


@pytest.mark.parametrize("name", [*SCENARIOS, "damaged --include-done"])
def test_doctor_output_and_repairs_are_what_they_were(name: str, tmp_path: Path, subprocess_env) -> None:
    if name == "damaged --include-done":
        got = observe_include_done(tmp_path, subprocess_env)
    else:
        got = observe(SCENARIOS[name], tmp_path, subprocess_env)
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
    if os.environ.get("TASKMINT_RECORD_DOCTOR") == "1":
        recorded[name] = got
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(recorded, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert name in recorded, f"no snapshot for {name}: record it from a doctor known to be right"
    want = recorded[name]
    # one assertion per run first, so a failure names the command whose output changed
    for kind in ("checks", "fixes"):
        for had, has in zip(want.get(kind, []), got.get(kind, [])):
            assert has == had, f"{name}: `{' '.join(had['args'])}` changed"
    assert got == want


def test_the_scenarios_reach_every_finding_doctor_has() -> None:
    """The snapshot is only as strong as what it covers: every finding code doctor reports
    appears in it, but `outbox` (an unreadable outbox). (`config` got out only once doctor
    stopped ending in the config's own error; the bad-config scenario was recorded again then.)"""
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    seen = {p["code"] for scenario in recorded.values() for run_ in scenario.get("checks", []) + scenario["fixes"]
            if run_["args"][-1] == "--json" and run_["stdout"] for p in json.loads(run_["stdout"])["problems"]}
    wanted = {"unreadable", "yaml-anchor", "missing-id", "bad-id", "legacy-id", "bad-external-id",
              "duplicate-id", "duplicate-external-id", "tracker-key-shared", "mapping-missing", "mapping-mismatch",
              "mapping-orphan", "missing-external-id", "status-folder", "bad-status", "status-spelling",
              "counter-low", "registry-unusable", "state-newer", "state-v1", "state-unusable", "state-missing",
              "temp-files", "pending-orphan", "pending-long", "tracker-unlinked", "unfixed", "config"}
    assert wanted <= seen, sorted(wanted - seen)


def test_doctor_is_the_same_whatever_the_hash_seed(tmp_path: Path, subprocess_env) -> None:
    """Regression: the tools a mapping fills into a file came from a set, so their order in
    the file (and in the duplicate-external-id findings they lead to) changed with the hash seed."""
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["damaged"]
    for seed in ("1", "4242"):
        (tmp_path / seed).mkdir()
        assert observe(damaged, tmp_path / seed, {**subprocess_env, "PYTHONHASHSEED": seed}) == recorded
