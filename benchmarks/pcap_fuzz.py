"""Fuzz the capture reader with mutated real captures (issue #4 item 8).

Owns the seeded mutator and the per-input check that ``tests/collect/capture/
test_pcap_fuzz.py`` runs 100,000 times in CI and this script runs as often as asked:

    python3 benchmarks/pcap_fuzz.py --n 1000000 [--seed 4] [--jobs 2]

Seeds are the real fixture captures (``tests/fixtures/pcap``: classic pcap in both byte
orders and both time resolutions, pcapng with two interfaces, SLL, SLL2, raw IP, VLAN,
IPv6 fragments) and the first packets of the sample estate's capture. Each input is a
seed with one to three mutations, chosen by a ``random.Random`` seeded from
``(seed, index)`` so any failing input can be rebuilt alone (``mutated(seed, index)``):

byte and bit flips (anywhere, or inside one frame only), truncation, bad magic, captured length larger than the snapshot
length (or absurd), zero-length records (inserted, or a record's length zeroed),
garbage link layers (link type field, or the first bytes of a frame scrambled), pcapng
block corruption (type, length, trailing length, byte-order magic, interface id,
interface options), range deletion and duplication, random insertion, tiny snaplen.

Each input goes through the whole reading path in process: ``PcapReader`` (from
memory) → ``Decoder`` → ``FlowTable`` (protocol dissectors included) → ``finish`` →
``collector.build_observations`` (privacy checks and sort). The only exception allowed
is an ``InputError`` naming the source and a place; anything else is a crash. The
outcome is ``ok``, ``truncated`` (the cut is recorded as ``(frame, byte)``) or
``refused``; every frame read is either decoded or counted in ``Decoder.skipped``
(the accounting is checked). No hang: the reader advances at least 12 bytes a record,
so the frames it yields are bounded by the input size (checked too).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import struct
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scanner.collect.capture.collector import build_observations  # noqa: E402
from scanner.collect.capture.decode import Decoder  # noqa: E402
from scanner.collect.capture.flows import FlowTable  # noqa: E402
from scanner.collect.capture.pcapfile import PCAP_MAGICS, PcapReader  # noqa: E402
from scanner.errors import InputError  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "pcap"
SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien" / "inputs" / "captures" / "core-switch.pcap"
SOURCE = "fuzz.pcap"
SAMPLE_RECORDS = 60


class Seed:
    """A real capture and the offsets of its records (pcap) or blocks (pcapng)."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.data = data
        self.pcapng = data[:4] == b"\x0a\x0d\x0d\x0a"
        if self.pcapng:
            self.endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
            self.blocks = []            # (offset, type, length)
            off = 0
            while off + 12 <= len(data):
                btype, blen = struct.unpack_from(self.endian + "II", data, off)
                self.blocks.append((off, btype, blen))
                off += blen
            self.records = [o for o, t, _ in self.blocks if t in (2, 3, 6)]
        else:
            self.endian = PCAP_MAGICS[data[:4]][0]
            self.blocks = []
            self.records = [off for _, off, *_ in PcapReader(data, name)]


def seeds() -> list[Seed]:
    """The fixture captures that read cleanly, plus the sample capture's first records."""
    out = []
    for path in sorted(FIXTURES.glob("*.pcap*")):
        data = path.read_bytes()
        try:
            run_one(data)
        except InputError:
            continue                     # bad_magic: mutations of it are all refusals
        if len(data) >= 24:
            out.append(Seed(path.name, data))
    if SAMPLE.is_file():
        with open(SAMPLE, "rb") as f:
            head = f.read(256 * 1024)
        ends = [off for _, off, *_ in PcapReader(head, SAMPLE.name)]
        cut = ends[SAMPLE_RECORDS] if len(ends) > SAMPLE_RECORDS else len(head)
        out.append(Seed(SAMPLE.name + f"[:{SAMPLE_RECORDS}]", head[:cut]))
    return out


