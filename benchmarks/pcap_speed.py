"""Speed and peak memory of hdscan's pcap reader against dpkt, scapy, tshark and raw struct loops.

Issue #4 asks that the capture reader be fast and that its memory follow the number of
conversations, not of packets, measured side by side with its peers in one run. This
script generates (``pcapgen.py``) two classic pcaps of about the same size, one with
few conversations and one with many, then runs every contender on each file in its own
subprocess, one at a time:

``read``    the file read in 1 MiB chunks, nothing else: the plain read speed.
``raw``     struct over the file's record headers, no decoding: the ceiling.
``struct``  the same loop plus a hand-written Ethernet/VLAN/IPv4/IPv6/TCP/UDP decode into
            a 5-tuple conversation table (packets and bytes each way): pure Python.
``hdscan``  ``scanner.collect.capture.collector.collect(path, source)``, iterated:
            flows, protocol identification on content, passive DNS, sorted output;
            the pure-Python path (``HDSCAN_PURE_PYTHON=1`` in the child).
``hdscan-fast``  the same ``collect`` with the compiled walk (``fastwalk``, numba);
            the JIT cache is warmed by a tiny capture before the timing (a first run
            on a machine compiles for ~15 s once, then loads the cache in < 1 s).
``hdscan-table``  the same reader, decoder and ``FlowTable`` (feed + finish) without
            building, checking and sorting observations: the per-packet engine alone.
``dpkt``    ``dpkt.pcap.Reader`` + ``dpkt.ethernet.Ethernet`` decode, same table.
``scapy``   ``scapy.utils.PcapReader`` dissecting every packet, same table. scapy runs
            at a few thousand packets/s, so by default it reads only the first
            ``--scapy-limit`` packets and its time is *scaled* to the whole file
            (marked ``*``; its memory is that of the slice).
``scapy-raw``  ``scapy.utils.RawPcapReader`` (records, no dissection) + the same
            hand-written header decode and table as ``struct``.
``tshark``  ``tshark -q -z conv,tcp -r FILE`` (TCP conversation statistics only); its
            time and peak RSS are the tshark process's. ``--tshark-limit`` reads only the
            first packets (``-c``) and scales the time (marked ``*``; tshark grows
            faster than linearly with the capture, so the scaled figure flatters it).

dpkt is installed for this benchmark only (``pip install dpkt``); it is NOT a
dependency of hdscan. scapy is an optional hdscan dependency (live capture).

Seconds are measured inside the child around the reading loop (imports excluded);
peak RSS is the child's high-water mark and "growth" is peak minus the RSS
after imports, i.e. what the reading itself cost (both from ``VmHWM`` in
``/proc/self/status``: ``ru_maxrss`` would include the parent's RSS at fork).
"cpu s" is the child's CPU time (plus that of tshark, its child): steadier than wall time
on a shared machine. Ratios are packets/s (and packets per CPU second) and peak RSS of
hdscan over each peer.

    python3 benchmarks/pcap_speed.py                 # quick: 20 MB mixed capture, < 1 min
    python3 benchmarks/pcap_speed.py --big --pcap-dir /tmp/pcaps   # issue #4: 1 GB, ~2.3 M packets
    python3 benchmarks/pcap_speed.py --sizes 10000:1,200000:14 --size-mb 100   # classic shapes

``--sizes`` names the captures: ``N:mixed`` is ``pcapgen.generate_mixed`` (N
conversations stamped from templates, with 802.1Q, QinQ and IPv6 mixed in, bulk data
to the size); ``N:W`` is ``pcapgen.generate`` with DNS weight W (IPv4 only, every
frame built and checksummed: slow to generate). Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ("read", "raw", "struct", "scapy-raw", "hdscan-fast", "hdscan", "hdscan-table",
              "dpkt", "scapy", "tshark")
CHUNK = 1 << 20
SIZES = "2000:mixed"                      # --sizes default, at --size-mb each


# ------------------------------------------------------------------ contenders (in a child)

def _records(path: str):
    """Yield ``(buffer, start, end, orig_len)`` per record of a classic LE µs pcap, chunked."""
    unpack_from = struct.Struct("<IIII").unpack_from
    with open(path, "rb", buffering=0) as fh:
        head = fh.read(24)
        if head[:4] != b"\xd4\xc3\xb2\xa1":
            raise SystemExit(f"{path}: not a little-endian µs classic pcap")
        buf, off = b"", 0
        while True:
            if len(buf) - off >= 16:
                _, _, incl, orig = unpack_from(buf, off)
                end = off + 16 + incl
                if end <= len(buf):
                    yield buf, off + 16, end, orig
                    off = end
                    continue
            more = fh.read(CHUNK)
            if not more:
                return
            buf, off = buf[off:] + more, 0


def run_raw(path: str, limit: int | None) -> dict:
    packets = wire = 0
    for _buf, _start, _end, orig in _records(path):
        packets += 1
        wire += orig
    return {"packets": packets, "conversations": None, "wire_bytes": wire}


def _count(table: dict, a, b, proto: int, wire: int) -> None:
    if a <= b:
        key, side = (a, b, proto), 0
    else:
        key, side = (b, a, proto), 1
    row = table.get(key)
    if row is None:
        row = table[key] = [0, 0, 0, 0]
    row[side] += 1
    row[2 + side] += wire


def _decode_into(table: dict, buf, start: int, end: int, orig: int) -> None:
    """Hand-written Ethernet (any VLAN depth) / IPv4 / IPv6 / TCP / UDP decode into ``table``."""
    p = start + 12
    etype = buf[p] << 8 | buf[p + 1]
    while etype in (0x8100, 0x88A8) and p + 6 <= end:
        p += 4
        etype = buf[p] << 8 | buf[p + 1]
    ip = p + 2
    if etype == 0x0800:
        ihl = (buf[ip] & 15) * 4
        proto = buf[ip + 9]
        if proto not in (6, 17) or (buf[ip + 6] << 8 | buf[ip + 7]) & 0x1FFF:
            return
        l4 = ip + ihl
        src, dst = buf[ip + 12:ip + 16], buf[ip + 16:ip + 20]
    elif etype == 0x86DD:
        proto = buf[ip + 6]
        if proto not in (6, 17):
            return
        l4 = ip + 40
        src, dst = buf[ip + 8:ip + 24], buf[ip + 24:ip + 40]
    else:
        return
    if l4 + 4 > end:
        return
    _count(table, (src, buf[l4] << 8 | buf[l4 + 1]), (dst, buf[l4 + 2] << 8 | buf[l4 + 3]),
           proto, orig)


def run_struct(path: str, limit: int | None) -> dict:
    table: dict = {}
    packets = 0
    for buf, start, end, orig in _records(path):
        packets += 1
        _decode_into(table, buf, start, end, orig)
    return {"packets": packets, "conversations": len(table)}


def run_read(path: str, limit: int | None) -> dict:
    size = 0
    with open(path, "rb", buffering=0) as fh:
        while True:
            block = fh.read(CHUNK)
            if not block:
                break
            size += len(block)
    return {"packets": None, "conversations": None, "bytes": size}


def run_scapy_raw(path: str, limit: int | None) -> dict:
    from scapy.utils import RawPcapReader
    table: dict = {}
    packets = 0
    with RawPcapReader(path) as reader:
        for buf, meta in reader:
            packets += 1
            _decode_into(table, buf, 0, len(buf), meta.wirelen)
            if limit and packets >= limit:
                break
    return {"packets": packets, "conversations": len(table)}


def run_tshark(path: str, limit: int | None) -> dict:
    args = ["tshark", "-n", "-q", "-z", "conv,tcp", "-r", path]
    if limit:
        args[1:1] = ["-c", str(limit)]
    proc = subprocess.run(args, capture_output=True, check=True)
    convs = sum(1 for line in proc.stdout.decode(errors="replace").splitlines() if "<->" in line)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"packets": limit, "conversations": convs, "tcp_only": True, "child_peak_kb": peak}


def run_hdscan(path: str, limit: int | None) -> dict:
    from scanner.collect.capture.collector import collect
    from scanner.collect.capture import fastwalk
    if os.environ.get("HDSCAN_PURE_PYTHON") is None:
        assert fastwalk.available(), "hdscan-fast needs numba (pip install numba)"
        fastwalk.MIN_BYTES = 0              # the compiled walk whatever the file's size
    run = collect(Path(path), Path(path).name)
    kinds: dict[str, int] = {}
    for obs in run:
        kinds[obs.kind] = kinds.get(obs.kind, 0) + 1
    return {"packets": run.packets, "conversations": kinds.get("flow", 0),
            "facts": kinds.get("protocol", 0), "dns": kinds.get("dns", 0)}


def run_hdscan_table(path: str, limit: int | None) -> dict:
    from scanner.collect.capture.decode import Decoder
    from scanner.collect.capture.flows import FlowTable
    from scanner.collect.capture.pcapfile import PcapReader
    reader, table = PcapReader(path), FlowTable()
    table.feed(reader, Decoder().decode)
    table.finish()
    return {"packets": reader.frames, "conversations": len(table.conversations())}


run_hdscan_fast = run_hdscan


def _warm_fastwalk() -> None:
    """Compile (or load from cache) the numba walk outside the timing."""
    from scanner.collect.capture import fastwalk
    from scanner.collect.capture.decode import Decoder
    from scanner.collect.capture.flows import FlowTable
    if not fastwalk.available():
        return
    frame = bytes(12) + b"\x08\x00" + bytes.fromhex(
        "4500001c00010000401100000a0000010a000002d431003500080000")
    pcap = (struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
            + struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame)
    fastwalk.FastReader(pcap).feed(FlowTable(), Decoder())


def run_dpkt(path: str, limit: int | None) -> dict:
    import dpkt
    table: dict = {}
    packets = 0
    with open(path, "rb") as fh:
        for _ts, buf in dpkt.pcap.Reader(fh):
            packets += 1
            ip = dpkt.ethernet.Ethernet(buf).data
            if isinstance(ip, dpkt.ip.IP):
                proto = ip.p
            elif isinstance(ip, dpkt.ip6.IP6):
                proto = ip.nxt
            else:
                continue
            l4 = ip.data
            if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                _count(table, (ip.src, l4.sport), (ip.dst, l4.dport), proto, len(buf))
    return {"packets": packets, "conversations": len(table)}


def run_scapy(path: str, limit: int | None) -> dict:
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.utils import PcapReader
    table: dict = {}
    packets = 0
    with PcapReader(path) as reader:
        for pkt in reader:
            packets += 1
            if IP in pkt:
                ip = pkt[IP]
                proto = ip.proto
            elif IPv6 in pkt:
                ip = pkt[IPv6]
                proto = ip.nh
            else:
                continue
            l4 = pkt[TCP] if TCP in pkt else pkt[UDP] if UDP in pkt else None
            if l4 is not None:
                _count(table, (ip.src, l4.sport), (ip.dst, l4.dport), proto,
                       pkt.wirelen or len(pkt))
            if limit and packets >= limit:
                break
    return {"packets": packets, "conversations": len(table)}


def hwm_kb() -> int:
    """This process's peak RSS in KiB: ``VmHWM`` (reset at exec, unlike ``ru_maxrss``,
    which a child inherits from the parent that forked it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(name: str, path: str, limit: int | None) -> None:
    """Run one contender and print its figures as one JSON line."""
    sys.path.insert(0, str(ROOT))
    fn = globals()[f"run_{name.replace('-', '_')}"]
    if name in ("hdscan", "hdscan-table"):       # the pure-Python path
        os.environ["HDSCAN_PURE_PYTHON"] = "1"
    if name.startswith("hdscan"):
        import scanner.collect.capture.collector  # noqa: F401  (import outside the timing)
        _warm_fastwalk()
    elif name == "dpkt":
        import dpkt  # noqa: F401
    elif name.startswith("scapy"):
        import scapy.all  # noqa: F401
    base = hwm_kb()
    cpu0 = time.process_time()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = fn(path, limit)
    out["seconds"] = time.perf_counter() - start
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu"] = (time.process_time() - cpu0 + kids.ru_utime - kids0.ru_utime
                  + kids.ru_stime - kids0.ru_stime)
    out["base_kb"] = base
    out["peak_kb"] = hwm_kb()
    if "child_peak_kb" in out:                  # tshark: the peak of the tshark process
        out["base_kb"], out["peak_kb"] = 0, out.pop("child_peak_kb")
    print(json.dumps(out))


