"""PostToolUse: a task file the agent wrote gets its IDs, in one locked transaction."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hook_helpers import PLUGIN_ROOT, hook_env, hook_output, run_hook, tool_payload
from taskmint import ids, service, state, tasks
from taskmint.errors import TaskmintError
from taskmint.plugin.register import register
from taskmint.project import Project, find_project
from taskmint.transaction import transaction

AGENT_TEXT = (
    "---\n"
    "title: Fix the login\n"
    "# the agent's comment\n"
    "owner: alice   # kept as written\n"
    "tags: [auth,  api]\n"
    "---\n\n"
    "Body with `code` and --- inside.\n"
)


def _state(project: Project) -> state.State:
    return state.load(project)


def _meta(path: Path, project: Project) -> dict:
    return tasks.read(project, path).meta


def test_file_without_id_gets_ids_name_and_state(tm_project: Project, write_file) -> None:
    path = write_file(tm_project.tasks_dir / "backlog" / "login.md", AGENT_TEXT)
    done = register(tm_project, path)
    assert done is not None and ids.is_valid_id(done.task_id)
    assert done.external == {"jira": "PROJ-1", "github": "#1"}
    assert done.renamed_from == path and not path.exists()
    assert done.path == path.with_name(f"{done.task_id}-fix-the-login.md")
    text = done.path.read_text()
    assert text.startswith(f"---\nid: {done.task_id}\ntitle: Fix the login\n# the agent's comment\n"
                           "owner: alice   # kept as written\ntags: [auth,  api]\n")
    assert text.endswith("---\n\nBody with `code` and --- inside.\n")
    meta = _meta(done.path, tm_project)
    assert meta["status"] == "backlog" and meta["priority"] == "medium"
    assert meta["external_ids"] == {"jira": "PROJ-1", "github": "#1"}
    st = _state(tm_project)
    assert st.mappings == {done.task_id: {"jira": "PROJ-1", "github": "#1"}}
    assert st.counters["jira"] == {"PROJ": 1} and st.counters["github"] == 1
    assert "it had no ID" in done.why


def test_numbers_continue_after_cli_created_tasks(tm_project: Project, write_file) -> None:
    service.create(tm_project, "First")
    path = write_file(tm_project.tasks_dir / "in_progress" / "second.md", "---\ntitle: Second\n---\n")
    done = register(tm_project, path)
    assert done.external == {"jira": "PROJ-2", "github": "#2"}
    assert _meta(done.path, tm_project)["status"] == "in_progress"


def test_valid_unknown_id_is_kept_and_gets_external_ids(tm_project: Project, write_file) -> None:
    path = write_file(tm_project.tasks_dir / "backlog" / "TASK-C0DE-mine.md", "---\nid: task-c0de\ntitle: Mine\n---\n")
    done = register(tm_project, path)
    assert done.task_id == "TASK-C0DE" and "is kept" in done.why
    assert done.path.name == "TASK-C0DE-mine.md" and done.renamed_from is None
    assert _meta(done.path, tm_project)["id"] == "TASK-C0DE"
    assert _state(tm_project).mappings["TASK-C0DE"] == {"jira": "PROJ-1", "github": "#1"}


def test_copy_of_an_existing_task_gets_a_new_id(tm_project: Project) -> None:
    original = tm_project.root / service.create(tm_project, "Original")["path"]
    before = original.read_bytes()
    copy = tm_project.tasks_dir / "in_progress" / "copy.md"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(before)
    done = register(tm_project, copy)
    old_id = _meta(original, tm_project)["id"]
    assert done.task_id != old_id and tm_project.rel(original) in done.why
    assert done.external == {"jira": "PROJ-2", "github": "#2"}
    assert original.read_bytes() == before
    assert set(_state(tm_project).mappings) == {old_id, done.task_id}


def test_id_issued_elsewhere_but_unmapped_gets_a_new_id(tm_project: Project, write_file) -> None:
    subprocess.run(["git", "init", "-q", str(tm_project.root)], check=True)
    project = find_project(str(tm_project.root))
    assert project.registry_path is not None
    with transaction(project) as txn:  # as if another worktree had issued it
        txn.registry.ids.add("TASK-AAAA")
        txn.save_numbers()
    path = write_file(project.tasks_dir / "backlog" / "x.md", "---\nid: TASK-AAAA\ntitle: X\n---\n")
    done = register(project, path)
    assert done.task_id != "TASK-AAAA" and "already issued" in done.why


def test_existing_task_edited_is_left_alone(tm_project: Project) -> None:
    path = tm_project.root / service.create(tm_project, "Keep me")["path"]
    previous = path.read_text()
    path.write_text(previous.replace("## Description", "## Details"))
    before = path.read_bytes()
    assert register(tm_project, path, previous) is None
    assert path.read_bytes() == before


def test_hook_on_an_edited_task_takes_no_lock(tm_project: Project, project_env) -> None:
    info = service.create(tm_project, "Edited")
    path = tm_project.root / info["path"]
    previous = path.read_text()
    path.write_text(previous.replace("## Description", "## Details"))
    payload = tool_payload("PostToolUse", tm_project, info["path"], "Edit", old_string="## Description",
                           new_string="## Details")
    payload["tool_response"] = {"filePath": str(path), "originalFile": previous}
    proc = run_hook("post-tool-use", payload, env=project_env, flags=("-X", "importtime"))
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert proc.returncode == 0 and proc.stdout == ""
    # the file was read (flatyaml: taskmint's own layout needs no yaml) and no lock was taken
    # (lock.held imports fcntl only to lock); filelock no longer tells, as it is off the hot path
    assert "taskmint.flatyaml" in imported and "fcntl" not in imported
    assert not {m for m in imported if m.startswith(("yaml", "filelock", "jsonschema"))}
    assert path.read_text() == previous.replace("## Description", "## Details")


def test_rewritten_task_gets_its_mapped_external_ids_back(tm_project: Project) -> None:
    info = service.create(tm_project, "Redo")
    path = tm_project.root / info["path"]
    path.unlink()
    fresh = path.with_name("redo.md")
    fresh.write_text(f"---\nid: {info['id']}\ntitle: Redo\n---\n")
    done = register(tm_project, fresh, None)
    assert done.task_id == info["id"] and done.external == info["external_ids"]
    assert done.path == path and _meta(path, tm_project)["external_ids"] == info["external_ids"]
    assert _state(tm_project).counters["jira"] == {"PROJ": 1}  # nothing new issued


def test_epic_gives_the_prefix_and_parent_a_subtask_id(tm_project: Project, write_file) -> None:
    epic = register(tm_project, write_file(tm_project.tasks_dir / "backlog" / "e.md",
                                           "---\ntitle: E\nepic: EPIC-007\n---\n"))
    assert epic.task_id.startswith("TASK-E07-")
    parent = service.create(tm_project, "Parent")["id"]
    service.create(tm_project, "Child one", parent=parent)
    child = register(tm_project, write_file(tm_project.tasks_dir / "backlog" / "c.md",
                                            f"---\ntitle: Child two\nparent: {parent}\n---\n"))
    assert child.task_id == f"{parent}.2"


@pytest.mark.parametrize("text, problem", [
    ("title: Forgot the dashes\n", "no YAML frontmatter"),  # a plain note is left alone (issue 10 item 10)
    ("---\nowner: me\n---\n", "has no title"),
    ("---\ntitle: [unclosed\n---\n", "not valid YAML"),
])
def test_files_that_are_not_tasks_yet_are_explained_and_untouched(tm_project: Project, write_file,
                                                                  text: str, problem: str) -> None:
    path = write_file(tm_project.tasks_dir / "backlog" / "n.md", text)
    with pytest.raises(TaskmintError, match=problem):
        register(tm_project, path)
    assert path.read_text() == text and _state(tm_project).mappings == {}


@pytest.mark.parametrize("rel", ["tasks/README.md", "tasks/templates/t.md", "tasks/backlog/x.txt"])
def test_files_outside_status_folders_are_ignored(tm_project: Project, write_file, rel: str) -> None:
    path = write_file(tm_project.root / rel, "---\ntitle: T\n---\n")
    assert register(tm_project, path) is None and path.read_text() == "---\ntitle: T\n---\n"


def test_taken_conventional_name_keeps_the_agent_name(tm_project: Project, write_file, monkeypatch) -> None:
    monkeypatch.setattr(ids, "new_id", lambda prefix, n, taken: "TASK-F00D")
    squatter = write_file(tm_project.tasks_dir / "backlog" / "TASK-F00D-same.md", "not a task\n")
    path = write_file(tm_project.tasks_dir / "backlog" / "same.md", "---\ntitle: Same\n---\n")
    done = register(tm_project, path)
    assert done.path == path and done.renamed_from is None
    assert squatter.read_text() == "not a task\n"


def test_hook_tells_the_model_the_ids(tm_project: Project, project_env, write_file) -> None:
    write_file(tm_project.tasks_dir / "backlog" / "hook.md", "---\ntitle: Via hook\n---\n")
    payload = tool_payload("PostToolUse", tm_project, "tasks/backlog/hook.md", content="---\ntitle: Via hook\n---\n")
    payload["tool_response"] = {"type": "create", "filePath": payload["tool_input"]["file_path"], "originalFile": None}
    proc = run_hook("post-tool-use", payload, env=project_env)
    assert proc.returncode == 0, proc.stderr
    out = hook_output(proc)
    [path] = (tm_project.tasks_dir / "backlog").glob("TASK-*-via-hook.md")
    context = out["hookSpecificOutput"]["additionalContext"]
    task_id = _meta(path, tm_project)["id"]
    assert f"Its ID is {task_id}" in context and "jira PROJ-1, github #1" in context
    assert f"renamed to {tm_project.rel(path)}" in context
    assert out["systemMessage"] == f"taskmint: {tm_project.rel(path)} is {task_id} (PROJ-1, #1)"


def test_hook_explains_a_file_it_cannot_register(tm_project: Project, project_env, write_file) -> None:
    write_file(tm_project.tasks_dir / "backlog" / "bad.md", "---\ntitle: [x\n---\n")
    proc = run_hook("post-tool-use", tool_payload("PostToolUse", tm_project, "tasks/backlog/bad.md"), env=project_env)
    context = hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    assert proc.returncode == 0 and context.startswith("taskmint did not register tasks/backlog/bad.md as a task:")


def test_hook_on_an_unregistrable_state_fails_open(tm_project: Project, project_env, write_file) -> None:
    tm_project.mapping_path.write_text("{ broken")
    (tm_project.mapping_path.with_name(tm_project.mapping_path.name + ".bak")).write_text("{ broken")
    write_file(tm_project.tasks_dir / "backlog" / "s.md", "---\ntitle: S\n---\n")
    proc = run_hook("post-tool-use", tool_payload("PostToolUse", tm_project, "tasks/backlog/s.md"), env=project_env)
    assert proc.returncode == 0
    assert "doctor --fix" in hook_output(proc)["hookSpecificOutput"]["additionalContext"]
    assert (tm_project.tasks_dir / "backlog" / "s.md").read_text() == "---\ntitle: S\n---\n"


_WORKER = """
import json, sys
from pathlib import Path
from taskmint.project import find_project
from taskmint.plugin.register import register
project = find_project(sys.argv[1])
done = register(project, Path(sys.argv[2]))
print(json.dumps({"id": done.task_id, "external": done.external}))
"""


def test_concurrent_registrations_never_share_a_number(tm_project: Project, write_file) -> None:
    n = 8
    paths = [write_file(tm_project.tasks_dir / "backlog" / f"c{i}.md", f"---\ntitle: C{i}\n---\n") for i in range(n)]
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tm_project.root), str(p)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=hook_env({"PYTHONPATH": str(PLUGIN_ROOT / "lib")}))
             for p in paths]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert len({r["id"] for r in results}) == n
    assert sorted(r["external"]["jira"] for r in results) == sorted(f"PROJ-{i}" for i in range(1, n + 1))
    st = _state(tm_project)
    assert len(st.mappings) == n and st.counters["jira"] == {"PROJ": n} and st.counters["github"] == n


# --- issue 10 ------------------------------------------------------------------------------


def _hook_write(project: Project, env: dict[str, str], rel: str, text: str) -> dict:
    """Write ``rel`` as the agent's Write tool does, then run the real PostToolUse hook on it."""
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    payload = tool_payload("PostToolUse", project, rel, content=text)
    payload["tool_response"] = {"type": "create", "filePath": str(path), "content": text, "originalFile": None}
    proc = run_hook("post-tool-use", payload, env=env)
    assert proc.returncode == 0, proc.stderr
    return hook_output(proc)


