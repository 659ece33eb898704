"""Joins decided from the graph (mirror pairs, gatherers, misleading role tags, warehouse
links) and wave packing (fill to capacity, tier-1 limit, balanced load)."""

from __future__ import annotations

import copy
import json
import math

import pytest

from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.errors import PlanError
from scanner.graph.build import build_graph
from scanner.plan import build_plan
from scanner.plan.config import parse_plan_config
from tests.plan import hospital as h
from tests.plan.synthetic import estate

GB = 1024 ** 3


def _cfg(body: str):
    return parse_plan_config("schema: hdscan-plan/1\n" + body, "plan.yml")


def _group(plan, host):
    return next(g for g in plan["groups"] if f"host:{host}" in g["hosts"])


def _wave(plan, host):
    return next(w["number"] for w in plan["waves"] if f"host:{host}" in w["hosts"])


def _plan_with(monkeypatch, ips: dict, extra: list, config=None):
    for name, ip in ips.items():
        monkeypatch.setitem(h.IP, name, ip)
    g = build_graph(h.observations() + extra(), h.CONFIG)
    tags = classify(g, load_packs([default_pack_path()]))
    return g, tags, build_plan(g, tags, config)


# --- joins ---------------------------------------------------------------------------------

def _mirror():
    o = h._server("eai02", ["irisdb", "ISCAgent"], 30 * GB)
    o += h._server("mon01", ["zabbix_server", "zabbix_agentd"], 20 * GB)
    for host in ("eai01", "eai02"):
        o += [h._listen(host, 1972, "irisdb"), h._listen(host, 2188, "ISCAgent"),
              h._listen(host, 10050, "zabbix_agentd")]
    o += [h._listen("mon01", 10050, "zabbix_agentd")]
    o += [h._flow("eai01", "eai02", 2188, 500), h._flow("eai01", "eai02", 1972, 200),
          h._flow("mon01", "eai01", 10050, 30), h._flow("mon01", "eai02", 10050, 30)]
    return o


def test_a_mirror_pair_moves_together_but_agents_do_not_glue(monkeypatch):
    _, _, plan = _plan_with(monkeypatch, {"eai02": "10.20.1.41", "mon01": "10.20.4.40"}, _mirror)
    g = _group(plan, "eai01")
    assert g["hosts"] == ["host:eai01", "host:eai02"]
    texts = [r["text"] for r in g["reasons"] if r["kind"] == "replication"]
    assert any(t.startswith("eai01 and eai02 both run InterSystems ISCAgent (mirroring)")
               for t in texts)
    assert all(r.get("evidence") for r in g["reasons"] if r["kind"] == "replication")
    # both ends listen on the Zabbix agent port too: a management port never makes peers
    assert _group(plan, "mon01")["hosts"] == ["host:mon01"]
    # HL7 partners of the pair stay in their own groups
    assert _group(plan, "lis01")["hosts"] == ["host:lis-db01", "host:lis01"]


def test_an_application_with_a_misleading_backup_tag_keeps_its_database(estate_tags):
    g, tags = estate_tags
    bad = copy.deepcopy(tags)
    for host in ("host:dpi-app01", "host:lis01", "host:fin-app01"):
        bad["resolved"][host]["role"] = sorted(set(bad["resolved"][host]["role"]) | {"backup"})
    plan = build_plan(g, bad, None)
    assert _group(plan, "dpi-app01")["hosts"] == ["host:dpi-app01", "host:dpi-db01"]
    assert _group(plan, "lis01")["hosts"] == ["host:lis-db01", "host:lis01"]
    assert _group(plan, "fin-app01")["hosts"] == ["host:fin-app01", "host:fin-db01"]
    # a host whose only role is backup still glues nothing, and says why
    backup = _group(plan, "backup01")
    assert backup["hosts"] == ["host:backup01"]
    assert [r["kind"] for r in backup["reasons"]] == ["gatherer"]
    assert "role backup and no application role" in backup["reasons"][0]["text"]


@pytest.fixture(scope="module")
def estate_tags():
    return h.hospital()


def test_a_host_with_sessions_to_many_database_servers_is_a_gatherer(monkeypatch):
    def extra():
        return (h._server("etl01", ["talend"], 10 * GB)
                + [h._flow("etl01", "dpi-db01", 5432, 9), h._flow("etl01", "lis-db01", 3306, 9),
                   h._flow("etl01", "fin-db01", 1433, 9)])
    _, tags, plan = _plan_with(monkeypatch, {"etl01": "10.20.4.50"}, extra)
    assert "backup" not in tags["resolved"]["host:etl01"]["role"]      # decided from the graph
    g = _group(plan, "etl01")
    assert g["hosts"] == ["host:etl01"]
    assert g["reasons"][0]["kind"] == "gatherer"
    assert "3 database servers (dpi-db01, fin-db01, lis-db01)" in g["reasons"][0]["text"]
    assert _group(plan, "dpi-db01") != _group(plan, "fin-db01") != _group(plan, "lis-db01")


