"""`taskmint migrate` over generated legacy projects, checked token by token against an
oracle: every task file is built from pieces (plain text and references to legacy IDs), so
the expected text after migration (and after rollback) is known independently of the code."""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from taskmint import frontmatter, service, tasks
from taskmint.project import find_project

# 200 sequential IDs, plus IDs that are prefixes of others (TASK-004 / TASK-004A, TASK-042 /
# TASK-042-fix-login), IDs that are valid hex (TASK-1000...), a two-digit one that is the
# front of a native prefixed hash ID (TASK-77 / TASK-77-XXXX), and two carried by two files.
LEGACY = ([f"TASK-{n:03d}" for n in range(1, 201)] + ["TASK-004A", "TASK-042-fix-login", "TASK-77"]
          + [f"TASK-{n}" for n in range(1000, 1010)])
DUPLICATED = ("TASK-077", "TASK-150")
CONTEXTS = ("{}", "({})", "[{}]", "{},", "{}.", "`{}`", "**{}**", "{}:", '"{}"', "{}-notes.md", "{}.1", "#{}")
# Must never change: not whole tokens of a legacy ID, or not legacy at all.
NEAR_MISSES = ("TASK-0040", "SUBTASK-001", "XTASK-002", "TASK-004C", "TASK-2001", "TASK-001x", "my_TASK-003",
               "TASK-", "TASK-1010", "pre-TASK-005", "TASK-004AB", "TASK-10000")
WORDS = ("fix", "the", "login", "flow", "see", "after", "before", "blocked", "by", "and", "then", "ship")
STATUS_DIRS = {"backlog": "backlog", "in_progress": "in_progress", "completed": "completed/2025-03"}


@dataclass
class Ref:
    target: str  # upper-case legacy ID
    context: str
    lower: bool = False

    def text(self, new: str | None = None) -> str:
        written = self.target.lower() if self.lower else self.target
        return self.context.format(written if new is None else new)


Piece = str | Ref


@dataclass
class File:
    title: str
    legacy: str | None  # None for a task taskmint created
    path: Path
    head: list[Piece]  # frontmatter lines (without the --- delimiters), pieces per line
    body: list[Piece]

    def render(self, table=None, extra_head: str = "") -> str:
        def out(pieces: list[Piece]) -> str:
            return "".join(p if isinstance(p, str) else p.text(table(self, p) if table else None) for p in pieces)

        if self.legacy is None:
            return out(self.head) + out(self.body)
        return "---\n" + out(self.head) + extra_head + "---\n" + out(self.body)

    def refs(self) -> list[Ref]:
        return [p for p in self.head + self.body if isinstance(p, Ref)]


def _sentence(rng: random.Random, targets: list[str]) -> list[Piece]:
    pieces: list[Piece] = []
    for _ in range(rng.randint(3, 8)):
        roll = rng.random()
        if roll < 0.35:
            pieces.append(Ref(rng.choice(targets), rng.choice(CONTEXTS), lower=rng.random() < 0.1))
        elif roll < 0.5:
            pieces.append(rng.choice(NEAR_MISSES))
        else:
            pieces.append(rng.choice(WORDS))
        pieces.append(rng.choice((" ", " ", "\n", "  ")))
    return pieces


