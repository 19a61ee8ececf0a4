"""JSON Schemas shipped with the package, compiled once per process."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from typing import Any

_DIR = Path(__file__).with_name("schemas")


@cache
def _validator(name: str) -> Any:
    # jsonschema costs ~70 ms to import; only transactions and config loads need it.
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = []
    for path in _DIR.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    schema = json.loads((_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=registry)


def problem(name: str, data: Any) -> str | None:
    """None when ``data`` fits schema ``name``, else a one-line description."""
    from taskmint import validators

    if validators.CHECKS[name](data):
        return None  # the same verdict jsonschema gives, without importing it
    error = next(iter(_validator(name).iter_errors(data)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    message = error.message if len(error.message) < 200 else error.message[:200] + "..."
    return f"at {where}: {message}"
