from __future__ import annotations

import json
import pathlib
import re
from datetime import datetime

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from taskmint import frontmatter, ids, service, state
from taskmint.errors import TaskmintError, UsageError


def frontmatter_of(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


def force_hashes(monkeypatch, *digests):
    """Make new_id draw these hex digests, in order."""
    it = iter(digests)
    monkeypatch.setattr(ids.secrets, "token_hex", lambda n: next(it))


def hand_written(project, rel, task_id, status="backlog", extra=""):
    path = project.tasks_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nid: {task_id}\ntitle: hand written\nstatus: {status}\n{extra}---\nbody\n", encoding="utf-8")
    return path


# --- create ------------------------------------------------------------------------------


def test_create_writes_the_task_mapping_and_counters(project):
    task = service.create(project, "Fix the login bug", priority="high", tags=["auth", "web"])
    assert re.fullmatch(r"TASK-[0-9A-F]{4}", task["id"])
    assert task["path"] == f"tasks/backlog/{task['id']}-fix-the-login-bug.md"
    assert task["external_ids"] == {"jira": "PROJ-1", "linear": "ENG-1", "github": "#1", "azure_devops": "1"}
    assert task["status"] == "backlog" and task["priority"] == "high" and task["tags"] == ["auth", "web"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", task["created"]) and task["updated"] == task["created"]

    path = project.root / task["path"]
    text = path.read_text(encoding="utf-8")
    assert f"\ncreated: {task['created']}\n" in text  # an unquoted YAML timestamp, like hand-written files
    meta = frontmatter_of(path)
    assert list(meta) == ["id", "title", "status", "created", "updated", "priority", "tags", "external_ids"]
    assert meta["id"] == task["id"] and meta["title"] == "Fix the login bug" and isinstance(meta["created"], datetime)
    assert meta["external_ids"] == task["external_ids"]

    loaded = state.load(project)
    assert loaded.mappings == {task["id"]: task["external_ids"]}
    assert loaded.counters == {"jira": {"PROJ": 1}, "linear": {"ENG": 1}, "github": 1, "azure_devops": 1}


def test_create_numbers_follow_on_and_ids_are_unique(project):
    made = [service.create(project, f"task {n}") for n in range(1, 6)]
    assert [t["external_ids"]["github"] for t in made] == ["#1", "#2", "#3", "#4", "#5"]
    assert [t["external_ids"]["jira"] for t in made] == [f"PROJ-{n}" for n in range(1, 6)]
    assert len({t["id"] for t in made}) == 5
    assert state.load(project).counters["azure_devops"] == 5


@pytest.mark.parametrize("kwargs, message", [
    ({"title": "   "}, "the title is empty"),
    ({"title": "x" * 501}, "501 characters long; keep it to 500"),
    ({"title": "bell\x07"}, "control character U+0007"),
    ({"title": "ne\x85l"}, "control character U+0085"),
    ({"title": "surrogate \udcff"}, "not valid UTF-8"),
    ({"priority": "urgent"}, "unknown priority 'urgent'; use one of low, medium, high, critical"),
    ({"tags": ["two words"]}, "contains a space or comma"),
    ({"tags": ["a,b"]}, "contains a space or comma"),
    ({"tags": [""]}, "the tag is empty"),
    ({"prefix": "lower-case!"}, "invalid prefix 'lower-case!'"),
    ({"prefix": "fix"}, "invalid prefix"),
    ({"prefix": "TOOLONG"}, "invalid prefix"),
    ({"epic": "line\nbreak"}, "control character U+000A"),
    ({"prefix": "FIX", "parent": "TASK-A3F2"}, "prefix FIX cannot apply; give a prefix or a parent, not both"),
])
def test_bad_input_is_a_usage_error_and_nothing_is_written(project, kwargs, message, snapshot):
    before = snapshot(project)
    args = {"title": "ok"} | kwargs
    with pytest.raises(UsageError, match=re.escape(message)):
        service.create(project, args.pop("title"), **args)
    assert snapshot(project) == before


@pytest.mark.parametrize("epic, prefix, pattern", [
    ("EPIC-001", None, r"TASK-E01-[0-9A-F]{4}"),
    ("EPIC-42", None, r"TASK-E42-[0-9A-F]{4}"),
    ("EPIC-123", None, r"TASK-E123-[0-9A-F]{4}"),
    ("auth-rewrite", None, r"TASK-[0-9A-F]{4}"),
    ("EPIC-001", "FIX", r"TASK-FIX-[0-9A-F]{4}"),
    (None, "FIX", r"TASK-FIX-[0-9A-F]{4}"),
])
def test_prefixes_and_epics(project, epic, prefix, pattern):
    task = service.create(project, "with a prefix", epic=epic, prefix=prefix)
    assert re.fullmatch(pattern, task["id"]) and ids.is_valid_id(task["id"])
    assert task.get("epic") == epic
    assert frontmatter_of(project.root / task["path"]).get("epic") == epic


def test_subtasks_are_numbered_and_never_reuse_a_number(project):
    parent = service.create(project, "parent")
    one = service.create(project, "first step", parent=parent["id"])
    two = service.create(project, "second step", parent=parent["external_ids"]["jira"])
    assert (one["id"], two["id"]) == (parent["id"] + ".1", parent["id"] + ".2")
    assert one["parent"] == parent["id"] and frontmatter_of(project.root / two["path"])["parent"] == parent["id"]
    grandchild = service.create(project, "deeper", parent=one["id"].lower())
    assert grandchild["id"] == parent["id"] + ".1.1"
    (project.root / two["path"]).unlink()  # deleted by hand: .2 stays taken (the mapping knows it)
    assert service.create(project, "third step", parent=parent["id"])["id"] == parent["id"] + ".3"
    with pytest.raises(TaskmintError, match="no task file has ID TASK-FFFF"):
        service.create(project, "orphan", parent="TASK-FFFF")


def test_an_existing_lower_case_file_blocks_its_upper_case_id(project, monkeypatch):
    hand_written(project, "backlog/TASK-a3f8-from-another-tool.md", "TASK-a3f8")
    force_hashes(monkeypatch, "a3f8", "b2c4")
    assert service.create(project, "new")["id"] == "TASK-B2C4"


def test_a_file_renamed_by_hand_still_blocks_its_id(project, monkeypatch):
    hand_written(project, "in_progress/my-notes.md", "TASK-A3F8")
    force_hashes(monkeypatch, "a3f8", "b2c4")
    assert service.create(project, "new")["id"] == "TASK-B2C4"


def test_ids_in_completed_month_folders_are_taken(project, monkeypatch):
    hand_written(project, "completed/2025-01/TASK-A3F8-old-work.md", "TASK-A3F8", status="completed")
    force_hashes(monkeypatch, "a3f8", "b2c4")
    assert service.create(project, "new")["id"] == "TASK-B2C4"


def test_ids_are_compared_whole(project, monkeypatch):
    hand_written(project, "backlog/TASK-A3F2D-longer-id.md", "TASK-A3F2D")
    force_hashes(monkeypatch, "a3f2")
    assert service.create(project, "shorter")["id"] == "TASK-A3F2"  # not taken by TASK-A3F2D
    assert service.show(project, "TASK-A3F2D")["title"] == "hand written"
    assert service.show(project, "task-a3f2")["title"] == "shorter"


title_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["yes", "null", "123", "key: [1, 2]", "#235", "a --- b", "---", "2025-01-08T10:00:00Z",
                     "line\u2028sep", "Ünïcödé 🎉", "'quoted'", '"double"', "tab\tin", "multi\nline\ntitle"]),
)


