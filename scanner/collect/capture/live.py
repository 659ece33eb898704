"""Owns live capture (``hdscan capture``): packets from an interface to segment files on disk.

Packets come from a scapy ``L2ListenSocket`` (Linux ``AF_PACKET``, both directions,
VLAN tags restored from the kernel's auxiliary data, nanosecond kernel timestamps,
an optional BPF filter compiled by scapy). Each raw frame goes down *the offline
reader's own path*: ``Decoder.decode`` → ``FlowTable`` → ``collector.build_observations``,
so a live capture and a pcap of the same traffic give the same flows, protocol facts
and DNS answers. Packets are never written: at each rotation (``rotate`` seconds,
or ``rotate_packets`` packets) the rotation's table is turned into observations and
written atomically as one segment file (``segment.py``, ``hdscan-capture-segment/1``),
which ``hdscan import`` reads. A kill loses at most the rotation in progress; SIGINT
and SIGTERM end the capture cleanly and write it.

Memory is bounded by conversations, never packets: per rotation at most
``max_conversations`` conversations are tracked; packets of further conversations
are dropped and counted (``dropped.packets`` in the segment, a warning at import).

A conversation outlives rotations (a database session, an MLLP link open for days):
``RotationMemory`` carries, per conversation, what earlier rotations decided — the
client side (from the handshake when one was seen), whether its first bytes were
dissected and what protocol and facts they gave, how many connections were already
reported and the last SYN's sender — so a later segment's flow keeps the handshake's
direction (``handshake``/``high``), carries the same ``protocol`` observation, is
not dissected again from mid-stream bytes and adds no phantom connection. Merged,
the segments give the offline reader's flows. Nothing else is kept but what the
segments already hold and the pending first bytes below. The memory holds at most
``max_conversations`` conversations, the least recently seen forgotten first
(``LiveResult.forgotten``); a forgotten conversation that comes back is seen as new,
as without the memory.

A conversation whose first payload packets straddle a rotation is not dissected at the
rotation's end: the memory also holds, *in memory only*, its first bytes so far (the
flow table's per-direction cap, ``FlowTable.max_payload`` bytes and ``max_segments``
packets, counted in the next table's budget) and hands them to the next rotation's
table, which dissects them when the offline reader would (both directions full, FIN or
RST, budget, or the capture's end), and reports the facts in that segment at their
first payload frame. Merged, the segments give the offline reader's protocol facts at
every rotation size, each reported once first and only repeated (same data) later. The
bytes are dropped once dissected; a forgotten conversation's are dissected at once
(reported in the segment that forgets it). A kill (not SIGINT/SIGTERM) loses the
identification of conversations still pending, as their bytes are never written.

Every loop is bounded: by ``duration`` in time and by ``max_packets`` in count, and
the socket is read with a ``select`` timeout of at most half a second.

Frame numbers run from the start of the capture across segments, as in a pcap of the
whole capture; ``frames`` in each segment gives its range.
"""

from __future__ import annotations

import select
import signal
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ...errors import InputError, ScannerError, SourceLocation
from . import segment
from .collector import build_observations
from .decode import Decoder
from .flows import Conversation, FlowTable, pair_key

SOL_PACKET, PACKET_STATISTICS = 263, 6
# Linux ARPHRD_* (if_arp.h) → tcpdump.org link type, as libpcap maps them
ARPHRD_TO_LINKTYPE = {1: 1, 772: 1, 65534: 101, 776: 101, 778: 101, 823: 101}
MAX_FRAME = 256 * 1024
POLL_S = 0.5
MAX_DRAIN = 100_000          # packets read from the socket queue after a stop request
DEFAULT_MAX_CONVERSATIONS = 200_000


class CaptureError(ScannerError):
    """The interface cannot be opened or the filter does not compile."""


