"""The planner on a small hospital: groups, stays, waves, hybrid flows, conflicts."""

from __future__ import annotations

import json

import pytest

from scanner.errors import PlanError
from scanner.plan import build_plan
from scanner.plan.config import parse_plan_config
from scanner.plan.reasons import KINDS
from tests.plan.hospital import hospital


@pytest.fixture(scope="module")
def estate():
    return hospital()


@pytest.fixture(scope="module")
def plan(estate):
    return build_plan(*estate, None)


def _cfg(body: str):
    return parse_plan_config("schema: hdscan-plan/1\n" + body, "plan.yml")


def _group_of(plan, host):
    return next(g for g in plan["groups"] if f"host:{host}" in g["hosts"])


def _wave_of(plan, host):
    return next((w["number"] for w in plan["waves"] if f"host:{host}" in w["hosts"]), None)


def test_application_and_its_database_form_one_group(plan):
    g = _group_of(plan, "dpi-app01")
    assert "host:dpi-db01" in g["hosts"]
    texts = [r["text"] for r in g["reasons"] if r["kind"] == "database"]
    assert any("dpi-app01 talks to the postgresql service (port 5432) on dpi-db01" in t for t in texts)
    assert all(r.get("evidence") for r in g["reasons"] if r["kind"] == "database")
    lis = _group_of(plan, "lis01")
    assert lis["hosts"] == ["host:lis-db01", "host:lis01"]


def test_warehouse_follows_its_db_link_instead_of_joining(plan):
    wh, dpi = _group_of(plan, "wh-db01"), _group_of(plan, "dpi-db01")
    assert wh["hosts"] == ["host:wh-db01"] and dpi["hosts"] == ["host:dpi-app01", "host:dpi-db01"]
    link = [r for r in wh["reasons"] if r["kind"] == "follows"]
    assert len(link) == 1 and link[0]["text"].startswith(
        "wh-db01 reads dpi-db01 through postgres_fdw (dpi_remote)") and link[0]["evidence"]
    assert not any(r["kind"] == "single" for r in wh["reasons"])
    assert _wave_of(plan, "wh-db01") >= _wave_of(plan, "dpi-db01")
    w = next(w for w in plan["waves"] if "host:wh-db01" in w["hosts"])
    assert any(r["kind"] == "follows" and f"in wave {_wave_of(plan, 'dpi-db01')}" in r["text"]
               for r in w["reasons"])
    assert dpi["care_tier"] == 1 and dpi["data_class"] == "health"
    assert dpi["data_bytes"] == (60 + 500) * 1024 ** 3   # disk, else database bytes


def test_hl7_and_directory_flows_do_not_glue_groups(plan):
    assert _group_of(plan, "eai01")["hosts"] == ["host:eai01"]
    assert _group_of(plan, "dc01")["hosts"] == ["host:dc01"]
    assert _group_of(plan, "eai01")["reasons"][0]["kind"] == "single"


def test_devices_and_user_pcs_stay_and_endpoints_are_external(plan):
    stays = {s["host"]: s["kind"] for s in plan["stays"]}
    assert stays == {"host:ct01": "device-class", "host:10.20.5.100": "client-only"}
    assert [e["endpoint"] for e in plan["external"]] == ["ext:hop.blob.core.windows.net"]
    moving = {h for g in plan["groups"] for h in g["hosts"]}
    assert not moving & set(stays)


def test_modality_keeps_a_permanent_flow_to_the_pacs(plan):
    flows = [f for f in plan["hybrid_flows"] if f["source"] == "host:ct01"]
    assert len(flows) == 1
    f = flows[0]
    assert f["destination"] == "svc:pacs01:tcp/104" and f["protocol"] == "dicom"
    assert f["from_wave"] == _wave_of(plan, "pacs01") and f["until_wave"] is None


def test_flows_between_waves_are_open_between_them(plan):
    for f in plan["hybrid_flows"]:
        src = _wave_of(plan, f["source"].split(":", 1)[1])
        if f["until_wave"] is not None:
            dst_host = f["destination"].split(":")[1]
            assert {f["from_wave"], f["until_wave"]} == {src, _wave_of(plan, dst_host)}
            assert f["from_wave"] < f["until_wave"]
    # flows to the replicated directory never cross; flows inside one wave never listed
    assert not any("dc01" in f["destination"] for f in plan["hybrid_flows"])
    assert not any(f["source"] == "host:dpi-app01" and "dpi-db01" in f["destination"]
                   for f in plan["hybrid_flows"])
    assert plan["summary"]["split_cost"] == sum(
        (f["until_wave"] - f["from_wave"]) * f["connections"]
        for f in plan["hybrid_flows"] if f["until_wave"] is not None)


