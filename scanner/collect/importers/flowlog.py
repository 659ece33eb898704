"""Owns what the flow-log importers (Zeek, nfdump) share: aggregation and observations.

A flow log is read one line at a time; each line adds to a table keyed by the service-level
flow (client, server, server port, transport), by the distinct protocol fact set of a flow,
or by the distinct DNS answer, so memory is bounded by those, never by the number of lines.
``FlowLogTable.observations`` then turns the table into ``flow``, ``protocol`` and ``dns``
observations, sorted as the pcap collector sorts them. Evidence: the importer's name and
version, the source, ``lines <first>-<last>`` for a flow and ``line N`` (first line seen)
for a fact or a DNS answer, and the UTC times read from the log (whole seconds).
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import re
import time
import zlib
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation, canonical_json
from ...privacy import observation

GZIP_MAGIC = b"\x1f\x8b"
_KIND_ORDER = {"flow": 0, "protocol": 1, "dns": 2}
_RANK = {("handshake", "high"): 4, ("flow-log", "medium"): 3, ("port", "medium"): 2,
         ("port", "low"): 1}
_YEAR_10000 = 253402300800.0
_LABEL = re.compile(r"^[a-z0-9_\-*]{1,63}$")


def lines(path: Path, source: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line of a plain or gzip-compressed text file.

    Raises
    ------
    InputError
        The last line has no final newline (the log was cut mid-record), a line is not
        UTF-8, or the gzip stream is cut short or damaged; each naming the line.
    """
    with open(path, "rb") as f:
        opener = gzip.open if f.read(2) == GZIP_MAGIC else open
    n = 0
    try:
        with opener(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.endswith(b"\n"):
                    raise InputError("truncated line: the log ends in the middle of a record, "
                                     "nothing kept", SourceLocation(source, f"line {n}"))
                try:
                    yield n, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    raise InputError(f"not UTF-8 ({exc.reason})",
                                     SourceLocation(source, f"line {n}")) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"compressed log cut short or damaged ({exc})",
                         SourceLocation(source, f"line {n + 1}")) from None


def checked_time(ts: float, where: SourceLocation) -> float:
    """``ts`` (epoch seconds) if it is a date between 1970 and 9999, else ``InputError``."""
    if not 0 <= ts < _YEAR_10000:
        raise InputError(f"time {ts!r} is not a date", where)
    return ts