# -- mutations: each takes (bytearray, Seed, Random) and returns a bytearray ------------------

def _flip_bytes(b, s, r):
    for _ in range(r.randint(1, 8)):
        if b:
            b[r.randrange(len(b))] = r.randrange(256)
    return b


def _flip_bits(b, s, r):
    for _ in range(r.randint(1, 16)):
        if b:
            b[r.randrange(len(b))] ^= 1 << r.randrange(8)
    return b


def _truncate(b, s, r):
    return b[:r.randrange(len(b) + 1)]


def _bad_magic(b, s, r):
    b[:4] = r.randbytes(4) if r.random() < 0.5 else b"\xd4\xc3\xb2\xa0"
    return b


def _put32(b, off, value, endian):
    if 0 <= off and off + 4 <= len(b):
        b[off:off + 4] = struct.pack(endian + "I", value & 0xFFFFFFFF)


def _record(s, r):
    return r.choice(s.records) if s.records else None


def _caplen_over(b, s, r):
    off = _record(s, r)
    if off is None:
        return b
    big = r.choice((65536 + r.randrange(1000), 262145, r.randrange(1 << 32)))
    if s.pcapng:
        _put32(b, off + 20, big, s.endian)           # EPB/PB captured length
    else:
        snaplen = struct.unpack_from(s.endian + "I", s.data, 16)[0]
        _put32(b, off + 8, snaplen + r.randint(1, 1000) if r.random() < 0.5 else big, s.endian)
    return b


def _zero_length(b, s, r):
    off = _record(s, r)
    if off is None:
        return b
    if s.pcapng:
        _put32(b, off + 20, 0, s.endian)
        return b
    if r.random() < 0.5:                             # a well-formed empty record, inserted
        header = struct.pack(s.endian + "IIII", 1_700_000_000, 0, 0, r.choice((0, 60)))
        return b[:off] + header + b[off:]
    _put32(b, off + 8, 0, s.endian)                  # a record's length zeroed: misaligned rest
    return b


def _garbage_link(b, s, r):
    if r.random() < 0.5:
        lt = r.choice((r.randrange(300), r.randrange(1 << 16), 0, 108, 113, 276, 101, 228, 229))
        if s.pcapng:
            idbs = [o for o, t, _ in s.blocks if t == 1]
            if idbs:
                b[idbs[0] + 8:idbs[0] + 10] = struct.pack(s.endian + "H", lt)
        else:
            _put32(b, 20, lt, s.endian)
        return b
    off = _record(s, r)
    if off is None:
        return b
    body = off + (28 if s.pcapng else 16)
    n = r.randint(1, 60)
    b[body:body + n] = r.randbytes(min(n, max(0, len(b) - body)))
    return b


def _flip_frame(b, s, r):
    """Bytes changed inside one frame only: the file stays well-formed, the packet not."""
    off = _record(s, r)
    if off is None:
        return b
    body = off + (28 if s.pcapng else 16)
    for _ in range(r.randint(1, 12)):
        i = body + r.randrange(96)
        if i < len(b):
            b[i] = r.randrange(256)
    return b


def _pcapng_block(b, s, r):
    if not s.pcapng or not s.blocks:
        return _flip_bytes(b, s, r)
    off, btype, blen = r.choice(s.blocks)
    what = r.randrange(7)
    if what == 0:                                    # total length
        _put32(b, off + 4, r.choice((0, 4, 11, blen + 4, blen - 4, blen + 1, 1 << 31,
                                     r.randrange(1 << 32))), s.endian)
    elif what == 1:                                  # block type
        _put32(b, off, r.choice((1, 2, 3, 5, 6, 0x0A0D0D0A, r.randrange(1 << 32))), s.endian)
    elif what == 2:                                  # trailing length
        _put32(b, off + blen - 4, r.randrange(1 << 32), s.endian)
    elif what == 3:                                  # byte-order magic of a section
        shbs = [o for o, t, _ in s.blocks if t == 0x0A0D0D0A]
        if shbs:
            b[shbs[0] + 8:shbs[0] + 12] = r.randbytes(4)
    elif what == 4 and btype in (2, 6):              # interface id
        _put32(b, off + 8, r.choice((1, 2, 7, r.randrange(1 << 32))), s.endian)
    elif what == 5 and btype == 1:                   # interface options (tsresol, tsoffset)
        p = off + 16
        b[p:p + 12] = struct.pack(s.endian + "HHB3x", 9, r.choice((1, 4, 0xFFFF)),
                                  r.randrange(256)) + struct.pack(s.endian + "HH", 14, 8)
    else:                                            # its body scrambled
        n = min(blen, 16)
        b[off + 8:off + 8 + n] = r.randbytes(n)
    return b