@given(title=title_text)
@example(title="x" * 500)
@example(title="\u2028")
def test_any_title_round_trips_or_is_rejected_cleanly(project, title):
    try:
        task = service.create(project, title)
    except UsageError as e:
        assert str(e).startswith(("the title ",)) and "\n" not in str(e)
        return
    stored = frontmatter_of(project.root / task["path"])["title"]
    assert stored == task["title"] == title.strip()
    assert service.show(project, task["id"])["title"] == title.strip()
    # "--" after the ID when the slug starts with digits that would read as part of it
    assert re.fullmatch(r"--?[a-z0-9]+(-[a-z0-9]+)*", task["path"].split("/")[-1][len(task["id"]):-3])


# --- complete ----------------------------------------------------------------------------


def test_complete_moves_to_the_month_folder_and_rewrites_only_owned_keys(project):
    task = service.create(project, "finish me", tags=["x"])
    path = project.root / task["path"]
    original = path.read_text(encoding="utf-8")
    done, already = service.complete(project, task["external_ids"]["github"])
    assert already is False
    month = done["completed"][:7]
    assert done["path"] == f"tasks/completed/{month}/{path.name}" and not path.exists()
    assert done["status"] == "completed" and done["updated"] == done["completed"]
    moved = (project.root / done["path"]).read_text(encoding="utf-8")
    assert moved.endswith(f"completed: {done['completed']}\n---\n\n## Description\n\n")
    kept = [line for line in moved.splitlines() if not line.startswith("completed:")]
    changed = [(a, b) for a, b in zip(original.splitlines(), kept, strict=True) if a != b]
    updated = (f"updated: {task['updated']}", f"updated: {done['completed']}")
    assert changed == [("status: backlog", "status: completed")] + ([updated] if len(set(updated)) == 2 else [])
    assert service.show(project, task["id"])["path"] == done["path"]
    assert service.list_tasks(project, "completed")[0]["id"] == task["id"]