def generate(root: Path, seed: int = 5) -> list[File]:
    """A legacy project of 215 task files, plus four tasks taskmint created before it."""
    rng = random.Random(seed)
    project = find_project(str(root))
    service.init(project, "PROJ", None, True, False, False)
    native_parent = service.create(project, "native parent")
    natives = [native_parent, service.create(project, "native prefixed", prefix="77"),
               service.create(project, "native subtask", parent=native_parent["id"])]
    targets = LEGACY + list(DUPLICATED) + [n["id"] for n in natives]
    files: list[File] = []
    owners = [(legacy, 0) for legacy in LEGACY] + [(d, 1) for d in DUPLICATED]
    for n, (legacy, copy) in enumerate(owners):
        status = rng.choice(list(STATUS_DIRS))
        title = f"copy {n}" if copy else f"task {n}"
        name = f"{legacy}-copy.md" if copy else (f"{legacy}.md" if n % 17 == 0 else f"{legacy}-task-{n}.md")
        head: list[Piece] = ["id: ", Ref(legacy, "{}"), "\n", f"title: {title}\n", f"status: {status}\n",
                             f"created: 2025-01-{1 + n % 28:02d}T10:00:00Z\n", "priority: medium\n",
                             "depends_on: [", Ref(rng.choice(targets), "{}"), ", ", Ref(rng.choice(targets), "{}"),
                             "]\n"]
        if n % 3 == 0:
            head += ["parent: ", Ref(rng.choice(targets), "{}"), "\n"]
        head += ["# a comment that mentions ", Ref(rng.choice(targets), "{}"), "\n",
                 f"external_ids:\n  jira: PROJ-{100 + n}\n  github: \"#{100 + n}\"\n"]
        body: list[Piece] = ["\n## Notes\n\n", Ref(legacy, "{}"), " is this task.\n"]
        for _ in range(rng.randint(1, 4)):
            body += _sentence(rng, targets) + ["\n"]
        path = root / "tasks" / STATUS_DIRS[status] / name
        files.append(File(title, legacy, path, head, body))
    for native in natives:  # taskmint's own tasks mention legacy IDs too
        path = root / native["path"]
        text = path.read_text()
        files.append(File(native["title"], None, path, [text], ["\nSee "] + _sentence(rng, targets) + ["\n"]))
    for f in files:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        f.path.write_text(f.render())
    return files


def _new_ids(root: Path, files: list[File]) -> dict[str, str]:
    """title -> new ID, read back from the migrated files."""
    found = {}
    for path, meta in tasks.iter_frontmatter(find_project(str(root))):
        found[str(meta["title"])] = str(meta["id"])
    return found


def _oracle(files: list[File], new_by_title: dict[str, str], include_lowercase: bool = False):
    by_legacy: dict[str, list[File]] = {}
    for f in files:
        if f.legacy:
            by_legacy.setdefault(f.legacy, []).append(f)

    def table(owner: File, ref: Ref) -> str | None:
        holders = by_legacy.get(ref.target)
        if not holders:
            return None  # a native ID: untouched
        if ref.lower and not include_lowercase:
            return None  # task-004: a look-alike, not a reference (issue 10 item 15)
        if ref.target == owner.legacy:
            return new_by_title[owner.title]  # in its own file, a duplicated ID means this task
        return new_by_title[holders[0].title] if len(holders) == 1 else None  # ambiguous: left alone

    return table


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def _tokens(text: str) -> list[str]:
    return re.split(r"(\s+)", text)


def _check_token_by_token(actual: str, expected: str, where: str) -> None:
    got, want = _tokens(actual), _tokens(expected)
    for n, (a, b) in enumerate(zip(got, want)):
        assert a == b, f"{where}: token {n}: {a!r} != {b!r}"
    assert len(got) == len(want) and actual == expected, where


