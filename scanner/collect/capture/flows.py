"""Owns the conversation table: packets and bytes each way, connections, direction, first bytes.

A conversation is one (address, port, address, port, transport) pair in either
direction. Per conversation the table counts packets and frame bytes (``orig_len``,
the length on the wire, as tshark's conversation statistics count them) each way,
TCP connections (a SYN without ACK starts one; a retransmitted SYN does not) and
first/last frame and time. It decides which side is the client: the SYN sender
(``handshake``, confidence high), else the side on a well-known or hinted port or the
lower port (``port``, confidence medium or low). A live capture's later rotation may seed a
conversation with what earlier rotations decided (``Conversation.prior``,
``reported``, through ``FlowTable.on_new``; see ``live.RotationMemory``).

It holds, per direction, the first bytes (``max_payload``) of the first payload-bearing
packets (``max_segments``) *in memory only*; once both directions are full, the
connection closes, the memory budget is exceeded or the capture ends, the bytes are
handed to the protocol dissectors and dropped. Payload bytes are never returned.
Memory is bounded by the number of conversations, never by the number of packets.

A live capture's rotation ends without ``finish``: its still-pending conversations
(``pending``) are handed, bytes and all, to the next rotation's table (``carry``), which
counts their bytes in its budget, moves them into the conversation when it reappears
(sides matched by endpoint) and dissects them as the offline reader would, so
identification does not depend on where rotations fall. The bytes stay in memory.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable

from ..protocols import dns as dns_proto
from ..protocols.registry import PORT_HINTS, identify

TRANSPORTS = {6: "tcp", 17: "udp"}
# the common headers in one call, per link-header length: IPv4 (version/IHL, total
# length, flags/fragment offset, protocol, both addresses) or IPv6 (version, payload
# length, next header, both addresses), then ports, TCP data offset and flags
_V4 = {o: struct.Struct(f"!{o}xBxH2xHxB2x8sHH8xBB").unpack_from for o in (0, 14, 16, 18, 22)}
_V6 = {o: struct.Struct(f"!{o}xB3xHBx32sHH8xBB").unpack_from for o in (0, 14, 16, 18, 22)}
_VLAN = frozenset((0x8100, 0x88A8, 0x9100, 0x9200))
_RANK = {("handshake", "high"): 3, ("port", "medium"): 2, ("port", "low"): 1}


class Conversation:
    """One conversation. Side 0 is the sender of its first packet, side 1 the other."""

    __slots__ = ("ips", "ports", "proto", "first_frame", "last_frame", "first_ts", "last_ts",
                 "packets", "bytes", "connections", "syn_side", "synack_side", "prev_syn",
                 "bufs", "segs", "payload_frame", "payload_ts", "done", "found", "found_client",
                 "prior", "reported")

    def __init__(self, src, sport, dst, dport, proto, frame, ts):
        self.ips = (src, dst)
        self.ports = (sport, dport)
        self.proto = proto
        self.first_frame = self.last_frame = frame
        self.first_ts = self.last_ts = ts
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.connections = 0
        self.syn_side = self.synack_side = None
        self.prev_syn = -1
        self.bufs = None
        self.segs = [0, 0]
        self.payload_frame = self.payload_ts = None
        self.done = False
        self.found = None          # (protocol, [facts]) once dissected
        self.found_client = 0
        self.prior = None          # (client side, source, confidence) an earlier rotation decided
        self.reported = 0          # connections earlier rotations already reported

    def direction(self) -> tuple[int, str, str]:
        """``(client side, direction_source, confidence)``."""
        if self.syn_side is not None:
            return self.syn_side, "handshake", "high"
        if self.synack_side is not None:
            return 1 - self.synack_side, "handshake", "high"
        if self.prior is not None:
            return self.prior
        return guess_client(self.ports[0], self.ports[1], TRANSPORTS[self.proto])


def pair_key(conv: Conversation) -> tuple:
    """The conversation's key whichever side sent first: ``(endpoint, endpoint, proto)``."""
    a = (conv.ips[0], conv.ports[0])
    b = (conv.ips[1], conv.ports[1])
    return (a, b, conv.proto) if a <= b else (b, a, conv.proto)


