"""Owns reading the kernel's TCP/UDP socket table through NETLINK_SOCK_DIAG (inet_diag),
as ``ss`` does, and mapping each socket's inode to its owning pid through ``/proc/*/fd``.

``available()`` says whether this kernel answers (Linux with sock_diag; not macOS,
Windows, or a seccomp/namespace that forbids netlink). ``Reader.table()`` returns one
``Socket`` per TCP and UDP socket, IPv4 and IPv6, in every state, with its pid when
the owner's ``/proc/<pid>/fd`` is readable (another user's is not, when unprivileged;
a ``TIME_WAIT`` socket has no owner).

Why: ``psutil.net_connections()`` parses ``/proc/net/{tcp,tcp6,udp,udp6}`` text and
readlinks every fd of every process on every call (≈ 24 ms per 1,000 connections).
Here the kernel sends binary records (one 72-byte ``inet_diag_msg`` per socket), and the
inode → pid map is **cached between samples**: a sample whose sockets are all known
reads no ``/proc/*/fd`` at all; otherwise it re-reads first the processes that already
own sockets (a server accepting a new client) — only their fds that are not a live cached
socket, so a server holding 10,000 connections costs a ``listdir`` and a few
``readlink``s, not 10,000 — and scans every process only for inodes still unknown. Entries of closed sockets are dropped each sample, so the cache is
bounded by the live socket count; inodes a full scan could not attribute (another user's
sockets when unprivileged, another pid namespace's) are taken as unowned after two scans
(the second catches a socket whose descriptor was being installed during the first), so
they do not cost a scan each sample. A socket several processes share (a pre-fork server's listener)
is attributed to the lowest pid, as the agent's aggregator prefers. (Socket inode
numbers increase monotonically, so a cached inode is not reused by another process's
socket in practice.) ``Reader.owned()`` gives the agent the raw records and the
inode → pid map without building a ``Socket`` per record (the sampler's one pass).
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from typing import NamedTuple

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
ALL_STATES = 0xFFFFFFFF
RETRIES = 2        # full scans for an inode before it is taken as unowned (see Reader)

_NLMSGHDR = struct.Struct("=IHHII")
_REQ = struct.Struct("=BBBBI4s4s16s16sI8s")       # inet_diag_req_v2 (sockid ports/addrs raw)
# inet_diag_msg: family, state, (timer, retrans), sport, dport, src, dst, (if, cookie,
# expires, rqueue, wqueue), uid, inode — the fields in brackets skipped
_BOTH = struct.Struct("=IH10xBB2x2s2s16s16s24xII")   # nlmsghdr (length, type) + inet_diag_msg
_RECV = 1 << 18
_MAPPED = b"\0" * 10 + b"\xff\xff"
_ZERO = b"\0" * 16

TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING", 12: "NEW_SYN_RECV"}
TCP_LISTEN = 10
PROTOCOLS = ((socket.IPPROTO_TCP, "tcp"), (socket.IPPROTO_UDP, "udp"))
FAMILIES = (socket.AF_INET, socket.AF_INET6)


class Socket(NamedTuple):
    """One socket (a named tuple: 20,000 of them are built every sample)."""
    transport: str            # tcp | udp
    family: int               # AF_INET | AF_INET6
    local_ip: str             # plain text: an IPv4-mapped IPv6 address is written as IPv4
    local_port: int
    remote_ip: str
    remote_port: int
    state: str                # TCP state name; UDP: ESTABLISHED (connected) or CLOSE
    inode: int
    uid: int
    connected: bool           # the remote end is set (not the unspecified address, port 0)
    pid: int | None = None


def _dump(sock: socket.socket, family: int, protocol: int, seq: int) -> list[tuple]:
    req = _REQ.pack(family, protocol, 0, 0, ALL_STATES, b"", b"", b"", b"", 0, b"")
    hdr = _NLMSGHDR.pack(_NLMSGHDR.size + len(req), SOCK_DIAG_BY_FAMILY,
                         NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    sock.send(hdr + req)
    out = []
    alen = 4 if family == socket.AF_INET else 16
    names: dict[bytes, str] = {}
    ntop = socket.inet_ntop

    def text(raw: bytes) -> str:
        """Plain text of an address (IPv4-mapped IPv6 as IPv4), one conversion per address."""
        if alen == 16 and raw[:12] == _MAPPED:
            name = ntop(socket.AF_INET, raw[12:])
        else:
            name = ntop(family, raw[:alen])
        names[raw] = name
        return name

    get, append, from_bytes = names.get, out.append, int.from_bytes
    unpack_both, both = _BOTH.unpack_from, _BOTH.size
    unpack_hdr, hsize = _NLMSGHDR.unpack_from, _NLMSGHDR.size
    while True:
        data = sock.recv(_RECV)
        if not data:
            raise OSError(errno.EIO, "sock_diag: empty answer")
        off, end = 0, len(data)
        while off + hsize <= end:
            if off + both <= end:              # the common case: one call per socket
                length, kind, fam, state, sport, dport, src, dst, uid, inode = unpack_both(data, off)
                if kind == SOCK_DIAG_BY_FAMILY and length >= both:
                    rport = from_bytes(dport, "big")
                    # IPv4 addresses come zero-padded to 16 bytes
                    append((fam, state, get(src) or text(src), from_bytes(sport, "big"),
                            get(dst) or text(dst), rport, uid, inode,
                            rport != 0 or dst != _ZERO))
                    off += (length + 3) & ~3
                    continue
            length, kind, _flags, _seq, _pid = unpack_hdr(data, off)
            if length < hsize:
                raise OSError(errno.EIO, "sock_diag: bad message length")
            if kind == NLMSG_DONE:
                return out
            if kind == NLMSG_ERROR:
                code = -struct.unpack_from("=i", data, off + hsize)[0]
                raise OSError(code, f"sock_diag: {os.strerror(code)}")
            off += (length + 3) & ~3


def available() -> bool:
    """True if a sock_diag dump works here (tried once per call)."""
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as s:
            _dump(s, socket.AF_INET, socket.IPPROTO_TCP, 1)
        return True
    except (OSError, AttributeError):
        return False


class Reader:
    """Socket tables with inode → pid resolved through a cache kept between calls."""

    def __init__(self, proc: str = "/proc"):
        self.proc = proc
        self.owner: dict[int, int] = {}       # socket inode → pid
        # inodes full scans found no readable owner for → scans tried (at most RETRIES)
        self.unowned: dict[int, int] = {}
        self.fds: dict[int, dict[str, int]] = {}   # owner pid → its socket fds → inode
        self.seq = 0
        self.fd_reads = 0                     # readlinks done (for the benchmark and tests)

    def raw(self) -> list[tuple[str, tuple]]:
        """Every TCP/UDP v4/v6 socket as (transport, record of ``_dump``), without owners."""
        out = []
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as s:
            for proto, transport in PROTOCOLS:
                for family in FAMILIES:
                    self.seq += 1
                    out.extend((transport, rec) for rec in _dump(s, family, proto, self.seq))
        return out

    def _scan(self, pids, wanted: set[int]) -> None:
        for pid in pids:
            fd_dir = f"{self.proc}/{pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:                  # gone, or another user's (unprivileged)
                continue
            sockets: dict[str, int] = {}
            owns = False
            for fd in fds:
                try:
                    link = os.readlink(f"{fd_dir}/{fd}")
                except OSError:
                    continue
                self.fd_reads += 1
                if link.startswith("socket:["):
                    inode = sockets[fd] = int(link[8:-1])
                    if inode in wanted:
                        self.owner[inode] = pid
                        wanted.discard(inode)
                        owns = True
                        if not wanted:
                            break
            if owns:                            # its fd map seeds _scan_known's cache
                self.fds[pid] = sockets
            if not wanted:
                return

    def _scan_known(self, pids, wanted: set[int], live: set[int]) -> None:
        """Re-read the fds of processes that own sockets, skipping the fds whose cached
        socket is still alive (a busy server's thousands of open connections)."""
        for pid in pids:
            fd_dir = f"{self.proc}/{pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                self.fds.pop(pid, None)
                continue
            cached = self.fds.get(pid, {})
            fresh: dict[str, int] = {}
            for fd in fds:
                inode = cached.get(fd)
                if inode is None or inode not in live:
                    try:
                        link = os.readlink(f"{fd_dir}/{fd}")
                    except OSError:
                        continue
                    self.fd_reads += 1
                    if not link.startswith("socket:["):
                        continue                # not cached: the number may become a socket
                    inode = int(link[8:-1])
                fresh[fd] = inode
                if inode in wanted:
                    self.owner[inode] = pid
                    wanted.discard(inode)
            self.fds[pid] = fresh

    def table(self) -> list[Socket]:
        """Every TCP/UDP v4/v6 socket with its owner's pid (None when not visible)."""
        return [Socket(*row) for row in self.rows()]

    def rows(self) -> list[tuple]:
        """``table()`` as plain tuples in ``Socket`` field order."""
        sockets, owners = self.owned()
        owner, states = owners.get, TCP_STATES
        return [(t, fam, lip, lport, rip, rport, states.get(state) or str(state), inode,
                 uid, conn, owner(inode))
                for t, (fam, state, lip, lport, rip, rport, uid, inode, conn) in sockets]

    def owned(self):
        """``raw()`` and the map inode → pid of its sockets (the agent's fast path, one pass).

        Owners are resolved through the cache: cached owners first, then the processes
        that already own sockets, then every process (see the module docstring)."""
        sockets = self.raw()
        live = {rec[7] for _, rec in sockets if rec[7]}
        self.owner = {i: p for i, p in self.owner.items() if i in live}
        self.unowned = {i: n for i, n in self.unowned.items() if i in live}
        unknown = {i for i in live - set(self.owner) if self.unowned.get(i, 0) < RETRIES}
        known = set(self.owner.values())
        self.fds = {p: m for p, m in self.fds.items() if p in known}
        if unknown:
            self._scan_known(sorted(known), unknown, live)
            if unknown:
                others = sorted(int(d) for d in os.listdir(self.proc) if d.isdigit())
                self._scan([p for p in others if p not in known], unknown)
                for i in unknown:             # other users' (unprivileged), other namespaces',
                    self.unowned[i] = self.unowned.get(i, 0) + 1   # or not installed yet

        return sockets, self.owner