# ------------------------------------------------------------------ the parent

def measure(name: str, path: Path, limit: int | None) -> dict:
    """Run contender ``name`` on ``path`` in a child, one at a time; its figures."""
    args = [sys.executable, __file__, "--child", name, str(path)]
    if limit:
        args += ["--limit", str(limit)]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed on {path}:\n{proc.stderr.decode()[-2000:]}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def versions() -> str:
    out = []
    for mod in ("dpkt", "scapy"):
        try:
            out.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            out.append(f"{mod} missing")
    try:
        head = subprocess.run(["tshark", "--version"], capture_output=True, check=False)
        out.append(head.stdout.decode(errors="replace").splitlines()[0])
    except (OSError, IndexError):
        out.append("tshark missing")
    return ", ".join(out)


def ensure_capture(directory: Path, conversations: int, shape: str, size_mb: float) -> Path:
    """The capture for these parameters in ``directory``, generated unless already there.

    ``shape`` is ``mixed`` (``pcapgen.generate_mixed``) or a DNS weight (``generate``).
    """
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import pcapgen
    tag = "mixed" if shape == "mixed" else f"w{int(shape)}"
    path = directory / f"bench-{conversations}c-{size_mb:g}mb-{tag}.pcap"
    if not path.exists():
        tmp = path.with_suffix(".part")
        if shape == "mixed":
            m = pcapgen.generate_mixed(tmp, conversations, int(size_mb * 1_000_000))
        else:
            m = pcapgen.generate(tmp, conversations, int(size_mb * 1_000_000),
                                 dns_weight=int(shape))
        tmp.rename(path)
        print(f"# generated {path.name}: {m.bytes / 1e6:.1f} MB, {m.packets} packets, "
              f"{len(m.flows)} conversations", flush=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    ap.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--size-mb", type=float, default=20.0, help="size of each capture")
    ap.add_argument("--scapy-limit", type=int, default=10_000,
                    help="packets scapy PcapReader reads before its time is scaled (0: all)")
    ap.add_argument("--tshark-limit", type=int, default=0,
                    help="packets tshark reads before its time is scaled (0: all)")
    ap.add_argument("--big", action="store_true",
                    help="issue #4's capture: 2,000 mixed conversations in 1 GB "
                         "(--size-mb 1000, --scapy-limit 50000, --tshark-limit 300000)")
    ap.add_argument("--pcap-dir", type=Path, help="keep captures here and reuse them")
    ap.add_argument("--only", default=",".join(CONTENDERS), help="contenders, comma-separated")
    ap.add_argument("--sizes", default=SIZES,
                    help="captures as conversations:mixed or conversations:dns_weight, "
                         "comma-separated")
    opts = ap.parse_args()
    if opts.child:
        child(opts.child, opts.path, opts.limit)
        return
    if opts.big:
        opts.size_mb, opts.sizes = 1000.0, "2000:mixed"
        opts.scapy_limit, opts.tshark_limit = 50_000, 300_000
    work = opts.pcap_dir or Path(tempfile.mkdtemp(prefix="hdscan-pcapbench-"))
    work.mkdir(parents=True, exist_ok=True)
    names = [n for n in opts.only.split(",") if n]
    print(f"# {time.strftime('%Y-%m-%d', time.gmtime())} · {machine()} · {versions()}")
    limits = {"scapy": opts.scapy_limit, "tshark": opts.tshark_limit}
    try:
        rows = []
        for spec in opts.sizes.split(","):
            conversations, shape = spec.split(":")
            path = ensure_capture(work, int(conversations), shape, opts.size_mb)
            rows.append(bench(path, names, limits))
        ratios(rows)
    finally:
        if opts.pcap_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def bench(path: Path, names: list[str], limits: dict[str, int]) -> dict:
    """Run every contender on ``path``, print their rows, return them by name."""
    size = path.stat().st_size
    print(f"\n{path.name} ({size / 1e6:.1f} MB)")
    print(f"{'contender':<12} {'packets':>9} {'convs':>7} {'seconds':>8} {'kpkt/s':>8} "
          f"{'MB/s':>7} {'cpu s':>7} {'kpkt/cpu-s':>10} {'peak MB':>8} {'growth MB':>9}")
    results: dict[str, dict] = {}
    total = None
    for name in names:
        limit = limits.get(name) or None
        try:
            r = measure(name, path, limit)
        except SystemExit as exc:
            if "ModuleNotFoundError" not in str(exc) and "FileNotFoundError" not in str(exc):
                raise
            print(f"{name:<12} skipped: not installed")
            continue
        if r["packets"] is None and name == "tshark":
            r["packets"] = total
        if r["packets"] is not None and not limit:
            total = total or r["packets"]
        scaled = bool(limit) and total is not None and r["packets"] < total
        fraction = r["packets"] / total if scaled else 1.0
        secs = r["seconds"] / fraction
        r["pps"] = total / secs if total else None
        r["mbps"] = size / 1e6 / secs
        cpu = max(r.get("cpu", r["seconds"]), 1e-6) / fraction
        r["cpu_s"] = cpu
        r["pps_cpu"] = total / cpu if total else None
        r["scaled"] = scaled
        results[name] = r
        convs = "-" if r["conversations"] is None else str(r["conversations"])
        if r.get("tcp_only"):
            convs += "t"
        mark = "*" if scaled else " "
        pkts = "-" if r["packets"] is None else str(r["packets"])
        kpps = "-" if r["pps"] is None else f"{r['pps'] / 1e3:.1f}"
        kcpu = "-" if r["pps_cpu"] is None else f"{r['pps_cpu'] / 1e3:.1f}"
        print(f"{name:<12} {pkts:>9} {convs:>7} {secs:>7.2f}{mark} {kpps:>8} "
              f"{r['mbps']:>7.1f} {cpu:>7.2f} {kcpu:>10} {r['peak_kb'] / 1024:>8.1f} "
              f"{(r['peak_kb'] - r['base_kb']) / 1024:>9.1f}", flush=True)
    for name, r in results.items():
        if r["scaled"]:
            print(f"* {name} read the first {limits[name]} packets; seconds and packets/s "
                  f"scaled to the whole file, memory is the slice's")
    if "tshark" in results:
        print("t tshark counts TCP conversations only")
    full = {r["conversations"] for n, r in results.items()
            if r["conversations"] is not None and not r["scaled"] and not r.get("tcp_only")}
    if len(full) > 1:
        print(f"! conversation counts differ: "
              f"{ {n: r['conversations'] for n, r in results.items()} }")
    results["_name"] = path.name
    return results


def ratios(rows: list[dict]) -> None:
    """hdscan (fast, then pure Python) over each peer: packets/s and peak RSS."""
    print("\nratios hdscan/peer: speed (packets/s; MB/s for read), the same per CPU second, "
          "peak RSS")
    for res, subject in [(res, s) for res in rows for s in ("hdscan-fast", "hdscan")]:
        h = res.get(subject)
        if h is None:
            continue
        parts = []
        for peer in ("dpkt", "scapy", "scapy-raw", "tshark", "struct", "raw", "read",
                     "hdscan-table", "hdscan"):
            p = res.get(peer)
            if p is not None and peer != subject:
                mark = "*" if p["scaled"] else ""
                speed = h["mbps"] / p["mbps"] if p["pps"] is None else h["pps"] / p["pps"]
                cpu = p["cpu_s"] / h["cpu_s"]
                parts.append(f"{peer}{mark} {speed:.2f}x speed ({cpu:.2f}x per CPU second), "
                             f"{h['peak_kb'] / p['peak_kb']:.2f}x memory")
        print(f"{res['_name']} ({subject}):\n  " + "\n  ".join(parts))


if __name__ == "__main__":
    main()
