"""Owns identifying ASTM E1381 (low level) / E1394 (records) laboratory analyser traffic.

The sender establishes with ENQ (0x05); each frame is STX (0x02) + frame number
(``0``-``7``) + record + ETB/ETX + checksum + CR LF; the first record is the header
``H`` + field delimiter + repeat, component and escape delimiters (``H|\\^&``). Facts:
that it is ASTM, and the header's sender name (field 5, first component). Never the
access password (field 4) nor patient/result records.
"""

from __future__ import annotations

from ._text import text

NAME = "astm"

_ENQ, _STX = 0x05, 0x02


def _header(stream: bytes) -> dict | None:
    if len(stream) < 8 or stream[0] != _ENQ:
        return None
    stx = stream.find(b"\x02", 1, 16)
    if stx < 0 or not 0x30 <= stream[stx + 1] <= 0x37 or stream[stx + 2:stx + 3] != b"H":
        return None
    rec = stream[stx + 3:]
    end = min([i for i in (rec.find(b"\r"), rec.find(b"\x17"), rec.find(b"\x03")) if i >= 0]
              or [len(rec)])
    header = rec[:end].decode("latin-1")
    if len(header) < 4:
        return None
    field_sep, delimiters = header[0], header[1:4]
    if field_sep.isalnum() or len(set(header[0:4])) != 4 or any(c.isalnum() for c in delimiters):
        return None
    fields = ("H" + header).split(field_sep)
    facts: dict = {}
    if len(fields) > 4:
        sender = text(fields[4].split(delimiters[1], 1)[0])
        if sender:
            facts["sender"] = sender
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Facts of the first ASTM header record found in either direction, or None.

    Examples
    --------
    >>> dissect(b"\\x05\\x021H|\\\\^&|||ANALYSER^1.0|||||||P|1\\r\\x0312\\r\\n", b"")
    [{'sender': 'ANALYSER'}]
    """
    for stream in (client, server):
        facts = _header(stream)
        if facts is not None:
            return [facts]
    return None
