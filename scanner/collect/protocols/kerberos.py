"""Owns identifying Kerberos 5 KDC requests (RFC 4120 §5.4.1, §7.2.1-2).

AS-REQ is ``[APPLICATION 10]`` (0x6A), TGS-REQ ``[APPLICATION 12]`` (0x6C); over TCP
the message follows a 4-byte big-endian length. KDC-REQ ::= SEQUENCE { pvno [1] 5,
msg-type [2] 10|12, padata [3] OPTIONAL, req-body [4] KDC-REQ-BODY }, and the body
holds realm [2] (GeneralString). Facts: the realm. Never principal names nor tickets.
"""

from __future__ import annotations

from ._ber import integer, tlv
from ._text import text

NAME = "kerberos"

_APP = {0x6A: 10, 0x6C: 12}


def _realm(buf: bytes) -> dict | None:
    end = len(buf)
    app = tlv(buf, 0, end)
    if app is None or app[0] not in _APP:
        return None
    seq = tlv(buf, app[1], app[2])
    if seq is None or seq[0] != 0x30:
        return None
    pos, stop = seq[1], seq[2]
    pvno = msg_type = None
    facts: dict = {}
    while pos < stop:
        item = tlv(buf, pos, stop)
        if item is None:
            break
        tag, start, istop, declared = item
        inner = tlv(buf, start, istop)
        if tag == 0xA1 and inner and inner[0] == 0x02:
            pvno = integer(buf, inner[1], inner[2])
        elif tag == 0xA2 and inner and inner[0] == 0x02:
            msg_type = integer(buf, inner[1], inner[2])
        elif tag == 0xA4 and inner and inner[0] == 0x30:
            q, qstop = inner[1], inner[2]
            while q < qstop:
                field = tlv(buf, q, qstop)
                if field is None:
                    break
                if field[0] == 0xA2:
                    realm = tlv(buf, field[1], field[2])
                    if realm and realm[0] == 0x1B:
                        value = text(buf[realm[1]:realm[2]])
                        if value:
                            facts["realm"] = value.upper()
                    break
                q = field[3]
        pos = declared
    if pvno != 5 or msg_type != _APP[app[0]]:
        return None
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Realm of an AS-REQ or TGS-REQ (UDP, or TCP with its length prefix), or None.

    Examples
    --------
    >>> dissect(b"\\x6a\\x03\\x30\\x01\\x00", b"") is None
    True
    """
    facts = _realm(client)
    if facts is None and len(client) > 4:
        length = int.from_bytes(client[:4], "big")
        if 0 < length < 1 << 20:
            facts = _realm(client[4:])
    return [facts] if facts is not None else None
