"""A conversation spanning live-capture rotations keeps its handshake direction, its
protocol and its connection count (issue #4 item 2), within a bounded memory.

No interface and no namespace: the real frames of the fixture captures are replayed
through ``LiveCapture``'s own rotation loop (``frames=``), which writes real segment
files that ``segment.read`` imports; the offline reader reads the same capture file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from scanner.collect.capture import collector, segment
from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import Conversation, FlowTable
from scanner.collect.capture.live import LiveCapture, RotationMemory
from scanner.collect.capture.pcapfile import PcapReader
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig

HL7 = ("10.20.1.30", "10.20.1.40", 6661, "tcp")          # frames 1-12 of hospital.pcap


def _records(path: Path) -> list[tuple]:
    return list(PcapReader(path))


def _replay(records, out: Path, rotate_packets: int, max_conversations: int = 1000):
    """Replay reader records through the live rotation loop; (result, [segment docs])."""
    live = LiveCapture("replay0", out, 3600, rotate_packets=rotate_packets,
                       max_conversations=max_conversations,
                       frames=[(ts, data, wire) for _f, _o, ts, _lt, data, wire in records],
                       linktype=records[0][3])
    result = live.run()
    return result, live


def _read(result) -> list[list]:
    return [segment.read(p, p.name) for p in result.segments]


def _key(d: dict) -> tuple:
    return d["client_ip"], d["server_ip"], d["server_port"], d["transport"]


def _totals(observations) -> tuple[Counter, set, set]:
    """Summed counts per flow and field; (flow, direction source, confidence); (flow, protocol)."""
    counts, directions, protocols = Counter(), set(), set()
    for o in observations:
        d = o.data
        if o.kind == "flow":
            for f in ("packets_to_server", "packets_to_client", "bytes_to_server",
                      "bytes_to_client", "connections"):
                counts[_key(d) + (f,)] += d[f]
            directions.add(_key(d) + (d["direction_source"], d["confidence"]))
        elif o.kind == "protocol":
            protocols.add(_key(d) + (d["protocol"],))
    return counts, directions, protocols


def test_later_segments_keep_the_handshake_direction_and_the_protocol(fix, tmp_path):
    records = _records(fix / "hospital.pcap")
    result, _live = _replay(records, tmp_path, rotate_packets=5)
    docs = [json.loads(p.read_text()) for p in result.segments]
    assert [d["frames"] for d in docs[:3]] == [[1, 5], [6, 10], [11, 15]]
    assert docs[-1]["final"] and result.packets == len(records) == 58

    # the scenario is the one the memory exists for: the HL7 session's SYN, SYN-ACK and
    # first payload (frame 4) are in segment 1, most of its packets (7 of 12) later, and
    # a table of those later packets alone can only guess the direction from the ports
    alone = FlowTable()
    alone.feed(records[5:12], Decoder().decode)
    alone.finish()
    [guessed] = alone.flows()
    assert (guessed.direction_source, guessed.confidence) == ("port", "medium")

    segments = _read(result)
    hl7_flows = [[o for o in seg if o.kind == "flow" and _key(o.data) == HL7]
                 for seg in segments[:3]]
    assert [len(f) for f in hl7_flows] == [1, 1, 1]
    for [flow] in hl7_flows:
        assert (flow.data["direction_source"], flow.data["confidence"]) == ("handshake", "high")
    # its first bytes (frames 4, 6, 8) are final at its FIN (frame 10, segment 2): segment 1
    # reports no fact yet, segment 2 the offline reader's (both messages) at the first
    # payload frame, segment 3 repeats them at the conversation's first frame there
    def hl7_facts(observations):
        return sorted((json.dumps(o.data, sort_keys=True), o.evidence.location)
                      for o in observations if o.kind == "protocol" and _key(o.data) == HL7)
    offline_facts = hl7_facts(collector.collect(fix / "hospital.pcap", "hospital.pcap"))
    assert len(offline_facts) == 2 and {loc for _d, loc in offline_facts} == {"frame 4"}
    first = hl7_flows[2][0].evidence.location.removeprefix("frames ").split("-")[0]
    assert [hl7_facts(seg) for seg in segments[:3]] == [
        [], offline_facts, [(d, f"frame {first}") for d, _loc in offline_facts]]
    # one connection in all: the later segments add none (a fresh table would say 1 each)
    assert [f[0].data["connections"] for f in hl7_flows] == [1, 0, 0]

    # every later segment, every flow: the offline reader's direction and protocol
    offline = list(collector.collect(fix / "hospital.pcap", "hospital.pcap"))
    direction = {_key(o.data): (o.data["direction_source"], o.data["confidence"])
                 for o in offline if o.kind == "flow"}
    protocol = {_key(o.data): o.data["protocol"] for o in offline if o.kind == "protocol"}
    assert len(set(direction.values())) == 2 and len(protocol) == 6
    identified = set()                       # flows an earlier segment identified
    # (a flow of one conversation repeats its protocol; a second conversation's first bytes
    # may still be pending at a segment's end: the HTTP flow's two connections)
    single = {_key(o.data) for o in offline if o.kind == "flow" and o.data["connections"] <= 1}
    for seg in segments:
        here = {_key(o.data): o.data["protocol"] for o in seg if o.kind == "protocol"}
        assert all(protocol[k] == p for k, p in here.items())
        for o in seg:
            if o.kind == "flow":
                k = _key(o.data)
                assert (o.data["direction_source"], o.data["confidence"]) == direction[k]
                if k in identified and k in single:
                    assert here.get(k) == protocol[k], k
        identified |= set(here)
    assert identified == set(protocol)


def test_without_the_memory_later_segments_guess_and_overcount(fix, tmp_path):
    """The control: the same rotations, each table on its own (the old behaviour)."""
    records = _records(fix / "hospital.pcap")
    tables = []
    for i in range(0, len(records), 5):
        t = FlowTable()
        t.feed(records[i:i + 5], Decoder().decode)
        t.finish()
        tables.append(t)
    hl7 = [f for t in tables[:3] for f in t.flows() if f.server_port == 6661]
    assert [(f.direction_source, f.connections) for f in hl7] == [
        ("handshake", 1), ("port", 1), ("port", 1)]


@pytest.mark.parametrize("name", ["hospital.pcap", "vlan.pcap", "sll.pcap"])
def test_merged_segments_equal_the_offline_reader(fix, tmp_path, name):
    records = _records(fix / name)
    offline = list(collector.collect(fix / name, name))
    want = _totals(offline)
    for every in range(1, len(records) + 2):
        result, _ = _replay(records, tmp_path / f"r{every}", rotate_packets=every)
        got = _totals(o for seg in _read(result) for o in seg)
        assert got == want, f"rotating every {every} packets"

    # in the graph: the same flow edges, packets, bytes, connections and protocol
    def edges(observations):
        g = build_graph(list(observations), EstateConfig())
        return sorted((u, v, a["packets"], a["bytes"], a["connections"], a["protocol"])
                      for u, v, k, a in g.edges(keys=True, data=True) if k == "flow")
    result, _ = _replay(records, tmp_path / "graph", rotate_packets=3)
    assert edges(o for seg in _read(result) for o in seg) == edges(offline)


def test_facts_equal_the_offline_readers_when_first_bytes_fit_a_rotation(fix, tmp_path):
    """Every session's first payload packets each way within one rotation (every 10
    packets): the protocol observations' data equal the offline reader's, once merged."""
    records = _records(fix / "hospital.pcap")
    offline = {(o.kind, json.dumps(o.data, sort_keys=True))
               for o in collector.collect(fix / "hospital.pcap", "hospital.pcap")
               if o.kind == "protocol"}
    result, _ = _replay(records, tmp_path, rotate_packets=10)
    live = {(o.kind, json.dumps(o.data, sort_keys=True))
            for seg in _read(result) for o in seg if o.kind == "protocol"}
    assert live == offline


def test_no_payload_byte_reaches_a_segment(fix, tmp_path):
    records = _records(fix / "hospital.pcap")
    assert b"VASQUELLON" in (fix / "hospital.pcap").read_bytes()   # a patient name on the wire
    result, _ = _replay(records, tmp_path, rotate_packets=4)
    for path in result.segments:
        assert b"VASQUELLON" not in path.read_bytes(), path.name


def _conv(a: str, b: str, port: int, frame: int, syn: bool = True) -> Conversation:
    c = Conversation(a, 40000 + frame, b, port, 6, frame, float(frame))
    if syn:
        c.syn_side, c.connections = 0, 1
    return c


def test_the_memory_is_bounded_least_recently_seen_forgotten_first():
    memory = RotationMemory(2)
    a, b, c = (_conv("10.0.0.1", "10.0.0.9", 5432, 1), _conv("10.0.0.2", "10.0.0.9", 5432, 2),
               _conv("10.0.0.3", "10.0.0.9", 5432, 3))
    memory.learn([a, b])
    a.last_frame = 10                        # a seen again, later than b
    memory.learn([a])
    memory.learn([c])
    assert len(memory) == 2 and memory.forgotten == 1
    for old, kept in ((a, True), (b, False), (c, True)):
        again = Conversation(old.ips[1], old.ports[1], old.ips[0], old.ports[0], 6, 20, 20.0)
        memory.restore(again)                # seen server side first in the new rotation
        if kept:
            assert again.direction() == (1, "handshake", "high") and again.reported == 1
        else:                                # forgotten: a new conversation, port guess
            assert again.direction() == (1, "port", "medium") and again.reported == 0
    with pytest.raises(ValueError):
        RotationMemory(0)


def test_live_capture_forgets_over_max_conversations(fix, tmp_path):
    """The HL7 session's handshake, then two other sessions, then the rest of the HL7
    session: with room for 3 conversations its direction is kept; with 2 it was
    forgotten (oldest first) and comes back as a new conversation (port guess)."""
    records = _records(fix / "hospital.pcap")
    order = records[:5] + records[12:34] + records[5:12]      # HL7 head, DICOM, PG, HL7 tail

    def hl7(cap):
        out = tmp_path / f"cap{cap}"
        result, live = _replay(order, out, rotate_packets=5, max_conversations=cap)
        assert len(live.memory) <= cap and result.dropped_packets == 0
        flows = [o.data for seg in _read(result) for o in seg
                 if o.kind == "flow" and o.data["server_port"] == 6661]
        assert len(flows) == 3 and {_key(f) for f in flows} == {HL7}   # port guess right here
        return (result.forgotten, [(f["direction_source"], f["confidence"]) for f in flows],
                sum(f["connections"] for f in flows))

    assert hl7(3) == (0, [("handshake", "high")] * 3, 1)
    forgotten, directions, connections = hl7(2)
    assert forgotten >= 1
    assert directions == [("handshake", "high"), ("port", "medium"), ("port", "medium")]
    assert connections == 2                   # counted again as a new conversation
