"""What ``hdscan diff`` must report for an evolve change list, derived from A alone.

Each change of ``changes.yml`` has effects that follow from its definition and A's
graph and plan (not from the diff code): a removed host takes its services, databases
and every dependency touching them; an added flow is one new dependency; a migrated
wave moves its hosts to the target site, and A's temporary hybrid flows that end by that
wave and join a moved host to one that did not move are still crossing sites; a site
rule changes one host's role.
"""

from __future__ import annotations

import json
from pathlib import Path

from scanner import pipeline

SEED_FOR_TESTS = 4
SAMPLE = Path(__file__).resolve().parents[2] / "sample_estates" / "ch-saint-aurelien"


def load_a(out_a: Path) -> tuple[dict, list, dict]:
    graph = json.loads((out_a / "graph.json").read_text(encoding="utf-8"))
    plan = json.loads((out_a / "plan.json").read_text(encoding="utf-8"))
    return {n["id"]: n for n in graph["nodes"]}, graph["edges"], plan


def host_of(nodes: dict, entity: str) -> str:
    node = nodes[entity]
    return entity if node["kind"] == "host" else node.get("host")


def expected(changes: dict, out_a: Path) -> dict:
    nodes, edges, plan = load_a(out_a)
    exp = {"hosts": {"added": [], "removed": []}, "services": {"added": [], "removed": []},
           "databases": {"added": [], "removed": []}, "endpoints": {"added": [], "removed": []},
           "dependencies": {"added": set(), "removed": set()}, "classifications": set(),
           "site_moves": set(), "waves": set(), "unclosed_flows": set()}
    by_kind = {c["kind"]: c for c in changes["changes"]}
    removed = by_kind["remove_host"]["host"]
    family = {removed} | {n for n, d in nodes.items() if d.get("host") == removed}
    exp["hosts"]["removed"] = [removed]
    exp["services"]["removed"] = sorted(n for n in family if nodes[n]["kind"] == "service")
    exp["databases"]["removed"] = sorted(n for n in family if nodes[n]["kind"] == "database")
    exp["dependencies"]["removed"] = {(e["source"], e["target"], e["key"]) for e in edges
                                      if e["key"] in ("flow", "db_link", "config_ref")
                                      and (e["source"] in family or e["target"] in family)}
    flow = by_kind["add_flow"]
    exp["dependencies"]["added"] = {(flow["client"], flow["server"], "flow")}
    if flow["server"] not in nodes:
        exp["services"]["added"] = [flow["server"]]
    wave = by_kind["migrate_wave"]
    moved = set(wave["hosts"])
    exp["site_moves"] = {(h, nodes[h]["site"], wave["site"], wave["wave"]) for h in moved}
    exp["waves"] = {(wave["wave"], "migrated")}
    for f in plan["hybrid_flows"]:
        if f["until_wave"] is None or f["until_wave"] > wave["wave"]:
            continue
        ends = {host_of(nodes, f["source"]), host_of(nodes, f["destination"])}
        if len(ends & moved) == 1 and not ends & {removed}:
            exp["unclosed_flows"].add((f["source"], f["destination"]))
    rule = by_kind["add_rule"]
    exp["classifications"] = {(rule["entity"], rule["dimension"], (rule["rule"],))}
    exp["rule_family"] = {rule["entity"]} | {n for n, d in nodes.items() if d.get("host") == rule["entity"]}
    return exp


def observed(doc: dict) -> dict:
    """The diff document reduced to the same shape as ``expected``."""
    return {
        **{k: doc[k] for k in ("hosts", "services", "databases", "endpoints")},
        "dependencies": {side: {(d["source"], d["target"], d["kind"]) for d in doc["dependencies"][side]}
                         for side in ("added", "removed")},
        "classifications": {(c["entity"], c["dimension"], tuple(c["rules_added"]))
                            for c in doc["classifications"]},
        "site_moves": {(m["host"], m["before"], m["after"], m["wave"]) for m in doc["site_moves"]},
        "waves": {(w["number"], w["status"]) for w in doc["waves"]},
        "unclosed_flows": {(f["source"], f["destination"]) for f in doc["unclosed_flows"]},
    }


def run_all(estate: Path, out: Path, rules: list[Path] | None = None) -> Path:
    """import → graph → classify (with ``rules``) → plan → JSON export, as `hdscan run` does."""
    summary = pipeline.import_inputs([estate], out)
    assert not summary.errors, [str(e) for e in summary.errors]
    pipeline.stage_graph(out)
    pipeline.stage_classify(out, rules or [])
    pipeline.stage_plan(out)
    pipeline.stage_export(out, formats=["json"])
    return out
