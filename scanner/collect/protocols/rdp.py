"""Owns identifying RDP from its X.224 Connection Request ([MS-RDPBCGR] §2.2.1.1).

TPKT (RFC 1006): version 3, reserved 0, 2-byte big-endian length; X.224 CR TPDU:
length indicator, code 0xE0, dst-ref, src-ref, class 0. That it is RDP is the only
fact: the optional ``Cookie: mstshash=`` holds a user name and is never read.
"""

from __future__ import annotations

import struct

NAME = "rdp"


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """``[{}]`` if the client starts with a TPKT + X.224 Connection Request, else None.

    Examples
    --------
    >>> dissect(b"\\x03\\x00\\x00\\x0b\\x06\\xe0\\x00\\x00\\x00\\x00\\x00", b"")
    [{}]
    """
    if len(client) < 11 or client[0] != 3 or client[1] != 0:
        return None
    length = struct.unpack_from("!H", client, 2)[0]
    li = client[4]
    if not 11 <= length <= 4096 or li != length - 5 or client[5] & 0xF0 != 0xE0:
        return None
    if client[6:8] != b"\x00\x00" or client[10] & 0xF0 != 0:
        return None
    return [{}]
