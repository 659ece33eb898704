"""A conversation whose first payload packets straddle a live-capture rotation is identified
from all of them, as the offline reader does (issue #4): the pending first bytes go from one
rotation's flow table to the next in memory only, bounded, and are dropped once dissected.

No interface and no namespace: the real frames of the fixture captures are replayed through
``LiveCapture``'s own rotation loop (``frames=``), which writes real segment files that
``segment.read`` imports; the offline reader reads the same capture file. ``split.pcap``
(``make_fixtures.split_packets``) cuts an HL7 ORU inside its MSH and an ADT inside its PID,
a FHIR request and its response (Content-Type in the second segment) and a DICOM
A-ASSOCIATE-RQ over several TCP segments, and ends with a one-way stream no dissector knows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from scanner.collect.capture import collector, segment
from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import FlowTable
from scanner.collect.capture.live import LiveCapture
from scanner.collect.capture.pcapfile import PcapReader
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig

CANARY = b"VASQUELLON"


def _replay(records, out: Path, every: int, max_conversations: int = 1000):
    """Replay reader records through the live rotation loop, rotating every ``every``
    packets; returns the capture and ``memory.held()`` after each segment."""
    held = []
    live = LiveCapture("replay0", out, 3600, rotate_packets=every,
                       max_conversations=max_conversations,
                       frames=[(ts, data, wire) for _f, _o, ts, _lt, data, wire in records],
                       linktype=records[0][3],
                       progress=lambda message: held.append(live.memory.held())
                       if message.startswith("segment ") else None)
    live.run()
    return live, held


def _facts(observations) -> dict[str, list[str]]:
    """Protocol observation data (canonical text) → locations, in order of appearance."""
    out = defaultdict(list)
    for o in observations:
        if o.kind == "protocol":
            out[json.dumps(o.data, sort_keys=True)].append(o.evidence.location)
    return dict(out)


def _offline_facts(records) -> dict[str, list[str]]:
    """The offline reader's facts for records (one table, finished at the end)."""
    table = FlowTable()
    table.feed(records, Decoder().decode)
    table.finish()
    return _facts(collector.build_observations(table, "offline"))


def _edge_facts(observations) -> list[tuple]:
    """The flow edges' protocol and facts in the graph (what the report shows)."""
    g = build_graph(list(observations), EstateConfig())
    return sorted((u, v, a["protocol"], sorted((k, tuple(f)) for k, f in a["facts"].items()))
                  for u, v, k, a in g.edges(keys=True, data=True) if k == "flow")


@pytest.mark.parametrize("name", ["split.pcap", "hospital.pcap"])
def test_merged_facts_equal_the_offline_readers_at_every_rotation_size(fix, tmp_path, name):
    records = list(PcapReader(fix / name))
    offline_observations = list(collector.collect(fix / name, name))
    offline = _facts(offline_observations)
    assert offline and all(len(locs) == 1 for locs in offline.values())
    graph = _edge_facts(offline_observations)
    for every in range(1, len(records) + 2):
        live, held = _replay(records, tmp_path / f"r{every}", every)
        segments = [segment.read(p, p.name) for p in live.result.segments]
        merged: dict[str, list[str]] = {}
        for seg in segments:
            for data, locations in _facts(seg).items():
                merged.setdefault(data, []).append(locations)
        assert set(merged) == set(offline), f"rotating every {every} packets"
        # each fact first reported once, where the offline reader reports it; later
        # segments only repeat it (same data) for the conversation continuing there
        assert {d: locs[0] for d, locs in merged.items()} == {
            d: locs for d, locs in offline.items()}, f"rotating every {every} packets"
        assert all(len(locs) == 1 for per_segment in merged.values() for locs in per_segment)
        assert held[-1] == (0, 0)                 # the final segment dissected everything
        assert _edge_facts(o for seg in segments for o in seg) == graph, every