def _delete_range(b, s, r):
    if len(b) < 2:
        return b
    i = r.randrange(len(b))
    return b[:i] + b[i + r.randint(1, 64):]


def _duplicate_range(b, s, r):
    if len(b) < 2:
        return b
    i = r.randrange(len(b))
    j = min(len(b), i + r.randint(1, 256))
    k = r.randrange(len(b))
    return b[:k] + b[i:j] + b[k:]


def _insert_random(b, s, r):
    k = r.randrange(len(b) + 1)
    return b[:k] + r.randbytes(r.randint(1, 32)) + b[k:]


def _tiny_snaplen(b, s, r):
    if s.pcapng:
        idbs = [o for o, t, _ in s.blocks if t == 1]
        if idbs:
            _put32(b, idbs[0] + 12, r.randint(1, 64), s.endian)
    else:
        _put32(b, 16, r.randint(0, 64), s.endian)
    return b


_WEIGHTED = (
    _flip_bytes, _flip_bits, _truncate, _bad_magic, _caplen_over, _zero_length,
    _garbage_link, _flip_frame, _flip_frame, _pcapng_block, _delete_range, _duplicate_range, _insert_random,
    _tiny_snaplen)
MUTATIONS = {f.__name__[1:]: f for f in _WEIGHTED}
_NAMES = tuple(f.__name__[1:] for f in _WEIGHTED)     # frame-level flips drawn twice as often


def mutated(seeds_: list[Seed], seed: int, index: int) -> tuple[bytes, list[str]]:
    """Input number ``index`` of run ``seed``: the bytes and the mutations applied."""
    r = random.Random(seed * 1_000_003 + index)
    s = seeds_[index % len(seeds_)]
    b = bytearray(s.data)
    names = [r.choice(_NAMES) for _ in range(r.choice((1, 1, 2, 3)))]
    for name in names:
        b = bytearray(MUTATIONS[name](b, s, r))
    return bytes(b), names


# -- the check -------------------------------------------------------------------------------

class Outcome:
    __slots__ = ("kind", "frames", "decoded", "skipped", "error", "observations")

    def __init__(self):
        self.kind = "ok"
        self.frames = self.decoded = self.observations = 0
        self.skipped: dict[str, int] = {}
        self.error: InputError | None = None


def run_one(data: bytes) -> Outcome:
    """Read ``data`` the way the collector does; raises only what the reader raises.

    Returns an ``Outcome`` (``ok`` or ``truncated``); an ``InputError`` propagates.
    """
    out = Outcome()
    reader = PcapReader(data, SOURCE)
    decoder = Decoder()
    table = FlowTable()

    def decode(linktype, frame, wire):
        d = decoder.decode(linktype, frame, wire)
        if d is not None:
            out.decoded += 1
        return d

    table.feed(reader, decode)
    table.finish()
    out.observations = len(build_observations(table, SOURCE))
    out.frames = reader.frames
    out.skipped = {k: v for k, v in decoder.skipped.items() if v}
    if reader.truncated is not None:
        out.kind = "truncated"
    return out


class Crash(AssertionError):
    pass


