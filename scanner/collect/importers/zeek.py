"""Owns reading Zeek ``conn.log``, ``dns.log`` and ``ssl.log`` into flows, TLS facts and DNS.

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``.

Formats: Zeek's TSV logs (``#separator \\x09``, ``#set_separator``, ``#empty_field``,
``#unset_field``, ``#path``, ``#open``, ``#fields``, ``#types``, ``#close`` headers) and
JSON-lines logs (``LogAscii::use_json``; epoch or ISO-8601 ``ts``; ``_path`` may be absent,
the log type is then told from its fields), either one plain or gzip-compressed.
Only ``conn``, ``dns`` and ``ssl`` logs are read: ``http.log`` and ``files.log`` carry
URIs and file names, so they are never accepted and never opened past their header.

Emitted (through ``flowlog.FlowLogTable``, memory bounded by distinct flows, never lines):

- ``conn`` → ``flow`` per (``id.orig_h`` → ``id.resp_h``, ``id.resp_p``, ``proto``),
  tcp and udp only: packets and IP bytes each way (``orig_pkts``, ``orig_ip_bytes``,
  ``resp_pkts``, ``resp_ip_bytes``; unset ``-`` counts 0), one connection per line,
  first/last seen ``ts`` / ``ts + duration``. Direction is Zeek's orig → resp: when
  ``history`` shows the handshake (``S`` orig SYN or ``h`` resp SYN-ACK) and Zeek did not
  flip it (``^``), ``handshake``/high, else ``flow-log``/medium. Each ``service`` Zeek
  confirmed that hdscan knows (``SERVICE_PROTOCOLS``) becomes a ``protocol`` observation
  *without facts*: Zeek names the protocol, it does not give its facts.
- ``ssl`` → ``protocol`` ``tls`` with ``sni`` (``server_name``), ``version`` (as the pcap
  dissector spells it: ``TLS 1.2``) and ``alpn`` (the negotiated ``next_protocol``);
  ``DTLS`` versions are udp.
- ``dns`` → ``dns`` for A/AAAA/CNAME queries answered ``NOERROR``: each answer address of
  the query name, and CNAME chains as Zeek lists them (a name answer is the CNAME target
  of the name before it; the addresses after it belong to it).

A file is one transaction: a line that does not parse, a data line whose field count
differs from ``#fields``, a last line cut short (no final newline) or a cut gzip stream
raises ``InputError`` naming the line, and nothing of the file is kept.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.observations import Observation
from .flowlog import _YEAR_10000, GZIP_MAGIC, FlowLogTable, address, checked_time, dns_name, lines

NAME = "zeek"
VERSION = "1"

READ_PATHS = ("conn", "dns", "ssl")
# Zeek service (analyzer) name → hdscan protocol (a key of PROTOCOL_FACTS).
SERVICE_PROTOCOLS = {
    "ssl": "tls", "dtls": "tls", "http": "http", "dns": "dns", "smb": "smb",
    "krb": "kerberos", "krb_tcp": "kerberos", "ldap": "ldap", "ldap_tcp": "ldap",
    "ldap_udp": "ldap", "mysql": "mysql", "postgresql": "postgresql", "rdp": "rdp",
    "rdpeudp": "rdp", "smtp": "smtp",
}
TLS_VERSIONS = {"SSLv3": "SSL 3.0", "TLSv10": "TLS 1.0", "TLSv11": "TLS 1.1",
                "TLSv12": "TLS 1.2", "TLSv13": "TLS 1.3", "DTLSv10": "DTLS 1.0",
                "DTLSv12": "DTLS 1.2", "DTLSv13": "DTLS 1.3"}
DNS_QTYPES = ("A", "AAAA", "CNAME")
# Fields that only one of the three logs has: they tell a JSON record's log type.
_JSON_MARKERS = (("conn", ("conn_state", "orig_ip_bytes", "resp_ip_bytes", "missed_bytes")),
                 ("dns", ("trans_id", "qtype_name", "rcode_name")),
                 ("ssl", ("ssl_history", "cipher", "server_name", "resumed")))


# -- accepting -------------------------------------------------------------------------

def _head_text(head: bytes) -> str:
    if head[:2] == GZIP_MAGIC:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        except zlib.error:
            return ""
    return head.decode("utf-8", "replace")


def json_kind(record) -> str | None:
    """``conn``, ``dns`` or ``ssl`` for a Zeek JSON record of those logs, else None.

    >>> json_kind({"_path": "http", "id.orig_h": "10.0.0.1"}) is None
    True
    >>> json_kind({"id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.53", "trans_id": 7})
    'dns'
    """
    if not isinstance(record, dict):
        return None
    if "_path" in record:
        return record["_path"] if record["_path"] in READ_PATHS else None
    record = _flat(record)
    if "id.orig_h" not in record or "id.resp_h" not in record:
        return None
    for kind, markers in _JSON_MARKERS:
        if any(m in record for m in markers):
            return kind
    return None


def _tsv_path(text: str) -> str | None:
    for line in text.splitlines():
        if not line.startswith("#"):
            return None
        if line.startswith("#path"):
            return line[5:].strip() or None
    return None


def accepts(path: Path, head: bytes) -> bool:
    """True for a Zeek conn/dns/ssl log (TSV or JSON lines, plain or gzip)."""
    text = _head_text(head)
    if text.startswith("#separator "):
        return _tsv_path(text) in READ_PATHS
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("{"):
        return False
    try:
        return json_kind(json.loads(first)) is not None
    except ValueError:
        return False


# -- reading lines ----------------------------------------------------------------------

def _unescape(value: str) -> str:
    return value.encode("latin-1").decode("unicode_escape") if "\\x" in value else value


def _flat(record: dict, prefix: str = "") -> dict:
    """Nested JSON (``{"id": {"orig_h": …}}``) flattened to Zeek's dotted names."""
    if not any(isinstance(v, dict) for v in record.values()):
        return record if not prefix else {prefix + k: v for k, v in record.items()}
    out = {}
    for k, v in record.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _records(path: Path, source: str, table: "FlowLogTable | None" = None
             ) -> Iterator[tuple[int, str, dict]]:
    """``(line, log type, record)`` of every data line, TSV or JSON.

    With ``table``, a TSV conn line that ``_FastConn`` reads whole is added to the table
    directly and not yielded (the same result as ``_conn``, without a dict per line).
    """
    sep, set_sep, empty, unset = "\t", ",", "(empty)", "-"
    fields: list[str] | None = None
    log_path: str | None = None
    fast: _FastConn | None = None
    for n, line in lines(path, source):
        if not line.strip():
            continue
        where = SourceLocation(source, f"line {n}") if line[0] in "#{ \t" or fields is None else None
        if line.startswith("#"):
            if line.startswith("#separator "):
                sep = _unescape(line[len("#separator "):])
                continue
            key, *values = line[1:].split(sep)
            if key == "fields":
                fields = values
                fast = _FastConn.for_fields(fields, table) if table is not None else None
            elif key == "path":
                log_path = values[0] if values else None
                if log_path not in READ_PATHS:
                    raise InputError(f"a Zeek '{log_path}' log is not read (only conn, dns, "
                                     "ssl)", where)
            elif key == "set_separator" and values:
                set_sep = _unescape(values[0])
            elif key == "empty_field" and values:
                empty = values[0]
            elif key == "unset_field" and values:
                unset = values[0]
            continue
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InputError(f"not a JSON record ({exc.msg})", where) from None
            kind = json_kind(record)
            if kind is None:
                raise InputError("not a Zeek conn, dns or ssl record", where)
            yield n, kind, _flat(record)
            continue
        if fields is None or log_path is None:
            raise InputError("data line before the #path and #fields headers",
                             SourceLocation(source, f"line {n}"))
        where = where or SourceLocation(source, f"line {n}")
        values = line.split(sep)
        if len(values) != len(fields):
            raise InputError(f"{len(values)} fields where #fields names {len(fields)}", where)
        if log_path == "conn" and fast is not None:
            if fast.add(n, values, unset, empty):
                continue
        record = {name: value for name, value in zip(fields, values) if value != unset}
        if empty in values:
            for name, value in record.items():
                if value == empty:
                    record[name] = []
        for name in ("answers", "TTLs"):
            value = record.get(name)
            if isinstance(value, str):
                record[name] = value.split(set_sep)
        yield n, log_path, record