CORPUS = pathlib.Path(__file__).with_name("corpus")


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.md")))
def test_complete_a_real_world_file_keeps_everything_it_does_not_own(project, name):
    raw = (CORPUS / name).read_bytes()
    text = raw.decode("utf-8")
    task_id = re.search(r"^id: (\S+)", text, re.M).group(1)
    path = project.tasks_dir / "in_progress" / f"{task_id}-corpus.md"
    path.write_bytes(raw)
    nl = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"  # the first line's (mixed-line-endings.md)
    head, _, rest = text.partition(nl)
    before_fm, _, body = rest.partition(nl + "---")

    done, already = service.complete(project, task_id.lower())
    assert already is False
    result = (project.root / done["path"]).read_bytes().decode("utf-8")
    r_head, _, r_rest = result.partition(nl)
    after_fm, _, r_body = r_rest.partition(nl + "---")
    assert (r_head, r_body) == (head, body)  # the opening line (BOM and all) and the body, byte for byte
    kept = [line for line in before_fm.split(nl) if not line.startswith(("status:", "updated:"))]
    lines = iter(after_fm.split(nl))
    assert all(line in lines for line in kept)  # every other line unchanged, in order
    meta = yaml.safe_load(after_fm)
    assert meta["status"] == "completed" and meta["completed"] == meta["updated"]
    assert done["completed"] == frontmatter.as_text(meta["completed"])


def test_completing_twice_is_a_no_op_that_says_so(project, snapshot):
    task = service.create(project, "finish me")
    first, _ = service.complete(project, task["id"])
    before = snapshot(project)
    again, already = service.complete(project, task["id"])
    assert already is True and again["path"] == first["path"]
    assert snapshot(project) == before


def test_a_completed_task_outside_its_folder_is_moved(project):
    path = hand_written(project, "backlog/TASK-C0DE-done-already.md", "TASK-C0DE", status="completed",
                        extra="completed: 2025-01-08T10:00:00Z\n")
    text = path.read_text()
    info, already = service.complete(project, "TASK-C0DE")
    assert already is True and info["path"] == "tasks/completed/2025-01/TASK-C0DE-done-already.md"
    assert (project.root / info["path"]).read_text() == text  # moved, not rewritten


