"""Owns reading DNS messages (RFC 1035 §4.1; AAAA RFC 3596): queries and answers.

``parse`` turns a response into (name, address, record_type) pairs from its A, AAAA
and CNAME answers (passive DNS); ``dissect`` identifies a DNS query by content (a
sane header and exactly one well-formed question). Over TCP the message follows a
2-byte length (RFC 1035 §4.2.2).
"""

from __future__ import annotations

import re
import socket
import struct

NAME = "dns"

_HEADER = struct.Struct("!HHHHHH").unpack_from
_LABEL = re.compile(r"^[A-Za-z0-9_\-*]{1,63}$")
TYPES = {1: "A", 5: "CNAME", 28: "AAAA"}
MAX_ANSWERS = 64


def _name(msg: bytes, pos: int) -> tuple[str, int] | None:
    """Read a (possibly compressed) name; return it and the position after it."""
    labels: list[str] = []
    after = None
    jumps = 0
    n = len(msg)
    while True:
        if pos >= n:
            return None
        length = msg[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0 == 0xC0:
            if pos + 1 >= n or jumps > 16:
                return None
            if after is None:
                after = pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            jumps += 1
            continue
        if length & 0xC0 or pos + 1 + length > n:
            return None
        label = msg[pos + 1:pos + 1 + length].decode("latin-1")
        if not _LABEL.match(label):
            return None
        labels.append(label)
        pos += 1 + length
    name = ".".join(labels)
    if len(name) > 253:
        return None
    return name.lower(), (after if after is not None else pos)


def parse(msg: bytes, tcp: bool = False) -> list[tuple[str, str, str]]:
    """(name, address or target, record type) for every A/AAAA/CNAME answer.

    Returns an empty list for queries, errors and anything that does not parse.

    Examples
    --------
    >>> q = b"\\x12\\x34\\x81\\x80\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x00\\x04pacs\\x00\\x00\\x01\\x00\\x01"
    >>> parse(q + b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04\\x0a\\x00\\x00\\x05")
    [('pacs', '10.0.0.5', 'A')]
    """
    if tcp:
        if len(msg) < 2:
            return []
        msg = msg[2:2 + struct.unpack_from("!H", msg, 0)[0]]
    if len(msg) < 12:
        return []
    _id, flags, qd, an, _ns, _ar = _HEADER(msg, 0)
    if not flags & 0x8000 or flags & 0x000F or (flags >> 11) & 0xF or qd > 4:
        return []
    pos = 12
    for _ in range(qd):
        got = _name(msg, pos)
        if got is None:
            return []
        pos = got[1] + 4
    out = []
    for _ in range(min(an, MAX_ANSWERS)):
        got = _name(msg, pos)
        if got is None or got[1] + 10 > len(msg):
            break
        name, pos = got
        rtype, rclass, _ttl, rdlen = struct.unpack_from("!HHIH", msg, pos)
        rdata = pos + 10
        pos = rdata + rdlen
        if pos > len(msg):
            break
        if rclass != 1 or rtype not in TYPES or not name:
            continue
        if rtype == 1 and rdlen == 4:
            out.append((name, socket.inet_ntop(socket.AF_INET, msg[rdata:pos]), "A"))
        elif rtype == 28 and rdlen == 16:
            out.append((name, socket.inet_ntop(socket.AF_INET6, msg[rdata:pos]), "AAAA"))
        elif rtype == 5:
            target = _name(msg, rdata)
            if target and target[0]:
                out.append((name, target[0], "CNAME"))
    return out


def _is_query(msg: bytes) -> bool:
    if len(msg) < 17:
        return False
    _id, flags, qd, an, ns, ar = _HEADER(msg, 0)
    if flags & 0x8000 or (flags >> 11) & 0xF > 5 or qd != 1 or an or ns > 1 or ar > 2:
        return False
    got = _name(msg, 12)
    if got is None or not got[0] or got[1] + 4 > len(msg):
        return False
    qtype, qclass = struct.unpack_from("!HH", msg, got[1])
    return qtype > 0 and (qclass & 0x7FFF) in (1, 3, 4, 255)


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """``[{}]`` if the client's first message is a DNS query (UDP or TCP), else None.

    Examples
    --------
    >>> dissect(b"\\x12\\x34\\x01\\x00\\x00\\x01" + bytes(6) + b"\\x04pacs\\x00\\x00\\x01\\x00\\x01", b"")
    [{}]
    """
    if _is_query(client) or (len(client) > 2 and _is_query(client[2:])
                             and struct.unpack_from("!H", client, 0)[0] <= len(client) - 2):
        return [{}]
    return None
