from __future__ import annotations

import pytest

from taskmint.errors import TaskmintError
from taskmint.project import find_project


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    return monkeypatch


def test_root_order_explicit_then_env_then_git_top_then_cwd(tmp_path, env):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    env.chdir(deep)
    assert find_project().root == repo  # the git top level, not the cwd
    env.setenv("CLAUDE_PROJECT_DIR", str(elsewhere))
    assert find_project().root == elsewhere
    assert find_project(str(deep)).root == deep  # --root wins
    env.delenv("CLAUDE_PROJECT_DIR")
    env.chdir(elsewhere)
    assert find_project().root == elsewhere  # no git: the cwd


def test_paths_outside_git(tmp_path, env):
    project = find_project(str(tmp_path))
    assert project.shared_dir is None and project.registry_path is None
    assert project.tasks_dir == tmp_path / "tasks"
    assert project.config_path == tmp_path / ".claude" / "taskmint.yaml"
    assert project.mapping_path == tmp_path / ".claude" / "state" / "external_id_mapping.json"
    assert project.counters_path == tmp_path / ".claude" / "state" / "external_id_counters.json"
    assert project.lock_path == tmp_path / ".claude" / "state" / "taskmint.lock"
    assert project.rel(tmp_path / "tasks" / "backlog" / "x.md") == "tasks/backlog/x.md"
    assert project.rel(tmp_path.parent / "other") == str(tmp_path.parent / "other")


def test_relative_root_is_made_absolute(tmp_path, env):
    (tmp_path / "proj").mkdir()
    env.chdir(tmp_path)
    assert find_project("proj").root == tmp_path / "proj"


def test_worktrees_share_the_lock_and_registry_of_the_common_git_dir(tmp_path, env):
    main = tmp_path / "main"
    common = main / ".git"
    (common / "worktrees" / "feature").mkdir(parents=True)
    (common / "worktrees" / "feature" / "commondir").write_text("../..\n")
    feature = tmp_path / "feature"
    (feature / "sub").mkdir(parents=True)
    (feature / ".git").write_text(f"gitdir: {common / 'worktrees' / 'feature'}\n")

    a, b = find_project(str(main)), find_project(str(feature))
    assert a.shared_dir == b.shared_dir == common.resolve() / "taskmint"
    assert a.lock_path == b.lock_path == common.resolve() / "taskmint" / "taskmint.lock"
    assert a.registry_path == b.registry_path == common.resolve() / "taskmint" / "registry.json"
    assert a.state_dir != b.state_dir  # each worktree keeps its own .claude/state
    env.chdir(feature / "sub")
    assert find_project().root == feature


def test_missing_root_is_a_clear_error(tmp_path, env):
    with pytest.raises(TaskmintError, match="is not a directory; pass an existing one with --root"):
        find_project(str(tmp_path / "nope"))
    env.setenv("CLAUDE_PROJECT_DIR", str(tmp_path / "gone"))
    with pytest.raises(TaskmintError, match="not a directory"):
        find_project()


def test_check_inside_refuses_symlinks_out_of_the_project(tmp_path, env):
    root = tmp_path / "proj"
    (root / "tasks" / "backlog").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "tasks" / "completed").symlink_to(outside)
    project = find_project(str(root))
    project.check_inside(root / "tasks" / "backlog" / "x.md")
    project.check_inside(root / ".claude" / "state" / "x.json")  # not created yet: fine
    with pytest.raises(TaskmintError, match="resolves outside the project"):
        project.check_inside(root / "tasks" / "completed" / "x.md")
