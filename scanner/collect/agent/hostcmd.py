"""Owns what the agentless host-command importers share: text decoding, the host name,
and turning a socket table into ``host``/``listen``/``connection`` observations (a
process table into ``host``/``process`` ones).

The importers (``scanner/collect/importers/{ss,netstat,ps,tasklist}_text.py``) each parse
one command's output into ``SocketRow``s or process rows; this module does the rest the
way the agent does, so a host described by ``ss -tanp`` reads like one an agent sampled once:

- **host name**: a ``# host: NAME`` line at the top of the file, else the file name up
  to its first dot (``dpi-app01.ss-tanp.txt`` → ``dpi-app01``); an optional
  ``# collected: 2026-03-02T08:00:00Z`` line gives the evidence time (else none);
- **text**: UTF-16 (with a BOM: PowerShell's ``>``), UTF-8 (with or without BOM), else
  cp850 (the OEM code page of a French ``cmd.exe``); CRLF or LF;
- **direction**: ``direction.decide`` against the file's own listening table, as the
  agent decides; connections to or from loopback/unspecified addresses are skipped
  (they are no dependency between hosts), as the inventory importer skips them;
- connections are folded per dependency (client, server, port, transport, process,
  role): two sockets from the same client to the same service are one observation,
  located at the first line that showed it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation
from ...privacy import observation
from .direction import decide

_HEADER = re.compile(r"#\s*(host|collected)\s*:\s*(\S.*?)\s*$", re.I)
_HOSTNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")


def decode(raw: bytes) -> str:
    """The text of a command's output saved on Linux or Windows (see the module docstring)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp850")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def head_text(head: bytes) -> str:
    """``decode`` for the first bytes of a file (a cut multi-byte character is replaced)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace").replace("\r", "")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:            # a character cut by the 4 KiB boundary
            return head[: exc.start].decode("utf-8-sig", errors="replace")
        return head.decode("cp850")


def first_lines(head: bytes, n: int = 4) -> list[str]:
    """The first ``n`` non-empty lines that are not ``#`` headers, stripped on the right."""
    out = []
    for line in head_text(head).replace("\r", "").split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(line.rstrip())
            if len(out) == n:
                break
    return out


@dataclass
class Text:
    """A decoded file: its lines (numbered from 1 by position), host name and time."""
    lines: list[str]
    hostname: str
    collected: str | None
    source: str

    def fail(self, message: str, line_no: int | None = None) -> InputError:
        return InputError(message, SourceLocation(self.source, f"line {line_no}"
                                                  if line_no else "file"))


def read(path: Path, source: str) -> Text:
    """Decode ``path`` and find its host name and time (see the module docstring).

    Raises
    ------
    InputError
        No usable host name (neither a ``# host:`` line nor a file name to take it from),
        or a ``# collected:`` time that is not ISO-8601 with a timezone.
    """
    lines = decode(Path(path).read_bytes()).split("\n")
    host, collected = None, None
    for i, line in enumerate(lines[:10], 1):
        m = _HEADER.fullmatch(line.strip())
        if not m:
            continue
        if m.group(1).lower() == "host":
            host = m.group(2)
            if not _HOSTNAME.fullmatch(host):
                raise InputError(f"'{host}' is not a host name", SourceLocation(source, f"line {i}"))
        else:
            collected = _time(m.group(2), source, i)
    if host is None:
        host = Path(path).name.split(".", 1)[0]
        if not _HOSTNAME.fullmatch(host):
            raise InputError("no host name: name the file <host>.<command>.txt or start it "
                             "with a line '# host: NAME'", SourceLocation(source, "file name"))
    return Text(lines, host, collected, source)


def table(t: Text, header, expected: str) -> tuple[object, Iterator[tuple[int, str]]]:
    """A command's table: what ``header(line)`` makes of the first line that is neither
    blank nor a ``#`` line, and ``(line number, line)`` of the lines after it that are
    neither; ``(None, no rows)`` for a file without such a line.

    Raises
    ------
    InputError
        ``header`` returned None (not the table's header): "expected ``expected``",
        naming the line.
    """
    lines = ((n, line) for n, line in enumerate(t.lines, 1)
             if line.strip() and not line.lstrip().startswith("#"))
    for n, line in lines:
        found = header(line)
        if found is None:
            raise t.fail(f"expected {expected}", n)
        return found, lines
    return None, lines


def _time(value: str, source: str, line_no: int) -> str:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise InputError(f"'{value}' is not an ISO-8601 time with a timezone "
                         "(2026-03-02T08:00:00Z)", SourceLocation(source, f"line {line_no}"))
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def evidence(text: Text, collector: str, version: str, place: str) -> Evidence:
    return Evidence(collector, version, text.source, place, text.hostname,
                    text.collected, text.collected)


