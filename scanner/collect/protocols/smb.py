"""Owns identifying SMB (MS-SMB2 §2.2.3-4 NEGOTIATE, MS-CIFS §2.2.4.52) and its dialect.

Over TCP 445 each message follows a 4-byte NetBIOS session header (0x00 + 3-byte
length), then ``\\xFESMB`` (SMB2/3) or ``\\xFFSMB`` (SMB1). The dialect is the one
the server's NEGOTIATE response chose (DialectRevision), else the highest the client
offered; a pure SMB1 negotiation gives ``NT LM 0.12`` or ``SMB1``. Never file names,
user names nor data.
"""

from __future__ import annotations

import struct

NAME = "smb"

DIALECTS = {0x0202: "2.0.2", 0x0210: "2.1", 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1",
            0x02FF: "2.x"}


def _message(buf: bytes) -> bytes | None:
    if len(buf) < 8 or buf[0] != 0:
        return None
    length = int.from_bytes(buf[1:4], "big")
    if length < 4:
        return None
    msg = buf[4:4 + length]
    return msg if msg[:4] in (b"\xfeSMB", b"\xffSMB") else None


def _smb2_negotiate(msg: bytes, response: bool) -> str | None:
    if len(msg) < 64 + 8 or msg[:4] != b"\xfeSMB" or struct.unpack_from("<H", msg, 4)[0] != 64:
        return None
    command = struct.unpack_from("<H", msg, 12)[0]
    flags = struct.unpack_from("<I", msg, 16)[0]
    if command != 0 or bool(flags & 1) != response:
        return None
    size = struct.unpack_from("<H", msg, 64)[0]
    if response:
        if size != 65:
            return None
        return DIALECTS.get(struct.unpack_from("<H", msg, 68)[0])
    if size != 36:
        return None
    count = struct.unpack_from("<H", msg, 66)[0]
    offered = [struct.unpack_from("<H", msg, 100 + 2 * i)[0]
               for i in range(count) if 100 + 2 * i + 2 <= len(msg)]
    known = [d for d in offered if d in DIALECTS and d != 0x02FF]
    return DIALECTS[max(known)] if known else None


def _smb1_negotiate(msg: bytes) -> str | None:
    if len(msg) < 35 or msg[:4] != b"\xffSMB" or msg[4] != 0x72:
        return None
    dialects = msg[35:].split(b"\x00")
    names = [d[1:] for d in dialects if d[:1] == b"\x02"]
    return "NT LM 0.12" if b"NT LM 0.12" in names else "SMB1"


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """The negotiated (or offered) dialect, or None if the client is not SMB.

    Examples
    --------
    >>> dissect(b"\\x00\\x00\\x00\\x04\\xfeSMB", b"")
    [{}]
    """
    cmsg = _message(client)
    if cmsg is None:
        return None
    smsg = _message(server)
    dialect = _smb2_negotiate(smsg, True) if smsg else None
    if dialect is None:
        dialect = _smb2_negotiate(cmsg, False) or _smb1_negotiate(cmsg)
    return [{"dialect": dialect}] if dialect else [{}]
