"""`taskmint init` and `taskmint install-commands` write the bare /task-* commands into the
project, and never overwrite a command file that is not taskmint's."""
from __future__ import annotations

import json

from taskmint import project_commands

NAMES = ("task-create", "task-complete", "task-move", "task-show")


def js(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_init_writes_the_commands_marked_as_taskmints(tmp_path, taskmint) -> None:
    root = tmp_path / "p"
    root.mkdir()
    out = js(taskmint("init", "--jira", "PROJ", "--json", root=root))
    assert [c["name"] for c in out["commands"]] == list(NAMES)
    for name in NAMES:
        path = root / ".claude" / "commands" / f"{name}.md"
        text = path.read_text()
        assert text == project_commands.text(name) and project_commands.is_taskmints(path)
        assert "disable-model-invocation: true\n" in text
        # a teammate without the plugin gets this body alone: it must say the plugin is missing
        assert f"Nothing was done: /{name} needs the taskmint plugin" in text and "never say that a task was" in text


def test_no_commands_skips_them(tmp_path, taskmint) -> None:
    root = tmp_path / "p"
    root.mkdir()
    assert js(taskmint("init", "--no-commands", "--json", root=root))["commands"] == []
    assert not (root / ".claude" / "commands").exists()


def test_install_commands_keeps_a_users_own_file_and_says_so(tmp_path, taskmint) -> None:
    root = tmp_path / "p"
    (root / ".claude" / "commands").mkdir(parents=True)
    own = root / ".claude" / "commands" / "task-create.md"
    own.write_text("---\ndescription: our team's own task-create\n---\nDo it our way.\n")
    proc = taskmint("init", root=root)
    assert proc.returncode == 0, proc.stderr
    [line] = [l for l in proc.stdout.splitlines() if "task-create.md" in l]
    assert line.startswith("kept .claude/commands/task-create.md: it is not taskmint's")
    assert "use /taskmint:task-create for taskmint's" in line
    assert own.read_text() == "---\ndescription: our team's own task-create\n---\nDo it our way.\n"
    again = js(taskmint("install-commands", "--json", root=root))["commands"]
    assert {c["name"]: c["action"] for c in again} == {"task-create": "kept", "task-complete": "unchanged",
                                                       "task-move": "unchanged", "task-show": "unchanged"}
    assert own.read_text().endswith("Do it our way.\n")


def test_install_commands_refreshes_taskmints_own_files_only(tmp_path, taskmint) -> None:
    root = tmp_path / "p"
    root.mkdir()
    js(taskmint("init", "--json", root=root))
    stale = root / ".claude" / "commands" / "task-move.md"
    stale.write_text(project_commands.text("task-move").replace("one sentence", "two sentences"))
    target = tmp_path / "elsewhere.md"
    target.write_text("not yours\n")
    linked = root / ".claude" / "commands" / "task-show.md"
    linked.unlink()
    linked.symlink_to(target)
    out = {c["name"]: c["action"] for c in js(taskmint("install-commands", "--json", root=root))["commands"]}
    assert out == {"task-create": "unchanged", "task-complete": "unchanged", "task-move": "updated",
                   "task-show": "kept"}
    assert stale.read_text() == project_commands.text("task-move")
    assert target.read_text() == "not yours\n" and linked.is_symlink()
