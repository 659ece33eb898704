"""Owns identifying the PostgreSQL frontend/backend protocol v3 (PostgreSQL docs §55.7).

The client speaks first: SSLRequest / GSSENCRequest (length 8, code 80877103 /
80877104; the server answers ``S``, ``G`` or ``N``), CancelRequest (length 16, code
80877102), or StartupMessage (length, code 196608, then ``name\\0value\\0`` pairs
ending with ``\\0``). Facts: database, user, application_name, whether TLS was
negotiated. Never passwords (sent later) nor queries.
"""

from __future__ import annotations

import struct

from ._text import text

NAME = "postgresql"

SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST, V3 = 80877103, 80877104, 80877102, 196608
MAX_STARTUP = 10_000
_KEEP = {"database": "database", "user": "user", "application_name": "application_name"}


def _startup(buf: bytes, pos: int) -> dict | None:
    if len(buf) < pos + 8:
        return None
    length, code = struct.unpack_from("!II", buf, pos)
    if code != V3 or not 9 <= length <= MAX_STARTUP:
        return None
    body = buf[pos + 8:pos + min(length, len(buf) - pos)]
    parts = body.split(b"\x00")
    facts: dict = {}
    for i in range(0, len(parts) - 1, 2):
        key = parts[i]
        if not key:
            break
        if not key.replace(b"_", b"").isalnum() or len(key) > 64:
            return None
        name = key.decode("ascii")
        if name in _KEEP:
            value = text(parts[i + 1])
            if value:
                facts[_KEEP[name]] = value
    if "user" not in facts:                   # user is mandatory in a StartupMessage
        return None
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Startup facts (and ``ssl``), or None if the client did not speak PostgreSQL.

    Examples
    --------
    >>> msg = b"user\\x00dpi\\x00database\\x00dpi_prod\\x00\\x00"
    >>> dissect(struct.pack("!II", 8 + len(msg), 196608) + msg, b"")
    [{'user': 'dpi', 'database': 'dpi_prod', 'ssl': False}]
    """
    if len(client) < 8:
        return None
    length, code = struct.unpack_from("!II", client, 0)
    if length == 8 and code in (SSL_REQUEST, GSS_REQUEST):
        answer = server[:1]
        if answer and answer not in (b"S", b"N", b"G", b"E"):
            return None
        if answer == b"N":
            facts = _startup(client, 8)
            facts = dict(facts or {})
            facts["ssl"] = False
            return [facts]
        return [{"ssl": True}] if code == SSL_REQUEST else [{}]
    if length == 16 and code == CANCEL_REQUEST and len(client) == 16:
        return [{}]
    facts = _startup(client, 0)
    if facts is None:
        return None
    facts["ssl"] = False
    return [facts]
