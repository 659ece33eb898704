"""Live capture (``hdscan capture``) gives what the offline reader gives on a pcap of the
same traffic, never a payload byte, and survives being killed (issue #4 item 2).

Lab: two network namespaces joined by a veth pair (names containing ``hf``, IPv6 off so
nothing but the test's traffic is on the link). A tiny MLLP server, a PostgreSQL-like
server and a DNS server run in one namespace (``live_traffic.py``); in the other, tcpdump
records the traffic to a pcap while two ``hdscan capture`` processes run on the same
interface: one stopped with SIGTERM (one segment), one rotating every 8 packets and
killed with SIGKILL. The client sends 3 HL7 messages whose PID segments carry canary
patient names, a PostgreSQL startup and two DNS queries. Everything is bounded in time
and count, and the namespaces are deleted by name at the end.

Without root, ``ip`` or tcpdump the lab tests skip, except in CI (``CI=true``) where
they fail.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import pipeline
from scanner.cli import main
from scanner.collect.capture import collector, segment
from scanner.collect.capture.decode import Decoder
from scanner.collect.capture.flows import FlowTable
from scanner.collect.capture.live import _Capped
from scanner.collect.capture.pcapfile import PcapReader
from scanner.errors import InputError
from scanner.model.observations import canonical_json

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TRAFFIC = HERE / "live_traffic.py"
sys.path.insert(0, str(HERE))
from live_traffic import CANARIES  # noqa: E402

TAG = f"{os.getpid() % 100000}"
NS_CLI, NS_SRV = f"hf-cli-{TAG}", f"hf-srv-{TAG}"
IF_CLI, IF_SRV = f"hfc{TAG}", f"hfs{TAG}"
ADDR_CLI, ADDR_SRV = "10.231.0.1", "10.231.0.2"
HDSCAN = [sys.executable, "-c", "from scanner.cli import main; main()"]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"live capture lab: {reason}")
    pytest.skip(f"live capture lab: {reason}")


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=check)


def _in(ns: str, argv: list[str]) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]


def _wait_line(proc: subprocess.Popen, needle: str, limit: float = 20.0) -> str:
    """Read ``proc``'s stderr until a line contains ``needle`` (bounded in time)."""
    seen = ""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.2)
        if ready:
            line = proc.stderr.readline()
            seen += line
            if needle in line:
                return seen
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"never printed {needle!r}: {seen!r}")


