"""Owns reading packet records out of classic pcap and pcapng files, streaming.

Pure Python (``struct``), no scapy: the file is read in chunks with ``f.read`` so memory
stays bounded whatever the capture size. Formats (Wireshark/libpcap file formats,
draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng):

* classic pcap, microsecond (``a1b2c3d4``) and nanosecond (``a1b23c4d``) magic, either
  byte order;
* pcapng: Section Header (SHB), Interface Description (IDB, with ``if_tsresol`` and
  ``if_tsoffset``), Enhanced Packet (EPB), Simple Packet (SPB) and the obsolete Packet
  Block; several sections and several interfaces with their own link types; any other
  block is skipped. A Simple Packet Block carries no time: it gets the time of the
  packet before it.

A record cut short at the end of the file stops the iteration and is recorded in
``PcapReader.truncated`` as ``(frame, byte offset)``; everything read before it is kept.
A bad magic, or a record whose captured length is larger than the snapshot length or
absurd (> 256 KiB), raises ``InputError`` naming the file, frame and byte.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Iterator, NamedTuple

from ...errors import InputError, SourceLocation

MAX_CAPLEN = 256 * 1024            # no link layer carries a larger frame
MAX_BLOCK = 16 * 1024 * 1024       # a pcapng block larger than this is damage, not data
CHUNK = 1 << 20

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1_000_000), b"\xa1\xb2\xc3\xd4": (">", 1_000_000),
    b"\x4d\x3c\xb2\xa1": ("<", 1_000_000_000), b"\xa1\xb2\x3c\x4d": (">", 1_000_000_000),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
PCAPNG_BYTE_ORDER = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}   # SHB bytes 8-11

# pcapng block types
_SHB, _IDB, _PB, _SPB, _EPB = 0x0A0D0D0A, 1, 2, 3, 6
_MIN_LEN = {_EPB: 32, _PB: 32, _SPB: 16}


def is_capture(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) starts like pcap or pcapng.

    Examples
    --------
    >>> is_capture(b"\\xd4\\xc3\\xb2\\xa1" + bytes(20))
    True
    >>> is_capture(b"GET / HTTP/1.1")
    False
    """
    if head[:4] in PCAP_MAGICS:
        return True
    return head[:4] == PCAPNG_MAGIC and head[8:12] in PCAPNG_BYTE_ORDER


class PcapHeader(NamedTuple):
    """A classic pcap file header: ``struct`` byte order, time units per second, snapshot
    length, link type, and the largest captured length a record may have."""
    endian: str
    units: int
    snaplen: int
    linktype: int
    limit: int


def pcap_header(head: bytes) -> PcapHeader:
    """Parse the 24-byte classic pcap file header at the start of ``head``, whose first
    4 bytes are one of ``PCAP_MAGICS`` (the caller has checked them).

    Examples
    --------
    >>> pcap_header(b"\\xd4\\xc3\\xb2\\xa1" + bytes(12) + struct.pack("<II", 65535, 1))
    PcapHeader(endian='<', units=1000000, snaplen=65535, linktype=1, limit=65535)
    """
    endian, units = PCAP_MAGICS[head[:4]]
    snaplen, network = struct.unpack_from(endian + "II", head, 16)
    return PcapHeader(endian, units, snaplen, network & 0xFFFF,
                      min(snaplen, MAX_CAPLEN) if snaplen else MAX_CAPLEN)


def interface_block(buf: bytes, body: int, end: int,
                    endian: str) -> tuple[int, int, int, int] | None:
    """``(linktype, snaplen, time divisor, time offset)`` of the pcapng Interface
    Description Block whose body is ``buf[body:end]`` (options ``if_tsresol`` and
    ``if_tsoffset`` read, the others skipped), or None if the body is too short."""
    if end - body < 8:
        return None
    linktype, _res, snaplen = struct.unpack_from(endian + "HHI", buf, body)
    divisor, ts_off = 1_000_000, 0
    p = body + 8
    while p + 4 <= end:
        code, length = struct.unpack_from(endian + "HH", buf, p)
        p += 4
        if code == 0:
            break
        if p + length > end:
            break
        if code == 9 and length >= 1:          # if_tsresol
            v = buf[p]
            divisor = (2 ** (v & 0x7F)) if v & 0x80 else 10 ** v
        elif code == 14 and length >= 8:       # if_tsoffset (seconds)
            (ts_off,) = struct.unpack_from(endian + "q", buf, p)
        p += (length + 3) & ~3
    return linktype, snaplen, divisor, ts_off


