"""Which side of an agent-seen connection serves: the listening table first, then ports."""

from __future__ import annotations

import pytest

from scanner.collect.agent.direction import decide, listens, well_known

LISTEN = {("0.0.0.0", 5432, "tcp"), ("::", 22, "tcp"), ("10.0.0.2", 8080, "tcp"), ("0.0.0.0", 53, "udp")}


def test_listening_table_makes_the_host_the_server():
    d = decide(LISTEN, "10.0.0.2", 5432, "10.0.0.9", 51000, "tcp")
    assert (d.local_role, d.client_ip, d.server_ip, d.server_port, d.confidence) == \
        ("server", "10.0.0.9", "10.0.0.2", 5432, "high")
    assert decide(LISTEN, "10.0.0.2", 22, "10.0.0.9", 40022, "tcp").confidence == "high"   # "::" wildcard


def test_listener_bound_to_another_address_or_transport_does_not_count():
    assert not listens(LISTEN, "10.0.0.3", 8080, "tcp")
    assert listens(LISTEN, "10.0.0.2", 8080, "tcp")
    assert not listens(LISTEN, "10.0.0.2", 5432, "udp")
    d = decide(LISTEN, "10.0.0.3", 8080, "10.0.0.9", 52000, "tcp")
    assert (d.local_role, d.confidence) == ("server", "low")     # hinted local port, missed listener


@pytest.mark.parametrize("local, remote, role, port, confidence", [
    (51234, 5432, "client", 5432, "medium"),    # remote well-known
    (51234, 6661, "client", 6661, "medium"),    # remote below the ephemeral range
    (40000, 8432, "client", 8432, "medium"),
    (60511, 50100, "client", 50100, "low"),     # both ephemeral: lower port serves
    (50100, 60511, "server", 50100, "low"),
    (389, 5432, "server", 389, "low"),          # both well-known: lower port serves
    (123, 123, "client", 123, "low"),           # equal ports
])
def test_port_heuristics(local, remote, role, port, confidence):
    d = decide(set(), "10.0.0.1", local, "10.0.0.2", remote, "tcp")
    assert (d.local_role, d.server_port, d.confidence) == (role, port, confidence)
    server_ip = "10.0.0.1" if role == "server" else "10.0.0.2"
    assert d.server_ip == server_ip and d.client_ip != d.server_ip


def test_well_known_uses_the_protocol_port_hints():
    assert well_known(2575, "tcp") and well_known(53, "udp") and well_known(1023, "tcp")
    assert not well_known(2575, "udp") and not well_known(0, "tcp") and not well_known(49152, "tcp")
