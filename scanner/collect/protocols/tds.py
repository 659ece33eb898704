"""Owns identifying Microsoft SQL Server TDS from its PRELOGIN packet ([MS-TDS] §2.2.6.5).

Packet header: type 0x12 (pre-login), status 0x01 (end of message), 2-byte
big-endian length, SPID, packet id, window 0; then option tokens (token, 2-byte
offset, 2-byte length) ending with 0xFF. Facts: the instance name (INSTOPT, token 2)
when the client sends one. Never login data.
"""

from __future__ import annotations

import struct

from ._text import text

NAME = "tds"

_MAX_TOKEN = 8


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Pre-login facts, or None if the client did not start with a TDS pre-login.

    Examples
    --------
    >>> dissect(b"\\x12\\x01\\x00\\x10" + bytes(4) + b"\\xff" + bytes(7), b"") is None
    False
    """
    if len(client) < 9 or client[0] != 0x12 or client[1] not in (0x00, 0x01) or client[7] != 0:
        return None
    length = struct.unpack_from("!H", client, 2)[0]
    if not 9 <= length <= 4096:
        return None
    pkt = client[8:min(length, len(client))]
    size = length - 8
    p = 0
    facts: dict = {}
    seen_terminator = False
    while p < len(pkt):
        token = pkt[p]
        if token == 0xFF:
            seen_terminator = True
            break
        if token > _MAX_TOKEN or p + 5 > len(pkt):
            return None
        off, olen = struct.unpack_from("!HH", pkt, p + 1)
        if off + olen > size:
            return None
        if token == 2 and olen > 1:
            name = text(pkt[off:off + olen].split(b"\x00", 1)[0])
            if name:
                facts["instance"] = name
        p += 5
    if not seen_terminator:
        return None
    return [facts]