def _migrate(taskmint, root: Path, *args: str) -> dict:
    proc = taskmint("migrate", "--json", *args, root=root)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_generated_legacy_project_is_migrated_token_by_token(tmp_path: Path, taskmint) -> None:
    root = tmp_path / "legacy"
    root.mkdir()
    files = generate(root)
    assert len([f for f in files if f.legacy]) >= 200
    before = _snapshot(root)

    dry = _migrate(taskmint, root, "--dry-run")
    assert _snapshot(root) == before, "a dry run wrote something"
    assert dry["record"] is None and len(dry["tasks"]) == len(LEGACY) + len(DUPLICATED)

    done = _migrate(taskmint, root)
    new = {t["old_path"]: t["new_id"] for t in done["tasks"]}
    # The dry run printed exactly what the migration then did, only with placeholders for
    # the IDs that are drawn at random when it runs.
    placeholders = {f"<new-{n}>": t["new_id"] for n, t in enumerate(done["tasks"], 1)}
    filled = [re.sub(r"<new-\d+>", lambda m: placeholders[m.group(0)], line) for line in dry["lines"]]
    assert filled == done["lines"]
    assert [t["old_path"] for t in dry["tasks"]] == [t["old_path"] for t in done["tasks"]]

    new_by_title = _new_ids(root, files)
    table = _oracle(files, new_by_title)
    rewritten = 0
    for f in files:
        old_rel = f.path.relative_to(root).as_posix()
        if f.legacy:
            new_id = new_by_title[f.title]
            assert new[old_rel] == new_id
            rest = f.path.name[len(f.legacy):]
            name = new_id + (rest if rest != ".md" else f"-{f.title.replace(' ', '-')}.md")
            path = f.path.with_name(name)
            expected = f.render(table, extra_head=f"legacy_id: {f.legacy}\n")
            assert not f.path.exists()
        else:
            path, expected = f.path, f.render(table)
        _check_token_by_token(path.read_text(), expected, old_rel)
        rewritten += sum(1 for r in f.refs() if table(f, r) is not None)
    assert sum(1 for line in done["lines"] if line.startswith("rewrite ")) == rewritten
    ambiguous = [line for line in done["lines"] if line.startswith("ambiguous ")]
    assert ambiguous and all(re.search(r": (TASK-077|TASK-150) was the ID", a) for a in ambiguous)
    possible = [line for line in done["lines"] if line.startswith("possible reference ")]
    legacy_ids = {f.legacy for f in files if f.legacy}
    lookalikes = sum(1 for f in files for r in f.refs() if r.lower and r.target in legacy_ids)
    assert possible and len(possible) == lookalikes

    project = find_project(str(root))
    mapping = json.loads(project.mapping_path.read_text())["mappings"]
    assert not set(LEGACY) & set(mapping)
    for f in files:
        if f.legacy:
            n = files.index(f)
            assert mapping[new_by_title[f.title]] == {"jira": f"PROJ-{100 + n}", "github": f"#{100 + n}"}
    counters = json.loads(project.counters_path.read_text())["counters"]
    assert counters["jira"]["PROJ"] >= 100 + len(files) - 4 and counters["github"] >= 100 + len(files) - 4
    proc = taskmint("doctor", root=root)
    assert proc.returncode == 0, proc.stdout
    again = _migrate(taskmint, root)  # nothing left to do, and nothing done
    assert again["tasks"] == [] and again["record"] is None