def test_an_etl_of_the_warehouse_joins_the_warehouse_not_its_source(monkeypatch):
    def extra():
        return (h._server("etl01", ["talend"], 10 * GB)
                + [h._flow("etl01", "dpi-db01", 5432, 9), h._flow("etl01", "wh-db01", 5432, 9),
                   h._flow("wh-db01", "dpi-db01", 5432, 40)])       # the postgres_fdw session
    _, _, plan = _plan_with(monkeypatch, {"etl01": "10.20.4.50"}, extra)
    assert _group(plan, "etl01")["hosts"] == ["host:etl01", "host:wh-db01"]
    assert _group(plan, "dpi-db01")["hosts"] == ["host:dpi-app01", "host:dpi-db01"]
    assert _wave(plan, "wh-db01") >= _wave(plan, "dpi-db01")


def test_an_ordering_against_a_warehouse_link_is_an_error(estate_tags):
    cfg = _cfg("orderings:\n  - {before: wh-db01, after: dpi-app01, reason: research first}\n")
    with pytest.raises(PlanError) as exc:
        build_plan(*estate_tags, cfg)
    msg = str(exc.value)
    assert "plan.yml: line 3: orderings[0] (research first) makes wh-db01 move before dpi-db01" in msg
    assert "database link" in msg and "\n" not in msg


# --- packing -------------------------------------------------------------------------------

@pytest.mark.parametrize("low, vital, size, cap, limit", [
    (12, 0, 2, 10, 1),      # 24 servers → 3 waves, not 12
    (20, 0, 1, 5, 1),       # 20 servers → 4 waves
    (8, 4, 2, 10, 1),       # 4 tier-1 groups, one per wave, carry the rest: 4 waves
    (6, 6, 2, 10, 2),       # two tier-1 groups a wave: 3 waves
    (3, 5, 2, 10, 1),       # the tier-1 limit dominates: 5 waves
])
def test_independent_groups_fill_waves_to_capacity(low, vital, size, cap, limit):
    specs = [(f"low{i:02d}", size, 3) for i in range(low)]
    specs += [(f"vit{i:02d}", size, 1) for i in range(vital)]
    g, tags = estate(specs)
    plan = build_plan(g, tags, _cfg(f"wave_capacity: {{servers: {cap}}}\n"
                                    f"max_tier1_groups_per_wave: {limit}\npilot: {{enabled: false}}\n"))
    groups = {x["id"]: x for x in plan["groups"]}
    assert len(groups) == low + vital and all(x["servers"] == size for x in groups.values())
    expected = max(math.ceil(vital / limit), math.ceil((low + vital) * size / cap))
    assert len(plan["waves"]) == expected
    assert sorted(x for w in plan["waves"] for x in w["groups"]) == sorted(groups)
    loads = [w["servers"] for w in plan["waves"]]
    assert max(loads) <= cap and max(loads) - min(loads) <= max(size, cap - (cap // size) * size)
    for w in plan["waves"]:
        assert sum(groups[x]["care_tier"] == 1 for x in w["groups"]) <= limit
        assert w["reasons"] and all(r["text"] for r in w["reasons"])
    if vital:       # the most critical groups close the plan
        last = plan["waves"][-1]
        assert any(groups[x]["care_tier"] == 1 for x in last["groups"])


def test_packing_keeps_the_least_critical_first_and_says_why():
    g, tags = estate([(f"low{i:02d}", 2, 4) for i in range(6)] + [("vit00", 2, 1), ("vit01", 2, 1)])
    plan = build_plan(g, tags, _cfg("wave_capacity: {servers: 4}\npilot: {enabled: false}\n"))
    tiers = [[next(x for x in plan["groups"] if x["id"] == gid)["care_tier"] for gid in w["groups"]]
             for w in plan["waves"]]
    assert len(plan["waves"]) == 4
    assert 1 not in tiers[0] and 1 not in tiers[1] and all(1 in t for t in tiers[2:])
    kinds = {r["kind"] for w in plan["waves"] for r in w["reasons"]}
    assert {"capacity", "tier1-limit", "risk-order"} <= kinds
    early = plan["waves"][0]["reasons"]
    assert any(r["kind"] == "capacity" and "not later: wave 2 had no room left" in r["text"]
               for r in early)


def test_packing_is_deterministic():
    specs = [(f"app{i:02d}", 1 + i % 3, (1, 2, 3, 4, None)[i % 5]) for i in range(30)]
    a = json.dumps(build_plan(*estate(specs), None), sort_keys=True)
    b = json.dumps(build_plan(*estate(list(reversed(specs))), None), sort_keys=True)
    assert a == b
