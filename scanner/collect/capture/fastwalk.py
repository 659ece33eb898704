"""Owns the compiled capture walk: pcap/pcapng records to conversations in numba code.

The pure-Python reader (``pcapfile`` + ``decode`` + ``FlowTable.feed_fast``) tops out
near 0.4 M packets per CPU second: a Python loop over records cannot do better than
~1.2 M/s even without decoding anything. This module does the per-packet work in
compiled code (numba, ``@njit(cache=True, nogil=True)``; the kernels are in
``fastkernel``, imported on first use) over numpy views of the 1 MiB read chunks, and
gives Python only what its existing logic needs:

* the kernel walks classic pcap records (µs/ns, either byte order) and pcapng Enhanced,
  Simple and obsolete Packet Blocks (file headers, Section and Interface Description
  Blocks are parsed in Python by ``pcapfile``'s own functions); it decodes every frame as
  ``Decoder.decode`` does (same link types, VLAN/QinQ, IPv4 options, IPv6 extension
  headers, fragments, the same skip reasons) and keeps the conversation state of
  ``FlowTable`` (packets and bytes each way, first/last frame and time, SYN-based
  connection count, handshake direction, which payload bytes are held, budget flushes)
  in numpy arrays and an open-addressing hash table;
* Python receives events in packet order: "append these payload bytes to side S of
  conversation C" (only the first ``max_segments`` packets / ``max_payload`` bytes per
  direction, as ``FlowTable._keep`` keeps), "identify conversation C now, client side
  S" (``FlowTable._dissect``) and "parse this DNS payload" (``FlowTable._dns_answer``),
  then, at the end, one summary per conversation from which ``Conversation`` objects
  are built; ``FlowTable.flows``/``protocol_facts``/``dns_records`` then run unchanged.

A tail cut by the end of the file is reported in ``truncated`` as ``PcapReader`` does.
Anything the kernel does not take on (a refused file, whose located ``InputError`` the
Python reader words; a pcapng time resolution finer than 2^-53 s or a timestamp beyond
2^63 units) raises ``Fallback``: the caller reads the file again with the pure-Python
path. Results are identical to the pure-Python path
(``tests/collect/capture/test_capture_accelerated.py`` compares both).

The collector uses it for captures of ``MIN_BYTES`` (64 MiB) or more. numba is optional
(the ``fast`` extra). Without it, or with ``HDSCAN_PURE_PYTHON=1`` in the environment,
``available()`` is False and the collector uses the Python path. The
compiled code is cached beside this module (``__pycache__``); where that folder is not
writable (a read-only install) and ``NUMBA_CACHE_DIR`` is unset, the cache goes to a
per-user folder under the system temporary directory.
"""

from __future__ import annotations

import os
import socket
import struct
import tempfile
from pathlib import Path

from ..protocols.registry import PORT_HINTS
from .decode import SKIP_REASONS
from .flows import Conversation
from .pcapfile import (CHUNK, MAX_BLOCK, PCAP_MAGICS, PCAPNG_BYTE_ORDER, PCAPNG_MAGIC,
                       CaptureFile, interface_block, pcap_header)
from .pcapfile import MAX_CAPLEN  # noqa: F401  (fastkernel imports it from here)

_HERE = Path(__file__).resolve().parent
# captures smaller than this are read by the Python path: below it the compiled walk's
# fixed cost (importing numba and loading the cached kernels, ~1.2 CPU-s per process;
# the very first compile ~11 CPU-s) is more than it saves (docs/benchmark-pcap.md)
MIN_BYTES = 64 * 1024 * 1024


class Fallback(Exception):
    """The compiled walk stopped: read the file with the pure-Python path instead."""


_kernel = None          # the compiled kernels (module fastkernel) once loaded; False: none
np = None               # numpy, imported with them


def _load_kernel():
    """Import numba and the kernels, or None (not installed, or ``HDSCAN_PURE_PYTHON``)."""
    if os.environ.get("HDSCAN_PURE_PYTHON", "") not in ("", "0"):
        return None
    if "NUMBA_CACHE_DIR" not in os.environ:
        cache = _HERE / "__pycache__"
        try:
            cache.mkdir(exist_ok=True)
            writable = os.access(cache, os.W_OK)
        except OSError:
            writable = False
        if not writable:            # a read-only install: cache under the temp folder
            uid = os.getuid() if hasattr(os, "getuid") else "user"
            os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(),
                                                         f"hdscan-numba-{uid}")
    try:
        import numba  # noqa: F401  (the optional ``fast`` extra)
    except ImportError:
        return None
    from . import fastkernel        # a kernel that fails to import is a bug: let it show
    return fastkernel


