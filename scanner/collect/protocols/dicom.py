"""Owns identifying the DICOM upper-layer association (DICOM PS3.8 §9.3).

A-ASSOCIATE-RQ (PDU type 0x01, §9.3.2): protocol version 0x0001, called AE title at
offset 10, calling AE title at 26 (16 bytes, space padded), variable items from 74:
application context (0x10), presentation contexts (0x20) holding one abstract syntax
(0x30) and transfer syntaxes (0x40), user information (0x50). The answer is
A-ASSOCIATE-AC (0x02) or -RJ (0x03). P-DATA-TF (0x04) carries datasets and is never
read.
"""

from __future__ import annotations

import re
import struct

from ._text import text

NAME = "dicom"

APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_AE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")     # no backslash, printable
MAX_PDU = 1 << 20


def _ae(raw: bytes) -> str | None:
    value = text(raw)
    return value if value and _AE.match(value) else None


def _uid(raw: bytes) -> str | None:
    value = raw.rstrip(b"\x00 ").decode("latin-1")
    return value if len(value) <= 64 and _UID.match(value) else None


def _associate_rq(pdu: bytes) -> dict | None:
    if len(pdu) < 74 or pdu[0] != 0x01 or pdu[1] != 0:
        return None
    length, version = struct.unpack_from("!IH", pdu, 2)
    if not 68 <= length <= MAX_PDU or version & 0x0001 == 0:
        return None
    called, calling = _ae(pdu[10:26]), _ae(pdu[26:42])
    if called is None or calling is None:
        return None
    end = min(len(pdu), 6 + length)
    pos = 74
    syntaxes: set[str] = set()
    saw_context = False
    while pos + 4 <= end:
        itype, _r, ilen = pdu[pos], pdu[pos + 1], struct.unpack_from("!H", pdu, pos + 2)[0]
        body = pos + 4
        if itype == 0x10:
            if pdu[body:body + ilen].rstrip(b"\x00") != APPLICATION_CONTEXT:
                return None
            saw_context = True
        elif itype == 0x20:
            sub = body + 4
            stop = min(body + ilen, end)
            while sub + 4 <= stop:
                stype, slen = pdu[sub], struct.unpack_from("!H", pdu, sub + 2)[0]
                if stype == 0x30 and sub + 4 + slen <= stop:
                    uid = _uid(pdu[sub + 4:sub + 4 + slen])
                    if uid:
                        syntaxes.add(uid)
                sub += 4 + slen
        elif itype not in (0x50,):
            return None
        pos = body + ilen
    if not saw_context:
        return None
    facts = {"called_ae": called, "calling_ae": calling}
    if syntaxes:
        facts["abstract_syntaxes"] = sorted(syntaxes)
    return facts


def _answer(pdu: bytes) -> str | None:
    if len(pdu) < 10 or pdu[1] != 0 or pdu[0] not in (0x02, 0x03):
        return None
    if pdu[0] == 0x02:
        return "accepted" if struct.unpack_from("!H", pdu, 6)[0] & 1 else None
    return "rejected"


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Facts of the association request (and its answer); None if it is not DICOM.

    Examples
    --------
    >>> dissect(b"\\x01\\x00" + bytes(4), b"") is None
    True
    """
    facts = _associate_rq(client)
    if facts is None:
        return None
    result = _answer(server)
    if result:
        facts["result"] = result
    return [facts]
