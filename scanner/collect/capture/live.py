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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ...errors import InputError, ScannerError, SourceLocation
from . import segment
from .collector import build_observations
from .decode import Decoder
from .flows import FlowTable

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


class LiveCapture:
    """One capture: a socket, the rotation in progress, the segments written.

    Parameters
    ----------
    frames : iterable, optional
        Instead of a socket (tests, replays): ``(ts, data, wire_len)`` frames of
        ``linktype``.
    """

    def __init__(self, iface: str, out: Path, duration: float, rotate: float | None = None,
                 rotate_packets: int | None = None, bpf: str | None = None,
                 max_conversations: int = DEFAULT_MAX_CONVERSATIONS,
                 max_packets: int | None = None, progress: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.time):
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
        self.linktype = 1

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

    def run(self, sock=None) -> LiveResult:
        """Capture until the duration, the packet budget or a stop; returns the result."""
        own = sock is None
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
                first = self._frame + 1
                table.feed(self._frames(sock, until, end, budget), capped.decode)
                table.finish()
                t1 = self.clock()
                last = self._frame
                done = (self.stop_requested or t1 >= end
                        or (self.max_packets is not None
                            and self.result.packets + (last - first + 1) >= self.max_packets))
                self._write(n, table, decoder, capped, sock, first, last, t0, t1, done)
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
        self.progress(f"segment {n}: {packets} packets, {len(observations)} observations"
                      + (f", {capped.dropped} dropped over the conversation cap"
                         if capped.dropped else "") + f" → {path.name}")


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