def test_complete_refuses_to_clobber_and_changes_nothing(project, snapshot):
    task = service.create(project, "collide")
    path = project.root / task["path"]
    month_probe, _ = service.complete(project, service.create(project, "probe")["id"])
    target = project.root / month_probe["path"].rsplit("/", 1)[0] / path.name
    target.write_text("someone else's file", encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(TaskmintError, match="already exists; run `taskmint doctor`"):
        service.complete(project, task["id"])
    assert snapshot(project) == before  # the task was not half-completed in backlog/


# --- lookup ------------------------------------------------------------------------------


@pytest.fixture
def mixed(project):
    """Tasks whose GitHub and Azure DevOps numbers differ: A #1, B #2, C #3/1, D #4/2, E #5/3."""
    service.init(project, jira="PROJ", linear="ENG", github=True, azure_devops=False, force=True)
    made = {name: service.create(project, f"task {name}") for name in "AB"}
    service.init(project, jira="PROJ", linear="ENG", github=True, azure_devops=True, force=True)
    made |= {name: service.create(project, f"task {name}") for name in "CDE"}
    assert made["E"]["external_ids"] == {"jira": "PROJ-5", "linear": "ENG-5", "github": "#5", "azure_devops": "3"}
    return made


@pytest.mark.parametrize("ref, name", [
    ("PROJ-4", "D"), ("proj-4", "D"), ("ENG-2", "B"), ("#3", "C"), ("github:3", "C"), ("gh:#3", "C"),
    ("azure_devops:3", "E"), ("ado:1", "C"), ("5", "E"), ("4", "D"), ("jira:PROJ-1", "A"),
])
def test_lookup_by_external_id(mixed, project, ref, name):
    assert service.show(project, ref)["id"] == mixed[name]["id"]


def test_lookup_by_internal_id_either_case(mixed, project):
    task_id = mixed["C"]["id"]
    assert service.show(project, task_id.lower())["id"] == task_id
    assert service.show(project, f"  {task_id}  ")["id"] == task_id


@pytest.mark.parametrize("ref", ["3", "1"])
def test_bare_number_shared_by_github_and_azure_is_ambiguous(mixed, project, ref):
    with pytest.raises(TaskmintError) as info:
        service.show(project, ref)
    message = str(info.value)
    assert f"names several tasks" in message
    assert f"github:{ref}" in message and f"azure_devops:{ref}" in message
    assert not isinstance(info.value, UsageError)


def test_same_key_in_jira_and_linear_hints_at_those_tools(tmp_path):
    from taskmint.project import find_project

    project = find_project(str(tmp_path))
    service.init(project, jira="ENG", linear=None, github=False, azure_devops=False, force=False)
    first = service.create(project, "jira only")  # ENG-1 in Jira
    service.init(project, jira="ENG", linear="ENG", github=False, azure_devops=False, force=True)
    second = service.create(project, "both")  # Jira ENG-2, Linear ENG-1
    with pytest.raises(TaskmintError) as info:
        service.show(project, "ENG-1")
    assert str(info.value).endswith("say which tool, e.g. jira:ENG-1 or linear:ENG-1")
    assert service.show(project, "jira:ENG-1")["id"] == first["id"]
    assert service.show(project, "linear:ENG-1")["id"] == second["id"]


def test_a_duplicated_external_id_points_to_doctor(project):
    a = service.create(project, "a")
    b = service.create(project, "b")
    mappings = state.load(project).mappings
    mappings[b["id"]]["github"] = "#1"  # what a bad merge leaves behind
    state.save_mapping(project, mappings)
    with pytest.raises(TaskmintError) as info:
        service.show(project, "github:1")
    listed = ", ".join(sorted([a["id"], b["id"]]))
    assert str(info.value) == f"github:1 is on several tasks ({listed}); run `taskmint doctor --fix`"


@pytest.mark.parametrize("ref, error, message", [
    ("TASK-FFFF", TaskmintError, "no task file has ID TASK-FFFF; run `taskmint list`"),
    ("PROJ-99", TaskmintError, "no task has external ID PROJ-99"),
    ("#99", TaskmintError, "no task has external ID #99"),
    ("not an id!", UsageError, "is not a task ID; use TASK-A3F2, PROJ-12"),
    ("", UsageError, "no task ID given"),
])
def test_unknown_ids(project, ref, error, message):
    service.create(project, "one")
    with pytest.raises(error, match=re.escape(message)):
        service.show(project, ref)


def test_lookup_survives_a_lost_mapping_entry(project):
    task = service.create(project, "mapped")
    state.save_mapping(project, {})
    assert service.show(project, "PROJ-1")["id"] == task["id"]  # read from the frontmatter
    service.complete(project, "PROJ-1")
    assert state.load(project).mappings == {task["id"]: task["external_ids"]}  # and healed


def test_duplicate_ids_are_reported_not_guessed(project):
    hand_written(project, "backlog/TASK-A3F8-one.md", "TASK-A3F8")
    hand_written(project, "completed/2025-01/TASK-A3F8-two.md", "TASK-A3F8")
    with pytest.raises(TaskmintError, match=r"ID TASK-A3F8 is used by 2 files .*taskmint doctor --fix"):
        service.show(project, "TASK-A3F8")


def test_jira_key_task_is_found_by_its_external_id(tmp_path):
    from taskmint.project import find_project

    project = find_project(str(tmp_path))
    service.init(project, jira="TASK", linear=None, github=False, azure_devops=False, force=False)
    task = service.create(project, "in a Jira project called TASK")
    assert task["external_ids"] == {"jira": "TASK-1"}
    assert service.show(project, "TASK-1")["id"] == task["id"]
    assert service.show(project, task["id"])["id"] == task["id"]


# --- list --------------------------------------------------------------------------------


def test_list_sorts_by_status_and_filters(project):
    a = service.create(project, "a")
    b = service.create(project, "b")
    service.complete(project, a["id"])
    hand_written(project, "blocked/TASK-C0DE-stuck.md", "TASK-C0DE", status="blocked")
    listed = service.list_tasks(project)
    assert [t["status"] for t in listed] == ["backlog", "blocked", "completed"]
    assert [t["id"] for t in service.list_tasks(project, "backlog")] == [b["id"]]
    with pytest.raises(UsageError, match="unknown status 'done'"):
        service.list_tasks(project, "done")


def test_info_is_always_json_ready(project):
    hand_written(project, "backlog/TASK-D00D-odd.md", "2025-01-08", status="2025-01-09",
                 extra="created: 2025-01-08\ntags: [2025-01-08, 7]\nexternal_ids:\n  github: 12\n")
    listed = service.list_tasks(project)
    json.dumps(listed)  # one odd hand-written file must not break `list --json`
    assert listed[0]["created"] == "2025-01-08" and listed[0]["tags"] == ["2025-01-08", "7"]
    assert listed[0]["external_ids"] == {"github": "12"}


def test_init_refuses_to_overwrite_without_force(project):
    before = project.config_path.read_bytes()
    with pytest.raises(TaskmintError, match="already exists; pass --force"):
        service.init(project, jira="OTHER", linear=None, github=False, azure_devops=False, force=False)
    assert project.config_path.read_bytes() == before
    with pytest.raises(TaskmintError, match="invalid"):
        service.init(project, jira="bad key", linear=None, github=False, azure_devops=False, force=True)
    assert project.config_path.read_bytes() == before
    assert all((project.tasks_dir / s).is_dir() for s in ("backlog", "in_progress", "in_review", "blocked",
                                                          "completed"))


def test_complete_never_reports_failure_after_moving_the_file(project, monkeypatch, capsys):
    """Issue 10 item 4: once the task file is completed and moved, a failure to heal its lost
    mapping entry (a full disk, say) is a warning pointing at doctor, not an error."""
    import errno

    task = service.create(project, "lost entry")
    data = json.loads(project.mapping_path.read_text())
    del data["mappings"][task["id"]]
    project.mapping_path.write_text(json.dumps(data, indent=2) + "\n")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(state, "save_state_mapping", full)
    done, already = service.complete(project, task["id"])
    assert not already and done["status"] == "completed" and (project.root / done["path"]).is_file()
    assert "could not add it back" in capsys.readouterr().err
