"""Where a project's tasks, state, config and lock live."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from taskmint.errors import TaskmintError

STATE_DIR = Path(".claude/state")
CONFIG_FILE = Path(".claude/taskmint.yaml")
MAPPING_NAME = "external_id_mapping.json"
COUNTERS_NAME = "external_id_counters.json"


@dataclass(frozen=True)
class Project:
    root: Path
    # The git common dir's taskmint folder: one lock and one high-water mark shared by
    # every worktree of a repository. None outside git.
    shared_dir: Path | None

    @property
    def tasks_dir(self) -> Path:
        return self.root / "tasks"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def mapping_path(self) -> Path:
        return self.state_dir / MAPPING_NAME

    @property
    def counters_path(self) -> Path:
        return self.state_dir / COUNTERS_NAME

    @property
    def lock_path(self) -> Path:
        if self.shared_dir is not None:
            return self.shared_dir / "taskmint.lock"
        return self.state_dir / "taskmint.lock"

    @property
    def registry_path(self) -> Path | None:
        return None if self.shared_dir is None else self.shared_dir / "registry.json"

    @property
    def opted_in(self) -> bool:
        """Only a project with .claude/taskmint.yaml (written by `taskmint init`) is touched."""
        return self.config_path.is_file()

    def require_opt_in(self) -> None:
        if not self.opted_in:
            raise TaskmintError(f"{self.root} is not a taskmint project (it has no {CONFIG_FILE.as_posix()}); "
                                "run `taskmint init` there to opt in")

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def check_inside(self, path: Path) -> None:
        """Refuse to touch files that a symlink has placed outside the project."""
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(path.parent)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise TaskmintError(
                f"{self.rel(path)} resolves outside the project (through a symlink); "
                "replace the symlink with a real directory"
            )


def _git_dirs(start: Path) -> tuple[Path, Path] | None:
    """(work tree top, git common dir) for ``start``, read from disk without running git."""
    for directory in (start, *start.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return directory, dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except OSError:
                return None
            if not text.startswith("gitdir:"):
                return None
            git_dir = (directory / text[len("gitdir:"):].strip()).resolve()
            common = git_dir
            commondir_file = git_dir / "commondir"
            if commondir_file.is_file():
                common = (git_dir / commondir_file.read_text(encoding="utf-8").strip()).resolve()
            return directory, common
    return None


def find_project(explicit_root: str | None = None) -> Project:
    """--root, else $CLAUDE_PROJECT_DIR, else the nearest folder from the cwd up to the git
    top level that has .claude/taskmint.yaml, else the git top level, else the cwd."""
    if explicit_root:
        root = Path(explicit_root)
    elif os.environ.get("CLAUDE_PROJECT_DIR"):
        root = Path(os.environ["CLAUDE_PROJECT_DIR"])
    else:
        cwd = Path.cwd()
        found = _git_dirs(cwd)
        root = found[0] if found else cwd
        for directory in (cwd, *cwd.parents):  # a subfolder of a project outside git finds it too
            if (directory / CONFIG_FILE).is_file():
                root = directory
                break
            if found and directory == found[0]:
                break
    if not root.is_dir():
        raise TaskmintError(f"project root {root} is not a directory; pass an existing one with --root")
    root = root.absolute()
    found = _git_dirs(root)
    shared = found[1] / "taskmint" if found else None
    return Project(root=root, shared_dir=shared)
