"""One concurrency-suite worker: a separate OS process that performs a mix of taskmint
operations on one project and records, line by line, what it was told.

    python worker.py ROOT RESULTS SEED OPS CHANNEL START_FILE PEERS_GLOB

CHANNEL says how operations reach taskmint: ``lib`` (the service functions the CLI calls),
``cli`` (every third operation as a real `taskmint` subprocess) or ``hook`` (every third
create as a PostToolUse hook subprocess fed a Write payload, as Claude Code runs it).
"""
from __future__ import annotations

import glob
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from taskmint import service
from taskmint.errors import TaskmintError
from taskmint.project import find_project

import hookrun

TITLES = ["Fix login bug", 'Quote "this" -- and that', "yes", "123", "key: [1, 2]", "# not a comment",
          "--- dashes ---", "Ünïcødé — title", "!!python/object:os.system", "&anchor *alias", "../../etc/passwd"]
TAGS = ["auth", "api", "db", "ui", "#hash", "yes"]


class Worker:
    def __init__(self, root: Path, results: Path, seed: int, channel: str, peers: str) -> None:
        self.project = find_project(str(root))
        self.root = root
        self.out = results.open("a", encoding="utf-8")
        self.rng = random.Random(seed)
        self.channel = channel
        self.seed = seed
        self.hook_data = hookrun.plugin_data(results.parent / f"plugin-data-{seed}") if channel == "hook" else None
        self.peers = peers
        self.mine: list[dict] = []
        self.n = 0

    def record(self, **entry: object) -> None:
        self.out.write(json.dumps(entry) + "\n")
        self.out.flush()

    def cli(self, *args: str) -> dict:
        proc = subprocess.run([sys.executable, "-m", "taskmint.main", "--root", str(self.root), *args, "--json"],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or proc.stderr:
            raise RuntimeError(f"CLI {args[0]} exited {proc.returncode}: {proc.stderr.strip()}")
        return json.loads(proc.stdout)

    def known(self) -> list[dict]:
        """Tasks this worker or its peers created (peers' result files are read as they grow)."""
        found = list(self.mine)
        for path in glob.glob(self.peers):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.endswith("\n"):
                        entry = json.loads(line)
                        if entry["op"] == "create" and entry["root"] == str(self.root):
                            found.append(entry)
        return found

    def create(self) -> None:
        title = self.rng.choice(TITLES) + f" {self.n}"
        tags = self.rng.sample(TAGS, self.rng.randint(0, 2))
        prefix = self.rng.choice([None, None, None, "FIX", "E01"])
        parent = None
        if self.mine and self.rng.random() < 0.15:
            parent = self.rng.choice(self.mine)["id"]
        via = self.channel
        if via == "cli" and self.n % 3 == 0:
            args = ["create", title] + [a for t in tags for a in ("--tag", t)]
            args += ["--prefix", prefix] if prefix and not parent else []
            args += ["--parent", parent] if parent else []
            task = self.cli(*args)
        elif via == "hook" and self.n % 3 == 0:
            task = hookrun.create_via_hook(self.project, title, tags, self.hook_data, f"agent-{self.seed}-{self.n}")
            parent = None
        else:
            via = "lib"
            task = service.create(self.project, title, tags=tags, prefix=None if parent else prefix, parent=parent)
        entry = {"op": "create", "root": str(self.root), "id": task["id"], "ext": task["external_ids"],
                 "title": title.strip(), "via": via, "parent": parent}
        self.mine.append(entry)
        self.record(**entry)

    def complete(self, target: dict) -> None:
        ref = self.pick_ref(target)
        if self.channel == "cli" and self.n % 3 == 0:
            task = self.cli("complete", ref)
            already = task["already_completed"]
        else:
            task, already = service.complete(self.project, ref)
        self.check_same(target, task, ref)
        self.record(op="complete", root=str(self.root), id=task["id"], ref=ref, already=already)

    def show(self, target: dict) -> None:
        ref = self.pick_ref(target)
        task = self.cli("show", ref) if self.channel == "cli" and self.n % 3 == 0 else service.show(self.project, ref)
        self.check_same(target, task, ref)
        self.record(op="show", root=str(self.root), id=task["id"], ref=ref)

    def pick_ref(self, target: dict) -> str:
        choices = [target["id"], target["id"].lower()] + list(target["ext"].values())
        if "github" in target["ext"]:
            choices.append("github:" + target["ext"]["github"].lstrip("#"))
        return self.rng.choice(choices)

    def check_same(self, target: dict, got: dict, ref: str) -> None:
        if got["id"] != target["id"] or got["external_ids"] != target["ext"]:
            raise AssertionError(f"{ref} gave {got['id']} {got['external_ids']}, expected {target['id']} {target['ext']}")

    def step(self) -> None:
        self.n += 1
        roll = self.rng.random()
        known = self.known() if roll >= 0.5 else []
        if roll < 0.5 or not known:
            self.create()
        elif roll < 0.7:
            self.complete(self.rng.choice(known))
        elif roll < 0.95:
            self.show(self.rng.choice(known))
        else:
            listed = service.list_tasks(self.project)
            self.record(op="list", root=str(self.root), count=len(listed))


def main() -> int:
    root, results, seed, ops, channel, start_file, peers = sys.argv[1:8]
    worker = Worker(Path(root), Path(results), int(seed), channel, peers)
    while not os.path.exists(start_file):  # start together, after the imports
        time.sleep(0.005)
    for _ in range(int(ops)):
        try:
            worker.step()
        except (TaskmintError, RuntimeError, AssertionError, OSError) as e:
            worker.record(op="error", root=root, error=f"{type(e).__name__}: {e}")
    worker.record(op="done", root=root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
