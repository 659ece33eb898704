"""The sock_diag (netlink) socket reader agrees with psutil.net_connections on real sockets,
and its inode → pid cache spares the /proc/*/fd scan when nothing changed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest

from scanner.collect.agent import sampler, sockdiag
from scanner.collect.agent.probe import plain_ip

ROOT = Path(__file__).resolve().parents[3]
PAIRS = 12                 # bounded: 12 TCP v4 pairs, 4 TCP v6 pairs, a few UDP sockets

pytestmark = pytest.mark.skipif(not sockdiag.available(), reason="no NETLINK_SOCK_DIAG here")


def _open_sockets(stack: ExitStack) -> None:
    """Listeners, established pairs, UDP bound and connected; IPv4 and IPv6, on loopback."""
    def keep(s):
        return stack.enter_context(s)
    for family, host, n in ((socket.AF_INET, "127.0.0.1", PAIRS), (socket.AF_INET6, "::1", 4)):
        srv = keep(socket.socket(family))
        srv.bind((host, 0))
        srv.listen(64)
        for _ in range(n):
            keep(socket.create_connection(srv.getsockname()[:2]))
            keep(srv.accept()[0])
        u = keep(socket.socket(family, socket.SOCK_DGRAM))
        u.bind((host, 0))
        c = keep(socket.socket(family, socket.SOCK_DGRAM))
        c.connect(u.getsockname()[:2])


def _diag_tuples(sockets, pid=None):
    return {(s.transport, s.family, plain_ip(s.local_ip), s.local_port,
             plain_ip(s.remote_ip) if s.connected else None, s.remote_port if s.connected else None,
             s.state if s.transport == "tcp" else None, s.pid)
            for s in sockets if pid is None or s.pid == pid}


def _psutil_tuples(pid=None):
    kinds = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}
    return {(kinds[c.type], c.family, plain_ip(c.laddr.ip), c.laddr.port,
             plain_ip(c.raddr.ip) if c.raddr else None, c.raddr.port if c.raddr else None,
             c.status if c.type == socket.SOCK_STREAM else None, c.pid)
            for c in psutil.net_connections("inet") if pid is None or c.pid == pid}


def test_same_sockets_states_and_owners_as_psutil_for_this_process():
    me = os.getpid()
    with ExitStack() as stack:
        _open_sockets(stack)
        diag = _diag_tuples(sockdiag.Reader().table(), me)
        ps = _psutil_tuples(me)
    assert len(diag) >= 2 * PAIRS + 2 * 4 + 2 + 4
    assert diag == ps
    assert {t[6] for t in diag if t[0] == "tcp"} == {"LISTEN", "ESTABLISHED"}


def test_the_agent_table_is_the_same_through_either_reader():
    me = os.getpid()
    with ExitStack() as stack:
        _open_sockets(stack)
        a, b = sampler.connection_table("sock_diag"), sampler.connection_table("psutil")
    assert a.reader == "sock_diag" and b.reader == "psutil"
    mine = lambda rows: sorted((r for r in rows if r.pid == me), key=repr)  # noqa: E731
    assert mine(a.listening) == mine(b.listening) and mine(a.connections) == mine(b.connections)
    assert len(mine(a.connections)) == 2 * PAIRS + 2 * 4 + 2 and len(mine(a.listening)) == 4


# Run in a fresh network namespace (unshare --net), where every socket is this script's:
# the whole table can be compared, and the cache's /proc reads counted without other
# processes' sockets coming and going.
_ISOLATED = r"""
import json, os, socket, subprocess, sys
from contextlib import ExitStack
sys.path.insert(0, sys.argv[1])
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
from tests.collect.agent.test_agent_sockdiag import _open_sockets, _diag_tuples, _psutil_tuples
from scanner.collect.agent import sockdiag
r = sockdiag.Reader()
out = {}
with ExitStack() as stack:
    _open_sockets(stack)
    first = r.table()
    out["same"] = _diag_tuples(first) == _psutil_tuples()
    out["count"] = len(first)
    out["owned"] = all(s.pid == os.getpid() for s in first)
    reads = r.fd_reads
    r.table()
    out["reads_unchanged"] = r.fd_reads - reads
    srv = stack.enter_context(socket.socket()); srv.bind(("127.0.0.1", 0)); srv.listen(1)
    stack.enter_context(socket.create_connection(srv.getsockname()))
    stack.enter_context(srv.accept()[0])
    reads = r.fd_reads
    third = r.table()
    out["reads_new"] = r.fd_reads - reads
    out["my_fds"] = len(os.listdir("/proc/self/fd"))
    out["owned_after"] = all(s.pid == os.getpid() for s in third)
    out["same_after"] = _diag_tuples(third) == _psutil_tuples()
print(json.dumps(out))
"""


def test_whole_table_and_cache_in_a_private_network_namespace():
    if shutil.which("unshare") is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("unshare and root are needed for the isolated sock_diag test")
        pytest.skip("needs root and unshare for a private network namespace")
    proc = subprocess.run(["unshare", "--net", "--", sys.executable, "-c", _ISOLATED, str(ROOT)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["same"] and got["same_after"] and got["owned"] and got["owned_after"]
    assert got["count"] == 2 * PAIRS + 2 * 4 + 2 + 4     # pairs, listeners, UDP
    assert got["reads_unchanged"] == 0                 # nothing new: no /proc/*/fd read at all
    # new sockets: only the known owner re-read, and of it only the fds that are not a
    # live cached socket (its 38 sockets are skipped)
    assert 0 < got["reads_new"] < got["my_fds"] - 30