# -- layout of the state arrays (module constants: compile-time in the kernel) ----------
# g (int64): walk and table counters
G_FRAME, G_NCONV, G_HELD, G_PACKETS, G_NEED, G_NEV = 0, 1, 2, 3, 4, 5
# cfg (int64): format and table parameters
C_FMT, C_BE, C_UNITS, C_LINK, C_LIMIT, C_MAXSEG, C_MAXPAY, C_BUDGET, C_NIF = range(9)
# ci (int64 per conversation)
(K_FIRST, K_LAST, K_PK0, K_PK1, K_BY0, K_BY1, K_CONN, K_SYN, K_SYNACK, K_PREV, K_BUFS,
 K_SEG0, K_SEG1, K_LEN0, K_LEN1, K_PFRAME, K_DONE, K_SPORT, K_DPORT, K_PROTO, K_FAM,
 K_GUESS) = range(22)
NK = 22
# cf (float64 per conversation)
F_FIRST, F_LAST, F_PTS = 0, 1, 2
# events (int64 rows) and their kinds
E_KIND, E_CONV, E_SIDE, E_FRAME, E_START, E_LEN = range(6)
EV_KEEP, EV_DISSECT, EV_DNS = 1, 2, 3
# kernel results
S_NEED, S_FULL, S_BLOCK, S_BAIL = 1, 2, 3, 4
# skip reasons, as decode.SKIP_REASONS orders them
R_FRAGMENT, R_MALFORMED, R_NON_IP, R_OTHER, R_LINK = range(5)
assert SKIP_REASONS == ("fragment", "malformed", "non_ip", "other_transport",
                        "unsupported_link")



def available() -> bool:
    """True when numba is importable and ``HDSCAN_PURE_PYTHON`` does not forbid it (numba
    is imported on the first call, not with this module)."""
    global _kernel, np
    if _kernel is None:
        _kernel = _load_kernel() or False
        if _kernel:
            np = _kernel.np
    return _kernel is not False


# -- the Python side: chunks, pcapng headers, events, growth, results -------------------

_HINTS = None
_AF = {4: socket.AF_INET, 16: socket.AF_INET6}


def _hints():
    global _HINTS
    if _HINTS is None:
        hint = np.zeros((2, 65536), np.uint8)
        for transport, port in PORT_HINTS:
            if 0 <= port < 65536 and transport in ("tcp", "udp"):
                hint[0 if transport == "tcp" else 1, port] = 1
        _HINTS = hint
    return _HINTS


