"""The project's .claude/taskmint.yaml: which PM tools get external IDs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from taskmint import schemas, statuses
from taskmint.errors import TaskmintError
from taskmint.project import Project

TOOLS = ("jira", "linear", "github", "azure_devops")
# The keys schemas/config.schema.json accepts, said in words: (pattern, name, example, rule).
KEYS = {
    "jira": (re.compile(r"[A-Z][A-Z0-9_]{0,9}"), "Jira project key", "PROJ",
             "an upper-case letter, then up to 9 upper-case letters, digits or _"),
    "linear": (re.compile(r"[A-Z][A-Z0-9]{0,6}"), "Linear team key", "ENG",
               "an upper-case letter, then up to 6 upper-case letters or digits"),
}


def key_problem(tool: str, key: object) -> str | None:
    """"invalid Jira project key 'proj'; use ..." (the caller adds an example), or None."""
    pattern, name, _, rule = KEYS[tool]
    if isinstance(key, str) and pattern.fullmatch(key):
        return None
    return f"invalid {name} {key!r}; use {rule}"


@dataclass(frozen=True)
class Config:
    # tool -> project/team key for jira and linear, "" for github and azure_devops
    tools: dict[str, str] = field(default_factory=dict)
    # the project's statuses (`statuses:`), the default five without the key
    statuses: statuses.Statuses = statuses.DEFAULTS


def render(jira: str | None, linear: str | None, github: bool, azure_devops: bool) -> str:
    lines = [
        "# taskmint configuration: which PM tools get an external ID for every new task.",
        "# jira: Jira project key; linear: Linear team key; github / azure_devops: true or false.",
        "version: 1",
        "pm_tools:",
    ]
    if jira:
        lines.append(f"  jira: {jira}")
    if linear:
        lines.append(f"  linear: {linear}")
    lines.append(f"  github: {'true' if github else 'false'}")
    lines.append(f"  azure_devops: {'true' if azure_devops else 'false'}")
    return "\n".join(lines) + "\n"


def validate(data: object, where: str) -> Config:
    tools = data.get("pm_tools") if isinstance(data, dict) else None
    for tool in KEYS:
        value = tools.get(tool) if isinstance(tools, dict) else None
        if isinstance(value, str) and key_problem(tool, value):
            _, name, example, rule = KEYS[tool]
            raise TaskmintError(f"{where} is invalid (pm_tools.{tool} {value!r} is not a {name}: use {rule}, "
                                f"e.g. {tool}: {example}); fix it or rewrite it with `taskmint init`")
    problem = schemas.problem("config", data)
    if problem:
        raise TaskmintError(f"{where} is invalid ({problem}); fix it or rewrite it with `taskmint init`")
    assert isinstance(data, dict)
    tools: dict[str, str] = {}
    for tool, value in (data.get("pm_tools") or {}).items():
        if value is True:
            tools[tool] = ""
        elif isinstance(value, str):
            tools[tool] = value
    return Config(tools={t: tools[t] for t in TOOLS if t in tools},
                  statuses=statuses.from_mapping(data.get("statuses"), where))


def load(project: Project) -> Config:
    path = project.config_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as e:
        raise TaskmintError(f"cannot read {project.rel(path)}: {e}; fix it or rewrite it with `taskmint init`") from None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0] if str(e) else "syntax error"
        raise TaskmintError(
            f"{project.rel(path)} is not valid YAML ({first}); fix it or rewrite it with `taskmint init`"
        ) from None
    return validate(data, project.rel(path))