def test_rollback_restores_migrated_files_and_keeps_later_work(tmp_path: Path, taskmint) -> None:
    root = tmp_path / "legacy"
    root.mkdir()
    files = generate(root, seed=11)
    before = _snapshot(root)
    done = _migrate(taskmint, root)
    new_of = {t["old_path"]: t["new_id"] for t in done["tasks"]}
    legacy_files = [f for f in files if f.legacy and f.legacy not in DUPLICATED]
    edited, completed, mentioned = legacy_files[10], legacy_files[20], legacy_files[30]
    edited_id, mentioned_id = (new_of[f.path.relative_to(root).as_posix()] for f in (edited, mentioned))

    # Work after the migration: new tasks that mention migrated ones, an edit, a completion.
    later = [json.loads(taskmint("create", f"later {n}", "--json", root=root).stdout) for n in range(3)]
    for task in later:
        with (root / task["path"]).open("a") as fh:
            fh.write(f"Depends on {mentioned_id} and {edited_id}.\n")
    edited_path = next(root.rglob(f"{edited_id}-*.md"))
    with edited_path.open("a") as fh:
        fh.write(f"Edited after the migration; see {mentioned_id}.\n")
    completed_id = new_of[completed.path.relative_to(root).as_posix()]
    assert taskmint("complete", completed_id, root=root).returncode == 0
    counters_before = json.loads(find_project(str(root)).counters_path.read_text())["counters"]
    later_texts = {t["path"]: (root / t["path"]).read_text() for t in later}

    proc = taskmint("migrate", "--rollback", root=root)
    assert proc.returncode == 0, proc.stderr
    after = _snapshot(root)
    untouched = {f.path.relative_to(root).as_posix() for f in files if f.legacy} - {
        f.path.relative_to(root).as_posix() for f in (edited, completed)}
    for rel in untouched:
        assert after.get(rel) == before[rel], f"{rel} was not restored byte for byte"
    for task in later:  # created after the migration: still there, now naming the legacy IDs
        text = (root / task["path"]).read_text()
        assert text == later_texts[task["path"]].replace(mentioned_id, mentioned.legacy).replace(
            edited_id, edited.legacy)
    upper = lambda f, ref: ref.target  # noqa: E731 - a rollback writes legacy IDs back in upper case
    edited_text = (root / edited.path.relative_to(root)).read_text()
    assert edited_text == edited.render(upper) + f"Edited after the migration; see {mentioned.legacy}.\n"
    done_path = next(root.glob(f"tasks/completed/20*/{completed.path.name}"))
    meta = tasks.read(find_project(str(root)), done_path).meta
    assert meta["id"] == completed.legacy and meta["status"] == "completed" and "legacy_id" not in meta
    counters_after = json.loads(find_project(str(root)).counters_path.read_text())["counters"]
    assert counters_after == counters_before  # never lowered
    mapping = json.loads(find_project(str(root)).mapping_path.read_text())["mappings"]
    assert {f.legacy for f in legacy_files} <= set(mapping) and {t["id"] for t in later} <= set(mapping)
    record = json.loads(next((root / ".claude/state/migrations").glob("*/record.json")).read_text())
    assert record["status"] == "rolled_back"

    # The same IDs are legacy again (the record says so) and migrate again.
    again = _migrate(taskmint, root)
    assert len(again["tasks"]) == len(LEGACY) + len(DUPLICATED)
    assert taskmint("migrate", "--rollback", root=root).returncode == 0  # undoes the second one


def _task(root: Path, task_id: str, body: str = "", **extra: str) -> Path:
    path = root / "tasks" / "backlog" / f"{task_id}-t.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = "".join(f"{k}: {v}\n" for k, v in extra.items())
    path.write_text(f"---\nid: {task_id}\ntitle: a task\nstatus: backlog\n{fields}---\n{body}")
    return path


def test_legacy_is_decided_from_state_not_from_the_shape(tmp_path: Path, taskmint) -> None:
    project = find_project(str(tmp_path))
    service.init(project, "PROJ", None, False, False, False)
    native = service.create(project, "native")
    # TASK-1234 looks like a hash ID and taskmint issued it (it is in the mapping);
    # TASK-1235 looks the same but taskmint never saw it: legacy.
    _task(tmp_path, "TASK-1234", "See TASK-1235.\n", external_ids="{jira: PROJ-2}")
    mapping = json.loads(project.mapping_path.read_text())
    mapping["mappings"]["TASK-1234"] = {"jira": "PROJ-2"}
    project.mapping_path.write_text(json.dumps(mapping))
    _task(tmp_path, "TASK-1235", "See TASK-1234.\n")
    done = _migrate(taskmint, tmp_path, "--dry-run")
    assert [t["legacy_id"] for t in done["tasks"]] == ["TASK-1235"]
    forced = _migrate(taskmint, tmp_path, "--dry-run", "--legacy", "task-1234")
    assert [t["legacy_id"] for t in forced["tasks"]] == ["TASK-1234", "TASK-1235"]
    done = _migrate(taskmint, tmp_path)
    assert [t["legacy_id"] for t in done["tasks"]] == ["TASK-1235"]
    assert (tmp_path / "tasks/backlog/TASK-1234-t.md").read_text().endswith(f"See {done['tasks'][0]['new_id']}.\n")
    assert native["id"] not in {t["legacy_id"] for t in done["tasks"]}


