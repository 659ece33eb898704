"""Classic pcap writing: Ethernet/IPv4/TCP/UDP frames with valid lengths and checksums.

Owns the byte layout of the capture file (libpcap 2.4, microsecond timestamps,
linktype 1) and of the frames in it, and the TCP session state machine (three-way
handshake, sequence and acknowledgement numbers, segmentation, FIN close).
"""

from __future__ import annotations

import ipaddress
import struct

LINKTYPE_ETHERNET = 1
MSS = 1448


def checksum(data: bytes) -> int:
    """Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def mac_bytes(mac: str) -> bytes:
    """``aa:bb:…`` → 6 bytes."""
    return bytes(int(part, 16) for part in mac.split(":"))


def ipv4_packet(src: str, dst: str, proto: int, payload: bytes, ident: int, ttl: int = 64) -> bytes:
    """An IPv4 header (no options, DF set) with its checksum, followed by ``payload``."""
    total = 20 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0x4000, ttl, proto, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    csum = checksum(header)
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


def _pseudo(src: str, dst: str, proto: int, length: int) -> bytes:
    return (ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed
            + struct.pack("!BBH", 0, proto, length))


def tcp_segment(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int,
                payload: bytes, window: int = 64240, options: bytes = b"") -> bytes:
    """A TCP segment with a correct checksum (flags: FIN 1, SYN 2, RST 4, PSH 8, ACK 16)."""
    offset = (20 + len(options)) // 4
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         offset << 4, flags, window, 0, 0) + options
    csum = checksum(_pseudo(src, dst, 6, len(header) + len(payload)) + header + payload)
    return header[:16] + struct.pack("!H", csum) + header[18:] + payload


def udp_datagram(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """A UDP datagram with a correct checksum."""
    length = 8 + len(payload)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    csum = checksum(_pseudo(src, dst, 17, length) + header + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, csum) + payload


class PcapWriter:
    """Streams frames into a classic pcap file.

    Parameters
    ----------
    fh : binary file object
        Where the capture is written; the global header is written at once.
    """

    def __init__(self, fh, snaplen: int = 65535):
        self.fh = fh
        self.count = 0
        self._ident = 0
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET))

    def frame(self, ts_us: int, src_mac: str, dst_mac: str, ip_packet: bytes) -> None:
        """Write one Ethernet II frame carrying ``ip_packet`` at time ``ts_us`` (µs since epoch)."""
        data = mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + ip_packet
        self.fh.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(data), len(data)))
        self.fh.write(data)
        self.count += 1

    def next_ident(self) -> int:
        """A fresh IPv4 identification value."""
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident


class Endpoint:
    """One side of a conversation: address, MAC of its frames, MAC of frames sent to it."""

    def __init__(self, ip: str, mac: str, via_mac: str | None = None):
        self.ip = ip
        self.mac = mac
        self.via_mac = via_mac or mac


class Clock:
    """Deterministic microsecond clock driven by a seeded random generator."""

    def __init__(self, start_us: int, rng):
        self.now = start_us
        self.rng = rng

    def tick(self, low: int = 50, high: int = 900) -> int:
        self.now += self.rng.randint(low, high)
        return self.now

    def jump(self, seconds: float) -> int:
        self.now += int(seconds * 1_000_000) + self.rng.randint(0, 999_999)
        return self.now


def _dst_mac(frm: Endpoint, to: Endpoint) -> str:
    """MAC a frame from ``frm`` to ``to`` carries: the peer's on the same /24, else the gateway's."""
    same = frm.ip.rsplit(".", 1)[0] == to.ip.rsplit(".", 1)[0]
    return to.mac if same else frm.via_mac


class TcpSession:
    """A TCP conversation written frame by frame: handshake, data both ways, FIN close."""

    def __init__(self, writer: PcapWriter, clock: Clock, client: Endpoint, server: Endpoint,
                 sport: int, dport: int, isn_client: int, isn_server: int):
        self.w, self.clock = writer, clock
        self.c, self.s = client, server
        self.sport, self.dport = sport, dport
        self.seq = {True: isn_client, False: isn_server}   # True = client side

    def _emit(self, from_client: bool, flags: int, payload: bytes = b"", options: bytes = b"") -> None:
        frm, to = (self.c, self.s) if from_client else (self.s, self.c)
        sp, dp = (self.sport, self.dport) if from_client else (self.dport, self.sport)
        ack = self.seq[not from_client] if flags & 16 else 0
        seg = tcp_segment(frm.ip, to.ip, sp, dp, self.seq[from_client], ack, flags, payload,
                          options=options)
        ttl = 128 if from_client else 64
        pkt = ipv4_packet(frm.ip, to.ip, 6, seg, self.w.next_ident(), ttl)
        self.w.frame(self.clock.tick(), frm.mac, _dst_mac(frm, to), pkt)
        self.seq[from_client] += len(payload) + (1 if flags & 3 else 0)

    def handshake(self) -> "TcpSession":
        mss = struct.pack("!BBH", 2, 4, 1460) + b"\x01\x01\x04\x02"   # MSS, NOP, NOP, SACK-permitted
        self._emit(True, 0x02, options=mss)
        self._emit(False, 0x12, options=mss)
        self._emit(True, 0x10)
        return self

    def send(self, from_client: bool, data: bytes) -> "TcpSession":
        """Send ``data`` in MSS-sized PSH/ACK segments; the peer acknowledges the last one."""
        for i in range(0, len(data), MSS):
            chunk = data[i:i + MSS]
            last = i + MSS >= len(data)
            self._emit(from_client, 0x18 if last else 0x10, chunk)
            if not last and (i // MSS) % 2 == 1:
                self._emit(not from_client, 0x10)
        self._emit(not from_client, 0x10)
        return self

    def close(self) -> None:
        self._emit(True, 0x11)
        self._emit(False, 0x11)
        self._emit(True, 0x10)


def udp_exchange(writer: PcapWriter, clock: Clock, client: Endpoint, server: Endpoint,
                 sport: int, dport: int, request: bytes, reply: bytes | None) -> None:
    """A request datagram and, if given, its reply."""
    for frm, to, sp, dp, data in ((client, server, sport, dport, request),
                                  (server, client, dport, sport, reply)):
        if data is None:
            continue
        pkt = ipv4_packet(frm.ip, to.ip, 17, udp_datagram(frm.ip, to.ip, sp, dp, data),
                          writer.next_ident())
        writer.frame(clock.tick(), frm.mac, _dst_mac(frm, to), pkt)
