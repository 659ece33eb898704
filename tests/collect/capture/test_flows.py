"""The conversation table: counts each way (checked against scapy), direction, memory."""

from __future__ import annotations

import tracemalloc
from collections import Counter

from scapy.all import IP, TCP, UDP, rdpcap

from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import FlowTable, guess_client
from scanner.collect.capture.pcapfile import PcapReader


def _table(path, **kw):
    table = FlowTable(**kw)
    table.feed(PcapReader(path), Decoder().decode)
    table.finish()
    return table


def _scapy_counts(path):
    """(src, sport, dst, dport, proto) → [packets, frame bytes], computed by scapy."""
    counts: dict = {}
    for p in rdpcap(str(path)):
        if IP not in p:
            continue
        l4 = p[TCP] if TCP in p else p[UDP]
        key = (p[IP].src, l4.sport, p[IP].dst, l4.dport, p[IP].proto)
        row = counts.setdefault(key, [0, 0])
        row[0] += 1
        row[1] += len(p)
    return counts


def test_packets_and_bytes_each_way_match_scapy(fix):
    counts = _scapy_counts(fix / "hospital.pcap")
    flows = _table(fix / "hospital.pcap").flows()
    assert len(flows) == 6
    for f in flows:
        proto = 6 if f.transport == "tcp" else 17
        up = [v for k, v in counts.items() if k[0] == f.client_ip and k[2] == f.server_ip
              and k[3] == f.server_port and k[4] == proto]
        down = [v for k, v in counts.items() if k[0] == f.server_ip and k[2] == f.client_ip
                and k[1] == f.server_port and k[4] == proto]
        assert f.packets_to_server == sum(v[0] for v in up)
        assert f.bytes_to_server == sum(v[1] for v in up)
        assert f.packets_to_client == sum(v[0] for v in down)
        assert f.bytes_to_client == sum(v[1] for v in down)


def test_handshake_and_port_directions(fix):
    by_port = {f.server_port: f for f in _table(fix / "hospital.pcap").flows()}
    hl7 = by_port[6661]
    assert (hl7.client_ip, hl7.server_ip) == ("10.20.1.30", "10.20.1.40")
    assert (hl7.direction_source, hl7.confidence, hl7.connections) == ("handshake", "high", 1)
    assert (hl7.first_frame, hl7.last_frame) == (1, 12)
    assert by_port[2575].connections == 2
    fhir = by_port[8080]                      # no SYN: the ports decide
    assert (fhir.client_ip, fhir.direction_source, fhir.confidence) == ("10.20.1.32", "port", "medium")
    assert by_port[53].transport == "udp" and by_port[53].direction_source == "port"


def test_syn_ack_alone_decides_the_server():
    table = FlowTable()
    table.feed([(1, 0, 1.0, 0, b"", 60)],
               lambda *_: ("10.0.0.2", "10.0.0.1", 40000, 40001, 6, 0x12, b"", 60))
    f = table.flows()[0]
    assert (f.client_ip, f.server_ip, f.server_port, f.direction_source) == \
        ("10.0.0.1", "10.0.0.2", 40000, "handshake")


def test_retransmitted_syn_is_one_connection():
    pkts = [("10.0.0.1", "10.0.0.2", 40000, 5432, 6, 0x02, b"", 60)] * 3 + \
           [("10.0.0.2", "10.0.0.1", 5432, 40000, 6, 0x12, b"", 60)]
    table = FlowTable()
    it = iter(pkts)
    table.feed([(i, 0, float(i), 0, b"", 60) for i in range(1, 5)], lambda *_: next(it))
    assert table.flows()[0].connections == 1


def test_guess_client_rules():
    assert guess_client(51000, 5432, "tcp") == (0, "port", "medium")     # hinted port
    assert guess_client(443, 51000, "tcp") == (1, "port", "medium")
    assert guess_client(700, 51000, "tcp") == (1, "port", "medium")      # below 1024
    assert guess_client(6661, 40000, "tcp") == (1, "port", "medium")     # ephemeral peer
    assert guess_client(7000, 9000, "tcp") == (1, "port", "low")
    assert guess_client(9000, 9000, "udp") == (0, "port", "low")


def test_payload_is_dropped_after_dissection(fix):
    table = _table(fix / "hospital.pcap")
    assert all(c.bufs is None for c in table.conversations())
    assert table._held == 0


def test_small_budget_dissects_early_and_still_identifies(fix):
    normal = _table(fix / "hospital.pcap").protocol_facts()
    tight_table = _table(fix / "hospital.pcap", budget=64)
    tight = tight_table.protocol_facts()
    # Dissected as soon as the budget is exceeded: fewer bytes, same protocols found.
    assert {p.protocol for p in tight} == {p.protocol for p in normal}
    assert len(tight) < len(normal)
    assert tight_table._held == 0


def test_memory_is_bounded_by_conversations_not_packets():
    sides = [("10.0.0.1", "10.0.0.2", 40000, 2575, 6, 0x18, b"\x0bMSH|^~\\&|A", 100),
             ("10.0.0.2", "10.0.0.1", 2575, 40000, 6, 0x10, b"", 60)]
    n = 200_000

    def packets():
        for i in range(n):
            yield (i + 1, 0, float(i), 1, b"", 0)

    state = {"i": 0}

    def decode(_lt, _data, _wire):
        state["i"] += 1
        return sides[state["i"] & 1]

    table = FlowTable()
    tracemalloc.start()
    table.feed(packets(), decode)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 512 * 1024
    assert len(table.conversations()) == 1
    f = table.flows()[0]
    assert f.packets_to_server + f.packets_to_client == n
    assert Counter({f.server_port: 1}) == Counter({2575: 1})


def test_bytes_are_frame_lengths_on_the_wire_not_captured_lengths():
    # A snaplen-limited capture keeps 64 bytes of a 1514-byte frame: count 1514.
    table = FlowTable()
    table.feed([(1, 24, 0.0, 1, bytes(64), 1514)],
               lambda lt, data, wire: ("10.0.0.1", "10.0.0.2", 40000, 445, 6, 0x18, b"", wire))
    assert table.flows()[0].bytes_to_server == 1514
