"""The agent-inventory collector on two real inventories (a Linux DB server, a Windows
app server) and on refused ones: old schema, wrong types, invalid JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.agent import inventory
from scanner.errors import InputError
from scanner.model.observations import canonical_json

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "agent"
CANARIES = ("S3cr3t-CANARY", "DUPONT-CANARY", "0012345678", "repo1-s3-key-secret", "--password",
            "config_file=")


def _obs(name: str, path: Path | None = None):
    return list(inventory.collect(path or FIX / name, f"agents/{name}"))


def _write(tmp_path: Path, doc: dict, name: str = "inv.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def _doc(name: str = "dpi-db01.json") -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def test_contract_and_registry_pick_it():
    assert (inventory.NAME, inventory.VERSION) == ("agent-inventory", "1")
    assert registry.COLLECTORS[:2] == ("scanner.collect.agent.bundle", "scanner.collect.agent.inventory")
    for name in ("dpi-db01.json", "dpi-app01.json", "old-agent-v0.json", "wrong-type.json"):
        assert inventory.accepts(FIX / name, (FIX / name).read_bytes()[:4096])
    assert not inventory.accepts(Path("package.json"), b'{"name": "x", "version": "1.0.0"}')


def test_linux_db_server_host_facts():
    host = _obs("dpi-db01.json")[0]
    assert host.kind == "host" and host.evidence.location == "host"
    assert host.data == {
        "hostname": "dpi-db01", "fqdn": "dpi-db01.ch-example.local", "os": "Ubuntu",
        "os_version": "22.04", "addresses": ["10.20.1.21", "fd00:20:1::21"],   # loopback dropped
        "macs": ["00:50:56:aa:bb:02"], "cpu_count": 16, "memory_bytes": 68719476736,
        "disk_total_bytes": 53687091200 + 1099511627776, "disk_used_bytes": 21474836480 + 429496729600,
        "device_class": "server", "agent_version": "0.1.0",
        "packages": ["openssh-server", "pgbackrest", "postgresql-14"]}
    ev = host.evidence
    assert (ev.collector, ev.source, ev.host, ev.observed_from, ev.observed_to) == \
        ("agent-inventory", "agents/dpi-db01.json", "dpi-db01", "2026-03-02T08:00:00Z",
         "2026-03-09T08:00:00Z")


def test_windows_host_normalises_macs_and_sums_partial_disks():
    host = _obs("dpi-app01.json")[0].data
    assert host["macs"] == ["00:50:56:aa:bb:01"]
    assert host["addresses"] == ["10.20.1.11", "fe80::250:56ff:feaa:bb01"]
    assert host["disk_total_bytes"] == 214748364800 + 107374182400
    assert host["disk_used_bytes"] == 96636764160


def test_processes_keep_name_exe_user_and_never_the_command_line():
    obs = _obs("dpi-app01.json") + _obs("dpi-db01.json")
    procs = [o for o in obs if o.kind == "process"]
    assert {tuple(sorted(o.data)) for o in procs} <= {("exe", "hostname", "name", "user"),
                                                       ("hostname", "name", "user")}
    java = next(o for o in procs if o.data["name"] == "java.exe")
    assert java.data == {"hostname": "DPI-APP01", "name": "java.exe",
                         "exe": "C:\\Program Files\\Java\\jre17\\bin\\java.exe", "user": "CHEX\\svc-dpi"}
    assert java.evidence.location == "processes[1]"
    text = canonical_json([o.to_dict() for o in obs]).lower()
    for canary in CANARIES:
        assert canary.lower() not in text, canary


def test_listening_sockets_with_process_named_from_pid():
    listens = [o.data for o in _obs("dpi-db01.json") if o.kind == "listen"]
    assert {"hostname": "dpi-db01", "ip": "0.0.0.0", "port": 5432, "transport": "tcp",
            "process": "postgres"} in listens
    assert len(listens) == 4
    app = [o.data for o in _obs("dpi-app01.json") if o.kind == "listen"]
    assert sorted((d["transport"], d["port"]) for d in app) == [("tcp", 3389), ("tcp", 8443), ("udp", 137)]


def test_connection_direction_from_the_listening_table():
    conns = {o.evidence.location: o.data for o in _obs("dpi-db01.json") if o.kind == "connection"}
    # connections[2] is loopback: skipped
    assert sorted(conns) == ["connections[0]", "connections[1]", "connections[3]", "connections[4]"]
    assert conns["connections[0]"] == {
        "hostname": "dpi-db01", "client_ip": "10.20.1.11", "server_ip": "10.20.1.21",
        "server_port": 5432, "transport": "tcp", "process": "postgres", "local_role": "server",
        "times_seen": 2016, "first_seen": "2026-03-02T08:00:05Z", "last_seen": "2026-03-09T07:59:55Z",
        "confidence": "high"}
    # IPv4-mapped addresses become IPv4; a +01:00 time becomes UTC
    ssh = conns["connections[1]"]
    assert (ssh["client_ip"], ssh["server_ip"], ssh["server_port"], ssh["local_role"]) == \
        ("10.20.9.40", "10.20.1.21", 22, "server")
    assert (ssh["first_seen"], ssh["last_seen"]) == ("2026-03-03T09:15:00Z", "2026-03-03T10:45:00Z")
    backup = conns["connections[3]"]
    assert (backup["local_role"], backup["server_ip"], backup["server_port"], backup["confidence"]) == \
        ("client", "10.20.5.30", 8432, "medium")
    assert "process" not in conns["connections[4]"]   # no pid, no name: nothing invented


def test_windows_client_and_server_sides():
    conns = [o.data for o in _obs("dpi-app01.json") if o.kind == "connection"]
    got = [(d["local_role"], d["client_ip"], d["server_ip"], d["server_port"], d["confidence"])
           for d in conns]
    assert got == [("client", "10.20.1.11", "10.20.1.21", 5432, "medium"),
                   ("server", "10.20.30.17", "10.20.1.11", 8443, "high"),
                   ("client", "10.20.1.11", "20.60.1.5", 443, "medium"),
                   ("client", "10.20.1.11", "10.20.1.40", 50100, "low")]
    assert conns[1]["process"] == "java.exe"    # named from its pid


def test_old_schema_is_refused_naming_both_versions():
    with pytest.raises(InputError) as err:
        _obs("old-agent-v0.json")
    msg = str(err.value)
    assert msg.startswith("agents/old-agent-v0.json: schema: inventory version 0")
    assert "older agent" in msg and "hdscan-agent-inventory/1" in msg


def test_newer_schema_says_newer(tmp_path):
    doc = _doc()
    doc["schema"] = "hdscan-agent-inventory/2"
    with pytest.raises(InputError, match="version 2 .*newer agent.*reads version 1"):
        _obs("inv.json", _write(tmp_path, doc))


def test_wrong_type_names_the_json_path():
    with pytest.raises(InputError) as err:
        _obs("wrong-type.json")
    assert str(err.value) == "agents/wrong-type.json: connections[3].remote_port: expected a port number (0-65535)"


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["host"].pop("hostname"), "host.hostname: missing; expected text"),
    (lambda d: d.pop("collected_to"), "collected_to: missing"),
    (lambda d: d.__setitem__("collected_from", "2026-03-02 08:00"), "collected_from: expected an ISO-8601"),
    (lambda d: d["host"].__setitem__("cpu_count", "16"), "host.cpu_count: expected a non-negative integer"),
    (lambda d: d["host"]["interfaces"][1]["addresses"].append("10.20.1.300"),
     r"host.interfaces\[1\].addresses\[2\]: expected an IP address"),
    (lambda d: d["processes"][2].__setitem__("name", ["postgres"]), r"processes\[2\].name: expected text"),
    (lambda d: d["listening"][0].__setitem__("transport", "sctp"), r"listening\[0\].transport: expected tcp or udp"),
    (lambda d: d["connections"][1].__setitem__("times_seen", True),
     r"connections\[1\].times_seen: expected a non-negative integer"),
    (lambda d: d.__setitem__("connections", {}), "connections: expected a list"),
    (lambda d: d["processes"][0].__setitem__("exe", "/bin/\x1b[31mx"), r"processes\[0\].exe: control characters"),
    (lambda d: d["host"].__setitem__("device_class", "toaster"), "host.device_class: expected one of"),
])
def test_every_bad_field_names_its_path(tmp_path, edit, message):
    doc = _doc()
    edit(doc)
    with pytest.raises(InputError, match=r"^agents/inv.json: " + message):
        _obs("inv.json", _write(tmp_path, doc))


def test_invalid_json_names_line_and_column(tmp_path):
    p = tmp_path / "inv.json"
    text = (FIX / "dpi-db01.json").read_text(encoding="utf-8")
    broken = text.replace('"cpu_count": 16,', '"cpu_count": 16,,')
    p.write_text(broken, encoding="utf-8")
    at = broken.index(",,") + 1                       # the stray comma
    line = broken.count("\n", 0, at) + 1
    col = at - broken.rfind("\n", 0, at)
    with pytest.raises(InputError, match=rf"^agents/inv.json: line {line} col {col}: invalid JSON"):
        _obs("inv.json", p)
    p.write_bytes(text.encode()[:500])
    with pytest.raises(InputError, match=r"^agents/inv.json: line \d+ col \d+: invalid JSON"):
        _obs("inv.json", p)
    latin1 = b'{"schema": "hdscan-agent-inventory/1", "x": "\xe9"}'
    p.write_bytes(latin1)
    with pytest.raises(InputError, match=rf"^agents/inv.json: byte {latin1.index(0xe9)}: not UTF-8"):
        _obs("inv.json", p)


def test_unknown_keys_are_ignored_not_kept(tmp_path):
    doc = _doc()
    doc["environment"] = {"PGPASSWORD": "S3cr3t-CANARY"}
    doc["processes"][0]["environ"] = "HOME=/root DUPONT-CANARY"
    text = canonical_json([o.to_dict() for o in _obs("inv.json", _write(tmp_path, doc))])
    assert "CANARY" not in text