# -- values -----------------------------------------------------------------------------

def _ts(value, where: SourceLocation) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return checked_time(float(value), where)
    if isinstance(value, str):
        try:
            return checked_time(float(value), where)
        except ValueError:
            try:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
                return checked_time(when.timestamp(), where)
    raise InputError(f"time {str(value)[:40]!r} is not a Zeek timestamp", where)


def _count(record: dict, name: str, where: SourceLocation) -> int:
    value = record.get(name)
    if value is None or value == []:
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} {str(value)[:40]!r} is not a count", where) from None
    if number < 0:
        raise InputError(f"{name} {number} is negative", where)
    return number


def _duration(record: dict, where: SourceLocation) -> float:
    value = record.get("duration")
    if value is None or value == []:
        return 0.0
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        raise InputError(f"duration {str(value)[:40]!r} is not a number", where) from None


def _endpoints(record: dict, where: SourceLocation) -> tuple[str, str, int]:
    for name in ("id.orig_h", "id.resp_h", "id.resp_p"):
        if record.get(name) in (None, []):
            raise InputError(f"{name} is missing", where)
    orig, resp = address(str(record["id.orig_h"])), address(str(record["id.resp_h"]))
    if orig is None or resp is None:
        raise InputError("id.orig_h or id.resp_h is not an IP address", where)
    port = _count(record, "id.resp_p", where)
    if port > 65535:
        raise InputError(f"id.resp_p {port} is not a port", where)
    return orig, resp, port


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _true(value) -> bool:
    return value is True or value == "T"


