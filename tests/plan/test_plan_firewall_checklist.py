"""The firewall matrix of the hybrid period and the go/no-go checklist of each wave."""

from __future__ import annotations

import pytest

from scanner.graph import queries as q
from scanner.plan import build_plan
from tests.plan.hospital import hospital


@pytest.fixture(scope="module")
def estate():
    return hospital()


@pytest.fixture(scope="module")
def plan(estate):
    return build_plan(*estate, None)


def _wave(plan, host):
    return next(w for w in plan["waves"] if f"host:{host}" in w["hosts"])


def test_every_hybrid_flow_is_covered_by_one_firewall_rule(estate, plan):
    g, _ = estate
    rows = plan["firewall"]
    assert plan["summary"]["firewall_rules"] == len(rows)
    keys = [(r["source"], r["destination"], r["port"], r["protocol"]) for r in rows]
    assert len(keys) == len(set(keys))
    for f in plan["hybrid_flows"]:
        dst = f["destination"] if q.kind(g, f["destination"]) == "endpoint" else q.host(g, f["destination"])
        row = next(r for r in rows if (r["source"], r["destination"], r["port"], r["protocol"])
                   == (f["source"], dst, f["port"], f["protocol"]))
        assert row["from_wave"] <= f["from_wave"]
        assert row["until_wave"] is None or (f["until_wave"] is not None
                                             and row["until_wave"] >= f["until_wave"])
    assert sum(r["flows"] for r in rows) == len(plan["hybrid_flows"])
    assert all(r["evidence"] and r["evidence"] == sorted(set(r["evidence"])) for r in rows)
    assert sum(r["bytes"] or 0 for r in rows) == sum(f["bytes"] or 0 for f in plan["hybrid_flows"])
    assert any(r["bytes"] for r in rows)


def test_rules_name_hosts_ports_and_waves(plan):
    rows = {(r["source"], r["destination"], r["port"]): r for r in plan["firewall"]}
    ct = rows[("host:ct01", "host:pacs01", 104)]          # the modality stays: never closes
    assert ct["protocol"] == "dicom" and ct["kind"] == "permanent"
    assert ct["from_wave"] == _wave(plan, "pacs01")["number"] and ct["until_wave"] is None
    eai = rows[("host:eai01", "host:lis01", 2575)]        # both move: closes with the later one
    assert eai["protocol"] == "hl7v2-mllp" and eai["kind"] == "temporary"
    assert {eai["from_wave"], eai["until_wave"]} == {_wave(plan, "eai01")["number"],
                                                     _wave(plan, "lis01")["number"]}
    cloud = rows[("host:backup01", "ext:hop.blob.core.windows.net", 443)]
    assert cloud["kind"] == "external" and cloud["until_wave"] is None


def _items(plan, host, kind):
    return [i for i in _wave(plan, host)["checklist"] if i["kind"] == kind]


def test_tier1_waves_brief_the_degraded_mode_of_the_services_they_touch(plan):
    dpi = _items(plan, "dpi-db01", "degraded-mode")
    assert any("DPI" in i["text"] and "moves in this wave" in i["text"] for i in dpi)
    # the EAI's wave closes its HL7 links to the LIS: the LIS is affected too
    eai = _items(plan, "eai01", "degraded-mode")
    texts = " ".join(i["text"] for i in eai)
    assert "EAI" in texts
    lis = next(g for g in plan["groups"] if "host:lis01" in g["hosts"])
    if _wave(plan, "lis01")["number"] != _wave(plan, "eai01")["number"]:
        assert lis["id"] in texts and "hl7v2-mllp" in texts
    # a wave with no tier-1 group and no clinical link crossing: no degraded-mode item
    pilot = next(w for w in plan["waves"] if w["name"] == "pilot")
    assert not [i for i in pilot["checklist"] if i["kind"] == "degraded-mode"]


def test_backup_rollback_transfer_and_firewall_items(plan):
    for w in plan["waves"]:
        kinds = [i["kind"] for i in w["checklist"]]
        assert "transfer" in kinds
        assert ("rollback" in kinds) == (w["action"] == "move")
        assert ("replica" in kinds) == (w["action"] == "replicate")
        data = {h for h in w["hosts"]}
        backed = {h for i in w["checklist"] if i["kind"] == "backup" for h in i["hosts"]}
        assert backed <= data
    pacs = _wave(plan, "pacs01")
    backup = [i for i in pacs["checklist"] if i["kind"] == "backup"]
    assert backup and "host:pacs01" in backup[0]["hosts"]
    assert "no backup host was seen" in backup[0]["text"]     # backup01 never talks to it
    transfer = next(i for i in pacs["checklist"] if i["kind"] == "transfer")
    assert "pre-seed or replicate" in transfer["text"]
    fw = next(i for i in pacs["checklist"] if i["kind"] == "firewall")
    opened = [r for r in plan["firewall"] if r["from_wave"] == pacs["number"]]
    assert fw["text"].startswith(f"{len(opened)} cross-site rule(s) open before the wave")


def test_outputs_carry_no_clock(estate):
    a = build_plan(*estate, None)
    b = build_plan(*hospital(), None)
    assert a == b


def test_redaction_reaches_the_checklist_and_the_firewall_matrix(estate, plan):
    import json

    from scanner.report.redact import Redactor
    g, tags = estate
    red = Redactor(g, tags, b"hA-salt" * 5).value(None, plan)
    text = json.dumps({"checklists": [w["checklist"] for w in red["waves"]],
                       "transfers": [w["transfer"] for w in red["waves"]],
                       "matrix": red["firewall"]})
    for name in ("dpi-db01", "dpi-app01", "pacs01", "lis01", "eai01", "ct01", "backup01",
                 "hop.blob.core.windows.net", "10.20.5.100"):
        assert name not in text
    assert any(i["kind"] == "degraded-mode" for w in red["waves"] for i in w["checklist"])


def test_backup_items_name_the_backup_host_seen_reading_the_data():
    g, tags = hospital()
    # backup01 dumps the DPI database; its LDAP session to dc01 is no backup
    g.add_edge("host:backup01", "svc:dpi-db01:tcp/5432", key="flow", kind="flow", port=5432,
               transport="tcp", protocol="postgresql", connections=1, evidence=["obs:hA-dump"])
    plan = build_plan(g, tags, None)
    dpi = _items(plan, "dpi-db01", "backup")
    assert [i["text"] for i in dpi if "host:dpi-db01" in i["hosts"]] == \
        ["a restore of dpi-db01 from backup01 tested, with its date, before the cut-over"]
    assert any(i["text"].startswith("no backup host was seen talking to") and
               "host:dpi-app01" in i["hosts"] for i in dpi)
    foundation = next(w for w in plan["waves"] if w["action"] == "replicate")
    texts = [i["text"] for i in foundation["checklist"] if i["kind"] == "backup"]
    assert texts and all("from backup01" not in t for t in texts)      # LDAP is not a backup
