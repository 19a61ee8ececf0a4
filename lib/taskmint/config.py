"""The project's .claude/taskmint.yaml: which PM tools get external IDs."""
from __future__ import annotations

import json
from collections import namedtuple

from taskmint import flatyaml, lazyre, schemas, yamltext
from taskmint import statuses as _statuses
from taskmint.errors import TaskmintError
from taskmint.project import Project

TOOLS = ("jira", "linear", "github", "azure_devops")
# The keys schemas/config.schema.json accepts, said in words: (pattern, name, example, rule).
KEYS = {
    "jira": (lazyre.compile(r"[A-Z][A-Z0-9_]{0,9}"), "Jira project key", "PROJ",
             "an upper-case letter, then up to 9 upper-case letters, digits or _"),
    "linear": (lazyre.compile(r"[A-Z][A-Z0-9]{0,6}"), "Linear team key", "ENG",
               "an upper-case letter, then up to 6 upper-case letters or digits"),
}


def key_problem(tool: str, key: object) -> str | None:
    """"invalid Jira project key 'proj'; use ..." (the caller adds an example), or None."""
    pattern, name, _, rule = KEYS[tool]
    if isinstance(key, str) and pattern.fullmatch(key):
        return None
    return f"invalid {name} {key!r}; use {rule}"


TRACKERS = ("github", "jira")


# A named tuple, not a dataclass: importing dataclasses (it loads inspect) cost a create more
# than its own work.
class Tracker(namedtuple("Tracker", "tool url project token_envs email_env issue_type", defaults=("", "Task"))):
    """A tool whose numbers its real tracker issues (configured as a mapping): ``url`` is the
    API root (GitHub) or the site (Jira), without a trailing slash; ``project`` the GitHub
    owner/repo or the Jira project key; the first of ``token_envs`` that is set holds the token;
    ``email_env`` (Jira) gives Basic auth with this e-mail when set, else a Bearer PAT."""

    __slots__ = ()


class Config:
    # A plain class: importing dataclasses (it loads inspect) cost a create more than its own work.

    def __init__(self, tools: dict[str, str] | None = None, trackers: dict[str, Tracker] | None = None,
                 statuses: _statuses.Statuses | None = None) -> None:
        # tool -> project/team key for jira and linear, "" for github and azure_devops: the
        # tools taskmint numbers itself. A tracker-backed tool is in ``trackers`` instead.
        self.tools = {} if tools is None else tools
        self.trackers = {} if trackers is None else trackers
        # the project's statuses (`statuses:`), the default five without the key
        self.statuses = _statuses.DEFAULTS if statuses is None else statuses


def render(jira: str | None, linear: str | None, github: bool, azure_devops: bool, *,
           github_repo: str | None = None, github_api_url: str | None = None,
           jira_url: str | None = None, jira_issue_type: str | None = None) -> str:
    lines = [
        "# taskmint configuration: which PM tools get an external ID for every new task.",
        "# jira: Jira project key; linear: Linear team key; github / azure_devops: true or false.",
        "# A tool given as a mapping (github: {repo: ...}, jira: {key: ..., url: ...}) gets its",
        "# numbers from the real tracker; see the README, section Trackers.",
        "version: 1",
        "pm_tools:",
    ]
    q = json.dumps  # a JSON string is a YAML string: URLs and odd names stay text
    if jira and jira_url:
        lines += ["  jira:", f"    key: {q(jira)}", f"    url: {q(jira_url)}"]
        if jira_issue_type:
            lines.append(f"    issue_type: {q(jira_issue_type)}")
    elif jira:
        lines.append(f"  jira: {jira}")
    if linear:
        lines.append(f"  linear: {linear}")
    if github_repo:
        lines += ["  github:", f"    repo: {q(github_repo)}"]
        if github_api_url:
            lines.append(f"    api_url: {q(github_api_url)}")
    else:
        lines.append(f"  github: {'true' if github else 'false'}")
    lines.append(f"  azure_devops: {'true' if azure_devops else 'false'}")
    return "\n".join(lines) + "\n"


def as_rendered(text: str) -> dict | None:
    """What yaml.safe_load gives for ``text`` when it is exactly what render() writes for tools
    taskmint numbers itself (most projects' config), or None: read with str methods and proven
    by rendering it again, so a command compiles no YAML line pattern for it."""
    tools: dict[str, str] = {}
    for line in text.split("\n"):
        if line.startswith("  ") and ": " in line:
            key, _, value = line[2:].partition(": ")
            tools[key] = value
    keys = {tool: tools[tool] for tool in ("jira", "linear") if tool in tools}
    if any(yamltext.scalar(key) != key for key in keys.values()):
        return None  # a key YAML reads as something else (ON, 123) or that is quoted
    github, azure_devops = tools.get("github") == "true", tools.get("azure_devops") == "true"
    if render(keys.get("jira"), keys.get("linear"), github, azure_devops) != text:
        return None
    return {"version": 1, "pm_tools": {**keys, "github": github, "azure_devops": azure_devops}}


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
    trackers: dict[str, Tracker] = {}
    for tool, value in (data.get("pm_tools") or {}).items():
        if value is True:
            tools[tool] = ""
        elif isinstance(value, str):
            tools[tool] = value
        elif isinstance(value, dict):
            trackers[tool] = _tracker(tool, value, where)
    return Config(tools={t: tools[t] for t in TOOLS if t in tools},
                  trackers={t: trackers[t] for t in TRACKERS if t in trackers},
                  statuses=_statuses.from_mapping(data.get("statuses"), where))


def _tracker(tool: str, value: dict, where: str) -> Tracker:
    if tool == "github":
        url = _checked_url(value.get("api_url", "https://api.github.com"), f"pm_tools/github/api_url", where)
        token_envs = (value["token_env"],) if "token_env" in value else ("GH_TOKEN", "GITHUB_TOKEN")
        return Tracker("github", url, value["repo"], token_envs)
    url = _checked_url(value["url"], "pm_tools/jira/url", where)
    return Tracker("jira", url, value["key"], (value.get("token_env", "JIRA_API_TOKEN"),),
                   email_env=value.get("email_env", "JIRA_EMAIL"), issue_type=value.get("issue_type", "Task"))


def _checked_url(url: str, field_name: str, where: str) -> str:
    """An https URL, or http only to this machine: a token must not cross a network in clear."""
    from urllib.parse import urlsplit  # here: only a tracker's URL needs it, and it imports ipaddress

    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise TaskmintError(f"{where} is invalid (at {field_name}: {url!r} must be a plain URL without "
                            "credentials, query or fragment); tokens come from environment variables")
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise TaskmintError(f"{where} is invalid (at {field_name}: {url!r} uses plain http:// to another "
                            "machine, which would send the token in clear); use https://")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load(project: Project) -> Config:
    path = project.config_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as e:
        raise TaskmintError(f"cannot read {project.rel(path)}: {e}; fix it or rewrite it with `taskmint init`") from None
    data = as_rendered(text)
    if data is None:
        data = flatyaml.load_text(text)  # the layout render() writes, read without yaml
    if data is not None:
        return validate(data, project.rel(path))
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0] if str(e) else "syntax error"
        raise TaskmintError(
            f"{project.rel(path)} is not valid YAML ({first}); fix it or rewrite it with `taskmint init`"
        ) from None
    return validate(data, project.rel(path))