# -- the three logs ---------------------------------------------------------------------

def _conn(table: FlowLogTable, n: int, r: dict, where: SourceLocation) -> None:
    transport = str(r.get("proto", "")).lower()
    if transport not in ("tcp", "udp"):
        return                      # icmp: resp_p is an ICMP code, not a service
    client, server, port = _endpoints(r, where)
    ts = _ts(r.get("ts"), where)
    history = str(r.get("history") or "")
    if ("S" in history or "h" in history) and "^" not in history:
        source, confidence = "handshake", "high"
    else:
        source, confidence = "flow-log", "medium"
    counts = (_count(r, "orig_pkts", where), _count(r, "resp_pkts", where),
              _count(r, "orig_ip_bytes", where), _count(r, "resp_ip_bytes", where))
    last = checked_time(ts + _duration(r, where), where)
    table.add_flow(client, server, port, transport, counts, 1, ts, last, n, source, confidence)
    services = r.get("service") or ""
    for service in services.split(",") if isinstance(services, str) else _list(services):
        protocol = SERVICE_PROTOCOLS.get(str(service).strip().lower())   # "-ssl": violated
        if protocol:
            table.add_fact(client, server, port, transport, protocol, {}, ts, n)


def _ssl(table: FlowLogTable, n: int, r: dict, where: SourceLocation) -> None:
    client, server, port = _endpoints(r, where)
    version = TLS_VERSIONS.get(str(r.get("version") or ""))
    transport = "udp" if version and version.startswith("DTLS") else "tcp"
    facts = {"sni": r.get("server_name") or None, "version": version,
             "alpn": _list(r.get("next_protocol"))}
    if isinstance(facts["sni"], str):
        facts["sni"] = facts["sni"].strip() or None
    table.add_fact(client, server, port, transport, "tls", facts, _ts(r.get("ts"), where), n)