def test_pilot_is_low_risk_and_first(plan):
    pilot = [w for w in plan["waves"] if w["name"] == "pilot"]
    assert len(pilot) == 1
    groups = {g["id"]: g for g in plan["groups"]}
    assert pilot[0]["number"] == min(w["number"] for w in plan["waves"] if w["action"] == "move")
    for gid in pilot[0]["groups"]:
        assert groups[gid]["care_tier"] not in (1, 2)
        assert groups[gid]["data_class"] != "health"
    assert pilot[0]["hosts"] == ["host:fin-app01", "host:fin-db01"]
    assert pilot[0]["window"] == "business-hours"


def test_tier1_limit_capacity_and_reasons(plan):
    groups = {g["id"]: g for g in plan["groups"]}
    placed = [gid for w in plan["waves"] for gid in w["groups"]]
    assert sorted(placed) == sorted(groups)          # every group exactly once
    for w in plan["waves"]:
        if w["action"] == "move":
            assert sum(1 for gid in w["groups"] if groups[gid]["care_tier"] == 1) <= 1
        assert len(w["hosts"]) <= 10 and w["reasons"]
        if any(groups[gid]["care_tier"] == 1 for gid in w["groups"]):
            assert w["window"] == "weekend-night"
    assert all(g["reasons"] for g in plan["groups"])
    kinds = {r["kind"] for x in plan["groups"] + plan["waves"] for r in x["reasons"]}
    assert kinds <= set(KINDS) and {"tier1-limit", "risk-order", "pilot", "foundation"} <= kinds


def test_care_chain_moves_in_consecutive_waves_hub_next_to_each_partner(plan):
    chain = [_wave_of(plan, h) for h in ("dpi-app01", "lis01", "eai01")]
    assert max(chain) - min(chain) == len(set(chain)) - 1       # no gap
    # the hybrid cost keeps every HL7 link of the hub cross-site for one wave at most
    assert all(abs(_wave_of(plan, "eai01") - _wave_of(plan, x)) <= 1 for x in ("dpi-app01", "lis01"))
    w = next(w for w in plan["waves"] if "host:eai01" in w["hosts"])
    assert any(r["kind"] == "care-chain" for r in w["reasons"])


def test_move_first_moves_the_directory_first(estate):
    plan = build_plan(*estate, _cfg("shared_infrastructure: move-first\n"))
    dc = next(w for w in plan["waves"] if "host:dc01" in w["hosts"])
    assert dc["number"] == 0 and dc["action"] == "move"
    assert all(abs(_wave_of(plan, "eai01") - _wave_of(plan, x)) <= 1 for x in ("dpi-app01", "lis01"))
    ldap = [f for f in plan["hybrid_flows"] if f["destination"] == "svc:dc01:tcp/389"]
    assert ldap and all(f["from_wave"] == 0 for f in ldap)


def test_capacity_smaller_than_a_group_places_it_alone(estate):
    plan = build_plan(*estate, _cfg("wave_capacity: {servers: 1}\npilot: {enabled: false}\n"))
    w = next(w for w in plan["waves"] if "host:dpi-db01" in w["hosts"])
    assert w["groups"] == [_group_of(plan, "dpi-db01")["id"]]
    assert any(r["kind"] == "exceeds-capacity" and "split it or pre-seed" in r["text"]
               for r in w["reasons"])
    for other in plan["waves"]:
        if other is not w:
            assert other["servers"] <= 1 or any(r["kind"] == "exceeds-capacity"
                                                 for r in other["reasons"])
    assert not any(x["name"] == "pilot" for x in plan["waves"])


def test_pins_exclusions_and_orderings_apply(estate):
    plan = build_plan(*estate, _cfg(
        "pins:\n  - hosts: [gam01, eai01]\n    reason: same vendor contract\n"
        "exclusions: [backup01]\n"
        "orderings:\n  - {before: lis01, after: pacs01, reason: lab first}\n"))
    g = _group_of(plan, "eai01")
    assert g["hosts"] == ["host:eai01", "host:gam01"]
    assert any(r["kind"] == "pin" and "same vendor contract" in r["text"] for r in g["reasons"])
    assert {"host": "host:backup01", "kind": "exclusion"}.items() <= \
        next(s for s in plan["stays"] if s["host"] == "host:backup01").items()
    assert _wave_of(plan, "lis01") < _wave_of(plan, "pacs01")
    w = next(w for w in plan["waves"] if "host:pacs01" in w["hosts"])
    assert any(r["kind"] == "ordering" and "lab first" in r["text"] for r in w["reasons"])


