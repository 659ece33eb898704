"""``hdscan agent --conntrack``: the kernel's tracked flows catch a connection opened and
closed between two samples, with the kernel's direction; real conntrack output parsed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.collect.agent import conntrack, sampler

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "conntrack" / "nf_conntrack.txt"


def test_real_conntrack_lines_give_the_initiator_as_client():
    flows = conntrack.parse(FIXTURE.read_text())
    assert set(flows) == {
        conntrack.Flow("tcp", "10.251.79.1", 48238, "10.251.79.1", 5432, "TIME_WAIT"),
        conntrack.Flow("tcp", "::1", 41652, "::1", 2575, "ESTABLISHED"),
        conntrack.Flow("tcp", "10.251.79.1", 48268, "10.251.79.1", 5432, "ESTABLISHED"),
        conntrack.Flow("tcp", "10.251.79.1", 48254, "10.251.79.1", 5432, "CLOSE"),
        conntrack.Flow("udp", "10.251.79.1", 59326, "10.251.79.1", 514, None),  # unanswered UDP kept
    }
    syn_only = ("ipv4     2 tcp      6 118 SYN_SENT src=10.0.0.1 dst=10.0.0.9 sport=40000 dport=22 "
                "[UNREPLIED] src=10.0.0.9 dst=10.0.0.1 sport=22 dport=40000 mark=0 zone=0 use=2")
    assert conntrack.parse(syn_only) == []                      # no server answered: no dependency


def test_flows_no_socket_shows_are_added_once_with_the_kernels_role(tmp_path):
    flows = conntrack.parse(FIXTURE.read_text())
    table = sampler.Table(listening=[sampler.Listener("10.251.79.1", 5432, "tcp", 9, "postgres")],
                          connections=[
        sampler.Conn("10.251.79.1", 48268, "10.251.79.1", 5432, "tcp", 7, "psql"),
        sampler.Conn("10.251.79.1", 5432, "10.251.79.1", 48268, "tcp", 9, "postgres")])
    added = sampler.add_conntrack(table, flows, {"10.251.79.1"})
    # 3 flows of this address not shown by a socket (TIME_WAIT, CLOSE, UDP), seen from both ends
    assert added == 6
    agg = sampler.Aggregator()
    agg.observe(table, "2026-03-02T08:00:00Z")
    roles = {(r["local_role"], r.get("process"), r["confidence"], r["transport"])
             for r in agg.connection_rows()}
    assert roles == {("client", "psql", "high", "tcp"), ("server", "postgres", "high", "tcp"),
                     ("client", None, "high", "tcp"), ("server", None, "high", "tcp"),
                     ("client", None, "high", "udp"), ("server", None, "high", "udp")}
    with pytest.raises(conntrack.Unavailable, match="missing"):
        conntrack.read(str(tmp_path / "nf_conntrack"))


_ISOLATED = r"""
import json, socket, struct, subprocess, sys
sys.path.insert(0, sys.argv[1])
for cmd in (["ip", "link", "set", "lo", "up"],
            ["ip", "link", "add", "hgct0", "type", "veth", "peer", "name", "hgct1"],
            ["ip", "addr", "add", "10.251.79.1/24", "dev", "hgct0"],
            ["ip", "link", "set", "hgct0", "up"], ["ip", "link", "set", "hgct1", "up"],
            ["nft", "add", "table", "inet", "hg"],
            ["nft", "add", "chain", "inet", "hg", "c", "{ type filter hook output priority 0; }"],
            ["nft", "add", "rule", "inet", "hg", "c", "ct", "state", "new", "counter"]):
    subprocess.run(cmd, check=True)
from scanner.collect.agent import bundle, loop
srv = socket.socket(); srv.bind(("10.251.79.1", 5432)); srv.listen()
c = socket.create_connection(("10.251.79.1", 5432)); a, _ = srv.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close(); a.close()                        # reset: no socket, not even TIME_WAIT, is left
out = {}
for name, ct in (("with", True), ("without", False)):
    path = f"{sys.argv[2]}/{name}.hdscan.tar"
    result = loop.run(path, 0, 1, 1, use_conntrack=ct)
    doc = bundle.read(path, path).inventory
    out[name] = [[r["local_role"], r.get("process"), r.get("confidence"), r["remote_port"]
                  if r["local_role"] == "client" else r["local_port"]]
                 for r in doc["connections"] if 5432 in (r["local_port"], r["remote_port"])]
    out[name + "_limits"] = result.limitations
print(json.dumps(out))
"""


def test_a_connection_closed_before_the_sample_is_caught_only_with_conntrack(tmp_path):
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("unshare", "nft", "ip")):
        pytest.skip("needs root, unshare, ip and nft (nftables) for a private namespace "
                    "with connection tracking")
    if not Path("/proc/net/nf_conntrack").exists():
        pytest.skip("nf_conntrack is not loaded")
    proc = subprocess.run(["unshare", "--net", "--", sys.executable, "-c", _ISOLATED, str(ROOT),
                           str(tmp_path)], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(got["with"]) == [["client", None, "high", 5432], ["server", None, "high", 5432]]
    assert got["without"] == []
    assert not any(x.startswith("conntrack") for x in got["with_limits"])
