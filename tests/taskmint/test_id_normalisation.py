"""Issue 10 item 8: an internal ID has one form wherever it enters (ids.normalize)."""
from __future__ import annotations

import json


def _cli_ok(proc):
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_item8_lower_case_id_in_a_file_makes_no_second_mapping_key(tmp_path, taskmint):
    root = tmp_path / "proj"
    root.mkdir()
    _cli_ok(taskmint("init", "--jira", "PROJ", root=root))
    created = json.loads(_cli_ok(taskmint("create", "Lower", "--json", root=root)).stdout)
    path = root / created["path"]
    path.write_text(path.read_text().replace(f"id: {created['id']}", f"id: {created['id'].lower()}"))

    done = json.loads(_cli_ok(taskmint("complete", created["id"].lower(), "--json", root=root)).stdout)
    assert done["status"] == "completed"
    mapping = json.loads((root / ".claude/state/external_id_mapping.json").read_text())["mappings"]
    assert list(mapping) == [created["id"]]
    # the mapping still passes its own schema: no warning, no recovery from .bak
    _cli_ok(taskmint("list", root=root))
    assert json.loads(_cli_ok(taskmint("show", "PROJ-1", "--json", root=root)).stdout)["path"] == done["path"]