def _stop(proc: subprocess.Popen, sig, limit: float = 30.0) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=limit)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        _unavailable("needs root and iproute2")
    if shutil.which("tcpdump") is None:
        _unavailable("tcpdump is not installed (.ci/setup installs it)")
    made = []
    try:
        for ns in (NS_CLI, NS_SRV):
            _ip("netns", "add", ns)
            made.append(ns)
        _ip("link", "add", IF_CLI, "type", "veth", "peer", "name", IF_SRV)
        for ns, ifname, addr in ((NS_CLI, IF_CLI, ADDR_CLI), (NS_SRV, IF_SRV, ADDR_SRV)):
            _ip("link", "set", ifname, "netns", ns)
            for key in ("all", "default", ifname):
                subprocess.run(_in(ns, ["sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"]),
                               capture_output=True, timeout=20)
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", ifname)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", ifname, "up")
    except (subprocess.CalledProcessError, OSError) as exc:
        for ns in made:
            _ip("netns", "del", ns, check=False)
        _unavailable(f"cannot build the namespaces ({getattr(exc, 'stderr', exc)})")
    work = tmp_path_factory.mktemp("hf-live")
    procs: list[subprocess.Popen] = []
    try:
        yield _run_traffic(work, procs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for ns in (NS_CLI, NS_SRV):
            _ip("netns", "del", ns, check=False)


def _run_traffic(work: Path, procs: list) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ready = work / "server.ready"
    server = subprocess.Popen(_in(NS_SRV, [sys.executable, str(TRAFFIC), "server", ADDR_SRV,
                                           str(ready)]), env=env)
    procs.append(server)
    for _ in range(200):                                   # ≤ 20 s
        if ready.exists():
            break
        time.sleep(0.1)
    assert ready.exists(), "the lab server never started"

    pcap = work / "tcpdump.pcap"
    tcpdump = subprocess.Popen(_in(NS_CLI, ["tcpdump", "-i", IF_CLI, "-n", "-U", "-s", "0",
                                            "-w", str(pcap)]),
                               stderr=subprocess.PIPE, text=True)
    procs.append(tcpdump)
    _wait_line(tcpdump, "listening on")

    one, rotating = work / "one", work / "rotating"
    captures = []
    for out, extra in ((one, []), (rotating, ["--rotate-packets", "8"])):
        proc = subprocess.Popen(_in(NS_CLI, HDSCAN + ["capture", "--iface", IF_CLI,
                                                      "--duration", "120s", "-o", str(out),
                                                      *extra]),
                                stderr=subprocess.PIPE, text=True, env=env)
        procs.append(proc)
        _wait_line(proc, "capturing on")
        captures.append(proc)

    client = subprocess.run(_in(NS_CLI, [sys.executable, str(TRAFFIC), "client", ADDR_SRV]),
                            env=env, capture_output=True, text=True, timeout=60)
    assert client.returncode == 0, client.stderr
    server.wait(timeout=30)
    time.sleep(1.0)              # let the last ACKs of the TCP teardowns reach the sockets

    assert _stop(captures[0], signal.SIGTERM) == 0
    captures[1].kill()                                   # SIGKILL: no chance to write
    captures[1].wait(timeout=30)
    _stop(tcpdump, signal.SIGINT)
    return {"pcap": pcap, "one": one, "rotating": rotating,
            "stderr": captures[0].stderr.read()}


def _norm(observations) -> list:
    return sorted((o.kind, canonical_json(o.data), o.evidence.location,
                   o.evidence.observed_from, o.evidence.observed_to) for o in observations)


def _segments(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


@pytest.mark.lab
def test_live_capture_gives_the_offline_readers_records(lab):
    segs = _segments(lab["one"])
    assert len(segs) == 1
    live = [o for s in segs for o in segment.read(s, s.name)]
    offline = list(collector.collect(lab["pcap"], "tcpdump.pcap"))
    assert _norm(live) == _norm(offline)
    protocols = {(o.data["protocol"], o.data["server_port"]) for o in live
                 if o.kind == "protocol"}
    assert {("hl7v2-mllp", 6661), ("postgresql", 5433)} <= protocols
    pg = next(o for o in live if o.kind == "protocol" and o.data["protocol"] == "postgresql")
    assert pg.data["facts"]["database"] == "dpi_hf"
    assert {o.data["name"] for o in live if o.kind == "dns"} == {"pacs-hf.lab.local",
                                                                 "hl7-hf.lab.local"}
    doc = json.loads(segs[0].read_text())
    assert doc["final"] is True and doc["frames"][0] == 1
    assert doc["packets"] == sum(1 for _ in PcapReader(lab["pcap"]))
    assert doc["dropped"]["packets"] == 0


@pytest.mark.lab
def test_no_canary_leaves_the_wire(lab):
    on_wire = lab["pcap"].read_bytes()
    assert all(c.encode() in on_wire for c in CANARIES)     # they really were sent
    for folder in (lab["one"], lab["rotating"]):
        for path in folder.iterdir():
            text = path.read_bytes()
            assert not any(c.encode() in text for c in CANARIES), path.name
    assert not any(c in lab["stderr"] for c in CANARIES)


@pytest.mark.lab
def test_killed_capture_keeps_every_completed_rotation(lab):
    segs = _segments(lab["rotating"])
    assert len(segs) >= 3
    assert not [p for p in lab["rotating"].iterdir() if p.name.startswith(".")
                and p.suffix != ".tmp"]
    docs = [json.loads(p.read_text()) for p in segs]
    assert [d["segment"] for d in docs] == list(range(1, len(docs) + 1))
    frames = [d["frames"] for d in docs]
    assert frames[0][0] == 1 and all(d["packets"] == 8 for d in docs)
    assert all(b[0] == a[1] + 1 for a, b in zip(frames, frames[1:]))
    assert not any(d["final"] for d in docs)              # killed: no final segment
    last = frames[-1][1]

    # the completed rotations hold exactly what the offline reader finds in frames 1..last
    table = FlowTable()
    table.feed((r for r in PcapReader(lab["pcap"]) if r[0] <= last), Decoder().decode)
    table.finish()
    expected = Counter()
    for f in table.flows():
        key = (f.client_ip, f.server_ip, f.server_port, f.transport)
        expected.update({key + ("packets",): f.packets_to_server + f.packets_to_client,
                         key + ("bytes",): f.bytes_to_server + f.bytes_to_client})
    got = Counter()
    for s in segs:
        for o in segment.read(s, s.name):
            if o.kind == "flow":
                d = o.data
                key = (d["client_ip"], d["server_ip"], d["server_port"], d["transport"])
                got.update({key + ("packets",): d["packets_to_server"] + d["packets_to_client"],
                            key + ("bytes",): d["bytes_to_server"] + d["bytes_to_client"]})
    assert got == expected


@pytest.mark.lab
def test_hdscan_import_reads_the_segments(lab, tmp_path):
    summary = pipeline.import_inputs([lab["one"], lab["rotating"]], tmp_path)
    assert not summary.errors and not summary.skipped
    assert {r.observations > 0 for r in summary.results} == {True}
    again = pipeline.import_inputs([lab["one"]], tmp_path)
    assert again.new == 0


@pytest.mark.lab
def test_time_rotation_writes_one_segment_per_period(lab, tmp_path):
    """On the client namespace's quiet loopback: 3 s in 1 s rotations, the last one final."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(_in(NS_CLI, HDSCAN + ["capture", "--iface", "lo", "--duration", "3s",
                                                "--rotate", "1s", "-q", "-o", str(tmp_path)]),
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    docs = [json.loads(p.read_text()) for p in _segments(tmp_path)]
    assert [d["segment"] for d in docs] == [1, 2, 3]
    assert [d["final"] for d in docs] == [False, False, True]
    assert all(d["capture"]["iface"] == "lo" and d["capture"]["linktype"] == 1 for d in docs)
    assert "3 segment(s)" in done.stdout


# -- without the lab -------------------------------------------------------------------------

def test_conversation_cap_drops_and_counts(fix):
    records = list(PcapReader(fix / "hospital.pcap"))
    full = FlowTable()
    full.feed(records, Decoder().decode)
    capped = _Capped(Decoder(), 2)
    table = FlowTable()
    table.feed(records, capped.decode)
    assert len(table.conversations()) == 2 < len(full.conversations())
    kept = sum(sum(c.packets) for c in table.conversations())
    assert capped.dropped == sum(sum(c.packets) for c in full.conversations()) - kept > 0


def test_segment_refuses_what_the_allow_list_refuses(tmp_path):
    ev_doc = {"schema": segment.SCHEMA, "reader_version": "2",
              "capture": {"iface": "eth1"}, "segment": 1,
              "observations": [{"kind": "dns", "location": "frame 3",
                                "data": {"name": "pacs.local", "address": "10.0.0.1",
                                         "record_type": "A"}},
                               {"kind": "dns", "location": "frame 4",
                                "data": {"name": "x.local", "address": "10.0.0.2",
                                         "payload": "PID|1||DURAND"}}]}
    path = tmp_path / "seg.json"
    path.write_text(json.dumps(ev_doc))
    with pytest.raises(InputError, match=r"^seg\.json: observations\[1\]\.data: .*payload"):
        segment.read(path, "seg.json")
    ev_doc["observations"].pop()
    path.write_text(json.dumps(ev_doc))
    [obs] = segment.read(path, "seg.json")
    assert obs.evidence.collector == "pcap" and obs.evidence.location == "frame 3"
    path.write_text(json.dumps(ev_doc)[:-5])
    with pytest.raises(InputError, match=r"^seg\.json: line 1 col \d+: invalid JSON"):
        segment.read(path, "seg.json")
    ev_doc["schema"] = "hdscan-capture-segment/2"
    path.write_text(json.dumps(ev_doc))
    with pytest.raises(InputError, match=r"^seg\.json: schema: capture segment version 2"):
        segment.read(path, "seg.json")


def test_capture_on_a_missing_interface_is_one_located_line(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("opening a packet socket needs root")
    result = CliRunner().invoke(main, ["capture", "--iface", "nohf0", "--duration", "1s",
                                       "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(
        "hdscan: error: interface nohf0: cannot open (no such interface)")
