"""100,000 mutated real captures: never a crash but a located InputError, never a hang,
every bad record counted (issue #4 item 8).

The mutator and the per-input check live in ``benchmarks/pcap_fuzz.py`` (which runs a
million in a benchmark run); this test runs 100,000 of them in process, deterministic
(seeded per input), then checks that each kind of damage the issue names is handled
the way the reader documents, on a named seed.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest

from scanner.collect.capture import collector
from scanner.errors import InputError

ROOT = Path(__file__).resolve().parents[3]


def _load():
    spec = importlib.util.spec_from_file_location("bench_pcap_fuzz",
                                                  ROOT / "benchmarks" / "pcap_fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load()
N = 100_000


@pytest.fixture(scope="module")
def seeds():
    return fuzz.seeds()


@pytest.fixture(scope="module")
def summary(seeds):
    return fuzz.run(N, seed=4, seeds_=seeds)


def test_seeds_cover_the_formats(seeds):
    names = {s.name for s in seeds}
    assert {"hospital.pcap", "hospital_be.pcap", "hospital_ns.pcap", "two_ifaces.pcapng",
            "sll.pcap", "sll2.pcap", "raw.pcap", "vlan.pcap"} <= names
    assert any(n.startswith("core-switch.pcap") for n in names)
    assert all(s.records for s in seeds if s.name != "truncated_header_only.pcap")


def test_100k_mutated_captures_never_crash(summary):
    assert summary["crashes"] == [], "\n".join(summary["crashes"])
    outcomes = summary["outcomes"]
    assert sum(outcomes.values()) == N
    # the mix is not degenerate: each outcome is a real share of the run
    for kind in ("ok", "truncated", "refused"):
        assert outcomes.get(kind, 0) > N // 20, outcomes


def test_every_mutation_was_exercised_and_bad_frames_are_counted(summary):
    applied = {k.split(":")[0] for k in summary["by_mutation"]}
    assert applied == set(fuzz.MUTATIONS)
    for reason in ("malformed", "non_ip", "unsupported_link", "fragment", "other_transport"):
        assert summary["skipped"].get(reason, 0) > 0, summary["skipped"]
    refusals = " | ".join(summary["refusals"])
    for message in ("not a pcap or pcapng capture", "larger than the snapshot length",
                    "absurd captured length", "pcapng block of impossible length"):
        assert message in refusals


def _seed(seeds, name):
    return next(s for s in seeds if s.name == name)


def _put(data: bytes, off: int, fmt: str, value) -> bytes:
    b = bytearray(data)
    struct.pack_into(fmt, b, off, value)
    return bytes(b)


def test_bad_magic_is_refused_at_byte_0(seeds):
    s = _seed(seeds, "hospital.pcap")
    with pytest.raises(InputError, match=r"^fuzz\.pcap: byte 0: not a pcap"):
        fuzz.run_one(b"\x00\x01\x02\x03" + s.data[4:])


def test_caplen_over_snaplen_names_frame_and_byte(seeds):
    s = _seed(seeds, "hospital.pcap")
    snaplen = struct.unpack_from("<I", s.data, 16)[0]
    third = s.records[2]
    with pytest.raises(InputError) as exc:
        fuzz.run_one(_put(s.data, third + 8, "<I", snaplen + 1))
    assert str(exc.value) == (f"fuzz.pcap: frame 3 (byte {third}): captured length "
                              f"{snaplen + 1} larger than the snapshot length {snaplen}")


def test_zero_length_record_is_counted_as_malformed(seeds):
    s = _seed(seeds, "hospital.pcap")
    clean = fuzz.check(s.data)
    at = s.records[1]
    empty = struct.pack("<IIII", 1_700_000_000, 0, 0, 0)
    out = fuzz.check(s.data[:at] + empty + s.data[at:])
    assert out.kind == "ok"
    assert out.frames == clean.frames + 1
    assert out.skipped.get("malformed", 0) == clean.skipped.get("malformed", 0) + 1


def test_garbage_link_type_is_counted_not_fatal(seeds):
    s = _seed(seeds, "hospital.pcap")
    out = fuzz.check(_put(s.data, 20, "<I", 4242))
    assert out.kind == "ok" and out.decoded == 0
    assert out.skipped == {"unsupported_link": out.frames} and out.frames == len(s.records)


def test_truncation_keeps_the_complete_records(seeds):
    s = _seed(seeds, "hospital.pcap")
    cut = s.records[5] + 7                       # inside the sixth record's header
    out = fuzz.check(s.data[:cut])
    assert out.kind == "truncated" and out.frames == 5


def test_pcapng_block_length_corruption_is_located(seeds):
    s = _seed(seeds, "two_ifaces.pcapng")
    off, _btype, _blen = s.blocks[-1]
    with pytest.raises(InputError, match=rf"frame \d+ \(byte {off}\): pcapng block of impossible "
                                         r"length 13$"):
        fuzz.run_one(_put(s.data, off + 4, s.endian + "I", 13))


def test_the_collector_agrees_with_the_in_memory_check(seeds, tmp_path):
    """A slice of the same inputs through ``collector.collect`` on real files."""
    path = tmp_path / "fuzz.pcap"
    seen = set()
    for i in range(0, 3000, 7):
        data, _ = fuzz.mutated(seeds, 4, i)
        path.write_bytes(data)
        expected = fuzz.check(data)
        run = collector.collect(path, fuzz.SOURCE)
        try:
            got = list(run)
        except InputError as exc:
            assert expected.kind in ("refused", "truncated"), (i, str(exc))
            if expected.kind == "refused":
                assert str(exc) == str(expected.error)
            else:                                # nothing complete before the cut
                assert expected.frames == 0 and "truncated record" in str(exc)
            seen.add("refused")
            continue
        assert expected.kind != "refused", i
        assert len(got) == expected.observations
        assert run.packets == expected.frames
        if expected.kind == "truncated":
            assert len(run.warnings) == 1 and "truncated record" in run.warnings[0]
        seen.add(expected.kind)
    assert seen == {"ok", "truncated", "refused"}