def guess_client(port0: int, port1: int, transport: str) -> tuple[int, str, str]:
    """Which side is the client when no handshake was seen, from the ports alone.

    The side on a hinted service port (``registry.PORT_HINTS``) or a port below 1024
    facing one that is not is the server (medium); else the lower port is the server
    (medium if the other is in the ephemeral range ≥ 32768, else low); equal ports:
    the sender of the first packet is the client (low).

    Examples
    --------
    >>> guess_client(51000, 5432, "tcp")
    (0, 'port', 'medium')
    >>> guess_client(6661, 40000, "tcp")
    (1, 'port', 'medium')
    """
    h0, h1 = (transport, port0) in PORT_HINTS, (transport, port1) in PORT_HINTS
    if h0 != h1:
        return (1 if h0 else 0), "port", "medium"
    if (port0 < 1024) != (port1 < 1024):
        return (1 if port0 < 1024 else 0), "port", "medium"
    if port0 == port1:
        return 0, "port", "low"
    low, high = min(port0, port1), max(port0, port1)
    conf = "medium" if high >= 32768 > low else "low"
    return (1 if port0 < port1 else 0), "port", conf


@dataclass(frozen=True)
class Flow:
    """Conversations aggregated by (client, server, server port, transport)."""

    client_ip: str
    server_ip: str
    server_port: int
    transport: str
    packets_to_server: int
    packets_to_client: int
    bytes_to_server: int
    bytes_to_client: int
    connections: int
    first_frame: int
    last_frame: int
    first_ts: float
    last_ts: float
    direction_source: str
    confidence: str


@dataclass(frozen=True)
class ProtocolFact:
    """One distinct fact set of one protocol on one flow, where it was first seen."""

    client_ip: str
    server_ip: str
    server_port: int
    transport: str
    protocol: str
    facts: tuple        # sorted (key, value) pairs; list values as tuples
    frame: int
    first_ts: float
    last_ts: float


@dataclass(frozen=True)
class DnsRecord:
    """One distinct (name, address, record type) answer, where it was first seen."""

    name: str
    address: str
    record_type: str
    frame: int
    first_ts: float
    last_ts: float


def _freeze(facts: dict) -> tuple:
    return tuple(sorted((k, tuple(sorted(v)) if isinstance(v, (list, tuple, set)) else v)
                        for k, v in facts.items()))


