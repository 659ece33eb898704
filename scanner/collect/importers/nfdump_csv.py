"""Owns reading NetFlow/IPFIX records exported by ``nfdump -o csv`` into service-level flows.

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``.

Layouts (told from the header line; columns are found by name, so their order and any
extra columns do not matter):

- the classic ``-o csv`` of nfdump 1.6 and 1.7 (``ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,
  ipkt,ibyt,opkt,obyt,…,tr``) followed by a ``Summary`` block, which is not read;
  times ``2026-03-02 08:00:00`` (``.mmm`` optional), protocol by name (``TCP``);
- the newer fixed layout (``cnt,af,firstSeen,lastSeen,proto,srcAddr,srcPort,dstAddr,
  dstPort,…,flags,srcTos,packets,bytes``): times in epoch milliseconds, protocol number;
- ``-o csv:…`` user formats whose header names come from the same table (``firstSeen``,
  ``srcAddr``, ``inPackets``, ``outBytes``…) when they include the columns needed.

nfdump prints local time: export with ``TZ=UTC`` (times are read as UTC).

NetFlow is unidirectional: each record is one direction of a conversation. The client is
the source of a TCP record whose flags show SYN without ACK (``handshake``, high; flags
are cumulative over the record, so a full connection's records show both), else it is
decided from the ports exactly as the pcap collector does without a handshake
(``capture.flows.guess_client``, ``port``, medium or low). Both directions then add into
one flow (client, server, server port, transport): ``ipkt``/``ibyt`` go to the direction
of the record, ``opkt``/``obyt`` (bidirectional exporters) to the other. Connections
count the records sent by the client (a long connection split by the exporter's active
timeout counts once per record). Records other than TCP and UDP are skipped.

A file is one transaction: a row whose field count differs from the header, a value that
does not parse or a last row cut short (no final newline) raises ``InputError`` naming the
line, and nothing of the file is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.observations import Observation
from ..capture.flows import guess_client
from .flowlog import FlowLogTable, address, checked_time, lines

NAME = "nfdump"
VERSION = "1"

# Logical column → header names nfdump gives it (classic, fixed and user csv layouts).
COLUMNS: dict[str, tuple[str, ...]] = {
    "first": ("ts", "firstSeen"), "last": ("te", "lastSeen"), "duration": ("td", "duration"),
    "src": ("sa", "srcAddr"), "dst": ("da", "dstAddr"), "sport": ("sp", "srcPort"),
    "dport": ("dp", "dstPort"), "proto": ("pr", "proto"), "flags": ("flg", "flags"),
    "in_packets": ("ipkt", "packets", "inPackets"), "in_bytes": ("ibyt", "bytes", "inBytes"),
    "out_packets": ("opkt", "outPackets"), "out_bytes": ("obyt", "outBytes"),
}
REQUIRED = ("first", "src", "dst", "sport", "dport", "proto", "in_packets", "in_bytes")
TRANSPORTS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}


def columns(header: str) -> dict[str, int] | None:
    """Logical column → index for an nfdump csv header line, or None if one is missing.

    >>> sorted(columns("ts,te,td,sa,da,sp,dp,pr,flg,ipkt,ibyt"))[:3]
    ['dport', 'dst', 'duration']
    >>> columns("hostname,ip,role") is None
    True
    """
    names = [n.strip() for n in header.lstrip("\ufeff").strip().split(",")]
    found = {}
    for logical, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[logical] = names.index(alias)
                break
    return found if all(c in found for c in REQUIRED) else None


def accepts(path: Path, head: bytes) -> bool:
    """True if the first line is an nfdump csv header naming the flow columns."""
    first = head.split(b"\n", 1)[0]
    try:
        return columns(first.decode("ascii")) is not None
    except UnicodeDecodeError:
        return False


def _time(value: str, what: str, where: SourceLocation) -> float:
    value = value.strip()
    if value.isdigit():
        return checked_time(int(value) / 1000.0, where)  # epoch milliseconds
    try:
        when = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f" if "." in value
                                    else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise InputError(f"{what} {value[:40]!r} is not an nfdump time", where) from None
    return checked_time(when.replace(tzinfo=dt.timezone.utc).timestamp(), where)


def _int(value: str, what: str, where: SourceLocation, limit: int | None = None) -> int:
    value = value.strip()
    number = int(value) if value.isdigit() else None
    if number is None or (limit is not None and number > limit):
        raise InputError(f"{what} {value[:40]!r} is not a count", where)
    return number


def _record(table: FlowLogTable, cols: dict[str, int], values: list[str], n: int,
            where: SourceLocation) -> None:
    def get(name: str) -> str | None:
        return values[cols[name]] if name in cols else None

    transport = TRANSPORTS.get(get("proto").strip().lower())
    if transport is None:
        return                               # ICMP, GRE, ESP…: no service port
    src, dst = address(get("src")), address(get("dst"))
    if src is None or dst is None:
        raise InputError("source or destination is not an IP address", where)
    sport = _int(get("sport"), "source port", where, 65535)
    dport = _int(get("dport"), "destination port", where, 65535)
    first = _time(get("first"), "first seen", where)
    if get("last") is not None:
        last = _time(get("last"), "last seen", where)
    else:
        duration = get("duration") or "0"
        try:
            last = checked_time(first + float(duration), where)
        except ValueError:
            raise InputError(f"duration {duration[:40]!r} is not a number", where) from None
    counts = [_int(get("in_packets"), "packets", where), _int(get("in_bytes"), "bytes", where),
              _int(get("out_packets") or "0", "out packets", where),
              _int(get("out_bytes") or "0", "out bytes", where)]
    flags = get("flags") or ""
    if transport == "tcp" and "S" in flags and "A" not in flags:
        client_side, source, confidence = 0, "handshake", "high"
    else:
        client_side, source, confidence = guess_client(sport, dport, transport)
    if client_side == 0:
        table.add_flow(src, dst, dport, transport, (counts[0], counts[2], counts[1], counts[3]),
                       1, first, max(first, last), n, source, confidence)
    else:
        table.add_flow(dst, src, sport, transport, (counts[2], counts[0], counts[3], counts[1]),
                       0, first, max(first, last), n, source, confidence)


def read(path: Path, source: str) -> list[Observation]:
    """Every ``flow`` observation of one nfdump csv export, sorted.

    Raises
    ------
    InputError
        No nfdump header, a row with the wrong field count, a value that does not parse,
        or a last row cut short; each naming the line.
    """
    table = FlowLogTable(NAME, VERSION, source)
    cols: dict[str, int] | None = None
    width = 0
    for n, line in lines(path, source):
        where = SourceLocation(source, f"line {n}")
        if cols is None:
            cols = columns(line)
            if cols is None:
                raise InputError("not an nfdump csv header", where)
            width = line.count(",") + 1
            continue
        if not line.strip():
            continue
        if line.strip() == "Summary":
            break                            # totals follow; the records are all read
        values = line.split(",")
        if len(values) != width:
            raise InputError(f"{len(values)} fields where the header names {width}", where)
        _record(table, cols, values, n, where)
    return table.observations()


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Iterate the observations of one nfdump csv export (InputError raised while iterating)."""
    yield from read(path, source)