@pytest.mark.parametrize("body, needle", [
    ("pins:\n  - hosts: [ct01, pacs01]\n    reason: r\n",
     "plan.yml: line 3: pins[0] (r) contradicts the stay rule: host:ct01 never moves"),
    ("pins:\n  - hosts: [nosuch, pacs01]\n    reason: r\n", "names host:nosuch, which is not a host"),
    ("orderings:\n  - {before: dpi-app01, after: dpi-db01, reason: r}\n",
     "orderings[0] (r) contradicts move group group:g03"),
    ("orderings:\n  - {before: lis01, after: pacs01, reason: a}\n"
     "  - {before: pacs01, after: lis01, reason: b}\n",
     "orderings[0], orderings[1] form a cycle"),
    ("exclusions: [ghost01]\n", "plan.yml: line 2: exclusions names host:ghost01"),
    ("orderings:\n  - {before: gam01, after: dc01, reason: r}\n",
     "plan.yml: line 3: orderings[0] (r) puts group:g02 (DNS, directory) after group:g06, but shared"),
])
def test_impossible_constraints_name_themselves(estate, body, needle):
    with pytest.raises(PlanError) as exc:
        build_plan(*estate, _cfg(body))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_output_is_deterministic(estate):
    g, tags = estate
    a = json.dumps(build_plan(g, tags, None), sort_keys=True)
    b = json.dumps(build_plan(g, json.loads(json.dumps(tags)), None), sort_keys=True)
    assert a == b
    plan = json.loads(a)
    assert [x["id"] for x in plan["groups"]] == sorted(x["id"] for x in plan["groups"])
    assert [w["number"] for w in plan["waves"]] == list(range(len(plan["waves"])))


def test_empty_estate_gives_an_empty_plan():
    import networkx as nx
    plan = build_plan(nx.MultiDiGraph(), {"resolved": {}}, None)
    assert plan["groups"] == [] and plan["waves"] == [] and plan["summary"]["split_cost"] == 0


def test_file_shares_join_but_backup_reads_do_not(monkeypatch):
    from scanner.classify.engine import classify
    from scanner.classify.loader import default_pack_path, load_packs
    from scanner.graph.build import build_graph
    from tests.plan import hospital as h

    monkeypatch.setitem(h.IP, "fs01", "10.20.4.30")
    extra = h._server("fs01", [], 300 * 1024 ** 3) + [
        h._listen("fs01", 445, "system"), h._flow("fin-app01", "fs01", 445, 30),
        h._proto("fin-app01", "fs01", 445, "smb", {"dialect": "3.1.1"}),
        h._flow("backup01", "fin-db01", 1433, 4)]
    g = build_graph(h.observations() + extra, h.CONFIG)
    plan = build_plan(g, classify(g, load_packs([default_pack_path()])), None)
    fin = _group_of(plan, "fin-app01")
    assert fin["hosts"] == ["host:fin-app01", "host:fin-db01", "host:fs01"]
    assert any(r["kind"] == "file-share" and r["text"].startswith("fin-app01 uses the SMB file share of fs01")
               for r in fin["reasons"])
    assert _group_of(plan, "backup01")["hosts"] == ["host:backup01"]


def test_data_capacity_opens_waves(estate):
    cap = 2100 * 1024 ** 3          # backup01 (2000 GB) no longer fits beside lis01 + lis-db01
    free = build_plan(*estate, _cfg("pilot: {enabled: false}\n"))
    assert any((w["data_bytes"] or 0) > cap for w in free["waves"])   # the limit has work to do
    plan = build_plan(*estate, _cfg(f"wave_capacity: {{servers: 10, data_bytes: {cap}}}\n"
                                    "pilot: {enabled: false}\n"))
    for w in plan["waves"]:
        alone = any(r["kind"] == "exceeds-capacity" for r in w["reasons"])
        assert w["data_bytes"] <= cap or (alone and len(w["groups"]) == 1)
    pacs = next(w for w in plan["waves"] if "host:pacs01" in w["hosts"])   # 4000 GB: alone
    assert pacs["groups"] == [_group_of(plan, "pacs01")["id"]]
    assert any(r["kind"] == "exceeds-capacity" and "split it or pre-seed" in r["text"]
               for r in pacs["reasons"])
    assert _wave_of(plan, "backup01") != _wave_of(plan, "lis01")
    texts = [r["text"] for w in plan["waves"] for r in w["reasons"] if r["kind"] == "capacity"]
    assert any("bytes would exceed wave" in t for t in texts)


def test_every_reason_kind_is_documented(root):
    text = (root / "docs" / "planner.md").read_text(encoding="utf-8")
    missing = [k for k in KINDS if f"`{k}`" not in text]
    assert not missing