class FlowTable:
    """Aggregate decoded packets into conversations, flows, protocol facts and DNS answers.

    Parameters
    ----------
    identify : callable, optional
        ``identify(client_bytes, server_bytes) -> (protocol, [facts]) | None``;
        defaults to ``protocols.registry.identify``.
    max_payload : int
        Bytes kept per direction of a conversation for the dissectors.
    max_segments : int
        Payload-bearing packets kept per direction.
    budget : int
        Payload bytes held across all conversations before pending ones are dissected.

    Examples
    --------
    >>> t = FlowTable()
    >>> t.feed([(1, 0, 0.0, 101, b"", 60)], lambda lt, d, w: ("10.0.0.1", "10.0.0.2",
    ...        40000, 5432, 6, 0x02, b"", w))
    >>> [(f.client_ip, f.server_port, f.direction_source) for f in t.flows()]
    [('10.0.0.1', 5432, 'handshake')]
    """

    def __init__(self, identify: Callable = identify, max_payload: int = 4096,
                 max_segments: int = 4, budget: int = 32 * 1024 * 1024):
        self._identify = identify
        self.max_payload = max_payload
        self.max_segments = max_segments
        self.budget = budget
        self._held = 0
        self._index: dict[tuple, tuple[Conversation, int]] = {}
        self._fast: dict[tuple, tuple[Conversation, int]] = {}   # feed_fast's index
        self._convs: list[Conversation] = []
        self._carried: dict[tuple, Conversation] = {}    # an earlier rotation's pending ones
        self._dns: dict[tuple[str, str, str], list] = {}
        self.packets = 0
        # ``feed`` calls ``on_new(conversation)`` once per new conversation, before its
        # first packet is counted (live capture restores what earlier rotations learned)
        self.on_new: Callable | None = None

    # -- the per-packet loop ------------------------------------------------------------

    def feed(self, packets: Iterable[tuple], decode: Callable) -> None:
        """Consume reader records ``(frame, offset, ts, linktype, data, wire_len)``.

        ``decode(linktype, data, wire_len)`` returns ``(src, dst, sport, dport, proto,
        tcp_flags, payload, wire_len)`` or None (the frame is skipped).
        """
        index = self._index
        get = index.get
        convs = self._convs
        keep = self._keep
        dns_seen = self._dns_answer
        on_new = self.on_new
        carried = self._carried
        count = 0
        for frame, _offset, ts, linktype, data, wire_len in packets:
            count += 1
            d = decode(linktype, data, wire_len)
            if d is None:
                continue
            src, dst, sport, dport, proto, flags, payload, wire = d
            key = (src, sport, dst, dport, proto)
            entry = get(key)
            if entry is None:
                conv = Conversation(src, sport, dst, dport, proto, frame, ts)
                index[key] = (conv, 0)
                index[(dst, dport, src, sport, proto)] = (conv, 1)
                convs.append(conv)
                side = 0
                if on_new is not None:
                    on_new(conv)
                if carried:
                    self._resume(conv)
            else:
                conv, side = entry
                conv.last_frame = frame
                if ts > conv.last_ts:
                    conv.last_ts = ts
                elif ts < conv.first_ts:
                    conv.first_ts = ts
            conv.packets[side] += 1
            conv.bytes[side] += wire
            if flags & 0x07:                                     # SYN, FIN or RST (TCP)
                self._control(conv, side, flags)
            elif conv.prev_syn >= 0:
                conv.prev_syn = -1
            if payload:
                if not conv.done:
                    keep(conv, side, payload, frame, ts)
                if sport == 53:
                    dns_seen(payload, proto, frame, ts)
        self.packets += count

    def feed_fast(self, packets: Iterable[tuple], decoder) -> None:
        """``feed(packets, decoder.decode)``, with the same result, at several times the speed.

        The common frames (Ethernet with up to two VLAN tags, Linux cooked SLL or raw IP
        link; IPv4 without options or IPv6 without extension headers; TCP or UDP) are
        decoded inline: the conversation is found by the packed addresses and ports, no
        text is made per packet (addresses become text once per conversation) and the
        payload is sliced only while the conversation still collects bytes for the
        dissectors or for a DNS answer. Every other frame goes through
        ``decoder.decode``, which counts what it skips. Feed one table through one of
        ``feed`` and ``feed_fast``, not both (their indexes differ).
        """
        index = self._fast
        get = index.get
        convs = self._convs
        keep = self._keep
        dns_seen = self._dns_answer
        decode = decoder.decode
        ntop = decoder.address
        pton = socket.inet_pton
        v4, v6 = _V4, _V6
        vlan = _VLAN
        max_segments, max_payload = self.max_segments, self.max_payload
        count = 0
        for frame, _offset, ts, linktype, data, wire in packets:
            count += 1
            n = len(data)
            # -- inline decode of the common case; any doubt goes to decoder.decode
            off = -1
            if linktype == 1:
                if n >= 54:
                    et = data[12] << 8 | data[13]
                    off = 14
                    if et in vlan:
                        et = data[16] << 8 | data[17]
                        off = 18
                        if et in vlan:
                            et = data[20] << 8 | data[21]
                            off = 22
            elif linktype == 113:
                if n >= 56:
                    et = data[14] << 8 | data[15]
                    off = 16
            elif linktype == 101 or linktype == 12 or linktype == 14:
                if n >= 40:
                    v = data[0] >> 4
                    et = 0x0800 if v == 4 else 0x86DD if v == 6 else 0
                    off = 0
            payload = None
            if off < 0:
                pass
            elif et == 0x0800 and n >= off + 40:
                vihl, total, fragw, proto, addrs, sport, dport, doffb, flags = v4[off](data)
                if vihl != 0x45 or fragw & 0x1FFF or (proto != 6 and proto != 17):
                    off = -1                                   # options, fragment, other
                else:
                    end = off + total if 20 <= total and off + total < n else n
                    half = 4
                    l4 = off + 20
            elif et == 0x86DD and n >= off + 54:
                vtc, plen, proto, addrs, sport, dport, doffb, flags = v6[off](data)
                if vtc >> 4 != 6 or (proto != 6 and proto != 17):
                    off = -1                                   # extension headers, other
                else:
                    end = off + 40 + plen if plen and off + 40 + plen < n else n
                    half = 16
                    l4 = off + 40
            else:
                off = -1
            if off >= 0:
                if proto == 6:
                    doff = (doffb >> 4) * 4
                    if l4 + 20 > end or doff < 20:
                        off = -1                               # malformed: let decode count it
                    else:
                        start = l4 + doff
                elif l4 + 8 <= end:
                    flags = 0
                    start = l4 + 8
                else:
                    off = -1
            if off >= 0:
                key = (addrs, sport, dport, proto)
            else:
                d = decode(linktype, data, wire)
                if d is None:
                    continue
                src, dst, sport, dport, proto, flags, payload, wire = d
                fam = socket.AF_INET6 if ":" in src else socket.AF_INET
                addrs = pton(fam, src) + pton(fam, dst)
                half = len(addrs) // 2
                key = (addrs, sport, dport, proto)
                start = end = 0
            # -- the conversation, as in ``feed``
            entry = get(key)
            if entry is None:
                fam = socket.AF_INET if half == 4 else socket.AF_INET6
                conv = Conversation(ntop(fam, addrs[:half]), sport, ntop(fam, addrs[half:]),
                                    dport, proto, frame, ts)
                index[key] = (conv, 0)
                index[(addrs[half:] + addrs[:half], dport, sport, proto)] = (conv, 1)
                convs.append(conv)
                side = 0
            else:
                conv, side = entry
                conv.last_frame = frame
                if ts > conv.last_ts:
                    conv.last_ts = ts
                elif ts < conv.first_ts:
                    conv.first_ts = ts
            conv.packets[side] += 1
            conv.bytes[side] += wire
            if flags & 0x07:                                     # SYN, FIN or RST (TCP)
                self._control(conv, side, flags)
            elif conv.prev_syn >= 0:
                conv.prev_syn = -1
            if payload is None:                 # inline decode: slice only what is used
                if end <= start:
                    continue
                if not conv.done:
                    bufs = conv.bufs                 # a full side takes nothing more
                    if bufs is None or (conv.segs[side] < max_segments
                                        and len(bufs[side]) < max_payload):
                        keep(conv, side, data[start:end], frame, ts)
                if sport == 53:
                    dns_seen(data[start:end], proto, frame, ts)
                continue
            if payload:
                if not conv.done:
                    keep(conv, side, payload, frame, ts)
                if sport == 53:
                    dns_seen(payload, proto, frame, ts)
        self.packets += count

    def _keep(self, conv: Conversation, side: int, payload: bytes, frame: int, ts: float):
        if conv.bufs is None:
            conv.bufs = [bytearray(), bytearray()]
        buf = conv.bufs[side]
        segs = conv.segs
        if segs[side] < self.max_segments and len(buf) < self.max_payload:
            chunk = payload[:self.max_payload - len(buf)]
            buf += chunk
            segs[side] += 1
            self._held += len(chunk)
            if conv.payload_frame is None:
                conv.payload_frame, conv.payload_ts = frame, ts
        full = [segs[i] >= self.max_segments or len(conv.bufs[i]) >= self.max_payload
                for i in (0, 1)]
        if full[0] and full[1]:
            self._dissect(conv)
        elif self._held > self.budget:
            self._flush()

    def carry(self, pending: Iterable[Conversation]) -> None:
        """Take over an earlier table's still-pending conversations (live rotations).

        Their bytes count in this table's budget; a flush or ``finish`` dissects them
        even if they send nothing more, and their facts are reported here, at their first
        payload frame. One that reappears in ``feed`` continues collecting (``_resume``).
        """
        for conv in pending:
            self._carried[pair_key(conv)] = conv
            self._held += len(conv.bufs[0]) + len(conv.bufs[1])

    def _resume(self, conv: Conversation) -> None:
        """Give a new conversation what its carried predecessor collected or found."""
        old = self._carried.pop(pair_key(conv), None)
        if old is None:
            return
        swap = (old.ips[0], old.ports[0]) != (conv.ips[0], conv.ports[0])
        conv.payload_frame, conv.payload_ts = old.payload_frame, old.payload_ts
        if old.done:                              # dissected here before it reappeared
            conv.done = True
            if old.found is not None:
                conv.found, conv.found_client = old.found, old.found_client ^ swap
        else:
            conv.bufs = old.bufs[::-1] if swap else old.bufs
            conv.segs = old.segs[::-1] if swap else old.segs

    def pending(self) -> list[Conversation]:
        """Conversations holding first bytes not yet dissected (carried ones included)."""
        return [c for c in chain(self._convs, self._carried.values())
                if c.bufs is not None and not c.done]

    def settle(self, conversations: Iterable[Conversation]) -> None:
        """Dissect these pending conversations now: their bytes will see no more."""
        for conv in conversations:
            if not conv.done:
                self._dissect(conv)

    def settled(self) -> list[Conversation]:
        """Carried conversations dissected here that did not reappear."""
        return [c for c in self._carried.values() if c.done]

    def _control(self, conv, side: int, flags: int) -> None:
        """A TCP SYN, FIN or RST (rare: kept out of both per-packet loops' inline code):
        count connections from SYNs, note who opened and who answered, and dissect the
        buffered bytes once a FIN or RST makes them final."""
        if flags & 0x12 == 0x02:                                 # SYN without ACK
            if conv.prev_syn != side:
                conv.connections += 1
                conv.prev_syn = side
            if conv.syn_side is None:
                conv.syn_side = side
        else:
            conv.prev_syn = -1
            if flags & 0x12 == 0x12 and conv.synack_side is None:
                conv.synack_side = side
            if flags & 0x05 and conv.bufs is not None and not conv.done:
                self._dissect(conv)                              # FIN/RST: the bytes are final

    def _dissect(self, conv: Conversation) -> None:
        bufs = conv.bufs
        conv.done = True
        conv.bufs = None
        if bufs is None:
            return
        self._held -= len(bufs[0]) + len(bufs[1])
        client = conv.direction()[0]
        found = self._identify(bytes(bufs[client]), bytes(bufs[1 - client]))
        if found:
            conv.found = found
            conv.found_client = client

    def _flush(self) -> None:
        for conv in chain(self._convs, self._carried.values()):
            if conv.bufs is not None and not conv.done:
                self._dissect(conv)

    def _dns_answer(self, payload: bytes, proto: int, frame: int, ts: float) -> None:
        try:
            pairs = dns_proto.parse(payload, tcp=proto == 6)
        except (IndexError, ValueError):
            return
        for pair in pairs:
            seen = self._dns.get(pair)
            if seen is None:
                self._dns[pair] = [frame, ts, ts]
            else:
                if frame < seen[0]:
                    seen[0] = frame
                seen[1] = min(seen[1], ts)
                seen[2] = max(seen[2], ts)

    # -- results --------------------------------------------------------------------------

    def finish(self) -> None:
        """Dissect every conversation still holding bytes (call once the capture ended)."""
        self._flush()

    def conversations(self) -> list[Conversation]:
        """Every conversation, in order of first packet."""
        return list(self._convs)

    def flows(self) -> list[Flow]:
        """Conversations aggregated per (client, server, server port, transport), sorted."""
        agg: dict[tuple, list] = {}
        for conv in self._convs:
            client, source, conf = conv.direction()
            server = 1 - client
            transport = TRANSPORTS[conv.proto]
            key = (conv.ips[client], conv.ips[server], conv.ports[server], transport)
            # a conversation counts one connection at least; one that earlier rotations
            # already reported (``reported``) adds only what takes it past that
            before = conv.reported
            conns = max(before + (conv.connections if conv.proto == 6 else 0), 1) - before
            row = agg.get(key)
            if row is None:
                agg[key] = [conv.packets[client], conv.packets[server], conv.bytes[client],
                            conv.bytes[server], conns, conv.first_frame, conv.last_frame,
                            conv.first_ts, conv.last_ts, source, conf]
                continue
            row[0] += conv.packets[client]
            row[1] += conv.packets[server]
            row[2] += conv.bytes[client]
            row[3] += conv.bytes[server]
            row[4] += conns
            row[5] = min(row[5], conv.first_frame)
            row[6] = max(row[6], conv.last_frame)
            row[7] = min(row[7], conv.first_ts)
            row[8] = max(row[8], conv.last_ts)
            if _RANK[(source, conf)] > _RANK[(row[9], row[10])]:
                row[9], row[10] = source, conf
        return [Flow(*key, *row) for key, row in sorted(agg.items())]

    def protocol_facts(self) -> list[ProtocolFact]:
        """Distinct (flow, protocol, facts), each with its first frame, sorted."""
        agg: dict[tuple, list] = {}
        for conv in chain(self._convs, self._carried.values()):
            if conv.found is None:
                continue
            client = conv.found_client            # the orientation the dissector saw
            server = 1 - client
            protocol, fact_list = conv.found
            base = (conv.ips[client], conv.ips[server], conv.ports[server],
                    TRANSPORTS[conv.proto], protocol)
            for facts in fact_list:
                key = base + (_freeze(facts),)
                row = agg.get(key)
                frame, ts = conv.payload_frame, conv.payload_ts
                if row is None:
                    agg[key] = [frame, ts, ts]
                else:
                    row[0] = min(row[0], frame)
                    row[1] = min(row[1], ts)
                    row[2] = max(row[2], ts)
        return [ProtocolFact(*key, *row) for key, row in sorted(agg.items(), key=_sort_key)]

    def dns_records(self) -> list[DnsRecord]:
        """Distinct DNS answers (name, address, record type), sorted."""
        return [DnsRecord(*pair, *row) for pair, row in sorted(self._dns.items())]


def _sort_key(item):
    key, row = item
    return (key[:5], repr(key[5]), row[0])
