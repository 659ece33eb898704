"""Owns ``Entry``: one value read from a configuration file, with its key path and line.

Every file parser turns its format into a flat list of entries; what happens next
(connection strings, host/port pairing) does not depend on the format.  ``key`` is
None for a line of free text (the fallback scan).  ``hint`` carries a provider name
written beside a value (web.config ``providerName``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_KEY = 200


@dataclass(frozen=True)
class Entry:
    key: str | None
    value: str
    line: int
    hint: str | None = None


def make(key: str | None, value, line: int, hint: str | None = None) -> Entry:
    """An entry with a printable, bounded key and a text value."""
    if key is not None:
        key = re.sub(r"[\x00-\x1f\x7f]", "", key)[:MAX_KEY]
    return Entry(key, "" if value is None else str(value), line, hint)


_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def tokens(key: str) -> list[str]:
    """``hl7.outbound.host`` → [hl7, outbound, host]; ``Hl7OutboundHost`` too."""
    out = []
    for part in _SPLIT.split(key):
        out += [w.lower() for w in _CAMEL.split(part) if w]
    return out


def split_lines(text: str) -> list[str]:
    """The lines of a text, newline conventions unified (index 0 is line 1)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
