"""Owns reading saved ``netstat`` socket tables — Linux ``netstat -tulpn`` / ``-tanpu`` and
Windows ``netstat -ano`` / ``-anob`` (English or French, any code page) — into ``host``,
``listen`` and ``connection`` observations (collector ``netstat``).

Accepts a file whose first lines hold netstat's column header: Linux ``Proto Recv-Q
Send-Q Local Address Foreign Address State [PID/Program name]``; Windows ``Proto  Local
Address  Foreign Address  State  [PID]``, in French ``Proto  Adresse locale  Adresse
distante  État  [PID]``. Windows rows are recognised by position, not by words, so a
translated state (``ABHÖREN``, ``À l'écoute``…) reads the same.

Linux rows: ``tcp|tcp6|udp|udp6  Recv-Q Send-Q local foreign [state] [pid/program]``. The
program name netstat prints comes from the process's command line (``redis-server 1``
is what ``redis-server 127.0.0.1:6379`` becomes): only its first word is kept, the rest
is dropped at parse time. Windows rows: ``TCP|UDP local foreign [state] [pid]``; with
``-b`` the ``[name.exe]`` line that follows a row names its process (service-name lines
and "cannot obtain ownership" lines are skipped); without ``-b`` a row has a pid only.

A listener: peer port ``*`` (Linux), peer ``0.0.0.0:0`` / ``[::]:0`` (Windows TCP), or
``*:*`` (Windows UDP, always unconnected). Other families (``unix``, ``raw``) skipped.
Host, direction, loopback and evidence rules: ``scanner/collect/agent/hostcmd.py``;
evidence location ``line N``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ...model.observations import Observation
from ..agent import hostcmd

NAME = "netstat"
VERSION = "1"

_LINUX = re.compile(r"^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address")
_WINDOWS = re.compile(r"^\s*Proto\s+(Local Address|Adresse locale)\s+(Foreign Address|Adresse distante)",
                      re.I)
_LINUX_PROTO = {"tcp": "tcp", "tcp6": "tcp", "udp": "udp", "udp6": "udp"}
_STATE = re.compile(r"^[A-Z][A-Z0-9_]*$|^\d+$")
_PID_PROG = re.compile(r"^(\d+)/(\S*)$")
_WIN_ROW = re.compile(r"^\s*(TCP|UDP)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$", re.I)
_WIN_EXE = re.compile(r"^\s*\[(.+)\]\s*$")


def _header(lines: list[str]) -> str | None:
    for line in lines:
        if _LINUX.match(line):
            return "linux"
        if _WINDOWS.match(line):
            return "windows"
    return None


def accepts(path: Path, head: bytes) -> bool:
    """True if one of the first lines is netstat's Linux or Windows column header."""
    return _header(hostcmd.first_lines(head, 4)) is not None


def _linux_row(t: hostcmd.Text, n: int, line: str) -> hostcmd.SocketRow | None:
    fields = line.split()
    transport = _LINUX_PROTO.get(fields[0])
    if transport is None:
        return None                         # unix, raw…
    if len(fields) < 5:
        raise t.fail(f"expected at least 5 columns, found {len(fields)}", n)
    rest = fields[5:]
    state = rest.pop(0) if rest and _STATE.match(rest[0]) else None
    pid = process = None
    if rest:
        m = _PID_PROG.match(rest[0])        # only the first word: the rest is command line
        if m:
            pid, process = int(m.group(1)), m.group(2)
        elif rest[0] != "-":
            raise t.fail(f"'{rest[0]}' is neither a state nor PID/Program name", n)
    row = hostcmd.socket_row(t, n, transport, fields[3], fields[4], pid, process)
    if row.remote_ip is None and transport == "tcp" and state not in ("LISTEN", None):
        return None
    return row


def _windows_row(t: hostcmd.Text, n: int, m: re.Match) -> hostcmd.SocketRow:
    transport = m.group(1).lower()
    rest = (m.group(4) or "").split()
    pid = int(rest[-1]) if rest and rest[-1].isdigit() else None
    return hostcmd.socket_row(t, n, transport, m.group(2), m.group(3), pid)


def rows(t: hostcmd.Text) -> list[hostcmd.SocketRow]:
    """The socket rows of a decoded netstat output (see the module docstring)."""
    out: list[hostcmd.SocketRow] = []
    kind = None
    for n, line in enumerate(t.lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if kind is None:
            kind = _header([line])
            continue                        # titles ("Active Connections"…) and the header
        if kind == "linux":
            if _LINUX.match(line) or line.startswith("Active "):
                continue                    # a second table (netstat -tulpn -a twice)
            row = _linux_row(t, n, line)
            if row is not None:
                out.append(row)
            continue
        m = _WIN_ROW.match(line)
        if m:
            out.append(_windows_row(t, n, m))
            continue
        exe = _WIN_EXE.match(line)
        if exe and out and out[-1].process is None and out[-1].line >= n - 2:
            last = out.pop()
            out.append(hostcmd.SocketRow(last.line, last.transport, last.local_ip, last.local_port,
                                         last.remote_ip, last.remote_port, last.pid,
                                         exe.group(1).strip()))
        # else: a service name (-b), "Can not obtain ownership information", a title
    if kind is None:
        raise t.fail("no netstat header line (Proto … Local Address … Foreign Address)")
    return out


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Observations of one saved netstat output; the file is read whole before the first one.

    Raises
    ------
    InputError
        No header, a row with too few columns, an unreadable address or PID/Program
        column (naming the line).
    """
    t = hostcmd.read(Path(path), source)
    yield from hostcmd.socket_observations(t, rows(t), NAME, VERSION)
