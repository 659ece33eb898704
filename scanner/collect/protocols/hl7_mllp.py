"""Owns identifying HL7 v2 messages in MLLP framing (HL7 v2.5.1 ch. 2 + MLLP, Appendix C).

A block is ``0x0B`` + message + ``0x1C 0x0D``; a message starts with the ``MSH``
segment: ``MSH`` + field separator + encoding characters. Only the MSH segment is
read: MSH-3/-4 sending application/facility, MSH-5/-6 receiving, MSH-9 message
type^trigger (the message-structure component is dropped), MSH-12 version. Every
other segment (PID, PV1, OBX…) is never looked at.
"""

from __future__ import annotations

import re

from ._text import text

NAME = "hl7v2-mllp"

_VT, _FS = 0x0B, 0x1C
_TYPE = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_VERSION = re.compile(r"^2\.[0-9](\.[0-9]{1,2})?$")
MAX_MESSAGES = 32


def _first_component(field: str, comp: str) -> str | None:
    return text(field.split(comp, 1)[0])


def msh_facts(block: bytes) -> dict | None:
    """Facts of one MLLP block's MSH segment, or None if it is not HL7 v2."""
    if len(block) < 8 or block[:3] != b"MSH":
        return None
    sep = chr(block[3])
    if sep.isalnum() or sep.isspace():
        return None
    end = len(block)
    for stop in (b"\r", b"\n"):
        i = block.find(stop)
        if 0 <= i < end:
            end = i
    complete = end < len(block)
    segment = block[:end].decode("latin-1")
    fields = segment.split(sep)
    if len(fields) < 9:
        return None
    encoding = fields[1]
    if not 2 <= len(encoding) <= 5 or any(c.isalnum() or c.isspace() or c == sep
                                          for c in encoding):
        return None
    comp = encoding[0]
    parts = fields[8].split(comp)
    if len(parts) < 2 or not _TYPE.match(parts[0]) or not _TYPE.match(parts[1]):
        if not (len(parts) >= 1 and parts[0] == "ACK" and (len(parts) == 1 or not parts[1])):
            return None
        parts = ["ACK", ""]
    facts = {"message_type": f"{parts[0]}^{parts[1]}" if parts[1] else parts[0]}
    for index, key in ((2, "sending_application"), (3, "sending_facility"),
                       (4, "receiving_application"), (5, "receiving_facility")):
        value = _first_component(fields[index], comp)
        if value:
            facts[key] = value
    if len(fields) > 11 and (complete or len(fields) > 12):
        version = fields[11].split(comp, 1)[0].strip()
        if _VERSION.match(version):
            facts["version"] = version
    return facts


def _messages(stream: bytes):
    pos = 0
    count = 0
    while count < MAX_MESSAGES:
        start = stream.find(b"\x0bMSH", pos)
        if start < 0 or (count == 0 and start != 0):
            return
        stop = stream.find(b"\x1c", start)
        block = stream[start + 1: stop if stop >= 0 else len(stream)]
        yield block
        count += 1
        if stop < 0:
            return
        pos = stop + 1


def _stream_facts(stream: bytes) -> list[dict]:
    out: list[dict] = []
    if not stream or stream[0] != _VT:
        return out
    for block in _messages(stream):
        facts = msh_facts(block)
        if facts is None:
            break
        if facts not in out:
            out.append(facts)
    return out


def _as_reply(facts: dict) -> dict:
    """A reply seen alone, read from the server's side.

    An ACK or RSP is sent by the server's application to the client's: its MSH-3/-4 name
    the server (the service's *receiving* application) and MSH-5/-6 the client.  Its
    message type describes the reply, not the work asked, so it is not kept.
    """
    out = {}
    for mine, theirs in (("receiving_application", "sending_application"),
                         ("receiving_facility", "sending_facility"),
                         ("sending_application", "receiving_application"),
                         ("sending_facility", "receiving_facility")):
        if theirs in facts:
            out[mine] = facts[theirs]
    if "version" in facts:
        out["version"] = facts["version"]
    return out


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """One fact dict per distinct message type the client sent to the server.

    The facts describe the service (the server side, docs/architecture.md): the
    messages the client sends to it.  The server's replies (ACK, RSP…) only confirm the
    protocol; when the capture holds no client message, each reply gives the
    applications as seen from the server's side, without a message type.  Returns None
    unless a direction starts with ``0x0B MSH`` and the MSH segment parses (separator,
    encoding characters, a ``XXX^YYY`` message type).

    Examples
    --------
    >>> dissect(b"\\x0bMSH|^~\\\\&|LAB|CH|DPI|CH|202603020800||ORU^R01^ORU_R01|1|P|2.5\\r"
    ...         b"PID|||123\\r\\x1c\\r", b"")[0]["message_type"]
    'ORU^R01'
    """
    out = _stream_facts(client)
    if not out:
        for facts in _stream_facts(server):
            reply = _as_reply(facts)
            if reply not in out:
                out.append(reply)
    return out or None
