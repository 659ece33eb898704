"""Agentless host inputs (ss, netstat, ps, tasklist) from real command output: what each
reads, that command lines and window titles never reach the store, located refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.agent import hostcmd
from scanner.collect.importers import netstat_text, ps_text, ss_text, tasklist_csv
from scanner.errors import InputError
from scanner.pipeline import import_inputs
from scanner.privacy import find_canaries
from scanner.store import Store

HOSTCMD = Path(__file__).resolve().parents[2] / "fixtures" / "hostcmd"
# planted in the real ps run (args) and in the Windows window titles
CANARIES = ["Hg-S3cret-Pw", "DUPONT", "Jeanne", "Tl-S3cret-9", "MARTIN Lucien", "1948"]

WHO_READS = {
    "dpi-app01.ss-tanp.txt": "ss", "dpi-app01.ss-ltnp.txt": "ss", "dpi-app01.ss-uanp.txt": "ss",
    "dpi-app01.netstat-tulpn.txt": "netstat", "dpi-app01.netstat-tanpu.txt": "netstat",
    "dpi-sql01.netstat-ano.txt": "netstat", "pacs-win02.netstat-anob.fr.txt": "netstat",
    "dpi-app01.ps-eo.txt": "ps", "dpi-db02.ps-aux.txt": "ps", "dpi-db02.ps-ef.txt": "ps",
    "dpi-sql01.tasklist-v.csv": "tasklist",
    "pacs-win02.tasklist-v.fr.csv": "tasklist",
}


def _obs(module, name: str, source: str | None = None):
    return list(module.collect(HOSTCMD / name, source or name))


def _kind(obs, kind):
    return [o.data for o in obs if o.kind == kind]


def test_every_fixture_goes_to_its_collector():
    assert sorted(p.name for p in HOSTCMD.iterdir()) == sorted(WHO_READS)
    for name, collector in WHO_READS.items():
        assert registry.collector_for(HOSTCMD / name).NAME == collector, name


def test_ss_tanp_listeners_and_directed_connections():
    obs = _obs(ss_text, "dpi-app01.ss-tanp.txt")
    host = _kind(obs, "host")[0]
    assert host["hostname"] == "dpi-app01"
    assert host["addresses"] == ["10.251.77.1", "192.0.2.2", "fd00::2"]    # loopback dropped
    listen = {(d["ip"], d["port"]): d.get("process") for d in _kind(obs, "listen")}
    assert listen[("0.0.0.0", 18080)] == "python3" and listen[("::", 18443)] == "python3"
    assert listen[("127.0.0.1", 5432)] == "postgres" and listen[("0.0.0.0", 2024)] is None
    conns = {(c["client_ip"], c["server_ip"], c["server_port"], c["local_role"]): c
             for c in _kind(obs, "connection")}
    # two sockets from the peer to 18080 are one dependency, the host serving it (listener)
    served = conns[("10.251.77.2", "10.251.77.1", 18080, "server")]
    assert served["confidence"] == "high" and served["process"] == "python3"
    # the host is the client of the peer's 5432 (no local listener: port rule)
    client = conns[("10.251.77.1", "10.251.77.2", 5432, "client")]
    assert client["confidence"] == "medium" and client["process"] == "python3"
    # loopback connections (epmd ↔ beam.smp) are no dependency between hosts
    assert not any(c["client_ip"].startswith("127.") for c in _kind(obs, "connection"))
    assert len(_kind(obs, "connection")) == 6
    ev = [o.evidence for o in obs if o.kind == "connection"][0]
    assert (ev.collector, ev.source, ev.location, ev.host) == (
        "ss", "dpi-app01.ss-tanp.txt", "line 12", "dpi-app01")


def test_ss_udp_transport_from_the_file_name_and_netid_column(tmp_path):
    listen = _kind(_obs(ss_text, "dpi-app01.ss-uanp.txt"), "listen")
    assert [(d["port"], d["transport"]) for d in listen] == [(15140, "udp")]
    # ss -tuanp: the Netid column says it, whatever the file is called
    text = (HOSTCMD / "dpi-app01.ss-uanp.txt").read_text().splitlines()
    mixed = tmp_path / "box.txt"
    mixed.write_text("# host: lab-hg\nNetid " + text[0] + "\n" + "udp    " + text[1] + "\n"
                     + "u_str  ESTAB 0 0 * 1234 * 1235\n")
    obs = list(ss_text.collect(mixed, "box.txt"))
    assert [(o.data["hostname"], o.data["transport"]) for o in obs if o.kind == "listen"] == [
        ("lab-hg", "udp")]


def test_netstat_linux_matches_ss_and_drops_the_command_line_in_the_program_column():
    obs = _obs(netstat_text, "dpi-app01.netstat-tanpu.txt")
    ss = _obs(ss_text, "dpi-app01.ss-tanp.txt")
    key = lambda c: (c["client_ip"], c["server_ip"], c["server_port"], c["local_role"],  # noqa: E731
                     c.get("process"), c["confidence"])
    assert set(map(key, _kind(obs, "connection"))) == set(map(key, _kind(ss, "connection")))
    assert len(_kind(obs, "connection")) == len(_kind(ss, "connection")) == 6
    listen = {(d["ip"], d["port"], d["transport"]): d.get("process") for d in _kind(obs, "listen")}
    # netstat prints "2209/redis-server 1" (redis rewrote its argv): only the first word stays
    assert listen[("127.0.0.1", 6379, "tcp")] == "redis-server"
    assert listen[("0.0.0.0", 15140, "udp")] == "python3"


def test_netstat_windows_english_and_french_cp850_with_b():
    obs = _obs(netstat_text, "dpi-sql01.netstat-ano.txt")
    conns = _kind(obs, "connection")
    sql = [c for c in conns if c["server_port"] == 1433 and c["client_ip"].startswith("10.")]
    assert {c["client_ip"] for c in sql} == {"10.20.1.21", "10.20.1.22"}
    assert all(c["local_role"] == "server" and c["confidence"] == "high" for c in sql)
    ldap = [c for c in conns if c["server_port"] == 389][0]
    assert (ldap["client_ip"], ldap["server_ip"], ldap["local_role"]) == (
        "10.20.1.31", "10.20.0.10", "client")
    # scoped link-local addresses lose their %6; UDP rows are listeners
    assert any(c["server_ip"] == "fe80::8d2c:1a7e:4b1f:92e3" for c in conns)
    assert ("0.0.0.0", 123, "udp") in {(d["ip"], d["port"], d["transport"]) for d in _kind(obs, "listen")}

    fr = _obs(netstat_text, "pacs-win02.netstat-anob.fr.txt")
    listen = {(d["port"], d["transport"]): d.get("process") for d in _kind(fr, "listen")}
    assert listen == {(104, "tcp"): "StorageSCP.exe", (135, "tcp"): "svchost.exe",
                      (445, "tcp"): None, (2762, "tcp"): "StorageSCP.exe", (161, "udp"): "snmp.exe"}
    out = {(c["server_ip"], c["server_port"]): (c["local_role"], c["process"])
           for c in _kind(fr, "connection")}
    assert out == {("10.40.2.15", 104): ("server", "StorageSCP.exe"),
                   ("10.40.2.30", 1521): ("client", "PacsArchiver.exe"),
                   ("10.40.2.31", 11112): ("client", "PacsArchiver.exe")}


def test_ps_keeps_names_and_users_never_arguments():
    obs = _obs(ps_text, "dpi-app01.ps-eo.txt")
    procs = _kind(obs, "process")
    assert ("postgres", "postgres") in {(p["name"], p.get("user")) for p in procs}
    assert {p["name"] for p in procs} >= {"mariadbd", "redis-server", "python3", "nats-server"}
    assert not any(p["name"].startswith("kworker") for p in procs)       # kernel threads
    # the planted password and patient name are in the fixture's args column …
    assert "--password=Hg-S3cret-Pw DUPONT Jeanne" in (HOSTCMD / "dpi-app01.ps-eo.txt").read_text()
    # … and nowhere in what the collector emits
    emitted = repr([(o.data, o.evidence) for o in obs])
    assert not [c for c in CANARIES if c in emitted]
    assert all(set(p) <= {"hostname", "name", "user"} for p in procs)


@pytest.mark.parametrize("name", ["dpi-db02.ps-aux.txt", "dpi-db02.ps-ef.txt"])
def test_ps_aux_and_ps_ef_keep_the_program_not_its_arguments(name):
    procs = _kind(_obs(ps_text, name), "process")
    assert {(p["name"], p.get("user")) for p in procs} == {
        ("postgres", "postgres"), ("redis-server", "root"), ("epmd", "rabbitmq"),
        ("mosquitto", "mosquit+"), ("nats-server", "root"), ("mariadbd", "mysql")}
    assert len(procs) == 10                                   # 5 postgres, no kernel thread
    text = repr(procs)
    assert "127.0.0.1:6379" in (HOSTCMD / name).read_text() and "6379" not in text
    assert "/var/lib" not in text and "checkpointer" not in text


def test_tasklist_utf16_and_french_cp850_drop_window_titles():
    en = _kind(_obs(tasklist_csv, "dpi-sql01.tasklist-v.csv"), "process")
    assert {"name": "sqlservr.exe", "user": "NT SERVICE\\MSSQLSERVER", "hostname": "dpi-sql01"} in en
    assert {"name": "System", "hostname": "dpi-sql01"} in en                    # N/A → no user
    fr = _kind(_obs(tasklist_csv, "pacs-win02.tasklist-v.fr.csv"), "process")
    assert {"name": "svchost.exe", "user": "AUTORITE NT\\SERVICE RÉSEAU",
            "hostname": "pacs-win02"} in fr
    assert {"name": "System", "hostname": "pacs-win02"} in fr                   # Non disponible
    assert not [c for c in CANARIES if c in repr(en + fr)]


def test_everything_through_the_pipeline_and_no_canary_in_the_store(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for p in HOSTCMD.iterdir():
        (inputs / p.name).write_bytes(p.read_bytes())
    summary = import_inputs([inputs], tmp_path / "out")
    assert not summary.errors and not summary.skipped
    assert sorted(r.collector for r in summary.results) == sorted(WHO_READS.values())
    with Store(tmp_path / "out" / "store.sqlite") as store:
        assert store.counts()["connection"] > 0 and store.counts()["process"] > 0
    assert find_canaries(tmp_path / "out", CANARIES) == []


@pytest.mark.parametrize("module,name,text,place,message", [
    (ss_text, "h1.ss-tanp.txt", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
     "ESTAB 0 0 10.0.0.1:x 10.0.0.2:5432\n", "line 2", "not an address:port pair"),
    (ss_text, "h1.ss.txt", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
     "ESTAB 0 0 10.0.0.1:40000 10.0.0.2:5432\n", "line 2", "cannot tell TCP from UDP"),
    (ss_text, "h1.ss-tanp.txt", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
     "ESTAB 0 0\n", "line 2", "expected at least 5 columns"),
    (netstat_text, "h1.netstat.txt", "Proto Recv-Q Send-Q Local Address Foreign Address State\n"
     "tcp 0 0 10.0.0.1:22 10.0.0.9:50000 ESTABLISHED rm -rf\n", "line 2", "neither a state"),
    (netstat_text, "h1.netstat.txt", "\r\nActive Connections\r\n\r\n  Proto  Local Address  "
     "Foreign Address  State  PID\r\n  TCP    10.0.0.1:99999  10.0.0.2:1  ESTABLISHED  4\r\n",
     "line 5", "not an address:port pair"),
    (ps_text, "h1.ps.txt", "USER PID PPID COMMAND\nroot x 1 init\n", "line 2", "not a number"),
    (tasklist_csv, "h1.tasklist.csv", '"Image Name","PID","Session Name","Session#","Mem Usage"\n'
     '"a.exe","12","Services"\n', "line 2", "expected 5 columns"),
    (ss_text, "h1.ss-tanp.txt", "# host: bad host!\nState Recv-Q Send-Q Local Address:Port "
     "Peer Address:Port\n", "line 1", "not a host name"),
    (ps_text, "h1.ps.txt", "# collected: yesterday\nUSER PID COMMAND\n", "line 1",
     "not an ISO-8601 time"),
])
def test_located_one_line_errors(tmp_path, module, name, text, place, message):
    path = tmp_path / name
    path.write_bytes(text.encode())
    assert registry.collector_for(path) is module
    with pytest.raises(InputError) as err:
        list(module.collect(path, f"hosts/{name}"))
    line = str(err.value)
    assert line.startswith(f"hosts/{name}: {place}: ") and message in line and "\n" not in line


def test_header_lines_name_the_host_and_time(tmp_path):
    path = tmp_path / "export-2026-03.txt"
    path.write_bytes(b"# host: dpi-app07\r\n# collected: 2026-03-02T09:00:00+01:00\r\n"
                     + (HOSTCMD / "dpi-app01.ps-eo.txt").read_bytes().replace(b"\n", b"\r\n"))
    obs = list(ps_text.collect(path, "x"))
    assert {o.data["hostname"] for o in obs} == {"dpi-app07"}
    assert {(o.evidence.observed_from, o.evidence.observed_to) for o in obs} == {
        ("2026-03-02T08:00:00Z", "2026-03-02T08:00:00Z")}
    assert hostcmd.decode("\ufeffÉtat\r\n".encode("utf-16-le")) == "État\n"
    assert hostcmd.decode("État\r\n".encode("cp850")) == "État\n"