def test_without_the_carried_bytes_the_first_rotation_identifies_less(fix):
    """The control: each session of split.pcap, cut after its first payload packet (a
    rotation there), gives other facts than the whole capture."""
    records = list(PcapReader(fix / "split.pcap"))
    decode = Decoder().decode
    offline = _offline_facts(records)
    firsts = {}                                 # server port → first payload frame
    for frame, _o, _ts, lt, data, wire in records:
        _s, _d, sport, dport, proto, _flags, payload, _w = decode(lt, data, wire)
        if payload and proto == 6:
            firsts.setdefault(min(sport, dport), frame)
    assert sorted(firsts) == [104, 6661, 8080]  # DICOM, HL7, FHIR

    def on(port, facts):
        return {d for d in facts if f'"server_port": {port},' in d}
    for port, frame in firsts.items():
        assert on(port, offline)
        assert on(port, _offline_facts(records[:frame])) != on(port, offline), port
    # the facts only later segments carry: the ADT, the response's content type, DICOM
    text = " ".join(offline)
    assert "ADT^A01" in text and "application/fhir+json" in text and "called_ae" in text


def test_no_payload_byte_reaches_a_segment(fix, tmp_path):
    records = list(PcapReader(fix / "split.pcap"))
    assert CANARY in (fix / "split.pcap").read_bytes()   # in the ORU; the ADT's is cut
    for every in (1, 2, 3, 5, 7, 11):
        live, _ = _replay(records, tmp_path / f"r{every}", every)
        for path in live.result.segments:
            text = path.read_bytes()
            assert CANARY not in text and b"VASQUE" not in text, path.name
            assert b"MSH|" not in text and b"GET /fhir" not in text, path.name


def _pending_intervals(records) -> dict[tuple, list[int]]:
    """Per conversation: [first payload frame, frame whose FIN/RST ends it or None]."""
    decode = Decoder().decode
    spans: dict[tuple, list] = {}
    for frame, _o, _ts, lt, data, wire in records:
        src, dst, sport, dport, proto, flags, payload, _w = decode(lt, data, wire)
        key = (frozenset(((src, sport), (dst, dport))), proto)
        span = spans.setdefault(key, [None, None])
        if payload and span[0] is None:
            span[0] = frame
        if flags & 0x05 and span[0] is not None and span[1] is None:
            span[1] = frame
    return spans


def test_carried_bytes_are_capped_and_dropped_when_the_conversation_ends(fix, tmp_path):
    records = list(PcapReader(fix / "split.pcap"))
    cap = FlowTable().max_payload
    live, held = _replay(records, tmp_path, 1)
    assert len(held) == len(records)
    spans = _pending_intervals(records)
    for frame, (conversations, nbytes) in enumerate(held[:-1], start=1):
        # pending from its first payload packet until its FIN (dissected there: dropped)
        want = sum(1 for first, end in spans.values()
                   if first is not None and first <= frame and (end is None or frame < end))
        assert conversations == want, frame
        assert nbytes <= 2 * cap * conversations
    # the one-way stream (frames 45-50, 1400 bytes each) never identifies: once its
    # bytes passed the cap, the memory holds exactly the cap, no more
    sent = 0
    for frame, (conversations, nbytes) in enumerate(held[44:-1], start=45):
        sent += 1400
        assert (conversations, nbytes) == (1, min(sent, cap)), frame
    assert sent > cap and held[-1] == (0, 0)


def test_a_forgotten_conversations_bytes_are_dissected_and_dropped(fix, tmp_path):
    """hospital.pcap's HL7 session up to its first message (pending), then the DICOM
    session: with room for one conversation the HL7 one is forgotten; its first bytes
    are dissected at once (reported in the segment that forgets it) and let go."""
    records = list(PcapReader(fix / "hospital.pcap"))
    order = records[:5] + records[12:22]                 # HL7 frames 1-5, DICOM 13-22
    live, held = _replay(order, tmp_path, 5, max_conversations=1)
    assert live.result.forgotten >= 1 and live.result.dropped_packets == 0
    assert held == [(1, held[0][1]), (1, held[1][1]), (0, 0)] and held[0][1] > 0
    segments = [_facts(segment.read(p, p.name)) for p in live.result.segments]
    offline = _offline_facts(order)
    hl7 = {d: locs for d, locs in offline.items() if '"hl7v2-mllp"' in d}
    assert hl7 and set(hl7) <= set(segments[1]) and not set(hl7) & set(segments[0])
    assert {d: segments[1][d] for d in hl7} == hl7          # at its first payload frame
    assert set().union(*segments) == set(offline)


