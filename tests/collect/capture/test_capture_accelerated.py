"""The compiled capture walk (``fastwalk``, numba) gives exactly what the Python path gives.

Both paths read the same bytes; every conversation field, the flows, protocol facts,
DNS answers, skip counts, frame counts and, through the collector, the observations,
warnings and located refusals are compared: on every fixture capture, the sample
estates' captures, generated benchmark captures (mixed VLAN/QinQ/IPv6; many
conversations, so the tables and the event buffer grow; a small payload budget, so
flushes happen mid-capture), pcapng files with odd timestamp resolutions and
thousands of fuzz-mutated captures. Skipped when numba is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from scanner.collect.capture import collector, fastwalk
from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import FlowTable
from scanner.collect.capture.pcapfile import PcapReader
from scanner.errors import InputError

pytestmark = pytest.mark.skipif(not fastwalk.available(),
                                reason="numba not installed (the 'fast' extra)")

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "pcap"
SAMPLES = sorted(ROOT.glob("sample_estates/*/inputs/captures/*.pcap*"))
FIELDS = ("ips", "ports", "proto", "first_frame", "last_frame", "first_ts", "last_ts",
          "packets", "bytes", "connections", "syn_side", "synack_side", "prev_syn", "segs",
          "payload_frame", "payload_ts", "done", "found", "found_client", "bufs")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}_acc",
                                                  ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _state(table, decoder, reader):
    convs = [tuple(getattr(c, f) for f in FIELDS) for c in table.conversations()]
    return (convs, table.flows(), table.protocol_facts(), table.dns_records(),
            dict(decoder.skipped), table.packets, reader.frames, reader.truncated,
            reader.format)


def _python(src, **kw):
    reader, decoder, table = PcapReader(src, "cap"), Decoder(), FlowTable(**kw)
    try:
        table.feed_fast(reader, decoder)
    except InputError as exc:
        return ("refused", str(exc))
    table.finish()
    return _state(table, decoder, reader)


def _fast(src, **kw):
    """The compiled walk, or None where it hands the file back (``Fallback``)."""
    reader, decoder, table = fastwalk.FastReader(src, "cap"), Decoder(), FlowTable(**kw)
    try:
        reader.feed(table, decoder)
    except fastwalk.Fallback:
        return None
    return _state(table, decoder, reader)


def _same(src, **kw):
    """Both paths on ``src``; True if the compiled walk read it itself (not handed back)."""
    slow, fast = _python(src, **kw), _fast(src, **kw)
    if fast is None:
        # handed back only for what the Python path refuses, or a pcapng's odd clock
        assert slow[0] == "refused" or slow[8] == "pcapng", slow
        return False
    assert fast == slow
    return True


# -- files ----------------------------------------------------------------------------------

FIXTURE_FILES = sorted(p.name for p in FIXTURES.glob("*.pcap*"))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_captures_agree(name):
    walked = _same(FIXTURES / name)
    assert walked == (name != "bad_magic.pcap")       # the kernel read all but the refused


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_estate_captures_agree(path):
    assert _same(path)
    assert _fast(path)[2]                            # protocol facts were compared


def test_small_budget_and_segments_agree():
    # a 40-byte budget flushes (identifies every pending conversation) mid-capture
    for path in [FIXTURES / "hospital.pcap", *SAMPLES]:
        assert _same(path, max_segments=1, max_payload=16, budget=40)
        assert _same(path, max_segments=2, max_payload=100, budget=600)
        assert _same(path, max_segments=0, max_payload=0)


def test_mixed_capture_agrees(tmp_path):
    pcapgen = _load("pcapgen")
    path = tmp_path / "mixed.pcap"
    manifest = pcapgen.generate_mixed(path, conversations=60, size_bytes=2_000_000, seed=5)
    assert _same(path)
    fast = _fast(path)
    assert fast[5] == manifest.packets and fast[0]
    assert any(":" in c[0][0] for c in fast[0])       # IPv6 conversations compared


def test_many_conversations_grow_every_table(tmp_path):
    # > 8,192 conversations: the conversation arrays, the hash table and the event
    # buffer (sized for a flush of every conversation) all grow mid-walk
    pcapgen = _load("pcapgen")
    path = tmp_path / "many.pcap"
    pcapgen.generate_mixed(path, conversations=9000, size_bytes=3_000_000, seed=7)
    assert _same(path)
    assert _same(path, budget=50_000)                 # and flush often
    assert len(_fast(path)[0]) >= 9000


# -- pcapng clocks --------------------------------------------------------------------------

def _pcapng(tsresol: int | None, stamps: list[int], tsoffset: int = 0, endian: str = "<",
            simple_at: tuple[int, ...] = ()) -> bytes:
    def block(btype, body):
        body += bytes(-len(body) % 4)
        n = 12 + len(body)
        return struct.pack(endian + "II", btype, n) + body + struct.pack(endian + "I", n)
    out = block(0x0A0D0D0A, struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts += struct.pack(endian + "HH", 9, 1) + bytes([tsresol]) + bytes(3)
    if tsoffset:
        opts += struct.pack(endian + "HHq", 14, 8, tsoffset)
    out += block(1, struct.pack(endian + "HHI", 1, 0, 0) + opts + struct.pack(endian + "HH", 0, 0))
    frame = (bytes(12) + b"\x08\x00" + bytes.fromhex("4500002800010000400600000a0000010a000002")
             + struct.pack("!HHIIBBHHH", 40000, 5432, 1, 1, 0x50, 0x02, 1024, 0, 0))
    for i, ts in enumerate(stamps):
        if i in simple_at:
            out += block(3, struct.pack(endian + "I", len(frame)) + frame)
        else:
            out += block(6, struct.pack(endian + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF,
                                        len(frame), len(frame)) + frame)
    return out


def test_pcapng_timestamps_are_pythons_to_the_last_bit():
    r = random.Random(3)
    ns = [r.randrange(1 << 53, 1 << 63) for _ in range(300)]
    ns += [1_772_438_400_123_456_789 + k for k in range(50)]
    cases = [(9, ns, 0), (6, [1_772_438_400_123_456 + k for k in range(50)], 0),
             (0x80 | 30, ns[:100], 0), (0x80 | 52, ns[:100], 0), (3, ns[:50], -3600),
             (12, ns[:50], 1 << 40), (None, [7, 3, 9], 0)]
    for tsresol, stamps, off in cases:
        for endian in "<>":
            assert _same(_pcapng(tsresol, stamps, off, endian, simple_at=(1, 2)))
    # a clock beyond what the kernel divides exactly goes back to Python, same answer
    assert not _same(_pcapng(0x80 | 60, [5, 6], 0))
    assert not _same(_pcapng(9, [1 << 63], 0))


def test_division_is_correctly_rounded():
    r = random.Random(5)
    divisors = [10 ** k for k in range(16)] + [2 ** k for k in range(53)] + [7, 999_999_937]
    for _ in range(20_000):
        d = r.choice(divisors)
        n = r.randrange(0, 1 << 63) if r.random() < 0.7 else r.randrange(0, 1 << 56)
        assert fastwalk._kernel._div(n, d) == n / d, (n, d)
    # halfway and near-halfway cases: the quotient's 54th bit set, the rest exact or not
    for _ in range(5_000):
        m = r.randrange(1 << 53, 1 << 54) | 1                # 54 significant bits, odd
        d = r.choice((1, 2, 4, 1024))
        for n in (m * d, m * d + 1, m * d - 1):
            if 0 <= n < 1 << 63:
                assert fastwalk._kernel._div(n, d) == n / d == float(Fraction(n, d)), (n, d)


# -- fuzz -----------------------------------------------------------------------------------

def test_fuzzed_captures_agree():
    fuzz = _load("pcap_fuzz")
    seeds = fuzz.seeds()
    walked = handed_back = 0
    for i in range(3000):
        data, _ = fuzz.mutated(seeds, 13, i)
        if _same(data):
            walked += 1
        else:
            handed_back += 1
    assert walked > 1000 and handed_back > 1000, (walked, handed_back)


# -- the collector --------------------------------------------------------------------------

def _collect(path: Path):
    run = collector.collect(path, path.name)
    try:
        obs = [json.dumps(o.to_dict(), sort_keys=True) for o in run]
    except InputError as exc:
        return ("refused", str(exc))
    return obs, run.warnings, run.truncated, run.packets, run.skipped


@pytest.mark.parametrize("path", [*(FIXTURES / n for n in FIXTURE_FILES), *SAMPLES],
                         ids=[*FIXTURE_FILES, *(p.name for p in SAMPLES)])
def test_collector_gives_the_same_observations(path, monkeypatch):
    monkeypatch.setattr(fastwalk, "MIN_BYTES", 0)     # the compiled walk for small files too
    fast = _collect(path)
    monkeypatch.setattr(fastwalk, "_kernel", False)   # fastwalk.available() is now False
    assert not fastwalk.available()
    assert _collect(path) == fast


def test_pure_python_switch(tmp_path):
    code = ("import json, sys; from pathlib import Path; "
            "from scanner.collect.capture import collector, fastwalk; "
            "fastwalk.MIN_BYTES = 0; p = Path(sys.argv[1]); "
            "print(json.dumps([fastwalk.available(), "
            "[o.to_dict() for o in collector.collect(p, p.name)]], sort_keys=True))")
    path = SAMPLES[0] if SAMPLES else FIXTURES / "hospital.pcap"
    outs = []
    for value in ("1", "0"):
        env = dict(os.environ, HDSCAN_PURE_PYTHON=value)
        proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
        outs.append(json.loads(proc.stdout))
    assert outs[0][0] is False and outs[1][0] is True
    assert outs[0][1] == outs[1][1] and outs[0][1]


def test_small_captures_skip_the_compiled_walk(monkeypatch):
    # below MIN_BYTES the collector never touches the kernels (nor imports numba)
    monkeypatch.setattr(fastwalk, "available", lambda: pytest.fail("compiled walk used"))
    path = FIXTURES / "hospital.pcap"
    assert path.stat().st_size < fastwalk.MIN_BYTES
    assert list(collector.collect(path, path.name))