def _dns(table: FlowLogTable, n: int, r: dict, where: SourceLocation) -> None:
    query = dns_name(str(r.get("query") or ""))
    if query is None or r.get("qtype_name") not in DNS_QTYPES or _true(r.get("rejected")):
        return
    if r.get("rcode_name", "NOERROR") != "NOERROR":
        return
    ts = _ts(r.get("ts"), where)
    current = query
    for answer in _list(r.get("answers")):
        ip = address(str(answer))
        if ip is not None:
            table.add_dns(current, ip, "AAAA" if ":" in ip else "A", ts, n)
            continue
        target = dns_name(str(answer))
        if target is not None and target != current:
            table.add_dns(current, target, "CNAME", ts, n)
            current = target


_READERS = {"conn": _conn, "ssl": _ssl, "dns": _dns}
_CONN_COUNTS = ("orig_pkts", "resp_pkts", "orig_ip_bytes", "resp_ip_bytes")


class _FastConn:
    """Reads a TSV conn line by field position, exactly as ``_conn`` reads its dict.

    ``add`` returns False, having added nothing, for any line it is not sure of (a
    missing, unset or malformed value, an out-of-range time): the caller then reads it
    the slow way, which either accepts it or raises the located error.
    """

    __slots__ = ("table", "ts", "orig", "resp", "port", "proto", "history", "counts",
                 "duration", "service")

    @classmethod
    def for_fields(cls, fields: list[str], table) -> "_FastConn | None":
        pos = {name: i for i, name in enumerate(fields)}
        if any(name not in pos for name in ("ts", "id.orig_h", "id.resp_h", "id.resp_p", "proto")):
            return None
        self = cls()
        self.table = table
        self.ts, self.orig, self.resp = pos["ts"], pos["id.orig_h"], pos["id.resp_h"]
        self.port, self.proto = pos["id.resp_p"], pos["proto"]
        self.history, self.duration = pos.get("history"), pos.get("duration")
        self.service = pos.get("service")
        self.counts = tuple(pos.get(name) for name in _CONN_COUNTS)
        return self

    def add(self, n: int, values: list[str], unset: str, empty: str) -> bool:
        missing = (unset, empty)
        transport = values[self.proto].lower()
        if values[self.proto] in missing:
            return False
        if transport not in ("tcp", "udp"):
            return True                 # icmp: nothing, as _conn does
        try:
            client, server = address(values[self.orig]), address(values[self.resp])
            port = int(values[self.port])
            ts = float(values[self.ts])
            a, b, c, d = self.counts
            counts = (0 if a is None or values[a] in missing else int(values[a]),
                      0 if b is None or values[b] in missing else int(values[b]),
                      0 if c is None or values[c] in missing else int(values[c]),
                      0 if d is None or values[d] in missing else int(values[d]))
            d = self.duration
            duration = 0.0 if d is None or values[d] in missing else float(values[d])
        except ValueError:
            return False
        if client is None or server is None or not 0 <= port <= 65535 or min(counts) < 0:
            return False
        if duration < 0:
            duration = 0.0
        last = ts + duration
        if not (0 <= ts < _YEAR_10000 and 0 <= last < _YEAR_10000):
            return False
        history = "" if self.history is None or values[self.history] in missing \
            else values[self.history]
        if ("S" in history or "h" in history) and "^" not in history:
            source, confidence = "handshake", "high"
        else:
            source, confidence = "flow-log", "medium"
        self.table.add_flow(client, server, port, transport, counts, 1, ts, last, n, source,
                            confidence)
        services = "" if self.service is None or values[self.service] in missing \
            else values[self.service]
        for service in services.split(",") if services else ():
            protocol = SERVICE_PROTOCOLS.get(service.strip().lower())
            if protocol:
                self.table.add_bare_fact(client, server, port, transport, protocol, ts, n)
        return True


def read(path: Path, source: str) -> list[Observation]:
    """Every observation of one Zeek log, sorted (see the module docstring).

    Raises
    ------
    InputError
        A line that does not parse, a wrong field count, a cut last line or gzip stream,
        a log other than conn/dns/ssl.
    """
    table = FlowLogTable(NAME, VERSION, source)
    for n, kind, record in _records(path, source, table):
        _READERS[kind](table, n, record, SourceLocation(source, f"line {n}"))
    return table.observations()


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Iterate the observations of one Zeek log (InputError raised while iterating)."""
    yield from read(path, source)
