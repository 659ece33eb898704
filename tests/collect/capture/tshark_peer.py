"""Test helper: tshark's view of a capture's conversations, to compare hdscan's against.

Two views of the same capture, both from tshark itself:

* ``conv_table(path)``: ``tshark -q -z conv,tcp -z conv,udp``, parsed. Frames are exact;
  bytes are exact below 10,000 and printed by tshark 4.x with an SI unit above
  (``29 kB``, ``12 MB``: the value divided by 1000 or 1,000,000, rounded down), so each
  entry keeps the printed number and its divisor.
* ``frame_sums(path)``: ``tshark -T fields`` with one line per frame (frame length,
  addresses, ports), summed per conversation and direction: exact bytes, from tshark's
  own dissection, for every conversation whatever its size.

Keys are ``(transport, (ip, port), (ip, port))``, the endpoints in sorted order; values
map ``(src endpoint) -> [frames, bytes]`` for the direction sent *by* that endpoint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

_UNITS = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}
_ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+([\d,]+) ([\d,]+) (bytes|kB|MB|GB)\s+"
                  r"([\d,]+) ([\d,]+) (bytes|kB|MB|GB)\s")


def tshark() -> str | None:
    return shutil.which("tshark")


def _run(args: list[str]) -> str:
    done = subprocess.run([tshark(), *args], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def _endpoint(text: str) -> tuple[str, int]:
    ip, port = text.rsplit(":", 1)
    return ip, int(port)


def _key(transport: str, a, b):
    return (transport, *sorted((a, b)))


def conv_table(path: Path) -> dict:
    """``{key: {src endpoint: (frames, printed bytes, divisor)}}`` from ``-z conv``."""
    out = _run(["-q", "-n", "-r", str(path), "-z", "conv,tcp", "-z", "conv,udp"])
    table: dict = {}
    transport = None
    for line in out.splitlines():
        if "TCP Conversations" in line:
            transport = "tcp"
        elif "UDP Conversations" in line:
            transport = "udp"
        m = _ROW.match(line)
        if not m or transport is None:
            continue
        a, b = _endpoint(m.group(1)), _endpoint(m.group(2))

        def num(i):
            return int(m.group(i).replace(",", ""))
        # "<-" columns: frames and bytes sent to A (by B); "->": sent by A
        table[_key(transport, a, b)] = {
            b: (num(3), num(4), _UNITS[m.group(5)]),
            a: (num(6), num(7), _UNITS[m.group(8)]),
        }
    return table


def frame_sums(path: Path) -> dict:
    """``{key: {src endpoint: [frames, bytes]}}`` summed from tshark's per-frame fields."""
    fields = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
    args = ["-n", "-r", str(path), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for f in fields:
        args += ["-e", f]
    sums: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for line in _run(args).splitlines():
        length, ip4s, ip4d, ip6s, ip6d, ts, td, us, ud = (line.split("\t") + [""] * 9)[:9]
        src, dst = (ip4s, ip4d) if ip4s else (ip6s, ip6d)
        if not src:
            continue
        if ts:
            transport, sport, dport = "tcp", ts, td
        elif us:
            transport, sport, dport = "udp", us, ud
        else:
            continue
        a, b = (src, int(sport)), (dst, int(dport))
        row = sums[_key(transport, a, b)][a]
        row[0] += 1
        row[1] += int(length)
    return {k: {e: tuple(v) for e, v in d.items()} for k, d in sums.items()}
