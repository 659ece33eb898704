"""Owns reading the host's socket table and aggregating what successive samples saw.

``connection_table()`` is the one place the agent reads the kernel's sockets (psutil
today; a sock_diag netlink reader can replace it later): it returns a ``Table`` of
listening sockets and connections with their owning process names.

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
from dataclasses import dataclass, field

import psutil

from .direction import decide
from .probe import plain_ip

TRANSPORTS = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}


@dataclass(frozen=True)
class Listener:
    ip: str
    port: int
    transport: str
    pid: int | None
    process: str | None


@dataclass(frozen=True)
class Conn:
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    transport: str
    pid: int | None
    process: str | None


@dataclass
class Table:
    listening: list[Listener] = field(default_factory=list)
    connections: list[Conn] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)


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


def connection_table() -> Table:
    """The host's TCP/UDP sockets now: listeners (TCP LISTEN, unconnected UDP) and connections.

    A socket whose owner is not visible (another user's, when unprivileged; TIME_WAIT)
    has no pid and no process. If the OS refuses the whole table, the table is empty and
    says so in ``limitations``.
    """
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
        seen_now: set[tuple] = set()
        for c in sorted(table.connections, key=lambda c: (c.local_port, c.remote_port, c.pid or 0)):
            d = decide(listening, c.local_ip, c.local_port, c.remote_ip, c.remote_port, c.transport,
                       own)
            key = (d.client_ip, d.server_ip, d.server_port, c.transport, c.process, d.local_role)
            rec = self.records.get(key)
            if rec is None:
                rec = self.records[key] = {
                    "local_ip": c.local_ip, "remote_ip": c.remote_ip, "transport": c.transport,
                    "process": c.process, "local_role": d.local_role,
                    "times_seen": 0, "first_seen": when}
            if key not in seen_now:          # once per sample, however many sockets
                rec["times_seen"] += 1
                seen_now.add(key)
            rec.update(local_port=c.local_port, remote_port=c.remote_port, pid=c.pid,
                       last_seen=when, confidence=d.confidence)

    def listening_rows(self) -> list[dict]:
        return [self.listening[k] for k in sorted(self.listening)]

    def connection_rows(self) -> list[dict]:
        rows = []
        for key in sorted(self.records, key=lambda k: k[:4] + (k[4] or "", k[5])):
            rows.append({k: v for k, v in self.records[key].items() if v is not None})
        return rows
