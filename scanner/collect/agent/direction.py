"""Owns deciding which side of an agent-seen connection is the server.

An agent sees each of its host's connections as (local ip/port, remote ip/port). In
order:

1. the local port is in the host's own listening table (same transport, bound to the
   wildcard address or to the connection's local address) → the host is the server,
   confidence ``high``;
   1b. the remote address is one of the host's own (``own``) and the remote port is in
   the listening table → the host talks to itself and is the client, ``high``;
2. the remote port is a well-known service port (below 1024 or a hinted port of
   ``protocols.registry.PORT_HINTS``) and the local one is not → the host is the
   client, ``medium``;
3. the local port is well-known and the remote one is not (the listener was missed,
   e.g. it closed before the agent's snapshot) → the host is the server, ``low``;
4. neither port is well-known and the remote one is below 49152 (outside the IANA
   ephemeral range) → client, ``medium``;
5. otherwise (both well-known, or both ephemeral) the lower port is the server's,
   ``low`` (equal ports: the host is the client).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..protocols.registry import PORT_HINTS

WILDCARDS = ("0.0.0.0", "::")
EPHEMERAL_START = 49152


@dataclass(frozen=True)
class Direction:
    local_role: str      # client | server
    client_ip: str
    server_ip: str
    server_port: int
    confidence: str      # high | medium | low


def well_known(port: int, transport: str) -> bool:
    """Below 1024, or a port the protocol registry hints a service for.

    >>> well_known(5432, "tcp"), well_known(51234, "tcp")
    (True, False)
    """
    return 0 < port < 1024 or (transport, port) in PORT_HINTS


def listens(listening: set[tuple[str, int, str]], ip: str, port: int, transport: str) -> bool:
    """True if ``(ip, port, transport)`` is served by the host's listening table."""
    return any((a, port, transport) in listening for a in (ip,) + WILDCARDS)


def decide(listening: set[tuple[str, int, str]], local_ip: str, local_port: int,
           remote_ip: str, remote_port: int, transport: str,
           own: frozenset[str] | set[str] = frozenset()) -> Direction:
    """Which side serves, as the rules of this module say.

    Examples
    --------
    >>> decide({("0.0.0.0", 5432, "tcp")}, "10.0.0.2", 5432, "10.0.0.1", 51000, "tcp").local_role
    'server'
    >>> decide(set(), "10.0.0.1", 51000, "10.0.0.2", 5432, "tcp").confidence
    'medium'
    >>> decide(set(), "10.0.0.1", 60001, "10.0.0.2", 50001, "tcp")
    Direction(local_role='client', client_ip='10.0.0.1', server_ip='10.0.0.2', server_port=50001, confidence='low')
    """
    def server(conf: str) -> Direction:
        return Direction("server", remote_ip, local_ip, local_port, conf)

    def client(conf: str) -> Direction:
        return Direction("client", local_ip, remote_ip, remote_port, conf)

    if listens(listening, local_ip, local_port, transport):
        return server("high")
    if remote_ip in own and listens(listening, remote_ip, remote_port, transport):
        return client("high")
    remote_known, local_known = well_known(remote_port, transport), well_known(local_port, transport)
    if remote_known and not local_known:
        return client("medium")
    if local_known and not remote_known:
        return server("low")
    if not (remote_known and local_known) and remote_port < EPHEMERAL_START:
        return client("medium")
    return server("low") if local_port < remote_port else client("low")
