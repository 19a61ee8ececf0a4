from __future__ import annotations

import pytest
import yaml

from taskmint import config
from taskmint.errors import TaskmintError
from taskmint.project import find_project


@pytest.fixture
def bare(tmp_path):
    return find_project(str(tmp_path))


def write(project, text):
    project.config_path.parent.mkdir(parents=True, exist_ok=True)
    project.config_path.write_text(text, encoding="utf-8")


def test_render_reads_back_through_the_schema(bare):
    text = config.render("PROJ", "ENG", True, True)
    assert text.startswith("# taskmint configuration")
    write(bare, text)
    assert config.load(bare).tools == {"jira": "PROJ", "linear": "ENG", "github": "", "azure_devops": ""}
    write(bare, config.render(None, "ENG", False, True))
    assert config.load(bare).tools == {"linear": "ENG", "azure_devops": ""}
    assert yaml.safe_load(config.render(None, None, False, False)) == {
        "version": 1, "pm_tools": {"github": False, "azure_devops": False}}


def test_missing_config_means_no_external_ids(bare):
    assert config.load(bare).tools == {}


def test_tools_come_in_a_fixed_order(bare):
    write(bare, "version: 1\npm_tools:\n  azure_devops: true\n  github: true\n  linear: ENG\n  jira: PROJ\n")
    assert list(config.load(bare).tools) == ["jira", "linear", "github", "azure_devops"]


@pytest.mark.parametrize("text, problem", [
    ("version: 2\n", "version"),
    ("pm_tools: {}\n", "version"),
    ("version: 1\npm_tools:\n  jira: proj\n", "jira"),
    ("version: 1\npm_tools:\n  jira: PROJ-1\n", "jira"),
    ("version: 1\npm_tools:\n  linear: TOOLONGKEY\n", "linear"),
    ("version: 1\npm_tools:\n  github: yes please\n", "github"),
    ("version: 1\npm_tools:\n  trello: true\n", "trello"),
    ("version: 1\nextra: 1\n", "extra"),
    ("- a list\n", "top level"),
    ("", "top level"),
])
def test_invalid_config_is_a_clear_error(bare, text, problem):
    write(bare, text)
    with pytest.raises(TaskmintError) as info:
        config.load(bare)
    message = str(info.value)
    assert message.startswith(".claude/taskmint.yaml is invalid") and problem in message
    assert "taskmint init" in message and "\n" not in message


def test_unparsable_or_unreadable_config(bare):
    write(bare, "version: 1\npm_tools: [unclosed\n")
    with pytest.raises(TaskmintError, match=r"^\.claude/taskmint\.yaml is not valid YAML .*taskmint init"):
        config.load(bare)
    bare.config_path.write_bytes(b"version: 1\n\xff\xfe\n")
    with pytest.raises(TaskmintError, match="cannot read .claude/taskmint.yaml"):
        config.load(bare)
    bare.config_path.unlink()
    bare.config_path.mkdir()
    with pytest.raises(TaskmintError, match="cannot read"):
        config.load(bare)


@pytest.mark.parametrize("jira", [None, "PROJ", "A", "A_1", "ON", "NO", "Y", "proj", "123", "PROJ#1", "P-1", ""])
@pytest.mark.parametrize("linear", [None, "ENG", "TRUE", "E1"])
@pytest.mark.parametrize("github", [True, False])
@pytest.mark.parametrize("azure_devops", [True, False])
def test_a_rendered_config_reads_as_yaml_reads_it(jira, linear, github, azure_devops):
    import yaml

    text = config.render(jira, linear, github, azure_devops)
    fast = config.as_rendered(text)
    assert fast is None or fast == yaml.safe_load(text)
    if jira in (None, "PROJ", "A", "A_1") and linear in (None, "ENG", "E1"):
        assert fast is not None  # the shortcut is taken for what init writes


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("version: 1", "version: 2"), lambda t: t.replace("  jira: PROJ", "  jira:  PROJ"),
    lambda t: t + "statuses:\n  backlog: open\n", lambda t: t.replace("true", "True"), lambda t: "# x\n" + t,
    lambda t: t.replace("  jira: PROJ", "  jira: PROJ # key"), lambda t: t.replace("\n", "\r\n"),
    lambda t: t.replace("  jira: PROJ\n", "  jira: PROJ\n  jira: OTHER\n"), lambda t: t.rstrip("\n"),
])
def test_any_other_config_text_goes_to_the_full_reader(edit):
    text = edit(config.render("PROJ", "ENG", True, False))
    assert config.as_rendered(text) is None