def host_observation(text: Text, collector: str, version: str,
                     addresses: set[str] = frozenset()) -> Observation:
    return observation("host", evidence(text, collector, version, "file"),
                       hostname=text.hostname, addresses=sorted(addresses))


def process_observations(t: Text, rows: list[tuple[int, str, str | None]], collector: str,
                         version: str) -> list[Observation]:
    """``host``, then a ``process`` per ``(line, name, user)`` row."""
    out = [host_observation(t, collector, version)]
    for n, name, user in rows:
        out.append(observation("process", evidence(t, collector, version, f"line {n}"),
                               hostname=t.hostname, name=name, user=user))
    return out


# --- sockets --------------------------------------------------------------------------

@dataclass(frozen=True)
class SocketRow:
    line: int
    transport: str          # tcp | udp
    local_ip: str
    local_port: int
    remote_ip: str | None   # None: a listener (TCP LISTEN, unconnected UDP)
    remote_port: int | None
    pid: int | None = None
    process: str | None = None


_WILDCARD_HOSTS = {"*", "0.0.0.0", "::", ""}


def endpoint(text: str) -> tuple[str, str]:
    """``10.0.0.1:5432`` / ``[fe80::1%eth0]:22`` / ``fd00::2:18443`` / ``*:*`` → (host, port)
    as text, the host in brackets removed and its scope (``%eth0``) dropped."""
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError(text)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.split("%", 1)[0], port


def ip(text: str) -> str:
    """A plain IP: ``*`` → ``::``; IPv4-mapped IPv6 → IPv4. ValueError if not an address."""
    if text == "*":
        return "::"
    addr = ipaddress.ip_address(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def socket_row(t: Text, line_no: int, transport: str, local: str, peer: str,
               pid: int | None = None, process: str | None = None) -> SocketRow:
    """One socket from its local and peer endpoints as the commands print them.

    The socket is a listener when the peer port is ``*`` (ss, Linux netstat) or the peer
    is the unspecified address with port 0 (``0.0.0.0:0``, ``[::]:0``, Windows).
    """
    try:
        lhost, lport = endpoint(local)
        phost, pport = endpoint(peer)
        local_ip, local_port = ip(lhost), int(lport)
        if pport == "*" or (phost in _WILDCARD_HOSTS and pport == "0"):
            remote_ip = remote_port = None
        else:
            remote_ip, remote_port = ip(phost), int(pport)
        if not 0 <= local_port <= 65535 or remote_port is not None and not 0 <= remote_port <= 65535:
            raise ValueError("port")
    except ValueError:
        raise t.fail(f"'{local}' / '{peer}' is not an address:port pair", line_no) from None
    return SocketRow(line_no, transport, local_ip, local_port, remote_ip, remote_port, pid,
                     process or None)


def _skipped(address: str) -> bool:
    a = ipaddress.ip_address(address)
    return a.is_loopback or a.is_unspecified


def socket_observations(t: Text, rows: list[SocketRow], collector: str,
                        version: str) -> list[Observation]:
    """``host``, then a ``listen`` per listener, then a ``connection`` per dependency."""
    listening = {(r.local_ip, r.local_port, r.transport) for r in rows if r.remote_ip is None}
    own = {r.local_ip for r in rows if not _skipped(r.local_ip)}
    names = {r.pid: r.process for r in rows if r.pid is not None and r.process}
    out = [host_observation(t, collector, version, own)]
    seen_listen = set()
    for r in rows:
        if r.remote_ip is not None:
            continue
        key = (r.local_ip, r.local_port, r.transport, r.process or names.get(r.pid))
        if key in seen_listen:                  # the same listener twice (several workers)
            continue
        seen_listen.add(key)
        out.append(observation("listen", evidence(t, collector, version, f"line {r.line}"),
                               hostname=t.hostname, ip=r.local_ip, port=r.local_port,
                               transport=r.transport, process=key[3]))
    seen: set[tuple] = set()
    for r in rows:
        if r.remote_ip is None or _skipped(r.local_ip) or _skipped(r.remote_ip):
            continue
        d = decide(listening, r.local_ip, r.local_port, r.remote_ip, r.remote_port, r.transport,
                   own)
        process = r.process or names.get(r.pid)
        key = (d.client_ip, d.server_ip, d.server_port, r.transport, process, d.local_role)
        if key in seen:
            continue
        seen.add(key)
        out.append(observation(
            "connection", evidence(t, collector, version, f"line {r.line}"),
            hostname=t.hostname, client_ip=d.client_ip, server_ip=d.server_ip,
            server_port=d.server_port, transport=r.transport, process=process,
            local_role=d.local_role, times_seen=1, first_seen=t.collected,
            last_seen=t.collected, confidence=d.confidence))
    return out
