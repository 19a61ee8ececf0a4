"""Write YAML scalars that read back exactly, without a YAML emitter."""
from __future__ import annotations

import re
import sys
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a create would pay for it)
if TYPE_CHECKING:
    from datetime import datetime

# Plain scalars that PyYAML's resolver reads back as the same string: start with a letter,
# no ': ', ' #', quotes, brackets or other indicators, and not a YAML 1.1 bool or null.
_PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9_./()+-]*(?: [A-Za-z0-9_./()+-]+)*")
_RESERVED = {
    "y", "n", "yes", "no", "true", "false", "on", "off", "null",
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _printable(ch: str) -> bool:
    """Whether PyYAML's reader accepts ``ch`` raw and does not take it for a line break
    (compared by code point: a regex of these ranges took 8 ms to compile, on every create)."""
    code = ord(ch)
    return (0x20 <= code <= 0x7E or 0xA0 <= code <= 0x2027 or 0x202A <= code <= 0xD7FF or 0xE000 <= code <= 0xFEFE
            or 0xFF00 <= code <= 0xFFFD or code >= 0x10000)


def quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Timestamp):
        return value
    if is_datetime(value):
        return timestamp(value)
    if isinstance(value, str):
        if _PLAIN_RE.fullmatch(value) and value.lower() not in _RESERVED:
            return value
        return quote(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")


def flow_list(values: list[object]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


class Timestamp(str):
    """A moment in UTC as taskmint writes it (2026-01-08T10:00:00Z), written as a plain YAML
    timestamp like a datetime, without importing datetime (a create would pay 1.5 ms for it)."""

    @classmethod
    def now(cls) -> Timestamp:
        return cls(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


_datetime_module = None


def datetime_types():
    """The module holding date, datetime and timezone. On CPython that is the C module
    _datetime, whose types datetime.py re-exports (datetime.datetime is _datetime.datetime);
    importing it alone took 0.2 ms here, datetime.py 2 ms (it builds pure-Python versions of
    every type first), which a show paid for one `created:` line. Kept after the first call:
    doctor asks for every timestamp of 10,000 task files."""
    global _datetime_module
    if _datetime_module is None:
        try:
            import _datetime as module
        except ImportError:  # an interpreter without the C module
            import datetime as module
        _datetime_module = module
    return _datetime_module


def is_datetime(value: object) -> bool:
    """isinstance(value, datetime.datetime), importing nothing: no value can be a datetime
    while neither module is loaded."""
    module = sys.modules.get("_datetime") or sys.modules.get("datetime")
    return module is not None and isinstance(value, module.datetime)


def is_date(value: object) -> bool:
    """isinstance(value, datetime.date) (a datetime is one too), importing nothing."""
    module = sys.modules.get("_datetime") or sys.modules.get("datetime")
    return module is not None and isinstance(value, module.date)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(datetime_types().timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    return str(Timestamp.now())