def check(data: bytes) -> Outcome:
    """``run_one`` plus the properties; raises ``Crash`` when one fails."""
    try:
        out = run_one(data)
    except InputError as exc:
        loc = exc.location
        if loc is None or loc.path != SOURCE or not loc.place or "\n" in str(exc):
            raise Crash(f"InputError without a located one-line message: {exc!r}") from exc
        out = Outcome()
        out.kind, out.error = "refused", exc
        return out
    except Exception as exc:                          # noqa: BLE001 - that is the point
        raise Crash(f"{type(exc).__name__}: {exc}") from exc
    if out.decoded + sum(out.skipped.values()) != out.frames:
        raise Crash(f"{out.frames} frames read, {out.decoded} decoded + {out.skipped} skipped")
    if out.frames > len(data) // 12 + 1:
        raise Crash(f"{out.frames} frames out of {len(data)} bytes")
    return out


def run(n: int, seed: int = 4, start: int = 0, seeds_: list[Seed] | None = None,
        max_crashes: int = 20) -> dict:
    """Check inputs ``start`` … ``start + n - 1``; a summary dict (outcomes, crashes)."""
    seeds_ = seeds_ or seeds()
    outcomes: Counter = Counter()
    places: Counter = Counter()
    skipped: Counter = Counter()
    by_mutation: Counter = Counter()
    frames = 0
    crashes: list[str] = []
    for i in range(start, start + n):
        data, names = mutated(seeds_, seed, i)
        try:
            out = check(data)
        except Crash as exc:
            crashes.append(f"seed {seed} index {i} ({'+'.join(names)}, "
                           f"{seeds_[i % len(seeds_)].name}): {exc}")
            if len(crashes) >= max_crashes:
                break
            continue
        outcomes[out.kind] += 1
        frames += out.frames
        skipped.update(out.skipped)
        if out.error is not None:
            places[re.sub(r"\d+", "N", out.error.message.split(" (")[0])[:70]] += 1
        for name in set(names):
            by_mutation[(name, out.kind)] += 1
    return {"inputs": n, "seeds": len(seeds_), "outcomes": dict(outcomes), "frames": frames,
            "skipped": dict(skipped), "refusals": dict(places.most_common(12)),
            "by_mutation": {f"{k[0]}:{k[1]}": v for k, v in sorted(by_mutation.items())},
            "crashes": crashes}


def _worker(args):
    n, seed, start = args
    return run(n, seed, start)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="inputs to check")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if a.jobs > 1:
        from multiprocessing import Pool
        share = -(-a.n // a.jobs)
        parts = [(min(share, a.n - k * share), a.seed, k * share) for k in range(a.jobs)]
        with Pool(a.jobs) as pool:
            results = pool.map(_worker, parts)
    else:
        results = [run(a.n, a.seed)]
    elapsed = time.perf_counter() - t0
    total: dict = {"outcomes": Counter(), "skipped": Counter(), "refusals": Counter(),
                   "crashes": [], "frames": 0}
    for res in results:
        total["outcomes"].update(res["outcomes"])
        total["skipped"].update(res["skipped"])
        total["refusals"].update(res["refusals"])
        total["crashes"] += res["crashes"]
        total["frames"] += res["frames"]
    print(f"pcap fuzz: {a.n} inputs from {results[0]['seeds']} seeds (seed {a.seed}), "
          f"{elapsed:.1f} s, {a.n / elapsed:,.0f} inputs/s, {os.cpu_count()} cpus, "
          f"{a.jobs} jobs")
    print(f"outcomes: {dict(total['outcomes'])}; frames read {total['frames']:,}")
    print(f"frames skipped by reason: {dict(total['skipped'])}")
    print("most frequent refusals:")
    for msg, count in total["refusals"].most_common(10):
        print(f"  {count:8d}  {msg}")
    print(f"crashes: {len(total['crashes'])}")
    for line in total["crashes"][:20]:
        print(f"  {line}")
    return 1 if total["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
