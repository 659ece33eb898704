"""DNS: answer pairs (A, AAAA, CNAME) from responses; queries identified by content."""

from __future__ import annotations

import struct

import protocol_bytes as pb

from scanner.collect.protocols import dns


def test_response_pairs():
    assert dns.parse(pb.DNS_RESPONSE) == [
        ("pacs01.ch-test.local", "orthanc.ch-test.local", "CNAME"),
        ("orthanc.ch-test.local", "10.20.2.20", "A")]


def test_aaaa_over_tcp():
    msg = (struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\x03dpi\x00\x00\x1c\x00\x01"
           + b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 60, 16) + bytes(15) + b"\x01")
    assert dns.parse(struct.pack("!H", len(msg)) + msg, tcp=True) == [("dpi", "::1", "AAAA")]


def test_queries_and_garbage_give_no_pairs():
    assert dns.parse(pb.DNS_QUERY) == []
    assert dns.parse(pb.HTTP_GET) == []
    looping = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\xc0\x0c"
    assert dns.parse(looping) == []


def test_query_identified_lookalikes_refused():
    assert dns.dissect(pb.DNS_QUERY, b"") == [{}]
    assert dns.dissect(struct.pack("!H", len(pb.DNS_QUERY)) + pb.DNS_QUERY, b"") == [{}]
    assert dns.dissect(pb.DNS_RESPONSE, b"") is None
    assert dns.dissect(pb.HTTP_GET, b"") is None
    assert dns.dissect(bytes(40), b"") is None