@dataclass
class LiveResult:
    """What a capture did: its segment files and counts."""

    segments: list[Path] = field(default_factory=list)
    packets: int = 0
    observations: int = 0
    dropped_packets: int = 0
    kernel_drops: int = 0
    skipped: dict = field(default_factory=dict)
    interrupted: bool = False
    forgotten: int = 0           # conversations the rotation memory let go (over its cap)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


def open_socket(iface: str, bpf: str | None):
    """A scapy listening socket on ``iface`` (both directions), with ``bpf`` attached.

    Returns ``(socket, linktype)``.

    Raises
    ------
    CaptureError
        No such interface, no permission (CAP_NET_RAW), or a filter that does not compile.
    """
    where = SourceLocation(f"interface {iface}")
    try:
        socket.if_nametoindex(iface)
    except OSError:
        raise CaptureError("cannot open (no such interface)", where) from None
    try:
        import scapy.layers.l2  # noqa: F401  (registers Ethernet, so scapy names the link)
        from scapy.arch.linux import L2ListenSocket
    except ImportError as exc:            # scapy is a dependency; its Linux layer may not load
        raise CaptureError(f"live capture needs scapy on Linux ({exc})", where) from None
    try:
        sock = L2ListenSocket(iface=iface, filter=bpf, promisc=False)
    except PermissionError:
        raise CaptureError("permission denied (capturing needs root or CAP_NET_RAW)",
                           where) from None
    except OSError as exc:
        raise CaptureError(f"cannot open ({exc.strerror or exc})", where) from None
    except Exception as exc:              # scapy's Scapy_Exception for a bad filter
        raise CaptureError(f"cannot capture: {' '.join(str(exc).split())}", where) from None
    hatype = sock.ins.getsockname()[3]
    linktype = ARPHRD_TO_LINKTYPE.get(hatype)
    if linktype is None:
        sock.close()
        raise CaptureError(f"link type ARPHRD {hatype} is not supported (Ethernet, loopback "
                           "and raw IP interfaces are)", where)
    return sock, linktype


def kernel_drops(sock) -> int:
    """Packets the kernel dropped for this socket since the last call (0 if unknown)."""
    try:
        raw = sock.ins.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    except (OSError, AttributeError):
        return 0
    return int.from_bytes(raw[4:8], "little")


class _Capped:
    """``Decoder.decode`` that refuses packets of conversations beyond ``cap`` (counted)."""

    def __init__(self, decoder: Decoder, cap: int):
        self.decoder = decoder
        self.cap = cap
        self.keys: set = set()
        self.dropped = 0

    def decode(self, linktype, data, wire):
        d = self.decoder.decode(linktype, data, wire)
        if d is None:
            return None
        a, b = (d[0], d[2]), (d[1], d[3])
        key = (a, b, d[4]) if a <= b else (b, a, d[4])
        keys = self.keys
        if key not in keys:
            if len(keys) >= self.cap:
                self.dropped += 1
                return None
            keys.add(key)
        return d


