"""Owns reading the kernel's connection-tracking table (``/proc/net/nf_conntrack``), the
agent's optional way (``hdscan agent --conntrack``) to catch connections that open and
close between two samples of the socket table.

Netfilter keeps an entry per flow for a while after it ends (TCP ``TIME_WAIT`` 120 s,
``CLOSE`` 10 s, UDP 30 s by default), and its *original* tuple is the initiator's: the
client → server direction comes from the kernel, not from a port heuristic. An entry is
kept only for TCP and UDP, and not for a TCP flow the server never answered
(``[UNREPLIED]`` TCP: a refused or filtered SYN is no dependency).

Where it works: Linux with ``nf_conntrack`` loaded **and** connection tracking in use in
the host's network namespace (a firewall — iptables/nftables — rule matching on state:
most hardened servers have one); reading the file needs root. Where it does not, the
table is missing, unreadable or empty, and ``read`` says which (the agent then records a
limitation). Costs: the file is text, one ~230-byte line per tracked flow of the whole
host (forwarded traffic included, which is filtered out by address): parsing costs about
what psutil's ``/proc/net/tcp`` parse does per socket.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import NamedTuple

PATH = "/proc/net/nf_conntrack"


class Flow(NamedTuple):
    transport: str          # tcp | udp
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    state: str | None       # TCP state (ESTABLISHED, TIME_WAIT, CLOSE…); None for UDP


@lru_cache(maxsize=65536)
def _ip(text: str) -> str:
    if ":" not in text:
        return text                         # IPv4 is written canonically already
    addr = ipaddress.ip_address(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def parse(text: str) -> list[Flow]:
    """The TCP/UDP flows of a ``/proc/net/nf_conntrack`` text (original direction)."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[2] not in ("tcp", "udp"):
            continue
        transport = fields[2]
        state = fields[5] if transport == "tcp" and "=" not in fields[5] else None
        if transport == "tcp" and "[UNREPLIED]" in fields:
            continue
        first: dict[str, str] = {}
        for f in fields[5:]:
            key, eq, value = f.partition("=")
            if not eq:
                continue
            if key in first:                # the reply tuple starts: the original is read
                break
            first[key] = value
        try:
            out.append(Flow(transport, _ip(first["src"]), int(first["sport"]),
                            _ip(first["dst"]), int(first["dport"]), state))
        except (KeyError, ValueError):
            continue
    return out


class Unavailable(Exception):
    """The table cannot be read here; the message says why, for the agent's limitations."""


def read(path: str = PATH) -> list[Flow]:
    """The flows the kernel tracks now.

    Raises
    ------
    Unavailable
        The file is missing (module not loaded) or not readable (not root).
    """
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return parse(f.read())
    except FileNotFoundError:
        raise Unavailable(f"conntrack: {path} is missing (nf_conntrack not loaded): short-lived "
                          "connections between samples are not caught") from None
    except PermissionError:
        raise Unavailable(f"conntrack: {path} is not readable by this user; run as root to "
                          "catch short-lived connections between samples") from None
