"""The benchmark capture generator writes what it says, and hdscan's collector reads it back.

The generator (``benchmarks/pcapgen.py``) returns the flows it wrote; the collector must
find exactly those flows, every packet, and identify each TCP conversation's protocol
from content (MLLP on 6661, DICOM on 4242, PostgreSQL on 5433 included).
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest

from scanner.collect.capture.collector import collect

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}",
                                                  ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module            # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


pcapgen = _load("pcapgen")


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("pcapgen") / "small.pcap"
    manifest = pcapgen.generate(path, conversations=120, size_bytes=400_000, seed=7)
    run = collect(path, path.name)
    return path, manifest, run, list(run)


def test_size_and_record_count_match_the_manifest(capture):
    path, manifest, _run, _obs = capture
    data = path.read_bytes()
    assert len(data) == manifest.bytes
    assert 300_000 < manifest.bytes < 500_000          # bulk padding tracks the target
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4
    offset, records = 24, 0
    while offset < len(data):
        incl, orig = struct.unpack_from("<II", data, offset + 8)
        assert incl == orig
        offset += 16 + incl
        records += 1
    assert offset == len(data)
    assert records == manifest.packets


def test_collector_finds_exactly_the_generated_flows(capture):
    _path, manifest, run, obs = capture
    flows = {(o.data["client_ip"], o.data["server_ip"], o.data["server_port"], o.data["transport"])
             for o in obs if o.kind == "flow"}
    assert len(manifest.flows) == 120
    assert flows == manifest.flows
    assert run.packets == manifest.packets
    assert run.warnings == []
    assert sum(run.skipped.values()) == 0


def test_every_tcp_conversation_is_identified_by_content(capture):
    _path, manifest, _run, obs = capture
    names = {"hl7": "hl7v2-mllp", "dicom": "dicom", "tls": "tls", "postgresql": "postgresql"}
    found = {(o.data["client_ip"], o.data["server_port"], o.data["protocol"])
             for o in obs if o.kind == "protocol"}
    expected = set()
    for client, server, port, transport in manifest.flows:
        kind = next(k for k, (ip, _ports) in pcapgen.SERVERS.items() if ip == server)
        if transport == "tcp":
            expected.add((client, port, names[kind]))
    assert expected and expected <= found
    dns = [o for o in obs if o.kind == "dns"]
    assert len(dns) == manifest.by_kind["dns"]


def test_generation_is_deterministic_and_seeded(tmp_path):
    a, b, c = tmp_path / "a.pcap", tmp_path / "b.pcap", tmp_path / "c.pcap"
    pcapgen.generate(a, 30, 50_000, seed=1)
    pcapgen.generate(b, 30, 50_000, seed=1)
    pcapgen.generate(c, 30, 50_000, seed=2)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_dns_weight_packs_many_conversations_into_a_small_file(tmp_path):
    light = pcapgen.generate(tmp_path / "l.pcap", 400, 0, seed=3, dns_weight=14)
    heavy = pcapgen.generate(tmp_path / "h.pcap", 400, 0, seed=3, dns_weight=1)
    assert light.by_kind["dns"] > 0.6 * 400 > heavy.by_kind["dns"]
    assert light.bytes < heavy.bytes


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    path = tmp_path_factory.mktemp("pcapgen") / "mixed.pcap"
    manifest = pcapgen.generate_mixed(path, conversations=200, size_bytes=2_000_000, seed=9)
    run = collect(path, path.name)
    return path, manifest, run, list(run)


def test_mixed_capture_has_vlan_qinq_and_ipv6_and_reaches_its_size(mixed):
    path, manifest, _run, _obs = mixed
    data = path.read_bytes()
    assert len(data) == manifest.bytes and 1_900_000 < manifest.bytes < 2_100_000
    offset, records, ethertypes = 24, 0, {}
    while offset < len(data):
        incl, orig = struct.unpack_from("<II", data, offset + 8)
        assert incl == orig
        etype = struct.unpack_from("!H", data, offset + 16 + 12)[0]
        ethertypes[etype] = ethertypes.get(etype, 0) + 1
        offset += 16 + incl
        records += 1
    assert offset == len(data) and records == manifest.packets
    assert set(ethertypes) == {0x0800, 0x86DD, 0x8100, 0x88A8}
    assert ethertypes[0x0800] > records / 2            # plain IPv4 stays the bulk of it


def test_collector_reads_the_mixed_capture_exactly(mixed):
    _path, manifest, run, obs = mixed
    flows = {(o.data["client_ip"], o.data["server_ip"], o.data["server_port"], o.data["transport"])
             for o in obs if o.kind == "flow"}
    assert len(manifest.flows) == 200 and flows == manifest.flows
    assert any(":" in f[0] for f in flows) and any(":" not in f[0] for f in flows)
    assert run.packets == manifest.packets and sum(run.skipped.values()) == 0
    tcp = {(f[0], f[2]) for f in manifest.flows if f[3] == "tcp"}
    identified = {(o.data["client_ip"], o.data["server_port"]) for o in obs
                  if o.kind == "protocol"}
    assert tcp and tcp <= identified                   # stamping kept the first bytes


def test_mixed_generation_is_deterministic(tmp_path):
    a, b = tmp_path / "a.pcap", tmp_path / "b.pcap"
    pcapgen.generate_mixed(a, 40, 200_000, seed=1)
    pcapgen.generate_mixed(b, 40, 200_000, seed=1)
    assert a.read_bytes() == b.read_bytes()