class RotationMemory:
    """What earlier rotations learned per conversation, bounded; oldest forgotten first.

    ``learn(conversations)`` after a rotation, ``restore(conversation)`` as a later
    rotation's table meets a conversation (``FlowTable.on_new``). Sides are kept as
    ``(address, port)`` endpoints: a rotation's side 0 is whichever sent first in it.
    ``keep(table)`` then takes the table's still-pending conversations (first bytes not
    yet dissected), ``hand_over()`` gives them to the next rotation's table.

    Per conversation: the client endpoint, direction source and confidence; whether the
    first bytes were dissected and their ``(protocol, [facts])`` with the endpoint the
    dissector took as client; connections already reported; the last SYN's sender while
    no other packet followed it (a SYN retransmitted across a rotation is not a new
    connection). No payload byte, except a pending conversation's first bytes (bounded
    by the flow table's caps and budget) until the next rotation's table takes them.

    Examples
    --------
    >>> m = RotationMemory(1)
    >>> a = Conversation("10.0.0.1", 40000, "10.0.0.2", 5432, 6, 1, 0.0)
    >>> a.syn_side, a.connections = 0, 1
    >>> m.learn([a])
    >>> b = Conversation("10.0.0.2", 5432, "10.0.0.1", 40000, 6, 9, 5.0)
    >>> m.restore(b)
    >>> b.direction(), b.reported
    ((1, 'handshake', 'high'), 1)
    >>> m.learn([Conversation("10.0.0.3", 1, "10.0.0.4", 2, 17, 10, 6.0)]); m.forgotten
    1
    """

    def __init__(self, cap: int):
        if cap < 1:
            raise ValueError("the rotation memory holds at least one conversation")
        self.cap = cap
        self.forgotten = 0
        self._known: OrderedDict[tuple, tuple] = OrderedDict()
        self._pending: dict[tuple, Conversation] = {}

    def __len__(self) -> int:
        return len(self._known)

    _key = staticmethod(pair_key)

    @staticmethod
    def _end(conv: Conversation, side: int) -> tuple:
        return conv.ips[side], conv.ports[side]

    def learn(self, conversations) -> None:
        """Remember a finished rotation's conversations (dissected: ``table.finish()``)."""
        known = self._known
        end = self._end
        for conv in sorted(conversations, key=lambda c: c.last_frame):
            key = self._key(conv)
            old = known.get(key)
            client, source, confidence = conv.direction()
            # what ``FlowTable.flows`` reported so far: one at least, then one per SYN
            reported = max(conv.reported + (conv.connections if conv.proto == 6 else 0), 1)
            prev_syn = end(conv, conv.prev_syn) if conv.prev_syn >= 0 else None
            if conv.done:                         # dissected, in this rotation or before
                dissected = (conv.found, end(conv, conv.found_client))
            else:                                 # no payload yet: a later rotation dissects
                dissected = old[3] if old is not None else None
            known[key] = (end(conv, client), source, confidence, dissected, reported, prev_syn)
            known.move_to_end(key)
        while len(known) > self.cap:
            known.popitem(last=False)
            self.forgotten += 1

    def keep(self, table: FlowTable) -> None:
        """After ``learn``: note what carried conversations the table dissected, and hold its
        pending ones for the next rotation; a forgotten one is dissected now, in ``table``."""
        known = self._known
        for conv in table.settled():
            key = self._key(conv)
            if key in known:              # dissected (found something or not), as in learn
                dissected = (conv.found, self._end(conv, conv.found_client))
                known[key] = known[key][:3] + (dissected,) + known[key][4:]
        forgotten = []
        for conv in table.pending():
            key = self._key(conv)
            if key in known:
                self._pending[key] = conv
            else:
                forgotten.append(conv)
        table.settle(forgotten)

    def hand_over(self) -> list[Conversation]:
        """The pending conversations, for the next rotation's table (``FlowTable.carry``)."""
        pending = list(self._pending.values())
        self._pending.clear()
        return pending

    def held(self) -> tuple[int, int]:
        """``(conversations, payload bytes)`` pending between rotations."""
        return (len(self._pending),
                sum(len(c.bufs[0]) + len(c.bufs[1]) for c in self._pending.values()))

    def restore(self, conv: Conversation) -> None:
        """Seed a conversation new to this rotation with what earlier ones learned."""
        got = self._known.get(self._key(conv))
        if got is None:
            return
        client, source, confidence, dissected, reported, prev_syn = got
        here = self._end(conv, 0)
        side = 0 if client == here else 1
        if source == "handshake":
            conv.syn_side = side
        conv.prior = (side, source, confidence)
        conv.reported = reported
        if prev_syn is not None:
            conv.prev_syn = 0 if prev_syn == here else 1
        if dissected is not None:
            found, found_client = dissected
            conv.done = True                      # its first bytes were dissected already
            if found is not None:
                conv.found = found
                conv.found_client = 0 if found_client == here else 1
                conv.payload_frame, conv.payload_ts = conv.first_frame, conv.first_ts