def test_guardkit_v1_state_is_imported_and_its_ids_are_legacy(tmp_path: Path, taskmint) -> None:
    state_dir = tmp_path / ".claude" / "state"
    state_dir.mkdir(parents=True)
    v1_mapping = json.dumps({"version": "1.0", "updated": "2025-01-01T00:00:00Z", "mappings": {
        "TASK-001": {"jira": "PROJ-7", "github": "12"}, "TASK-004A": {"jira": "PROJ-8"}}}).encode()
    v1_counters = json.dumps({"version": "1.0", "updated": "2025-01-01T00:00:00Z",
                              "counters": {"jira": {"PROJ": 9}, "github": 12}}).encode()
    (state_dir / "external_id_mapping.json").write_bytes(v1_mapping)
    (state_dir / "external_id_counters.json").write_bytes(v1_counters)
    _task(tmp_path, "TASK-001", "Blocks TASK-004A.\n")  # guardkit kept the numbers in its mapping only
    _task(tmp_path, "TASK-004A", "After TASK-001.\n", external_ids="{jira: PROJ-8}")
    done = _migrate(taskmint, tmp_path)
    assert done["lines"][:2] == ["import .claude/state/external_id_mapping.json: v1.0 -> 2.0",
                                 "import .claude/state/external_id_counters.json: v1.0 -> 2.0"]
    new = {t["legacy_id"]: t["new_id"] for t in done["tasks"]}
    assert set(new) == {"TASK-001", "TASK-004A"}  # TASK-004A is valid hex, yet legacy: v1.0 state says so
    project = find_project(str(tmp_path))
    mapping = json.loads(project.mapping_path.read_text())
    assert mapping["version"] == "2.0"
    assert mapping["mappings"] == {new["TASK-001"]: {"jira": "PROJ-7", "github": "#12"},
                                   new["TASK-004A"]: {"jira": "PROJ-8"}}
    counters = json.loads(project.counters_path.read_text())["counters"]
    assert counters["jira"]["PROJ"] == 9 and counters["github"] == 12
    moved = tasks.read(project, next(tmp_path.rglob(f"{new['TASK-001']}-*.md"))).meta
    assert moved["external_ids"] == {"jira": "PROJ-7", "github": "#12"} and moved["legacy_id"] == "TASK-001"
    backup = tmp_path / done["record"] / "backup" / ".claude" / "state"
    assert (backup / "external_id_mapping.json").read_bytes() == v1_mapping
    assert (backup / "external_id_counters.json").read_bytes() == v1_counters


