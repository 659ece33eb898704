"""Owns reading the host's socket table and aggregating what successive samples saw.

``connection_table()`` is the one place the agent reads the kernel's sockets: through
NETLINK_SOCK_DIAG (``sockdiag.py``, with its inode → pid cache kept between samples) where
the kernel answers, else ``psutil.net_connections`` (macOS, Windows, netlink refused). It
returns a ``Table`` of listening sockets and connections with their owning process names,
and which reader produced it.

``Aggregator`` folds tables into records keyed by the dependency — (client ip, server
ip, server port, transport, local process, local role: a loopback connection is seen
from both ends) — with first/last seen and the number of samples that saw it. The
direction comes from ``direction.decide`` against every listener seen so far (the
table the inventory ships, so the importer decides alike) and the addresses the
host's own sockets use. Memory grows with the number of distinct dependencies and
listeners, never with the duration.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field
from typing import NamedTuple

import psutil

from . import sockdiag
from .direction import WILDCARDS, decide
from .probe import plain_ip

TRANSPORTS = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}


class Listener(NamedTuple):
    ip: str
    port: int
    transport: str
    pid: int | None
    process: str | None


class Conn(NamedTuple):
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    transport: str
    pid: int | None
    process: str | None
    role: str | None = None      # client | server when the kernel said (conntrack), else None


@dataclass
class Table:
    listening: list[Listener] = field(default_factory=list)
    connections: list[Conn] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    reader: str = "psutil"       # sock_diag | psutil


class _Names:
    """pid → process name, kept only for the pids of the last table (bounded)."""

    def __init__(self):
        self.cache: dict[int, str | None] = {}

    def get(self, pid: int | None) -> str | None:
        if pid is None:
            return None
        if pid not in self.cache:
            try:
                self.cache[pid] = psutil.Process(pid).name()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                self.cache[pid] = None
        return self.cache[pid]

    def keep(self, pids: set[int]) -> None:
        self.cache = {p: n for p, n in self.cache.items() if p in pids}


_NAMES = _Names()


_DIAG: list = []          # [sockdiag.Reader] once sock_diag answered, [None] once it did not


def _diag_reader() -> "sockdiag.Reader | None":
    if not _DIAG:
        _DIAG.append(sockdiag.Reader() if sys.platform.startswith("linux")
                     and sockdiag.available() else None)
    return _DIAG[0]


def connection_table(reader: str = "auto") -> Table:
    """The host's TCP/UDP sockets now: listeners (TCP LISTEN, unconnected UDP) and connections.

    ``reader``: ``auto`` (sock_diag where the kernel answers, else psutil), ``sock_diag``
    or ``psutil``. A socket whose owner is not visible (another user's, when
    unprivileged; TIME_WAIT) has no pid and no process. If the OS refuses the whole
    table, the table is empty and says so in ``limitations``.
    """
    diag = _diag_reader() if reader in ("auto", "sock_diag") else None
    if diag is not None:
        try:
            return _from_sockdiag(*diag.owned())
        except OSError:
            if reader == "sock_diag":
                raise
            _DIAG[0] = None                  # netlink stopped answering: psutil from now on
    elif reader == "sock_diag":
        raise OSError("sock_diag is not available here")
    return _from_psutil()


def _from_sockdiag(sockets: list[tuple], owners: dict[int, int]) -> Table:
    """Listeners and connections of ``sockdiag.Reader.owned()``, in one pass."""
    table = Table(reader="sock_diag")
    pids = set(owners.values())
    names, owner = {pid: _NAMES.get(pid) for pid in pids}.get, owners.get
    listening, connections = table.listening, table.connections
    listen_state = sockdiag.TCP_LISTEN
    # addresses are plain already (sockdiag writes IPv4-mapped IPv6 as IPv4)
    for transport, (_fam, state, lip, lport, rip, rport, _uid, inode, connected) in sockets:
        if transport == "tcp" and state == listen_state or transport == "udp" and not connected:
            pid = owner(inode)
            listening.append(Listener(lip, lport, transport, pid, names(pid)))
        elif connected:
            pid = owner(inode)
            connections.append(Conn(lip, lport, rip, rport, transport, pid, names(pid)))
    _NAMES.keep(pids)
    return table


def _from_psutil() -> Table:
    try:
        rows = psutil.net_connections("inet")
    except psutil.AccessDenied:
        return Table(limitations=["connections: the socket table is not readable by this "
                                  "user; run as root/Administrator"])
    table, pids = Table(), set()
    for r in rows:
        transport = TRANSPORTS.get(r.type)
        if transport is None or not r.laddr:
            continue
        if r.pid is not None:
            pids.add(r.pid)
        name = _NAMES.get(r.pid)
        local_ip = plain_ip(r.laddr.ip)
        if transport == "tcp" and r.status == psutil.CONN_LISTEN or transport == "udp" and not r.raddr:
            table.listening.append(Listener(local_ip, r.laddr.port, transport, r.pid, name))
        elif r.raddr:
            table.connections.append(Conn(local_ip, r.laddr.port, plain_ip(r.raddr.ip),
                                          r.raddr.port, transport, r.pid, name))
    _NAMES.keep(pids)
    return table


def add_conntrack(table: Table, flows: list, own: set[str]) -> int:
    """Add to ``table`` the conntrack ``flows`` (``conntrack.Flow``) of this host that no
    socket of the table shows (closed between samples); the number added.

    A flow is this host's when its server or client address is one of ``own``; its role
    is the kernel's (the original tuple is the initiator's), its process unknown.
    """
    shown = {(c.local_ip, c.local_port, c.remote_ip, c.remote_port, c.transport)
             for c in table.connections}
    added = 0
    for f in flows:
        views = []
        if f.server_ip in own:
            views.append(Conn(f.server_ip, f.server_port, f.client_ip, f.client_port,
                              f.transport, None, None, "server"))
        if f.client_ip in own:
            views.append(Conn(f.client_ip, f.client_port, f.server_ip, f.server_port,
                              f.transport, None, None, "client"))
        for c in views:
            if c[:5] not in shown:
                table.connections.append(c)
                added += 1
    return added


def _better(old: dict, pid: int | None, process: str | None) -> bool:
    """A named owner beats an unknown one; then the lower pid (stable across samples)."""
    if (process is None) != (old.get("process") is None):
        return process is not None
    return pid is not None and (old.get("pid") is None or pid < old["pid"])


class Aggregator:
    """Listeners and dependency records over many samples, resumable from a saved inventory."""

    def __init__(self):
        self.listening: dict[tuple[str, int, str], dict] = {}
        self.records: dict[tuple, dict] = {}
        self.limitations: set[str] = set()
        self.samples = 0

    def listening_set(self) -> set[tuple[str, int, str]]:
        return set(self.listening)

    def add_listener(self, row: dict) -> None:
        key = (row["ip"], row["port"], row["transport"])
        old = self.listening.get(key)
        if old is None or _better(old, row.get("pid"), row.get("process")):
            self.listening[key] = {k: v for k, v in row.items() if v is not None}

    def add_record(self, rec: dict) -> None:
        """Merge one saved record (a ``connections`` element written by this agent)."""
        role = rec.get("local_role") or decide(
            self.listening_set(), rec["local_ip"], rec["local_port"], rec["remote_ip"],
            rec["remote_port"], rec["transport"]).local_role
        rec = dict(rec, local_role=role)
        if role == "server":
            key = (rec["remote_ip"], rec["local_ip"], rec["local_port"])
        else:
            key = (rec["local_ip"], rec["remote_ip"], rec["remote_port"])
        key += (rec["transport"], rec.get("process"), role)
        old = self.records.get(key)
        if old is None:
            self.records[key] = dict(rec)
            return
        old["times_seen"] += rec["times_seen"]
        old["first_seen"] = min(old["first_seen"], rec["first_seen"])
        if rec["last_seen"] >= old["last_seen"]:
            for k in ("local_port", "remote_port", "pid", "last_seen"):
                old[k] = rec.get(k)

    def observe(self, table: Table, when: str) -> None:
        """Fold one sample taken at ``when`` (ISO-8601 UTC) into the aggregates."""
        self.samples += 1
        self.limitations.update(table.limitations)
        for s in table.listening:
            self.add_listener({"ip": s.ip, "port": s.port, "transport": s.transport,
                               "pid": s.pid, "process": s.process})
        listening = self.listening_set()
        own = {c.local_ip for c in table.connections} | {s.ip for s in table.listening}
        served = {(ip, port, t) for ip, port, t in listening}
        wild = {(port, t) for ip, port, t in listening if ip in WILDCARDS}
        # per sample, the record's ports and pid are those of its greatest socket in
        # (local port, remote port, pid) order, whatever order the kernel listed them in
        best: dict[tuple, tuple] = {}
        for c in table.connections:
            if c.role == "server":              # the kernel's word (conntrack)
                key = (c.remote_ip, c.local_ip, c.local_port, c.transport, c.process, "server")
                confidence = "high"
            elif c.role == "client":
                key = (c.local_ip, c.remote_ip, c.remote_port, c.transport, c.process, "client")
                confidence = "high"
            elif (c.local_port, c.transport) in wild or (c.local_ip, c.local_port, c.transport) in served:
                key = (c.remote_ip, c.local_ip, c.local_port, c.transport, c.process, "server")
                confidence = "high"          # rule 1 of direction.decide, without the call
            elif c.remote_ip in own and ((c.remote_port, c.transport) in wild
                                         or (c.remote_ip, c.remote_port, c.transport) in served):
                key = (c.local_ip, c.remote_ip, c.remote_port, c.transport, c.process, "client")
                confidence = "high"          # rule 1b, likewise
            else:
                d = decide(listening, c.local_ip, c.local_port, c.remote_ip, c.remote_port,
                           c.transport, own)
                key = (d.client_ip, d.server_ip, d.server_port, c.transport, c.process, d.local_role)
                confidence = d.confidence
            order = (c.local_port, c.remote_port, c.pid or 0)
            old = best.get(key)
            if old is None or order > old[0]:
                best[key] = (order, c, confidence)
        for key, (_order, c, confidence) in best.items():
            rec = self.records.get(key)
            if rec is None:
                rec = self.records[key] = {
                    "local_ip": c.local_ip, "remote_ip": c.remote_ip, "transport": c.transport,
                    "process": c.process, "local_role": key[5],
                    "times_seen": 0, "first_seen": when}
            rec["times_seen"] += 1               # once per sample, however many sockets
            rec.update(local_port=c.local_port, remote_port=c.remote_port, pid=c.pid,
                       last_seen=when, confidence=confidence)

    def listening_rows(self) -> list[dict]:
        return [self.listening[k] for k in sorted(self.listening)]

    def connection_rows(self) -> list[dict]:
        rows = []
        for key in sorted(self.records, key=lambda k: k[:4] + (k[4] or "", k[5])):
            rows.append({k: v for k, v in self.records[key].items() if v is not None})
        return rows
