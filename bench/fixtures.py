"""Benchmark projects: a git repository with taskmint configured for all four PM tools and
N valid tasks, written directly (creating 10,000 tasks through `create` would take
minutes). A template per N is cached under bench/.cache/ and copied for each run.

    python fixtures.py TARGET COUNT    (what bench.py runs, on the venv, with lib/ on PYTHONPATH)
"""
from __future__ import annotations

import random
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from taskmint import config, external_ids, frontmatter, ids, state
from taskmint.project import find_project

CACHE = Path(__file__).resolve().parent / ".cache"
FORMAT = "2"  # bump when the generated layout changes (2: the registry's IDs between spaces)


def _generate(root: Path, count: int) -> None:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    project = find_project(str(root))
    project.config_path.parent.mkdir(parents=True)
    project.config_path.write_text(config.render("PROJ", "ENG", True, True))
    rng = random.Random(count)
    taken: set[str] = set()
    mappings: dict[str, dict[str, str]] = {}
    when = datetime(2026, 1, 8, 10, 0, tzinfo=timezone.utc)
    for n in range(1, count + 1):
        task_id = ids.new_id(None, len(taken), lambda c: c in taken)
        taken.add(task_id)
        external = {"jira": f"PROJ-{n}", "linear": f"ENG-{n}", "github": f"#{n}", "azure_devops": str(n)}
        status = "completed" if rng.random() < 0.3 else rng.choice(["backlog", "backlog", "in_progress", "in_review"])
        title = f"Generated task {n}: {rng.choice(['fix', 'add', 'remove', 'refactor'])} the {rng.choice(['login', 'api', 'cache'])}"
        fields = {"id": task_id, "title": title, "status": status, "created": when, "updated": when,
                  "priority": rng.choice(["low", "medium", "high"]), "tags": ["generated"], "external_ids": external}
        folder = project.tasks_dir / status
        if status == "completed":
            fields["completed"] = when
            folder = folder / "2026-01"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ids.task_filename(task_id, title)).write_text(frontmatter.new_text(fields, "\n## Description\n\n"))
        mappings[task_id] = external
    for status in ("backlog", "in_progress", "in_review", "blocked", "completed"):
        (project.tasks_dir / status).mkdir(parents=True, exist_ok=True)
    counters = external_ids.empty_counters()
    external_ids.raise_to(counters, [r for ext in mappings.values() for r in external_ids.refs_in(ext)])
    project.state_dir.mkdir(parents=True, exist_ok=True)
    state.save_counters(project, counters)
    state.save_mapping(project, mappings)
    state.save_registry(project, state.Registry(counters=counters, ids=set(taken)))


def project(target: Path, count: int) -> Path:
    """A fresh copy of the cached project with ``count`` tasks at ``target``."""
    template = CACHE / f"project-{count}-v{FORMAT}"
    if not template.exists():
        scratch = template.with_name(template.name + ".tmp")
        shutil.rmtree(scratch, ignore_errors=True)
        _generate(scratch, count)
        scratch.rename(template)
    shutil.copytree(template, target, symlinks=True)
    return target


if __name__ == "__main__":  # bench.py runs this on the venv: python fixtures.py TARGET COUNT
    import sys

    project(Path(sys.argv[1]), int(sys.argv[2]))