def test_unreadable_files_are_reported_and_the_rest_migrated(tmp_path: Path, taskmint) -> None:
    _task(tmp_path, "TASK-001", "See TASK-002.\n")
    _task(tmp_path, "TASK-002")
    broken = tmp_path / "tasks" / "backlog" / "TASK-003-broken.md"
    broken.write_bytes(b"---\nid: TASK-003\ntitle: \xff\n---\nTASK-001\n")
    proc = taskmint("migrate", root=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "skip tasks/backlog/TASK-003-broken.md" in proc.stdout and "not valid UTF-8" in proc.stdout
    assert broken.read_bytes().endswith(b"TASK-001\n")
    assert sorted(p.name[:4] for p in (tmp_path / "tasks" / "backlog").iterdir()) == ["TASK"] * 3
    assert "migrated 2 tasks, 3 references in 2 files" in proc.stdout


def test_rollback_without_a_migration_is_one_clear_error(tmp_path: Path, taskmint) -> None:
    proc = taskmint("migrate", "--rollback", root=tmp_path)
    assert proc.returncode == 1 and proc.stderr.startswith("taskmint: error: there is no migration to roll back")


def test_rewrite_boundaries() -> None:
    from taskmint.migrate import rewrite

    table = {"TASK-004": "TASK-AAAA", "TASK-004A": "TASK-BBBB", "TASK-12": "TASK-CCCC", "TASK-9": None}
    text = ("TASK-004 TASK-004A TASK-0040 TASK-004.1 (TASK-004) TASK-004-x.md task-004a SUBTASK-004 "
            "TASK-12-ABCD TASK-12-notes TASK-9 x-TASK-004\nTASK-004")
    out, changes = rewrite(text, table, keep={"TASK-12-ABCD"})
    assert out == ("TASK-AAAA TASK-BBBB TASK-0040 TASK-AAAA.1 (TASK-AAAA) TASK-AAAA-x.md task-004a SUBTASK-004 "
                   "TASK-12-ABCD TASK-CCCC-notes TASK-9 x-TASK-004\nTASK-AAAA")
    assert [(c.line, c.old, c.new) for c in changes][-2:] == [(1, "TASK-9", None), (2, "TASK-004", "TASK-AAAA")]
    assert [(c.old, c.new) for c in changes if c.possible] == [("task-004a", "TASK-BBBB")]  # listed, left alone
    asked, _ = rewrite(text, table, keep={"TASK-12-ABCD"}, include_lowercase=True)
    assert asked == out.replace("task-004a", "TASK-BBBB")
    assert frontmatter.split(out) is None


def test_lower_case_look_alikes_in_branch_names_are_listed_not_rewritten(tmp_path: Path, taskmint) -> None:
    """Issue 10 item 15: run on guardkit's repository, migrate rewrote lower-case mentions
    inside git branch names (`claude/task-045-work-011CU...` -> `claude/TASK-96E1FF-work-...`).
    A reference starts with upper-case TASK- (the hash part in either case: TASK-a3f8)."""
    root = tmp_path / "legacy"
    root.mkdir()
    service.init(find_project(str(root)), "PROJ", None, False, False, False)
    (root / "tasks" / "backlog" / "TASK-045-work.md").write_text(
        "---\nid: TASK-045\ntitle: work\nstatus: backlog\nbranch: claude/task-045-work-011CUabc\n---\n")
    other = root / "tasks" / "backlog" / "TASK-003B-qa-mode.md"
    body = "Branch feature/task-003b-4-qa-mode; see TASK-045 and TASK-003b.\n"
    other.write_text(f"---\nid: TASK-003B\ntitle: qa mode\nstatus: backlog\n---\n{body}")

    dry = _migrate(taskmint, root, "--dry-run")
    possible = [line for line in dry["lines"] if line.startswith("possible reference ")]
    assert len(possible) == 2 and all("--include-lowercase" in line for line in possible), dry["lines"]
    assert any("claude/" not in line and ": task-045 (would be <new-" in line for line in possible)
    done = _migrate(taskmint, root)
    new = {t["legacy_id"]: t["new_id"] for t in done["tasks"]}
    first = (root / "tasks" / "backlog" / f"{new['TASK-045']}-work.md").read_text()
    assert "branch: claude/task-045-work-011CUabc\n" in first and f"id: {new['TASK-045']}\n" in first
    second = (root / "tasks" / "backlog" / f"{new['TASK-003B']}-qa-mode.md").read_text()
    assert second.endswith(f"Branch feature/task-003b-4-qa-mode; see {new['TASK-045']} and {new['TASK-003B']}.\n")
    ok_rollback = taskmint("migrate", "--rollback", root=root)
    assert ok_rollback.returncode == 0, ok_rollback.stderr

    asked = _migrate(taskmint, root, "--include-lowercase")
    again = {t["legacy_id"]: t["new_id"] for t in asked["tasks"]}
    first = (root / "tasks" / "backlog" / f"{again['TASK-045']}-work.md").read_text()
    assert f"branch: claude/{again['TASK-045']}-work-011CUabc\n" in first
    assert not [line for line in asked["lines"] if line.startswith("possible reference ")]
