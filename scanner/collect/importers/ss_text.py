"""Owns reading saved ``ss -tanp`` / ``ss -ltnp`` / ``ss -uanp`` / ``ss -tuanp`` output into
``host``, ``listen`` and ``connection`` observations (collector ``ss``).

Accepts a file whose first line (after optional ``# host:``/``# collected:`` lines) is
ss's header: ``State Recv-Q Send-Q Local Address:Port Peer Address:Port Process``, with
a leading ``Netid`` column when several protocols were asked for (``ss -tuanp``).

Each row: ``[Netid] State Recv-Q Send-Q Local Peer [users:(("name",pid=N,fd=M),…)]``.
The transport is the ``Netid`` column; without it, the command in the file name
(``<host>.ss-uanp.txt`` → udp, ``ss-tanp``/``ss-ltnp`` → tcp) or the state (``LISTEN`` →
tcp, ``UNCONN`` → udp); a row that is none of these is refused naming its line. The
process is the first ``users:`` entry's name (the kernel's 15-character ``comm``, never
the command line). A peer ``*`` port marks a listener. Rows of other socket families
(``u_str``, ``raw``, ``nl``…) under ``-a`` without ``-t``/``-u`` are skipped.

Host, direction, loopback and evidence rules: ``scanner/collect/agent/hostcmd.py``;
evidence location ``line N`` (lines numbered from 1).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ...model.observations import Observation
from ..agent import hostcmd

NAME = "ss"
VERSION = "1"

_HEADER = re.compile(r"^(Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port")
_USERS = re.compile(r'users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)')
_NETIDS = {"tcp": "tcp", "udp": "udp"}


def accepts(path: Path, head: bytes) -> bool:
    """True if the first line (after ``#`` headers) is ss's column header."""
    lines = hostcmd.first_lines(head, 1)
    return bool(lines) and bool(_HEADER.match(lines[0]))


def _transport_from_name(path: Path) -> str | None:
    m = re.search(r"(?:^|[._-])ss[-_ ]?-?([a-z]+)", Path(path).name)
    flags = set(m.group(1)) if m else set()
    if "u" in flags and "t" not in flags:
        return "udp"
    if "t" in flags and "u" not in flags:
        return "tcp"
    return None


def rows(t: hostcmd.Text, path: Path) -> list[hostcmd.SocketRow]:
    """The socket rows of a decoded ss output (see the module docstring)."""
    out: list[hostcmd.SocketRow] = []
    header = None
    by_name = _transport_from_name(path)
    for n, line in enumerate(t.lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if header is None:
            m = _HEADER.match(line)
            if not m:
                raise t.fail("expected ss's header 'State Recv-Q Send-Q Local Address:Port "
                             "Peer Address:Port'", n)
            header = bool(m.group(1))
            continue
        fields = line.split()
        if header:
            netid, fields = fields[0], fields[1:]
            transport = _NETIDS.get(netid)
            if transport is None:
                continue                    # u_str, raw, nl… : not TCP/UDP
        if len(fields) < 5:
            raise t.fail(f"expected at least 5 columns, found {len(fields)}", n)
        state, local, peer = fields[0], fields[3], fields[4]
        if not header:
            transport = by_name or {"LISTEN": "tcp", "UNCONN": "udp"}.get(state)
            if transport is None:
                raise t.fail("cannot tell TCP from UDP: name the file <host>.ss-tanp.txt or "
                             "<host>.ss-uanp.txt, or save 'ss -tuanp' (Netid column)", n)
        m = _USERS.search(line)
        pid, process = (int(m.group(2)), m.group(1)) if m else (None, None)
        row = hostcmd.socket_row(t, n, transport, local, peer, pid, process)
        if row.remote_ip is None and transport == "tcp" and state != "LISTEN":
            continue                        # a bound, unconnected TCP socket: no service
        out.append(row)
    if header is None:
        raise t.fail("no ss header line")
    return out


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Observations of one saved ss output; the file is read whole before the first one.

    Raises
    ------
    InputError
        No header, a row with too few columns, an unreadable address, or a row whose
        transport cannot be told (naming the line).
    """
    t = hostcmd.read(Path(path), source)
    yield from hostcmd.socket_observations(t, rows(t, Path(path)), NAME, VERSION)