class _Chunks:
    """A forward-only byte window over a file: ``need(n)`` makes ``n`` bytes available."""

    __slots__ = ("f", "buf", "pos", "base", "eof")

    def __init__(self, f):
        self.f = f
        self.buf = b""
        self.pos = 0      # read position inside buf
        self.base = 0     # file offset of buf[0]
        self.eof = False

    def need(self, n: int) -> bool:
        """Make ``buf[pos:pos+n]`` available; False if the file ends first."""
        if self.pos + n <= len(self.buf):
            return True
        rest = self.buf[self.pos:]
        self.base += self.pos
        self.pos = 0
        parts = [rest]
        have = len(rest)
        while have < n and not self.eof:
            block = self.f.read(max(CHUNK, n - have))
            if not block:
                self.eof = True
                break
            parts.append(block)
            have += len(block)
        self.buf = b"".join(parts)
        return have >= n

    def skip(self, n: int) -> bool:
        """Advance ``n`` bytes without keeping them; False if the file ends first."""
        avail = len(self.buf) - self.pos
        if n <= avail:
            self.pos += n
            return True
        n -= avail
        self.base += len(self.buf)
        self.buf, self.pos = b"", 0
        self.f.seek(n, 1)
        end = self.f.tell()
        size = self.f.seek(0, 2)
        if end > size:
            self.eof = True
            return False
        self.f.seek(end)
        self.base += n
        return True


class CaptureFile:
    """What a capture reader is given (a path, or the capture's bytes) and what it found
    (``format``, ``frames``, ``truncated``): the part ``PcapReader`` and the compiled
    walk's ``FastReader`` share."""

    def __init__(self, path, source: str | None = None):
        self.data = bytes(path) if isinstance(path, (bytes, bytearray, memoryview)) else None
        self.path = None if self.data is not None else Path(path)
        self.source = source if source is not None else str(self.path or "<memory>")
        self.format: str | None = None
        self.frames = 0
        self.truncated: tuple[int, int] | None = None

    def _open(self):
        """The capture as an unbuffered binary file (the readers read it in chunks)."""
        return (io.BytesIO(self.data) if self.data is not None
                else open(self.path, "rb", buffering=0))


