"""Owns typed reads from a parsed agent inventory, each failure naming its JSON path.

``Reader(source)`` wraps one document; ``reader.get(obj, key, kind, path)`` returns the
value of ``obj[key]`` checked against ``kind`` or raises ``InputError`` whose place is
the JSON path (``connections[3].remote_port: expected an integer``). Text is checked
against the privacy door's limits here, so a bad inventory is an input error naming
the place rather than a privacy error without one.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

from ...errors import InputError, SourceLocation
from ...privacy import MAX_STR

_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n"} | {"\x7f"}

_EXPECTED = {
    "str": "expected text", "int": "expected an integer", "list": "expected a list",
    "object": "expected an object", "ip": "expected an IP address",
    "port": "expected a port number (0-65535)", "transport": "expected tcp or udp",
    "time": "expected an ISO-8601 time with a timezone (2026-03-02T08:00:00Z)",
    "count": "expected a non-negative integer",
}


def join(path: str, key: str | int) -> str:
    """``join("connections", 3) == "connections[3]"``; ``join("host", "fqdn") == "host.fqdn"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    """Typed, path-naming access to one inventory document."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        return InputError(message, SourceLocation(self.source, path or "document"))

    def get(self, obj: dict, key: str, kind: str, path: str, required: bool = False):
        """``obj[key]`` checked as ``kind``; None when absent (or null) and not required."""
        where = join(path, key)
        value = obj.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing; {_EXPECTED[kind]}")
            return None
        return self.check(value, kind, where)

    def check(self, value, kind: str, where: str):
        """``value`` checked (and normalised) as ``kind``."""
        bad = self.fail(where, _EXPECTED[kind])
        if kind == "object":
            if not isinstance(value, dict):
                raise bad
            return value
        if kind == "list":
            if not isinstance(value, list):
                raise bad
            return value
        if kind in ("int", "port", "count"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad
            if kind == "port" and not 0 <= value <= 65535:
                raise bad
            if kind == "count" and value < 0:
                raise bad
            return value
        if not isinstance(value, str):
            raise bad
        if kind == "str":
            if any(c in _CONTROL for c in value):
                raise self.fail(where, "control characters in text")
            if len(value) > MAX_STR:
                raise self.fail(where, f"{len(value)} characters, more than {MAX_STR}")
            return value
        if kind == "transport":
            if value.lower() not in ("tcp", "udp"):
                raise bad
            return value.lower()
        if kind == "ip":
            try:
                addr = ipaddress.ip_address(value)
            except ValueError:
                raise bad from None
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
                addr = addr.ipv4_mapped   # dual-stack sockets report ::ffff:a.b.c.d
            return str(addr)
        if kind == "time":
            try:
                t = datetime.fromisoformat(value)
            except ValueError:
                raise bad from None
            if t.tzinfo is None:
                raise bad
            return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise ValueError(f"unknown kind {kind}")

    def items(self, obj: dict, key: str, path: str):
        """``(index, path, element)`` for each object of the list ``obj[key]`` (absent: none)."""
        values = self.get(obj, key, "list", path) or []
        for i, element in enumerate(values):
            where = join(join(path, key), i)
            yield i, where, self.check(element, "object", where)

    def strings(self, obj: dict, key: str, path: str) -> list[str]:
        """The list of text ``obj[key]`` (absent: empty)."""
        values = self.get(obj, key, "list", path) or []
        return [self.check(v, "str", join(join(path, key), i)) for i, v in enumerate(values)]
