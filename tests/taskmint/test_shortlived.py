"""shortlived: a process that run() runs ends through os._exit, and what it was left is freed by that exit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "lib"

NOISY = """
import sys
sys.path.insert(0, sys.argv[1])
from taskmint import shortlived

class Noisy:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("freed", self.name, flush=True)

def main():
    kept, dropped = Noisy("left"), Noisy("dropped")
    shortlived.leave(kept)
    return 3

outside = Noisy("outside")
shortlived.leave(outside)  # not in a process run() runs: kept by no one
del outside
shortlived.run(main)
"""


def test_what_is_left_to_the_exit_is_not_freed_before_it() -> None:
    done = subprocess.run([sys.executable, "-c", NOISY, str(LIB)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == ["freed outside", "freed dropped"]


PATHLIB = """
import sys
sys.path.insert(0, sys.argv[1])
from taskmint import shortlived
shortlived.import_pathlib()
import pathlib
assert "pathlib" in sys.modules
assert not {"urllib", "urllib.parse", "ipaddress"} & set(sys.modules), sorted(sys.modules)
assert pathlib.Path("/a b/é").as_uri() == "file:///a%20b/%C3%A9"  # the real quote_from_bytes, imported now
import urllib.parse
assert urllib.parse.urlsplit("https://x.test/a").netloc == "x.test" and sys.modules["urllib"].parse is urllib.parse
shortlived.import_pathlib()  # pathlib is in: nothing to do
print("ok")
"""


def test_pathlib_comes_without_urllib_parse_until_asked_for() -> None:
    done = subprocess.run([sys.executable, "-E", "-S", "-c", PATHLIB, str(LIB)], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
