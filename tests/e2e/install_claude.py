"""Install the pinned Claude Code CLI for the end-to-end tests and print its path.

Run as ``python tests/e2e/install_claude.py`` (CI does this before pytest). Honours
``TASKMINT_CLAUDE_BIN``; exits 1 with the reason on stderr when the CLI cannot be installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import ClaudeInstallError, claude_binary  # noqa: E402


def main() -> int:
    try:
        print(claude_binary())
    except ClaudeInstallError as exc:
        print(f"install_claude: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