def iso(ts: float) -> str:
    """``2026-03-02T08:00:00Z`` (UTC, whole seconds) for a time ``checked_time`` let through."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


@functools.lru_cache(maxsize=1 << 16)
def address(text: str) -> str | None:
    """The canonical text of an IPv4/IPv6 address, or None if ``text`` is not one.

    Cached (bounded): a flow log names the same few thousand addresses millions of times.

    >>> address("FD00:0020:0001::0021")
    'fd00:20:1::21'
    """
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def dns_name(text: str) -> str | None:
    """A host name as passive DNS keeps it (lower case, no final dot), or None.

    >>> dns_name("PACS01.CH-Example.local.")
    'pacs01.ch-example.local'
    >>> dns_name("TXT 12 v=spf1 -all") is None
    True
    """
    name = text.strip().rstrip(".").lower()
    if not name or len(name) > 253:
        return None
    if not all(_LABEL.match(label) for label in name.split(".")):
        return None
    return name


class FlowLogTable:
    """Flows, protocol fact sets and DNS answers accumulated from a flow log.

    Examples
    --------
    >>> t = FlowLogTable("zeek", "1", "conn.log")
    >>> t.add_flow("10.0.0.1", "10.0.0.2", 5432, "tcp", (3, 2, 180, 120), 1, 0.0, 1.5, 9,
    ...            "handshake", "high")
    >>> [o.data["bytes_to_server"] for o in t.observations()]
    [180]
    """

    def __init__(self, collector: str, version: str, source: str):
        self.collector = collector
        self.version = version
        self.source = source
        self._flows: dict[tuple, list] = {}
        self._facts: dict[tuple, list] = {}
        self._dns: dict[tuple, list] = {}

    def add_flow(self, client: str, server: str, port: int, transport: str,
                 counts: tuple[int, int, int, int], connections: int, first: float,
                 last: float, line: int, direction_source: str, confidence: str) -> None:
        """Add one log record: ``counts`` is (packets to server, to client, bytes to
        server, to client)."""
        key = (client, server, port, transport)
        row = self._flows.get(key)
        if row is None:
            self._flows[key] = [*counts, connections, line, line, first, last,
                                direction_source, confidence]
            return
        row[0] += counts[0]
        row[1] += counts[1]
        row[2] += counts[2]
        row[3] += counts[3]
        row[4] += connections
        if line < row[5]:
            row[5] = line
        if line > row[6]:
            row[6] = line
        if first < row[7]:
            row[7] = first
        if last > row[8]:
            row[8] = last
        if (direction_source != row[9] or confidence != row[10]) and \
                _RANK[(direction_source, confidence)] > _RANK[(row[9], row[10])]:
            row[9], row[10] = direction_source, confidence

    def add_fact(self, client: str, server: str, port: int, transport: str, protocol: str,
                 facts: dict, ts: float, line: int) -> None:
        """Add one distinct fact set (list values sorted) of ``protocol`` on a flow."""
        frozen = tuple(sorted((k, tuple(sorted(v)) if isinstance(v, (list, tuple)) else v)
                              for k, v in facts.items() if v not in (None, "", [], ())))
        self._seen(self._facts, (client, server, port, transport, protocol, frozen), ts, line)

    def add_bare_fact(self, client: str, server: str, port: int, transport: str, protocol: str,
                      ts: float, line: int) -> None:
        """``add_fact`` with no facts: the log names the protocol only (Zeek's ``service``)."""
        self._seen(self._facts, (client, server, port, transport, protocol, ()), ts, line)

    def add_dns(self, name: str, answer: str, record_type: str, ts: float, line: int) -> None:
        """Add one passive-DNS answer (name → address or CNAME target)."""
        self._seen(self._dns, (name, answer, record_type), ts, line)

    @staticmethod
    def _seen(table: dict, key: tuple, ts: float, line: int) -> None:
        row = table.get(key)
        if row is None:
            table[key] = [line, ts, ts]
        else:
            if line < row[0]:
                row[0] = line
            if ts < row[1]:
                row[1] = ts
            if ts > row[2]:
                row[2] = ts

    def _evidence(self, location: str, first: float, last: float) -> Evidence:
        return Evidence(self.collector, self.version, self.source, location, None,
                        iso(first), iso(last))

    def observations(self) -> list[Observation]:
        """Every observation of the table, sorted (flows, protocol facts, DNS answers)."""
        out: list[Observation] = []
        for (client, server, port, transport), r in self._flows.items():
            out.append(observation(
                "flow", self._evidence(f"lines {r[5]}-{r[6]}", r[7], r[8]),
                client_ip=client, server_ip=server, server_port=port, transport=transport,
                packets_to_server=r[0], packets_to_client=r[1], bytes_to_server=r[2],
                bytes_to_client=r[3], connections=max(r[4], 1),
                first_seen=iso(r[7]), last_seen=iso(r[8]),
                direction_source=r[9], confidence=r[10]))
        for (client, server, port, transport, protocol, frozen), r in self._facts.items():
            facts = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}
            out.append(observation(
                "protocol", self._evidence(f"line {r[0]}", r[1], r[2]),
                client_ip=client, server_ip=server, server_port=port, transport=transport,
                protocol=protocol, facts=facts))
        for (name, answer, record_type), r in self._dns.items():
            out.append(observation(
                "dns", self._evidence(f"line {r[0]}", r[1], r[2]),
                name=name, address=answer, record_type=record_type))
        out.sort(key=lambda o: (_KIND_ORDER[o.kind], canonical_json(o.data),
                                canonical_json(o.evidence.to_dict())))
        return out
