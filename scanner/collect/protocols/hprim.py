"""Owns identifying HPRIM Santé messages (HPRIM Santé 2.x header record ``H``).

The header is ``H|~^\\&|`` (field, repeat, component, escape, sub-component
delimiters), possibly inside MLLP (0x0B) or ASTM (STX + frame number) framing. Facts:
the message kind (H.7: ADM, ORM, ORU, FAC, REG, ERR…) and the version (the field
shaped ``H2.x``). Field positions follow HPRIM Santé 2.2 and should be checked
against the specification before relying on them (marked *verify* in DOMAIN.md).
"""

from __future__ import annotations

import re

NAME = "hprim"

_SIGNATURE = b"H|~^\\&|"
_KINDS = frozenset(("ADM", "ORM", "ORU", "FAC", "REG", "ERR", "ACK", "RES", "DEM"))
_VERSION = re.compile(r"^H\d\.\d{1,2}$")


def _header(stream: bytes) -> dict | None:
    if stream[:1] == b"\x0b":
        stream = stream[1:]
    elif stream[:1] == b"\x02" and stream[1:2].isdigit():
        stream = stream[2:]
    if not stream.startswith(_SIGNATURE):
        return None
    line = stream.split(b"\r", 1)[0].split(b"\n", 1)[0].decode("latin-1")
    fields = line.split("|")
    facts: dict = {}
    if len(fields) > 7 and fields[7].strip().upper() in _KINDS:
        facts["message_kind"] = fields[7].strip().upper()
    for f in fields[8:]:
        v = f.split("^", 1)[0].strip()
        if _VERSION.match(v):
            facts["version"] = v
            break
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Facts of an HPRIM header in either direction, or None.

    Examples
    --------
    >>> dissect(b"H|~^\\\\&|F.HPR|||LABO|||||DPI||P|H2.2^C|20260302\\r", b"")
    [{'version': 'H2.2'}]
    """
    for stream in (client, server):
        facts = _header(stream)
        if facts is not None:
            return [facts]
    return None