def _ids_on_disk(project: Project) -> list[tuple[str, dict]]:
    return sorted((str(meta["id"]), meta["external_ids"]) for _, meta in tasks.iter_frontmatter(project))


def test_item1_copy_of_a_task_with_a_digit_leading_title_gets_new_numbers(tm_project: Project, project_env,
                                                                          taskmint) -> None:
    created = json.loads(taskmint("create", "2024 roadmap", "--json", root=tm_project.root).stdout)
    original = tm_project.root / created["path"]
    assert ids.id_from_filename(original.name) == created["id"]  # the name no longer reads as a longer ID
    _hook_write(tm_project, project_env, "tasks/in_progress/roadmap-copy.md", original.read_text())
    found = _ids_on_disk(tm_project)
    assert len({i for i, _ in found}) == 2
    assert sorted(ext["jira"] for _, ext in found) == ["PROJ-1", "PROJ-2"]


def test_item1_copy_of_a_task_whose_old_style_name_is_ambiguous_gets_new_numbers(tm_project: Project, project_env,
                                                                                 taskmint) -> None:
    created = json.loads(taskmint("create", "2024 roadmap", "--json", root=tm_project.root).stdout)
    original = tm_project.root / created["path"]
    old_style = original.with_name(f"{created['id']}-2024-roadmap.md")  # as taskmint named it before
    original.rename(old_style)
    _hook_write(tm_project, project_env, "tasks/in_progress/roadmap-copy.md", old_style.read_text())
    assert sorted(ext["jira"] for _, ext in _ids_on_disk(tm_project)) == ["PROJ-1", "PROJ-2"]


