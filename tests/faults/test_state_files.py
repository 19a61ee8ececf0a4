"""Damaged state files: truncated at every byte offset, invalid JSON, schema violations,
missing keys, a newer version, a .bak that is bad too, files deleted. Each either recovers
correctly (with a warning, counters never below a number in use) or fails with one clear
line and leaves every file as it was. Counters are never silently reset."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from filestate import changed, numbers, one_error_line, tree
from taskmint import external_ids, main, state
from taskmint.errors import StateError
from taskmint.project import Project, find_project
from taskmint.transaction import transaction

ALL_TOOLS = ("--jira", "PROJ", "--linear", "ENG", "--github", "--azure-devops")


@pytest.fixture
def busy(tmp_path: Path) -> Project:
    """A project with five tasks, one completed, so every state file has a .bak."""
    root = tmp_path / "proj"
    root.mkdir()
    assert main.main(["--root", str(root), "init", *ALL_TOOLS]) == 0
    for n in range(5):
        assert main.main(["--root", str(root), "create", f"task {n}", "--tag", "t"]) == 0
    assert main.main(["--root", str(root), "complete", "PROJ-2"]) == 0
    return find_project(str(root))


def state_files(project: Project) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in project.state_dir.iterdir() if p.name.endswith((".json", ".bak"))}


def restore(files: dict[Path, bytes]) -> None:
    for path, data in files.items():
        path.write_bytes(data)


def assert_never_below_use(project: Project) -> None:
    counters = json.loads(project.counters_path.read_bytes())["counters"]
    for (tool, key), used in numbers(project.root).items():
        assert external_ids.counter_value(counters, tool, key) >= max(used), (tool, key, counters)


def load_fresh(project: Project) -> state.State:
    with transaction(project) as txn:
        return txn.state


@pytest.mark.parametrize("which", ["mapping", "counters"])
def test_truncated_at_every_offset_recovers_from_backup(busy: Project, which: str, capsys) -> None:
    path = busy.mapping_path if which == "mapping" else busy.counters_path
    pristine = state_files(busy)
    whole = pristine[path]
    recovered = 0
    for offset in range(len(whole)):
        path.write_bytes(whole[:offset])
        loaded = load_fresh(busy)
        warning = capsys.readouterr().err
        if loaded.repaired:
            recovered += 1
            assert f"{busy.rel(path)} is unusable" in warning and "recovered it from" in warning, warning
        else:  # only the final newline was cut: the same JSON
            assert json.loads(whole[:offset]) == json.loads(whole)
        assert_never_below_use(busy)
        assert json.loads(path.read_bytes())  # rewritten whole at once
        restore(pristine)
    assert recovered >= len(whole) - 1


@pytest.mark.parametrize("backup", ["missing", "truncated"])
@pytest.mark.parametrize("which", ["mapping", "counters"])
def test_truncated_without_a_good_backup_is_refused_untouched(busy: Project, which: str, backup: str) -> None:
    path = busy.mapping_path if which == "mapping" else busy.counters_path
    bak = path.with_name(path.name + ".bak")
    whole = path.read_bytes()
    if backup == "missing":
        bak.unlink()
    else:
        bak.write_bytes(bak.read_bytes()[: len(bak.read_bytes()) // 2])
    for offset in range(len(whole) - 1):  # all but the cut of the final newline
        path.write_bytes(whole[:offset])
        before = tree(busy.root)
        with pytest.raises(StateError) as info:
            load_fresh(busy)
        assert busy.rel(path) in str(info.value) and "doctor" in str(info.value)
        assert not changed(before, tree(busy.root))


def _counters(project: Project) -> dict:
    return json.loads(project.counters_path.read_bytes())


def _edit(data: dict, path: tuple, value: object) -> dict:
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


# name -> (file, new content); None content deletes the file.
DAMAGE = {
    "empty": ("counters", b""),
    "not JSON": ("counters", b"{\"version\": \"2.0\", oops}"),
    "invalid UTF-8": ("mapping", b"{\"version\": \"2.0\", \"x\": \"\xff\xfe\"}"),
    "JSON null": ("counters", b"null"),
    "JSON list": ("mapping", b"[]"),
    "NUL bytes": ("counters", b"\0" * 64),
    "no version": ("counters", lambda d: _edit(d, ("version",), KeyError)),
    "negative counter": ("counters", lambda d: _edit(d, ("counters", "github"), -1)),
    "string counter": ("counters", lambda d: _edit(d, ("counters", "jira", "PROJ"), "5")),
    "missing github key": ("counters", lambda d: _edit(d, ("counters", "github"), KeyError)),
    "missing counters": ("counters", lambda d: _edit(d, ("counters",), KeyError)),
    "extra top-level key": ("counters", lambda d: _edit(d, ("extra",), 1)),
    "lower-case jira key": ("counters", lambda d: _edit(d, ("counters", "jira", "proj"), 3)),
    "mapping value shape": ("mapping", lambda d: _edit(d, ("mappings", min(d["mappings"]), "github"), "34")),
    "mapping key shape": ("mapping", lambda d: _edit(d, ("mappings", "../../etc"), {})),
    "missing mappings": ("mapping", lambda d: _edit(d, ("mappings",), KeyError)),
}


def _damage(project: Project, which: str, content: object) -> Path:
    path = project.mapping_path if which == "mapping" else project.counters_path
    if callable(content):
        content = json.dumps(content(json.loads(path.read_bytes()))).encode()
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damage_recovers_from_a_good_backup(busy: Project, name: str, taskmint) -> None:
    which, content = DAMAGE[name]
    path = _damage(busy, which, content)
    proc = taskmint("create", "after damage", "--json", root=busy.root)
    assert proc.returncode == 0, proc.stderr
    assert f"{busy.rel(path)} is unusable" in proc.stderr and "recovered it from" in proc.stderr
    issued = json.loads(proc.stdout)["external_ids"]
    assert issued["jira"] == "PROJ-6" and issued["github"] == "#6"  # above all five, none reused
    assert_never_below_use(busy)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damage_with_a_bad_backup_is_refused_untouched(busy: Project, name: str, taskmint) -> None:
    which, content = DAMAGE[name]
    path = _damage(busy, which, content)
    shutil.copyfile(path, path.with_name(path.name + ".bak"))
    before = tree(busy.root)
    for args in (("create", "x"), ("complete", "PROJ-1"), ("show", "PROJ-1")):
        proc = taskmint(*args, root=busy.root)
        assert proc.returncode == 1
        line = one_error_line(proc.stderr)
        assert busy.rel(path) in line and ".bak is unusable too" in line and "doctor" in line, line
        assert not changed(before, tree(busy.root))


@pytest.mark.parametrize("which", ["mapping", "counters"])
@pytest.mark.parametrize("version", ["2.1", "3.0", "10.0"])
def test_newer_version_is_refused_not_recovered(busy: Project, which: str, version: str, taskmint) -> None:
    """A good older .bak must not win over a file a newer taskmint wrote (silent downgrade)."""
    path = _damage(busy, which, lambda d: _edit(d, ("version",), version))
    before = tree(busy.root)
    proc = taskmint("create", "x", root=busy.root)
    assert proc.returncode == 1
    line = one_error_line(proc.stderr)
    assert busy.rel(path) in line and version in line and "upgrade taskmint" in line, line
    assert not changed(before, tree(busy.root))


@pytest.mark.parametrize("which", ["mapping", "counters"])
@pytest.mark.parametrize("version", ["99", 3, "two", None, "", "0.9", "2.0.1"])
def test_unreadable_version_is_refused_not_recovered(busy: Project, which: str, version: object, taskmint) -> None:
    """Issue 10 item 6: a version that is not "N.M" ("99", 3) was called corrupt and silently
    replaced by the older .bak (exit 0), while "3.0" was refused as newer. (This case used to
    be in DAMAGE as "unreadable version", expecting the recovery: that was the bug.)"""
    path = _damage(busy, which, lambda d: _edit(d, ("version",), version))
    before = tree(busy.root)
    shown = version if version else json.dumps(version)
    for args in (("create", "x"), ("complete", "PROJ-1"), ("show", "PROJ-1")):
        proc = taskmint(*args, root=busy.root)
        assert proc.returncode == 1, (args, proc.stderr)
        line = one_error_line(proc.stderr)
        assert f"{busy.rel(path)} has version {shown}, which this taskmint cannot read" in line, line
        assert "left untouched" in line and "recovered" not in proc.stderr, line
    proc = taskmint("doctor", root=busy.root)
    assert proc.returncode == 1 and f"state-newer: {busy.rel(path)}: has version {shown}" in proc.stdout
    proc = taskmint("doctor", "--fix", root=busy.root)
    assert proc.returncode == 1 and "fixed:" not in proc.stdout
    assert f"state-newer: {busy.rel(path)}" in proc.stdout or "cannot read" in one_error_line(proc.stderr)
    assert not changed(before, tree(busy.root))


def test_newer_backup_of_a_broken_file_is_refused(busy: Project, taskmint) -> None:
    bak = busy.counters_path.with_name(busy.counters_path.name + ".bak")
    bak.write_bytes(json.dumps(_edit(_counters(busy), ("version",), "3.0")).encode())
    busy.counters_path.write_bytes(b"{")
    before = tree(busy.root)
    proc = taskmint("create", "x", root=busy.root)
    assert proc.returncode == 1 and "upgrade taskmint" in one_error_line(proc.stderr)
    assert not changed(before, tree(busy.root))


def test_lost_state_directory_never_reissues_numbers(busy: Project, taskmint) -> None:
    """Regression: with .claude/state gone (lost, or a fresh clone that never had it) the
    counters restarted at 1 and PROJ-1 was issued a second time."""
    shutil.rmtree(busy.state_dir)
    proc = taskmint("create", "in a fresh clone", "--json", root=busy.root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["external_ids"]["jira"] == "PROJ-6"
    assert "rebuilt it from the numbers the task files carry" in proc.stderr
    assert_never_below_use(busy)


def test_lost_counters_with_mapping_is_refused(busy: Project, taskmint) -> None:
    for name in ("external_id_counters.json", "external_id_counters.json.bak"):
        (busy.state_dir / name).unlink()
    before = tree(busy.root)
    proc = taskmint("create", "x", root=busy.root)
    assert proc.returncode == 1 and "doctor --fix" in one_error_line(proc.stderr)
    assert not changed(before, tree(busy.root))


def test_state_path_that_is_a_directory(busy: Project, taskmint) -> None:
    for path in (busy.counters_path, busy.counters_path.with_name(busy.counters_path.name + ".bak")):
        path.unlink()
        path.mkdir()
    before = tree(busy.root)
    proc = taskmint("create", "x", root=busy.root)
    assert proc.returncode == 1 and "directory" in one_error_line(proc.stderr)
    assert not changed(before, tree(busy.root))
