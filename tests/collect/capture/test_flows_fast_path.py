"""``FlowTable.feed_fast`` (inline decode) gives exactly what ``feed`` + ``Decoder`` give.

The fast path decodes the common frames itself and hands the rest to ``Decoder.decode``;
these tests feed the same records both ways and compare every conversation field, the
flows, protocol facts, DNS answers and skip counts: on the fixture captures, on frames
built to sit on each edge of the fast path (VLAN depth, IPv4 options, IPv6 extension
headers, short or malformed TCP, fragments, raw and cooked links), on a mixed
VLAN/QinQ/IPv6 benchmark capture and on thousands of fuzz-mutated captures.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest

from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import FlowTable
from scanner.collect.capture.pcapfile import PcapReader
from scanner.errors import InputError

ROOT = Path(__file__).resolve().parents[3]
FIELDS = ("ips", "ports", "proto", "first_frame", "last_frame", "first_ts", "last_ts",
          "packets", "bytes", "connections", "syn_side", "synack_side", "segs",
          "payload_frame", "payload_ts", "done", "found", "found_client")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}_ff",
                                                  ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _state(records, fast: bool, **kw):
    decoder, table = Decoder(), FlowTable(**kw)
    if fast:
        table.feed_fast(records, decoder)
    else:
        table.feed(records, decoder.decode)
    table.finish()
    convs = [tuple(getattr(c, f) for f in FIELDS) for c in table.conversations()]
    return (convs, table.flows(), table.protocol_facts(), table.dns_records(),
            dict(decoder.skipped), table.packets)


def _same(records, **kw):
    records = list(records)
    slow, fast = _state(records, False, **kw), _state(records, True, **kw)
    assert fast == slow
    return slow


FIXTURE_CAPTURES = ["hospital.pcap", "hospital_be.pcap", "hospital_ns.pcap", "ipv6_frag.pcap",
                    "odd.pcap", "raw.pcap", "sll.pcap", "sll2.pcap", "truncated.pcap",
                    "two_ifaces.pcapng", "two_ifaces_be_ns.pcapng", "user_link.pcap",
                    "vlan.pcap"]


@pytest.mark.parametrize("name", FIXTURE_CAPTURES)
def test_fixture_captures_agree(fix, name):
    convs = _same(PcapReader(fix / name))[0]
    if name not in ("user_link.pcap",):
        assert convs                                  # the comparison compared something


def test_sample_estate_capture_agrees():
    path = ROOT / "sample_estates" / "ch-saint-aurelien" / "inputs" / "captures"
    _convs, flows, facts, dns, _skipped, _n = _same(PcapReader(path / "core-switch.pcap"))
    assert len(flows) > 10 and facts and dns


# -- frames on each edge of the fast path ---------------------------------------------------

def _ip4(src, dst, proto, l4, options=b"", frag=0x4000):
    ihl = (20 + len(options)) // 4
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + len(l4), 1, frag,
                       64, proto, 0, bytes(src), bytes(dst)) + options + l4


def _ip6(src, dst, nh, l4, ext=b""):
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(l4), nh, 64) + bytes(src) \
        + bytes(dst) + ext + l4


def _tcp(sport, dport, flags, payload=b"", doff=5):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 1, doff << 4, flags, 1024, 0, 0) \
        + bytes(max(0, doff * 4 - 20)) + payload


def _udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def _eth(ip, etype=0x0800, tags=()):
    head = bytes(12) + b"".join(struct.pack("!HH", t, 7) for t in tags)
    return head + struct.pack("!H", etype) + ip


A, B = (10, 0, 0, 1), (10, 0, 0, 2)
A6, B6 = bytes(15) + b"\x01", bytes(15) + b"\x02"
PG = b"\x00\x00\x00\x08\x04\xd2\x16\x2f"         # PostgreSQL SSLRequest


def _edge_frames():
    """(linktype, frame) pairs: each case both on and just off the fast path."""
    hl7 = b"\x0bMSH|^~\\&|A|B|C|D|20260302080000||ADT^A01|1|P|2.5\r\x1c\r"
    out = [
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x02)))),
        (1, _eth(_ip4(B, A, 6, _tcp(6661, 40000, 0x12)))),
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x18, hl7)))),
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x18, hl7, doff=8)))),     # TCP options
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x18, hl7)), tags=(0x8100,))),
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10)), tags=(0x88A8, 0x8100))),
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10)), tags=(0x88A8, 0x8100, 0x8100))),
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10), options=b"\x01" * 4))),   # IHL 6
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10), frag=0x2000))),     # first fragment
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10), frag=0x0010))),     # later fragment
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10, doff=3)))),         # data offset < 20
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x10))[:30])),            # cut TCP header
        (1, _eth(_ip4(A, B, 1, bytes(20)))),                                # ICMP
        (1, _eth(_ip4(A, B, 17, _udp(5353, 53, b"x" * 30)))),
        (1, _eth(_ip4(B, A, 17, _udp(53, 5353, b"\x00" * 12)))),           # empty DNS answer
        (1, _eth(_ip4(A, B, 17, _udp(5353, 53, b"")))),                     # UDP, no payload
        (1, _eth(bytes(40), etype=0x0806)),                                 # ARP
        (1, _eth(bytes(10))),                                               # short frame
        (1, _eth(_ip6(A6, B6, 6, _tcp(40001, 5432, 0x02)), etype=0x86DD)),
        (1, _eth(_ip6(B6, A6, 6, _tcp(5432, 40001, 0x12)), etype=0x86DD)),
        (1, _eth(_ip6(A6, B6, 6, _tcp(40001, 5432, 0x18, PG)), etype=0x86DD)),
        (1, _eth(_ip6(A6, B6, 0, _tcp(40001, 5432, 0x10), ext=b"\x06\x00" + bytes(6)),
                 etype=0x86DD)),                                            # hop-by-hop
        (1, _eth(_ip6(A6, B6, 17, _udp(40002, 53, b"q" * 20)), etype=0x86DD,
                 tags=(0x8100,))),
        (101, _ip4(A, B, 6, _tcp(40000, 6661, 0x10, hl7))),
        (101, _ip6(A6, B6, 6, _tcp(40001, 5432, 0x10, PG))),
        (101, b"\x70" + bytes(60)),                                          # version 7
        (113, bytes(14) + b"\x08\x00" + _ip4(A, B, 6, _tcp(40000, 6661, 0x11))),
        (113, bytes(14) + b"\x86\xdd" + _ip6(B6, A6, 6, _tcp(5432, 40001, 0x11))),
        (113, bytes(14) + b"\x08\x06" + bytes(40)),
        (228, _ip6(A6, B6, 6, _tcp(40001, 5432, 0x10))),                    # v6 on a v4 link
        (1, _eth(_ip4(A, B, 6, _tcp(40000, 6661, 0x11)))),
    ]
    return out


def test_edge_frames_agree_and_reach_both_paths():
    frames = _edge_frames()
    records = [(i + 1, 0, 1_772_438_400.0 + i, lt, data, len(data) + 4)
               for i, (lt, data) in enumerate(frames)]
    _convs, flows, facts, _dns, skipped, packets = _same(records)
    assert packets == len(frames)
    # later fragment; ARP, version 7, cooked ARP; cut TCP, data offset 3, short frame,
    # IPv6 on the IPv4 link; ICMP
    assert skipped == {"fragment": 1, "non_ip": 3, "malformed": 4, "other_transport": 1,
                       "unsupported_link": 0}
    # the frames the fast path hands to the decoder (three VLAN tags, IPv4 options, first
    # fragment, IPv6 hop-by-hop) land in the same conversations as the inline-decoded ones
    assert [(f.client_ip, f.server_port, f.transport) for f in flows] == [
        ("10.0.0.1", 53, "udp"), ("10.0.0.1", 6661, "tcp"), ("::1", 53, "udp"),
        ("::1", 5432, "tcp")]
    assert [p.protocol for p in facts] == ["hl7v2-mllp", "postgresql"]
    # every frame again, one per table, in every order of arrival within a small window
    for i in range(len(records)):
        _same(records[i:] + records[:i])


def test_small_budget_and_segments_agree(fix):
    records = list(PcapReader(fix / "hospital.pcap"))
    _same(records, max_segments=1, max_payload=16, budget=40)


def test_mixed_vlan_ipv6_capture_agrees(tmp_path):
    pcapgen = _load("pcapgen")
    path = tmp_path / "mixed.pcap"
    manifest = pcapgen.generate_mixed(path, conversations=60, size_bytes=600_000, seed=5)
    _convs, flows, _facts, _dns, skipped, packets = _same(PcapReader(path))
    assert packets == manifest.packets
    assert {(f.client_ip, f.server_ip, f.server_port, f.transport) for f in flows} == \
        manifest.flows
    assert any(":" in f.client_ip for f in flows)
    assert not any(skipped.values())


def test_fuzzed_captures_agree():
    fuzz = _load("pcap_fuzz")
    seeds = fuzz.seeds()
    compared = 0
    for i in range(2000):
        data, _ = fuzz.mutated(seeds, 11, i)
        reader = PcapReader(data, "fuzz.pcap")
        try:
            records = list(reader)
        except InputError:
            continue
        _same(records)
        compared += 1
    assert compared > 500