def test_carried_bytes_count_in_the_next_tables_budget(fix):
    """A table that takes an earlier table's pending conversations counts their bytes in
    its budget: over it, it dissects them as the offline reader's one table would, and a
    conversation reappearing after that keeps those facts (reported once, not again)."""
    records = list(PcapReader(fix / "split.pcap"))
    # HL7 up to its ACK (pending: 259 bytes), two stream packets (2800), then the HL7
    # session from the server's ACK of its ADT on (the new table's side 0 is the server)
    order = records[:8] + records[44:46] + records[10:16]
    budget = 3000                      # over it only with the HL7 session's bytes counted
    offline = FlowTable(budget=budget)
    offline.feed(order, Decoder().decode)
    offline.finish()
    first = FlowTable(budget=budget)
    first.feed(order[:8], Decoder().decode)
    pending = first.pending()
    assert [c.ports for c in pending] == [(40002, 6661)] and first.protocol_facts() == []
    second = FlowTable(budget=budget)
    second.carry(pending)
    second.feed(order[8:], Decoder().decode)
    second.finish()
    assert pending[0].bufs is None and second.pending() == [] and second.settled() == []
    facts = second.protocol_facts()
    assert facts == offline.protocol_facts() and len(facts) == 1      # the ORU alone
    assert "ORU^R01" in str(facts[0].facts) and facts[0].frame == 4


def test_carried_bytes_dissected_empty_are_not_dissected_again_midstream():
    """A carried conversation dissected in a later rotation (a budget flush) without a
    result is done: when it speaks again, its mid-stream bytes are not dissected, as the
    offline reader would not (a first-bytes fact found there would be invented)."""
    from scanner.collect.capture.live import RotationMemory

    seen = []

    def identify(client_bytes, server_bytes):
        seen.append(client_bytes)
        return ("hl7", [{"hl7.message_types": ["ADT^A01"]}]) if b"MSH" in client_bytes else None

    def decode(_linktype, data, wire):
        src, sport, dst, dport, payload = data
        return (src, dst, sport, dport, 6, 0x18, payload, wire)

    def frame(n, src, sport, dst, dport, payload):
        return (n, 0, float(n), 101, (src, sport, dst, dport, payload), 60)

    a, b = ("10.0.0.1", 40000), ("10.0.0.2", 2575)
    c, d = ("10.0.0.3", 40001), ("10.0.0.4", 80)
    frames = [frame(1, *a, *b, b"junk"), frame(2, *c, *d, b"x" * 50),
              frame(3, *a, *b, b"MSH|^~\\&|")]
    memory = RotationMemory(cap=100)
    facts = []
    for i, (chunk, budget) in enumerate(((frames[:1], 10 ** 9), (frames[1:2], 10),
                                         (frames[2:], 10 ** 9))):
        table = FlowTable(identify=identify, budget=budget)
        table.on_new = memory.restore
        table.carry(memory.hand_over())
        table.feed(chunk, decode)
        if i == 2:
            table.finish()
        memory.learn(table.conversations())
        memory.keep(table)
        facts += table.protocol_facts()
    live_seen, seen[:] = list(seen), []
    offline = FlowTable(identify=identify, budget=10)
    offline.feed(frames, decode)
    offline.finish()
    assert facts == offline.protocol_facts() == []
    assert sorted(live_seen) == sorted(seen) == [b"junk", b"x" * 50]
