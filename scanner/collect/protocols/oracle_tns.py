"""Owns identifying Oracle Net (TNS) from the CONNECT packet.

TNS header: 2-byte big-endian packet length, 2-byte checksum, packet type (0x01
CONNECT), reserved byte, 2-byte header checksum. CONNECT body: version and
compatible version (2 bytes each, 300-400), … connect-data length at 24 and offset
at 26; the connect data is the descriptor text
``(DESCRIPTION=…(CONNECT_DATA=(SERVICE_NAME=…)(CID=(PROGRAM=…)…)))``, sometimes in
the next packet when long. Facts: SERVICE_NAME, SID, PROGRAM. Never USER nor HOST of
the CID.
"""

from __future__ import annotations

import re
import struct

from ._text import text

NAME = "oracle-tns"

_KEYS = {"SERVICE_NAME": "service_name", "SID": "sid", "PROGRAM": "program"}
_PAIR = re.compile(rb"\(\s*(SERVICE_NAME|SID|PROGRAM)\s*=\s*([^()]*?)\s*\)", re.I)


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Connect-data facts, or None if the client did not send a TNS CONNECT.

    Examples
    --------
    >>> dissect(b"\\x00\\x3a\\x00\\x00\\x02", b"") is None
    True
    """
    if len(client) < 34 or client[4] != 0x01:
        return None
    length, checksum = struct.unpack_from("!HH", client, 0)
    version, compat = struct.unpack_from("!HH", client, 8)
    if length < 34 or not 300 <= version <= 400 or not 300 <= compat <= 400 or compat > version:
        return None
    cd_len, cd_off = struct.unpack_from("!HH", client, 24)
    data = client[cd_off:cd_off + cd_len] if cd_len and cd_off >= 34 else b""
    if b"(DESCRIPTION" not in data.upper():
        at = client.upper().find(b"(DESCRIPTION")
        data = client[at:] if at >= 0 else b""
    answered = len(server) >= 8 and server[4] in (0x02, 0x04, 0x05, 0x0B)
    if not data and not answered:
        return None
    facts: dict = {}
    for key, value in _PAIR.findall(data):
        name = _KEYS[key.upper().decode()]
        if name not in facts:
            v = text(value)
            if v:
                facts[name] = v
    return [facts]
