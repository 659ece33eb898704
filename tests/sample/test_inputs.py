"""The sample inputs: canaries really planted, and every file read cleanly by the real collectors."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from pathlib import Path

import pytest

from scanner.collect.capture.collector import collect as collect_pcap
from scanner.collect.config.collector import collect as collect_config

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "sample_estates" / "ch-saint-aurelien"


def canaries(estate: Path) -> list[str]:
    return [line for line in (estate / "canaries.txt").read_text(encoding="utf-8").splitlines() if line]


def raw_inputs(estate: Path) -> dict[str, bytes]:
    return {str(p.relative_to(estate)): p.read_bytes() for p in sorted((estate / "inputs").rglob("*")) if p.is_file()}


def test_every_canary_is_planted_in_the_raw_inputs(fresh):
    files = raw_inputs(fresh)
    values = canaries(fresh)
    assert len(values) >= 15
    missing = [c for c in values if not any(c.encode("utf-8") in data for data in files.values())]
    assert missing == []


@pytest.mark.parametrize("area", ["captures", "agents", "sql", "configs"])
def test_each_input_format_carries_canaries(fresh, area):
    """A privacy test over every output is only meaningful if each collector met a canary."""
    files = {k: v for k, v in raw_inputs(fresh).items() if k.startswith(f"inputs/{area}/")}
    hits = {c for c in canaries(fresh) for data in files.values() if c.encode("utf-8") in data}
    assert hits, area


def test_capture_parses_without_warnings(fresh):
    run = collect_pcap(fresh / "inputs/captures/core-switch.pcap", "inputs/captures/core-switch.pcap")
    obs = list(run)
    assert run.warnings == [] and run.truncated is None
    assert sum(run.skipped.values()) == 0
    kinds = Counter(o.kind for o in obs)
    assert kinds["flow"] > 80 and kinds["protocol"] > 80 and kinds["dns"] > 30
    protocols = {o.data["protocol"] for o in obs if o.kind == "protocol"}
    assert {"hl7v2-mllp", "dicom", "astm", "tls", "postgresql", "mysql", "oracle-tns", "tds", "ldap",
            "kerberos", "smb", "fhir", "dicomweb", "dns"} <= protocols
    facts = [(o.data["server_port"], o.data["facts"]) for o in obs if o.kind == "protocol"]
    assert any(port == 6661 and f.get("sending_application") == "PASTEL" for port, f in facts)
    assert any(f.get("sni") == "chsa-backup.blob.core.windows.net" for _, f in facts)
    stores = {f["calling_ae"] for _, f in facts if f.get("called_ae") == "PACS_CHSA"}
    assert stores == {"CT01_SOMATOM", "MR01_AVANTO"}
    names = {(o.data["name"], o.data["address"]) for o in obs if o.kind == "dns"}
    assert ("chsa-backup.blob.core.windows.net", "blob.par21prdstr03a.store.core.windows.net") in names
    text = json.dumps([o.to_dict() for o in obs], ensure_ascii=False)
    assert not [c for c in canaries(fresh) if c in text]


def test_configs_give_dependencies_and_skip_commented_hosts(fresh):
    refs = []
    for path in sorted((fresh / "inputs/configs").rglob("*")):
        if path.is_file():
            refs += [o.data for o in collect_config(path, str(path.relative_to(fresh)))]
    targets = {(r["host"], r["scheme"], r["target_host"].split(".")[0], r.get("target_port")) for r in refs}
    assert ("dpi-app01", "postgresql", "dpi-db01", 5432) in targets
    assert ("dpi-app01", "mllp", "eai01", 6663) in targets
    assert ("gam01", "sqlserver", "gam-db01", 1433) in targets
    assert ("ris01", "dicom", "pacs01", 4242) in targets
    assert ("lis-app01", "oracle", "lis-db01", 1521) in targets
    assert len({t for t in targets if t[0] == "eai01" and t[1] == "mllp"}) >= 10
    assert not [r for r in refs if "old" in r["target_host"]]


def test_agent_inventories_agree_with_each_other(fresh):
    """Both ends of a connection between agent hosts report it; servers listen on their ports."""
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (fresh / "inputs/agents").glob("*.json")}
    by_ip = {d["host"]["interfaces"][0]["addresses"][0]: d for d in docs.values()}
    seen = 0
    for doc in docs.values():
        assert doc["schema"] == "hdscan-agent-inventory/1"
        listening = {(s["port"], s["transport"]) for s in doc["listening"]}
        for c in doc["connections"]:
            assert doc["collected_from"] <= c["first_seen"] <= c["last_seen"] <= doc["collected_to"]
            peer = by_ip.get(c["remote_ip"])
            if (c["local_port"], c["transport"]) in listening:
                continue                                  # server side
            if peer is not None:                          # client side: the server reports it too
                assert any(p["local_port"] == c["remote_port"] and p["remote_port"] == c["local_port"]
                           for p in peer["connections"]), (doc["host"]["hostname"], c)
                seen += 1
    assert seen > 40
    cmdlines = " ".join(p["cmdline"] for d in docs.values() for p in d["processes"])
    assert "--db-password=" in cmdlines and "QUIMBERTEAU" in cmdlines


@pytest.mark.parametrize("module, folder, pattern", [
    ("scanner.collect.agent.inventory", "agents", "*.json"),
    ("scanner.collect.importers.nmap_xml", "nmap", "*.xml"),
    ("scanner.collect.sql.dump", "sql", "*.sql"),
])
def test_other_collectors_read_every_file(fresh, module, folder, pattern):
    """Collectors written by other rooms read the sample cleanly (skipped until they exist)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        pytest.skip(f"{module} not written yet")
    files = sorted((fresh / "inputs" / folder).rglob(pattern))
    assert files
    total = Counter()
    for path in files:
        source = str(path.relative_to(fresh))
        for o in mod.collect(path, source):
            total[o.kind] += 1
            text = json.dumps(o.to_dict(), ensure_ascii=False)
            assert not [c for c in canaries(fresh) if c in text], (source, o.kind)
    assert total


def test_warehouse_links_found_and_retired_link_ignored(fresh):
    try:
        from scanner.collect.sql.dump import collect
    except ImportError:
        pytest.skip("sql collector not written yet")
    path = fresh / "inputs/sql/eds-db01/eds.sql"
    links = [o.data for o in collect(path, "inputs/sql/eds-db01/eds.sql") if o.kind == "db_link"]
    assert {(l["mechanism"], l["target_host"].split(".")[0], l["target_database"]) for l in links} == {
        ("postgres_fdw", "dpi-db01", "dpi"), ("dblink", "dpi-db01", "dpi")}
