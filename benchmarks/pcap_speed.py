"""Speed and peak memory of hdscan's pcap reader against dpkt, scapy and a raw struct loop.

Issue #4 asks that the capture reader be fast and that its memory follow the number of
conversations, not of packets, measured side by side with its peers in one run. This
script generates (``pcapgen.py``) two classic pcaps of about the same size, one with
few conversations and one with many, then runs every contender on each file in its own
subprocess, one at a time:

``raw``     struct over the file's record headers, no decoding: the ceiling.
``struct``  the same loop plus a hand-written Ethernet/IPv4/TCP/UDP decode into a
            5-tuple conversation table (packets and bytes each way): pure Python.
``hdscan``  ``scanner.collect.capture.collector.collect(path, source)``, iterated:
            flows, protocol identification on content, passive DNS, sorted output.
``hdscan-table``  the same reader, decoder and ``FlowTable`` (feed + finish) without
            building, checking and sorting observations: the per-packet engine alone.
``dpkt``    ``dpkt.pcap.Reader`` + ``dpkt.ethernet.Ethernet`` decode, same table.
``scapy``   ``scapy.utils.PcapReader`` dissecting every packet, same table. scapy runs
            at a few thousand packets/s, so by default it reads only the first
            ``--scapy-limit`` packets and its time is *scaled* to the whole file
            (marked ``*``; its memory is that of the slice).

dpkt is installed for this benchmark only (``pip install dpkt``); it is NOT a
dependency of hdscan. scapy is an optional hdscan dependency (live capture).

Seconds are measured inside the child around the reading loop (imports excluded);
peak RSS is the child's high-water mark and "growth" is peak minus the RSS
after imports, i.e. what the reading itself cost (both from ``VmHWM`` in
``/proc/self/status``: ``ru_maxrss`` would include the parent's RSS at fork).
Ratios are packets/s and peak RSS of hdscan over each peer.

    python3 benchmarks/pcap_speed.py                       # ~100 MB, 10k and 200k conversations
    python3 benchmarks/pcap_speed.py --pcap-dir /tmp/pcaps # keep and reuse the captures
    python3 benchmarks/pcap_speed.py --size-mb 20 --scapy-limit 20000   # quick look

Not run in CI (minutes: generating the 200k-conversation file alone takes ~35 s).
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
CONTENDERS = ("raw", "struct", "hdscan", "hdscan-table", "dpkt", "scapy")
CHUNK = 1 << 20
SIZES = ((10_000, 1), (200_000, 14))      # (conversations, DNS weight) at --size-mb each


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


def run_struct(path: str, limit: int | None) -> dict:
    table: dict = {}
    packets = 0
    for buf, start, end, orig in _records(path):
        packets += 1
        p = start + 12
        etype = buf[p] << 8 | buf[p + 1]
        while etype in (0x8100, 0x88A8):
            p += 4
            etype = buf[p] << 8 | buf[p + 1]
        if etype != 0x0800:
            continue
        ip = p + 2
        ihl = (buf[ip] & 15) * 4
        proto = buf[ip + 9]
        if proto not in (6, 17) or (buf[ip + 6] << 8 | buf[ip + 7]) & 0x1FFF:
            continue
        l4 = ip + ihl
        if l4 + 4 > end:
            continue
        _count(table, (buf[ip + 12:ip + 16], buf[l4] << 8 | buf[l4 + 1]),
               (buf[ip + 16:ip + 20], buf[l4 + 2] << 8 | buf[l4 + 3]), proto, orig)
    return {"packets": packets, "conversations": len(table)}


def run_hdscan(path: str, limit: int | None) -> dict:
    from scanner.collect.capture.collector import collect
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
    if name.startswith("hdscan"):
        import scanner.collect.capture.collector  # noqa: F401  (import outside the timing)
    elif name == "dpkt":
        import dpkt  # noqa: F401
    elif name == "scapy":
        import scapy.all  # noqa: F401
    base = hwm_kb()
    start = time.perf_counter()
    out = fn(path, limit)
    out["seconds"] = time.perf_counter() - start
    out["base_kb"] = base
    out["peak_kb"] = hwm_kb()
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
    return ", ".join(out)


def ensure_capture(directory: Path, conversations: int, dns_weight: int, size_mb: float) -> Path:
    """The capture for these parameters in ``directory``, generated unless already there."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import pcapgen
    path = directory / f"bench-{conversations}c-{size_mb:g}mb-w{dns_weight}.pcap"
    if not path.exists():
        tmp = path.with_suffix(".part")
        m = pcapgen.generate(tmp, conversations, int(size_mb * 1_000_000), dns_weight=dns_weight)
        tmp.rename(path)
        print(f"# generated {path.name}: {m.bytes / 1e6:.1f} MB, {m.packets} packets, "
              f"{len(m.flows)} conversations", flush=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    ap.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--size-mb", type=float, default=100.0, help="size of each capture")
    ap.add_argument("--scapy-limit", type=int, default=50_000,
                    help="packets scapy reads before its time is scaled (0: whole file)")
    ap.add_argument("--pcap-dir", type=Path, help="keep captures here and reuse them")
    ap.add_argument("--only", default=",".join(CONTENDERS), help="contenders, comma-separated")
    ap.add_argument("--sizes", default=",".join(f"{c}:{w}" for c, w in SIZES),
                    help="captures as conversations:dns_weight, comma-separated")
    opts = ap.parse_args()
    if opts.child:
        child(opts.child, opts.path, opts.limit)
        return
    work = opts.pcap_dir or Path(tempfile.mkdtemp(prefix="hdscan-pcapbench-"))
    work.mkdir(parents=True, exist_ok=True)
    names = [n for n in opts.only.split(",") if n]
    print(f"# {time.strftime('%Y-%m-%d', time.gmtime())} · {machine()} · {versions()}")
    try:
        rows = []
        for spec in opts.sizes.split(","):
            conversations, weight = (int(x) for x in spec.split(":"))
            path = ensure_capture(work, conversations, weight, opts.size_mb)
            rows.append(bench(path, names, opts.scapy_limit))
        ratios(rows)
    finally:
        if opts.pcap_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def bench(path: Path, names: list[str], scapy_limit: int) -> dict:
    """Run every contender on ``path``, print their rows, return them by name."""
    size = path.stat().st_size
    print(f"\n{path.name} ({size / 1e6:.1f} MB)")
    print(f"{'contender':<12} {'packets':>9} {'convs':>7} {'seconds':>8} {'kpkt/s':>8} "
          f"{'MB/s':>7} {'peak MB':>8} {'growth MB':>9}")
    results: dict[str, dict] = {}
    total = None
    for name in names:
        limit = scapy_limit if name == "scapy" and scapy_limit else None
        r = measure(name, path, limit)
        if name != "scapy" or not limit:
            total = total or r["packets"]
        scaled = bool(limit) and total is not None and r["packets"] < total
        secs = r["seconds"] * (total / r["packets"]) if scaled else r["seconds"]
        r["pps"] = (total if scaled else r["packets"]) / secs
        r["scaled"] = scaled
        results[name] = r
        convs = "-" if r["conversations"] is None else str(r["conversations"])
        mark = "*" if scaled else " "
        print(f"{name:<12} {r['packets']:>9} {convs:>7} {secs:>7.2f}{mark} {r['pps'] / 1e3:>8.1f} "
              f"{size / 1e6 / secs:>7.1f} {r['peak_kb'] / 1024:>8.1f} "
              f"{(r['peak_kb'] - r['base_kb']) / 1024:>9.1f}", flush=True)
    if any(r["scaled"] for r in results.values()):
        print(f"* scapy read the first {scapy_limit} packets; seconds and packets/s scaled to "
              f"the whole file, memory is the slice's")
    full = {r["conversations"] for n, r in results.items()
            if r["conversations"] is not None and not r["scaled"]}
    if len(full) > 1:
        print(f"! conversation counts differ: "
              f"{ {n: r['conversations'] for n, r in results.items()} }")
    results["_name"] = path.name
    return results


def ratios(rows: list[dict]) -> None:
    """hdscan over each peer: packets/s (higher is faster) and peak RSS."""
    print("\nratios hdscan/peer: speed (packets/s), peak RSS")
    for res in rows:
        h = res.get("hdscan")
        if h is None:
            continue
        parts = []
        for peer in ("dpkt", "scapy", "struct", "raw", "hdscan-table"):
            p = res.get(peer)
            if p is not None:
                mark = "*" if p["scaled"] else ""
                parts.append(f"{peer}{mark} {h['pps'] / p['pps']:.2f}x speed, "
                             f"{h['peak_kb'] / p['peak_kb']:.2f}x memory")
        print(f"{res['_name']}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
