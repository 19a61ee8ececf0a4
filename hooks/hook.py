"""Entry script of every taskmint hook (started by run.sh as ``python -E -S hook.py EVENT``).

The common case, a Write or Edit of a file that is not a task, ends here after one stdin read,
before even ``os`` is imported. Kept free of modern syntax so an old python3 can still say
what is wrong.
"""
import sys

EVENT = sys.argv[1] if len(sys.argv) > 1 else ""
if sys.version_info < (3, 11):
    LINE = ("taskmint: taskmint needs Python 3.11 or newer, found %d.%d; install it or set TASKMINT_PYTHON, then "
            "start a new session" % sys.version_info[:2])
    if EVENT == "session-start":
        sys.stdout.write('{"systemMessage": "%s"}\n' % LINE)
    sys.stderr.write(LINE + "\n")
    sys.exit(2 if EVENT == "prompt" else 0)
RAW = sys.stdin.buffer.read() if sys.stdin is not None else b""
# Claude Code sends JSON.stringify output, which escapes no ASCII letter: a tool call whose file
# lies under tasks/ or .claude/state/ has these bytes in its payload (entry.py then checks the
# path itself). Most tool calls have neither, and are done here.
if EVENT in ("pre-tool-use", "post-tool-use") and b"tasks" not in RAW and b"state" not in RAW:
    sys.exit(0)

# The library ships in the plugin; the venv holds only its dependencies.
sys.path[0] = sys.path[0].rpartition("/")[0] + "/lib"

from taskmint import shortlived  # noqa: E402
from taskmint.plugin.entry import main  # noqa: E402

shortlived.run(lambda: main(EVENT, RAW))