class FastReader(CaptureFile):
    """Read one capture through the compiled walk into a ``FlowTable`` and a ``Decoder``.

    Same inputs as ``PcapReader`` (a path, or the capture's bytes) and, once ``feed``
    returned, the same ``format``, ``frames`` and ``truncated`` attributes. ``feed``
    leaves the table and decoder exactly as ``FlowTable.feed_fast(PcapReader(...),
    decoder)`` followed by ``finish()`` would, or raises ``Fallback`` (then the table
    and decoder are spoiled: use fresh ones for the Python path).
    """

    # state arrays ------------------------------------------------------------------------
    def _alloc(self, table):
        self.cfg = np.zeros(16, np.int64)
        self.cfg[C_MAXSEG] = table.max_segments
        self.cfg[C_MAXPAY] = table.max_payload
        self.cfg[C_BUDGET] = table.budget
        self.g = np.zeros(8, np.int64)
        self.gf = np.zeros(1, np.float64)
        self.ifs = np.zeros((1, 4), np.int64)
        self.ci = np.zeros((1024, NK), np.int64)
        self.cf = np.zeros((1024, 3), np.float64)
        self.ca = np.zeros((1024, 32), np.uint8)
        self.ht = np.full((4096, 6), -1, np.int64)
        self.ev = np.zeros((8192, 6), np.int64)
        self.evf = np.zeros(8192, np.float64)
        self.skipped = np.zeros(5, np.int64)
        self.pending: dict[int, list] = {}
        self.found: dict[int, tuple] = {}

    def _grow(self):
        nconv = int(self.g[G_NCONV])
        if nconv + 1 >= self.ci.shape[0]:
            cap = 2 * self.ci.shape[0]
            for name in ("ci", "cf", "ca"):
                old = getattr(self, name)
                new = np.zeros((cap, old.shape[1]), old.dtype)
                new[:old.shape[0]] = old
                setattr(self, name, new)
        if 4 * (nconv + 1) >= self.ht.shape[0]:
            new = np.full((2 * self.ht.shape[0], 6), -1, np.int64)
            _kernel.rehash(self.ht, new)
            self.ht = new
        if nconv + 4 > self.ev.shape[0]:
            cap = 2 * (nconv + 4)
            self.ev = np.zeros((cap, 6), np.int64)
            self.evf = np.zeros(cap, np.float64)

    def _events(self, data, table) -> None:
        n = int(self.g[G_NEV])
        if not n:
            return
        pending, found = self.pending, self.found
        identify = table._identify
        dns = table._dns_answer
        for (kind, c, side, frame, start, length), ts in zip(self.ev[:n].tolist(),
                                                             self.evf[:n].tolist()):
            if kind == EV_KEEP:
                bufs = pending.get(c)
                if bufs is None:
                    bufs = pending[c] = [bytearray(), bytearray()]
                bufs[side] += data[start:start + length]
            elif kind == EV_DISSECT:
                bufs = pending.pop(c, None) or (b"", b"")
                result = identify(bytes(bufs[side]), bytes(bufs[1 - side]))
                if result:
                    found[c] = (result, side)
            else:
                dns(bytes(data[start:start + length]), side, frame, ts)
        self.g[G_NEV] = 0

    # the walk ------------------------------------------------------------------------------
    def feed(self, table, decoder) -> None:
        """Read the whole capture into ``table`` (finished) and ``decoder.skipped``."""
        if not available():
            raise Fallback("numba is not installed, or HDSCAN_PURE_PYTHON is set")
        try:
            self._feed(table, decoder)
        except (Fallback, OSError):
            raise
        except Exception as exc:    # numba cannot compile or cache here: the Python path
            raise Fallback(f"compiled walk unavailable: {type(exc).__name__}: {exc}") from exc

    def _feed(self, table, decoder) -> None:
        self._alloc(table)
        with self._open() as f:
            data = f.read(CHUNK)
            if len(data) < 4:
                raise Fallback("short file")
            magic = data[:4]
            cfg = self.cfg
            if magic in PCAP_MAGICS:
                self.format = "pcap"
                while len(data) < 24:
                    more = f.read(CHUNK)
                    if not more:
                        break
                    data += more
                if len(data) < 24:              # cut inside the file header
                    self.truncated = (1, 0)
                    self._finish(table, decoder)
                    return
                head = pcap_header(data)
                cfg[C_FMT], cfg[C_BE], cfg[C_UNITS] = 0, head.endian == ">", head.units
                cfg[C_LINK], cfg[C_LIMIT] = head.linktype, head.limit
                pos = 24
            elif magic == PCAPNG_MAGIC:
                self.format = "pcapng"
                cfg[C_FMT] = 1
                pos = 0
            else:
                raise Fallback("bad magic")
            self._loop(f, data, pos, table)
        self._finish(table, decoder)

    def _loop(self, f, data: bytes, pos: int, table) -> None:
        """Run the kernel over a reused buffer: the unread tail of a chunk moves to the
        front and the next chunk is read in after it (``readinto``, no concatenation)."""
        g = self.g
        hint = _hints()
        endian = "<"
        ifaces: list = []
        base = 0                                   # file offset of buf[0]
        buf = bytearray(max(2 * CHUNK, len(data)))
        buf[:len(data)] = data
        have = len(data)
        while True:
            arr = np.frombuffer(buf, np.uint8, have)
            status, pos = _kernel.walk(arr, pos, self.cfg, g, self.gf, self.ifs, self.ci, self.cf,
                               self.ca, self.ht, hint, self.ev, self.evf, self.skipped)
            del arr
            self._events(buf, table)
            if status == S_FULL:
                self._grow()
                continue
            if status == S_BAIL:
                raise Fallback("refused or odd record")
            if status == S_BLOCK:                     # pcapng section or interface block
                raw_type = bytes(buf[pos:pos + 4])
                if raw_type == PCAPNG_MAGIC:
                    endian = PCAPNG_BYTE_ORDER.get(bytes(buf[pos + 8:pos + 12]))
                    if endian is None:
                        raise Fallback("bad byte-order magic")
                    ifaces = []
                    self.cfg[C_BE] = endian == ">"
                    self._interfaces(ifaces)
                btype, blen = struct.unpack_from(endian + "II", buf, pos)
                if blen < 12 or blen % 4 or blen > MAX_BLOCK:
                    raise Fallback("impossible block length")
                if pos + blen <= have:
                    if btype == 1:
                        iface = interface_block(bytes(buf[pos:pos + blen]), 8, blen - 4, endian)
                        if iface is None:
                            raise Fallback("pcapng interface block too short")
                        ifaces.append(iface)
                        self._interfaces(ifaces)
                    pos += blen
                    continue
                g[G_NEED] = blen
            # S_NEED (or a block not yet whole): move the tail to the front, read on
            need = int(g[G_NEED])
            rest = have - pos
            if need + CHUNK > len(buf):
                bigger = bytearray(need + CHUNK)
                bigger[:rest] = buf[pos:have]
                buf = bigger
            else:
                buf[:rest] = buf[pos:have]
            base += pos
            have, pos = rest, 0
            view = memoryview(buf)
            while True:
                got = f.readinto(view[have:have + CHUNK]) or 0
                have += got
                if not got or have >= need:
                    break
            view.release()
            if have < need:
                if have:                    # a record cut by the end of the file, as
                    self.truncated = (int(g[G_FRAME]) + 1, base)      # PcapReader says
                return

    def _interfaces(self, ifaces: list) -> None:
        ifs = np.zeros((max(1, len(ifaces)), 4), np.int64)
        for i, (linktype, snaplen, divisor, ts_off) in enumerate(ifaces):
            ifs[i] = (linktype, snaplen, divisor if divisor < (1 << 53) else -1, ts_off)
        self.ifs = ifs
        self.cfg[C_NIF] = len(ifaces)

    def _finish(self, table, decoder) -> None:
        if self.g[G_NCONV] + 4 > self.ev.shape[0]:
            self._grow()
        _kernel.flush(self.ci, self.g, self.ev, self.evf)
        self._events(b"", table)
        ntop = decoder.address
        convs = []
        nconv = int(self.g[G_NCONV])
        rows = self.ci[:nconv].tolist()
        times = self.cf[:nconv].tolist()
        addrs = self.ca[:nconv].tobytes()
        found = self.found
        for c, (row, (first_ts, last_ts, payload_ts)) in enumerate(zip(rows, times)):
            half = row[K_FAM]
            packed = addrs[32 * c:32 * c + 2 * half]
            conv = Conversation(ntop(_AF[half], packed[:half]), row[K_SPORT],
                                ntop(_AF[half], packed[half:]), row[K_DPORT], row[K_PROTO],
                                row[K_FIRST], first_ts)
            conv.last_frame = row[K_LAST]
            conv.last_ts = last_ts
            conv.packets = [row[K_PK0], row[K_PK1]]
            conv.bytes = [row[K_BY0], row[K_BY1]]
            conv.connections = row[K_CONN]
            conv.syn_side = None if row[K_SYN] < 0 else row[K_SYN]
            conv.synack_side = None if row[K_SYNACK] < 0 else row[K_SYNACK]
            conv.prev_syn = row[K_PREV]
            conv.segs = [row[K_SEG0], row[K_SEG1]]
            if row[K_PFRAME] >= 0:
                conv.payload_frame, conv.payload_ts = row[K_PFRAME], payload_ts
            conv.done = bool(row[K_DONE])
            hit = found.get(c)
            if hit is not None:
                conv.found, conv.found_client = hit
            convs.append(conv)
        table._convs.extend(convs)
        table.packets += int(self.g[G_PACKETS])
        table._held = 0
        for i, reason in enumerate(SKIP_REASONS):
            decoder.skipped[reason] += int(self.skipped[i])
        self.frames = int(self.g[G_FRAME])