class LiveCapture:
    """One capture: a socket, the rotation in progress, the segments written.

    Parameters
    ----------
    frames : iterable, optional
        Instead of a socket (tests, replays): ``(ts, data, wire_len)`` frames of
        ``linktype``, through the same rotations; the capture ends with them.
    linktype : int
        The frames' link type when ``frames`` is given (a socket tells its own).
    """

    def __init__(self, iface: str, out: Path, duration: float, rotate: float | None = None,
                 rotate_packets: int | None = None, bpf: str | None = None,
                 max_conversations: int = DEFAULT_MAX_CONVERSATIONS,
                 max_packets: int | None = None, progress: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.time, frames=None, linktype: int = 1):
        if max_conversations < 1:
            raise ValueError("max_conversations must be at least 1")
        self.iface = iface
        self.out = Path(out)
        self.duration = duration
        self.rotate = rotate
        self.rotate_packets = rotate_packets
        self.bpf = bpf
        self.max_conversations = max_conversations
        self.max_packets = max_packets
        self.progress = progress or (lambda _m: None)
        self.clock = clock
        self.stop_requested = False
        self.result = LiveResult()
        self._frame = 0
        self.capture_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock()))
        self.linktype = linktype
        self.memory = RotationMemory(max_conversations)
        self._replay = None if frames is None else iter(frames)
        self._next = None                 # the replay's next frame, read ahead
        self._ended = False               # the replay has no frame left

    def request_stop(self, *_args) -> None:
        """Signal handler: end the capture after the packet in hand, writing the rotation."""
        self.stop_requested = True
        self.result.interrupted = True

    # -- the loop ------------------------------------------------------------------------

    def _frames(self, sock, until: float, end: float, budget: int | None) -> Iterator[tuple]:
        """Reader-shaped records ``(frame, 0, ts, linktype, data, wire_len)`` from the socket
        until ``until`` (rotation), ``end`` (capture), ``budget`` packets, or a stop."""
        clock = self.clock
        n = 0
        linktype = self.linktype
        drained = 0
        while budget is None or n < budget:
            if self.stop_requested:
                # what the kernel already queued is part of the capture: read it, bounded
                ready, _, _ = select.select([sock.ins], [], [], 0)
                drained += 1
                if not ready or drained > MAX_DRAIN:
                    return
            else:
                now = clock()
                if now >= until or now >= end:
                    return
                ready, _, _ = select.select([sock.ins], [], [],
                                            min(POLL_S, until - now, end - now))
                if not ready:
                    continue
            try:
                _cls, data, ts = sock.recv_raw(MAX_FRAME)
            except InterruptedError:
                continue
            if not data:
                continue
            n += 1
            self._frame += 1
            yield self._frame, 0, ts if ts is not None else clock(), linktype, data, len(data)

    def _replayed(self, until: float, end: float, budget: int | None) -> Iterator[tuple]:
        """``_frames`` for the ``frames`` given instead of a socket."""
        clock = self.clock
        n = 0
        while (budget is None or n < budget) and not self.stop_requested:
            now = clock()
            if now >= until or now >= end:
                return
            item, self._next = self._next, None
            if item is None:
                item = next(self._replay, None)
            if item is None:
                self._ended = True
                return
            ts, data, wire = item
            n += 1
            self._frame += 1
            yield self._frame, 0, ts, self.linktype, data, wire
        if self._next is None and not self._ended:          # say now if that was the last
            self._next = next(self._replay, None)
            self._ended = self._next is None

    def run(self, sock=None) -> LiveResult:
        """Capture until the duration, the packet budget or a stop; returns the result."""
        own = sock is None and self._replay is None
        if own:
            sock, self.linktype = open_socket(self.iface, self.bpf)
        kernel_drops(sock)                                   # reset the kernel's counters
        self.progress(f"capturing on {self.iface}" + (f" ({self.bpf})" if self.bpf else "")
                      + f" for {self.duration:g} s → {self.out}")
        start = self.clock()
        end = start + self.duration
        n = 0
        try:
            while True:
                n += 1
                t0 = self.clock()
                until = min(end, t0 + self.rotate) if self.rotate else end
                budget = self.rotate_packets
                if self.max_packets is not None:
                    left = self.max_packets - self.result.packets
                    budget = left if budget is None else min(budget, left)
                decoder = Decoder()
                capped = _Capped(decoder, self.max_conversations)
                table = FlowTable()
                table.on_new = self.memory.restore      # what earlier rotations learned
                table.carry(self.memory.hand_over())    # first bytes still to dissect
                first = self._frame + 1
                frames = (self._frames(sock, until, end, budget) if self._replay is None
                          else self._replayed(until, end, budget))
                table.feed(frames, capped.decode)
                t1 = self.clock()
                last = self._frame
                done = (self.stop_requested or t1 >= end or self._ended
                        or (self.max_packets is not None
                            and self.result.packets + (last - first + 1) >= self.max_packets))
                if done:
                    table.finish()
                forgotten = self.memory.forgotten
                self.memory.learn(table.conversations())
                self.memory.keep(table)
                self.result.forgotten = self.memory.forgotten
                self._write(n, table, decoder, capped, sock, first, last, t0, t1, done)
                if self.memory.forgotten > forgotten:
                    self.progress(f"rotation memory full: {self.memory.forgotten - forgotten} "
                                  "least recently seen conversation(s) forgotten (raise "
                                  "--max-conversations)")
                if done:
                    break
        finally:
            if own:
                sock.close()
        return self.result

    def _write(self, n, table, decoder, capped, sock, first, last, t0, t1, final) -> None:
        name = f"hdscan-capture-{_safe(self.iface)}-{self.capture_id}-{n:05d}.json"
        source = name
        try:
            observations = build_observations(table, source)
        except InputError as exc:                             # a timestamp not a date: clock broken
            raise CaptureError(str(exc), SourceLocation(f"interface {self.iface}")) from None
        packets = last - first + 1
        drops = kernel_drops(sock)
        skipped = {k: v for k, v in decoder.skipped.items() if v}
        header = {
            "capture": {"id": self.capture_id, "iface": self.iface, "bpf": self.bpf,
                        "linktype": self.linktype},
            "segment": n, "final": final, "from": _iso(t0), "to": _iso(t1),
            "frames": [first, last] if packets else None,
            "packets": packets, "skipped": skipped,
            "dropped": {"packets": capped.dropped, "max_conversations": self.max_conversations},
            "kernel_drops": drops,
        }
        path = segment.write(self.out / name, observations, header)
        r = self.result
        r.segments.append(path)
        r.packets += packets
        r.observations += len(observations)
        r.dropped_packets += capped.dropped
        r.kernel_drops += drops
        for k, v in skipped.items():
            r.skipped[k] = r.skipped.get(k, 0) + v
        held, held_bytes = self.memory.held()
        self.progress(f"segment {n}: {packets} packets, {len(observations)} observations"
                      + (f", {capped.dropped} dropped over the conversation cap"
                         if capped.dropped else "")
                      + (f", first bytes of {held} conversation(s) carried ({held_bytes} "
                         "bytes, in memory)" if held else "") + f" → {path.name}")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:40]


def capture(iface: str, out: Path, duration: float, rotate: float | None = None,
            rotate_packets: int | None = None, bpf: str | None = None,
            max_conversations: int = DEFAULT_MAX_CONVERSATIONS, max_packets: int | None = None,
            progress: Callable[[str], None] | None = None) -> LiveResult:
    """Capture on ``iface`` into segment files under ``out``; SIGINT/SIGTERM end it cleanly."""
    live = LiveCapture(iface, out, duration, rotate, rotate_packets, bpf, max_conversations,
                       max_packets, progress)
    previous = {s: signal.signal(s, live.request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return live.run()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

