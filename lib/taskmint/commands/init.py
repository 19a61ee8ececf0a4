from __future__ import annotations

import argparse

from taskmint import output, project_commands, service
from taskmint.project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="write .claude/taskmint.yaml and the tasks/ folders")
    p.add_argument("--jira", metavar="KEY", help="Jira project key, e.g. PROJ")
    p.add_argument("--linear", metavar="KEY", help="Linear team key, e.g. ENG")
    p.add_argument("--github", action="store_true", help="issue GitHub numbers (#34)")
    p.add_argument("--azure-devops", action="store_true", help="issue Azure DevOps numbers (1234)")
    p.add_argument("--jira-url", metavar="URL",
                   help="with --jira: let this Jira site (https://SITE.atlassian.net) issue the keys")
    p.add_argument("--jira-issue-type", metavar="NAME", help="with --jira-url: issue type to create (default Task)")
    p.add_argument("--github-repo", metavar="OWNER/REPO",
                   help="let this GitHub repository issue the numbers (real issues); --github alone numbers locally")
    p.add_argument("--github-api-url", metavar="URL",
                   help="with --github-repo: API root (default https://api.github.com; GHES: https://HOST/api/v3)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config")
    p.add_argument("--no-commands", action="store_true",
                   help="do not write /task-create and the other commands into .claude/commands/")
    p.add_argument("--json", action="store_true")


def run(project: Project, args: argparse.Namespace) -> int:
    path = service.init(project, args.jira, args.linear, args.github, args.azure_devops, args.force,
                        github_repo=args.github_repo, github_api_url=args.github_api_url,
                        jira_url=args.jira_url, jira_issue_type=args.jira_issue_type)
    outcomes = [] if args.no_commands else project_commands.install(project)
    if args.json:
        output.emit_json({"config": project.rel(path),
                          "commands": [{"name": o.name, "path": project.rel(o.path), "action": o.action}
                                       for o in outcomes]})
    else:
        print(f"wrote {project.rel(path)}")
        for outcome in outcomes:
            print(project_commands.describe(project, outcome))
    return 0
