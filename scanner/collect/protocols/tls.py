"""Owns identifying TLS (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) from the ClientHello.

Record ``0x16 0x03 0x0{1..4}`` + handshake type 0x01. Facts: server name (SNI,
RFC 6066 §3), ALPN protocols (RFC 7301), and the highest version offered
(``supported_versions`` if present, else the legacy client version). A stream that
only shows other TLS records (application data, ServerHello) is TLS without facts.
"""

from __future__ import annotations

import struct

from ._text import text

NAME = "tls"

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
            0x0304: "TLS 1.3"}
_RECORD_TYPES = (0x14, 0x15, 0x16, 0x17)


def _grease(v: int) -> bool:
    return v & 0x0F0F == 0x0A0A and v >> 8 == v & 0xFF


def _record_ok(buf: bytes) -> bool:
    if len(buf) < 5 or buf[0] not in _RECORD_TYPES or buf[1] != 3 or buf[2] > 4:
        return False
    return 0 < struct.unpack_from("!H", buf, 3)[0] <= 16384 + 2048


def client_hello(buf: bytes) -> dict | None:
    """Facts of a ClientHello at the start of ``buf``, or None if it is not one."""
    if not _record_ok(buf) or buf[0] != 0x16 or len(buf) < 9 or buf[5] != 0x01:
        return None
    hs_len = int.from_bytes(buf[6:9], "big")
    p = 9
    end = min(len(buf), 9 + hs_len)
    if p + 34 > end:
        return None
    legacy = struct.unpack_from("!H", buf, p)[0]
    if legacy not in VERSIONS:
        return None
    facts: dict = {"version": VERSIONS[legacy]}
    p += 34
    try:
        p += 1 + buf[p]                                           # session id
        p += 2 + struct.unpack_from("!H", buf, p)[0]              # cipher suites
        p += 1 + buf[p]                                           # compression methods
        ext_end = min(end, p + 2 + struct.unpack_from("!H", buf, p)[0])
        p += 2
        best = legacy
        while p + 4 <= ext_end:
            etype, elen = struct.unpack_from("!HH", buf, p)
            body, p = p + 4, p + 4 + elen
            if p > ext_end:
                break
            if etype == 0x0000 and elen >= 5 and buf[body + 2] == 0:      # server_name
                nlen = struct.unpack_from("!H", buf, body + 3)[0]
                sni = text(buf[body + 5:body + 5 + nlen])
                if sni:
                    facts["sni"] = sni.lower()
            elif etype == 0x0010 and elen >= 2:                            # ALPN
                q, stop = body + 2, body + elen
                protos = []
                while q < stop:
                    plen = buf[q]
                    name = text(buf[q + 1:q + 1 + plen], 64)
                    if name:
                        protos.append(name)
                    q += 1 + plen
                if protos:
                    facts["alpn"] = sorted(set(protos))
            elif etype == 0x002B and elen >= 3:                            # supported_versions
                for i in range(body + 1, body + 1 + buf[body], 2):
                    v = struct.unpack_from("!H", buf, i)[0]
                    if not _grease(v) and v in VERSIONS and v > best:
                        best = v
        facts["version"] = VERSIONS[best]
    except (IndexError, struct.error):
        pass                                  # a ClientHello cut by the capture: keep what was read
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """ClientHello facts; ``[{}]`` for TLS records without a ClientHello; else None.

    Examples
    --------
    >>> dissect(b"\\x17\\x03\\x03\\x00\\x10" + bytes(16), b"\\x17\\x03\\x03\\x00\\x10")
    [{}]
    """
    facts = client_hello(client)
    if facts is not None:
        return [facts]
    if _record_ok(client) and _record_ok(server):
        return [{}]
    return None