class PcapReader(CaptureFile):
    """Iterate the packet records of a pcap or pcapng file.

    Parameters
    ----------
    path : Path, str or bytes
        The capture file, or the capture's bytes themselves (``bytes``/``bytearray``:
        read from memory, as the fuzz test does).
    source : str, optional
        Name used in error messages (defaults to ``path``).

    Attributes
    ----------
    format : str
        ``pcap`` or ``pcapng`` (set once iteration started).
    frames : int
        Complete records yielded so far.
    truncated : tuple[int, int] | None
        ``(frame, byte offset)`` of a record cut short by the end of the file.

    Iterating yields ``(frame, offset, timestamp, linktype, data, orig_len)``: frame
    number (1-based, as Wireshark counts), byte offset of the record header, timestamp
    in seconds (float, UTC epoch), link type, captured bytes, and the frame length on
    the wire.

    Raises
    ------
    InputError
        Bad magic (byte 0), captured length larger than the snapshot length or absurd,
        malformed pcapng block, or a packet on an interface never described.

    Examples
    --------
    >>> for frame, offset, ts, linktype, data, wire_len in PcapReader("x.pcap"):  # doctest: +SKIP
    ...     pass
    """

    def _error(self, message: str, place: str) -> InputError:
        return InputError(message, SourceLocation(self.source, place))

    def __iter__(self) -> Iterator[tuple[int, int, float, int, bytes, int]]:
        with self._open() as f:
            src = _Chunks(f)
            if not src.need(4):
                raise self._error("not a pcap or pcapng capture (file shorter than a header)",
                                  "byte 0")
            magic = src.buf[:4]
            if magic in PCAP_MAGICS:
                self.format = "pcap"
                yield from self._pcap(src)
            elif magic == PCAPNG_MAGIC:
                self.format = "pcapng"
                yield from self._pcapng(src)
            else:
                raise self._error(f"not a pcap or pcapng capture (magic {magic.hex()})",
                                  "byte 0")

    # -- classic pcap -------------------------------------------------------------------

    def _pcap(self, src: _Chunks):
        if not src.need(24):
            self.truncated = (1, 0)
            return
        endian, units, snaplen, linktype, limit = pcap_header(src.buf)
        src.pos = 24
        rec = struct.Struct(endian + "IIII").unpack_from
        need = src.need
        buf, pos, base = src.buf, src.pos, src.base
        size = len(buf)
        frame = 0
        while True:
            frame += 1
            if pos + 16 > size:                      # refill (rare): the slow path
                src.pos = pos
                if not need(16):
                    if src.pos < len(src.buf):       # a partial record header
                        self.truncated = (frame, src.base + src.pos)
                    return
                buf, pos, base = src.buf, src.pos, src.base
                size = len(buf)
            sec, frac, caplen, orig = rec(buf, pos)
            if caplen > limit:
                raise self._error(
                    f"absurd captured length {caplen}" if caplen > MAX_CAPLEN else
                    f"captured length {caplen} larger than the snapshot length {snaplen}",
                    f"frame {frame} (byte {base + pos})")
            end = pos + 16 + caplen
            if end > size:
                src.pos = pos
                if not need(16 + caplen):
                    self.truncated = (frame, base + pos)
                    return
                buf, pos, base = src.buf, src.pos, src.base
                size = len(buf)
                end = pos + 16 + caplen
            self.frames = frame
            yield frame, base + pos, sec + frac / units, linktype, buf[pos + 16:end], orig
            pos = end

    # -- pcapng -------------------------------------------------------------------------

    def _pcapng(self, src: _Chunks):
        need = src.need
        frame = 0
        endian = "<"
        ifaces: list[tuple[int, int, float, int]] = []   # (linktype, snaplen, divisor, offset)
        last_ts = 0.0
        while True:
            if not need(12):
                if src.pos < len(src.buf):
                    self.truncated = (frame + 1, src.base + src.pos)
                return
            buf, pos = src.buf, src.pos
            offset = src.base + pos
            raw_type = buf[pos:pos + 4]
            if raw_type == PCAPNG_MAGIC:
                endian = PCAPNG_BYTE_ORDER.get(buf[pos + 8:pos + 12])
                if endian is None:
                    raise self._error("pcapng section header with a bad byte-order magic",
                                      f"byte {offset}")
                ifaces = []
            btype, blen = struct.unpack_from(endian + "II", buf, pos)
            if blen < 12 or blen % 4 or blen > MAX_BLOCK:
                raise self._error(f"pcapng block of impossible length {blen}",
                                  f"frame {frame + 1} (byte {offset})")
            is_packet = btype in _MIN_LEN
            if is_packet and blen < _MIN_LEN[btype]:
                raise self._error(f"pcapng packet block too short ({blen} bytes)",
                                  f"frame {frame + 1} (byte {offset})")
            if not is_packet and btype not in (_SHB, _IDB):
                if not src.skip(blen):
                    self.truncated = (frame + 1, offset)
                    return
                continue
            if not need(blen):
                self.truncated = (frame + 1, offset)
                return
            buf, pos = src.buf, src.pos
            src.pos = pos + blen
            body = pos + 8
            end = pos + blen - 4
            if btype == _SHB:
                continue
            if btype == _IDB:
                iface = interface_block(buf, body, end, endian)
                if iface is None:
                    raise self._error("pcapng interface block too short", f"byte {offset}")
                ifaces.append(iface)
                continue
            frame += 1
            place = f"frame {frame} (byte {offset})"
            if btype == _EPB:
                ifid, hi, lo, caplen, orig = struct.unpack_from(endian + "IIIII", buf, body)
                data_at = body + 20
                ts_raw = (hi << 32) | lo
            elif btype == _PB:
                ifid, _drops, hi, lo, caplen, orig = struct.unpack_from(endian + "HHIIII", buf, body)
                data_at = body + 20
                ts_raw = (hi << 32) | lo
            else:  # SPB: interface 0, no timestamp
                ifid, ts_raw = 0, None
                (orig,) = struct.unpack_from(endian + "I", buf, body)
                data_at = body + 4
                caplen = min(orig, end - data_at)
            if ifid >= len(ifaces):
                raise self._error(f"packet on interface {ifid}, which no interface block "
                                  "describes", place)
            linktype, snaplen, divisor, ts_off = ifaces[ifid]
            if btype == _SPB and snaplen:
                caplen = min(caplen, snaplen)
            if caplen > MAX_CAPLEN:
                raise self._error(f"absurd captured length {caplen}", place)
            if snaplen and caplen > snaplen:
                raise self._error(f"captured length {caplen} larger than the snapshot length "
                                  f"{snaplen}", place)
            if data_at + caplen > end:
                raise self._error(f"captured length {caplen} overruns its block", place)
            if ts_raw is not None:
                ts = last_ts = ts_raw / divisor + ts_off
            else:                       # a Simple Packet Block has no time: the previous one's
                ts = last_ts
            self.frames = frame
            yield frame, offset, ts, linktype, buf[data_at:data_at + caplen], orig