def test_item1_copy_of_a_task_renamed_by_hand_gets_new_numbers(tm_project: Project, project_env, taskmint) -> None:
    created = json.loads(taskmint("create", "Renamed", "--json", root=tm_project.root).stdout)
    original = tm_project.root / created["path"]
    renamed = original.with_name("TASK-BEEF-my-own-name.md")  # a name that names another ID
    original.rename(renamed)
    _hook_write(tm_project, project_env, "tasks/backlog/copy.md", renamed.read_text())
    found = _ids_on_disk(tm_project)
    assert len({i for i, _ in found}) == 2
    assert sorted(ext["jira"] for _, ext in found) == ["PROJ-1", "PROJ-2"]


def test_item1_copy_of_a_task_unreadable_mid_edit_gets_new_numbers(tm_project: Project, project_env,
                                                                   taskmint) -> None:
    created = json.loads(taskmint("create", "Mid edit", "--json", root=tm_project.root).stdout)
    original = tm_project.root / created["path"]
    text = original.read_text()
    original.write_text(text.replace("priority: medium", "priority: [unclosed"))  # invalid YAML for a moment
    out = _hook_write(tm_project, project_env, "tasks/in_progress/copy.md", text)
    assert "belongs to" in out["hookSpecificOutput"]["additionalContext"]
    [(_, meta)] = list(tasks.iter_frontmatter(tm_project))  # the copy; the original does not parse
    assert meta["id"] != created["id"] and meta["external_ids"] == {"jira": "PROJ-2", "github": "#2"}


def test_item1_task_rewritten_from_scratch_still_keeps_its_ids(tm_project: Project, project_env, taskmint) -> None:
    created = json.loads(taskmint("create", "2024 plan", "--json", root=tm_project.root).stdout)
    original = tm_project.root / created["path"]
    text = original.read_text()
    original.unlink()
    _hook_write(tm_project, project_env, "tasks/backlog/plan.md", text)
    assert _ids_on_disk(tm_project) == [(created["id"], created["external_ids"])]


def test_a_declared_status_folder_holds_tasks_and_gives_its_status(tm_project: Project, write_file) -> None:
    with open(tm_project.config_path, "a", encoding="utf-8") as f:
        f.write("statuses:\n  backlog: open\n  Design_Approved: open\n  completed: done\n")
    path = write_file(tm_project.tasks_dir / "design_approved" / "plan.md", "---\ntitle: Plan it\n---\n")
    done = register(tm_project, path)
    assert done is not None and _meta(done.path, tm_project)["status"] == "Design_Approved"
    # a folder that is no declared status is not a task folder
    other = write_file(tm_project.tasks_dir / "in_review" / "x.md", "---\ntitle: X\n---\n")
    assert register(tm_project, other) is None
