"""Owns identifying the MySQL / MariaDB client/server protocol (MySQL internals manual).

The server speaks first: packet header (3-byte little-endian length, sequence 0),
Initial Handshake protocol version 10 (0x0A), NUL-terminated server version,
connection id, 8 bytes of auth data, a 0x00 filler. MariaDB announces itself in the
version (``5.5.5-10.11.6-MariaDB``). The client's HandshakeResponse41 names the
database when CLIENT_CONNECT_WITH_DB is set. Facts: server version, engine, database.
Never the user name, auth data nor queries.
"""

from __future__ import annotations

import re

from ._text import text

NAME = "mysql"

_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+[\x20-\x7e]*$")
CLIENT_CONNECT_WITH_DB, CLIENT_SSL = 0x8, 0x800
CLIENT_SECURE_CONNECTION, CLIENT_PLUGIN_AUTH_LENENC = 0x8000, 0x200000


def greeting(server: bytes) -> dict | None:
    """Facts of a protocol-10 server greeting, or None."""
    if len(server) < 5 + 1 + 2 + 4 + 9:
        return None
    length = int.from_bytes(server[:3], "little")
    if server[3] != 0 or server[4] != 0x0A or not 30 <= length <= 1024:
        return None
    nul = server.find(b"\x00", 5, 5 + 100)
    if nul < 0:
        return None
    version = text(server[5:nul])
    if not version or not _VERSION.match(version):
        return None
    if len(server) > nul + 13 and server[nul + 13] != 0:     # filler after auth data part 1
        return None
    engine = "mariadb" if "mariadb" in version.lower() else "mysql"
    if engine == "mariadb" and version.startswith("5.5.5-"):
        version = version[6:]
    return {"server_version": version, "engine": engine}


def _database(client: bytes) -> str | None:
    if len(client) < 4 + 32 or client[3] != 1:
        return None
    caps = int.from_bytes(client[4:8], "little")
    if not caps & CLIENT_CONNECT_WITH_DB or caps & CLIENT_SSL and len(client) < 4 + 33:
        return None
    p = 4 + 32
    nul = client.find(b"\x00", p)                         # user name: skipped, not kept
    if nul < 0:
        return None
    p = nul + 1
    if caps & CLIENT_PLUGIN_AUTH_LENENC:
        if p >= len(client) or client[p] >= 0xFB:
            return None
        p += 1 + client[p]
    elif caps & CLIENT_SECURE_CONNECTION:
        if p >= len(client):
            return None
        p += 1 + client[p]
    else:
        nul = client.find(b"\x00", p)
        if nul < 0:
            return None
        p = nul + 1
    nul = client.find(b"\x00", p)
    return text(client[p:nul]) if nul > p else None


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Greeting facts (and the client's database), or None.

    Examples
    --------
    >>> g = b"\\x0a5.5.5-10.11.6-MariaDB\\x00" + bytes(4) + b"abcdefgh\\x00" + bytes(20)
    >>> dissect(b"", len(g).to_bytes(3, "little") + b"\\x00" + g)
    [{'server_version': '10.11.6-MariaDB', 'engine': 'mariadb'}]
    """
    facts = greeting(server)
    if facts is None:
        return None
    db = _database(client)
    if db:
        facts["database"] = db
    return [facts]
