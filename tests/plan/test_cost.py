"""The planner's objective (scanner.plan.cost): weights, the cost of an assignment, the
hard-constraint checker, and the plan summary computed with it."""

from __future__ import annotations

import networkx as nx
import pytest

from scanner.plan import build_plan
from scanner.plan.cost import Dependency, Problem, dependencies, hybrid_cost, \
    split_dependencies, tier_factor
from scanner.plan.waves import Coupling
from tests.plan import hospital as h


class _Coupling:
    def __init__(self, weight: dict, strong_edges=()):
        self.weight = weight
        self.strong = nx.Graph()
        self.strong.add_nodes_from({x for pair in weight for x in pair})
        self.strong.add_edges_from(strong_edges)


def _g(gid, tier):
    return {"id": gid, "care_tier": tier}


def test_tier_factor_doubles_with_criticality():
    assert [tier_factor(t) for t in (1, 2, 3, 4, None)] == [8, 4, 2, 1, 2]


def test_weight_is_traffic_times_the_criticality_of_the_chain():
    groups = [_g("a", 4), _g("b", 4), _g("c", 1), _g("d", 3), _g("e", 3)]
    # a–b–c is a care chain (HL7) whose most critical group is tier 1; d–e is plain traffic
    c = _Coupling({("a", "b"): 10, ("b", "c"): 3, ("d", "e"): 0}, [("a", "b"), ("b", "c")])
    deps = {(d.a, d.b): d for d in dependencies(c, groups)}
    assert deps[("a", "b")].weight == 10 * 8          # the tier-4 pair inherits the chain's tier 1
    assert deps[("b", "c")].weight == 3 * 8
    assert deps[("d", "e")].weight == 1 * 2           # at least one connection, tier 3
    assert deps[("a", "b")].chain == ("a", "b", "c")
    # a dependency to replicated shared infrastructure never splits
    assert [(d.a, d.b) for d in dependencies(c, groups, never_split={"c"})] == [("a", "b"), ("d", "e")]


def test_cost_is_weight_times_waves_split():
    deps = [Dependency("a", "b", 10, 8, ("a", "b")), Dependency("b", "c", 3, 2, ("b", "c"))]
    assert hybrid_cost(deps, {"a": 1, "b": 1, "c": 4}) == 3 * 2 * 3
    assert hybrid_cost(deps, {"a": 3, "b": 1, "c": 1}) == 80 * 2
    rows = split_dependencies(deps, {"a": 1, "b": 2, "c": 4})
    assert [r["groups"] for r in rows] == [["a", "b"], ["b", "c"]]
    assert rows[0] == {"groups": ["a", "b"], "traffic": 10, "criticality": 8, "waves_split": 1,
                       "cost": 80}


def _problem(**kw):
    base = dict(ids=["a", "b", "c", "d"], servers={"a": 2, "b": 2, "c": 3, "d": 9},
                data={"a": 5, "b": 5, "c": 0, "d": 0}, tier1={"a", "b"}, oversize={"d"},
                fixed={}, start=1, deps=[], prec=[("a", "c", True), ("b", "c", False)],
                cap_servers=4, cap_bytes=8, tier1_limit=1)
    base.update(kw)
    return Problem(**base)


def test_violations_name_every_broken_hard_constraint():
    p = _problem()
    assert p.violations({"a": 1, "b": 2, "c": 3, "d": 4}) == []
    assert p.violations({"a": 1, "b": 1, "c": 2, "d": 3}) == [
        "wave 1: more than 8 bytes", "wave 1: more than 1 tier-1 groups"]
    assert p.violations({"a": 1, "b": 2, "c": 2, "d": 2}) == [
        "wave 2: an oversize group does not move alone (b, c, d)"]
    assert p.violations({"a": 2, "b": 3, "c": 1, "d": 4}) == [
        "c (wave 1) must move after a (wave 2)", "c (wave 1) must move with or after b (wave 3)"]
    p = _problem(cap_bytes=None, tier1=set())
    assert p.violations({"a": 1, "b": 1, "c": 1, "d": 2}) == [
        "wave 1: more than 4 servers", "c (wave 1) must move after a (wave 1)"]
    assert p.violations({"a": 0, "b": 1, "c": 2, "d": 3}) == [
        "a in wave 0, before the main waves (1)"]
    assert p.violations({"a": 1}) == ["unplaced groups: b, c, d"]


@pytest.mark.parametrize("solver", ["heuristic", "exact"])
def test_the_plan_summary_reports_the_cost_of_its_waves(solver):
    g, tags = h.hospital()
    plan = build_plan(g, tags, None, solver=solver)
    wave_of = {gid: w["number"] for w in plan["waves"] for gid in w["groups"]}
    group_of = {x: grp["id"] for grp in plan["groups"] for x in grp["hosts"]}
    replicated = {gid for w in plan["waves"] if w["action"] == "replicate" for gid in w["groups"]}
    deps = dependencies(Coupling(g, plan["groups"], group_of), plan["groups"], replicated)
    assert deps and any(wave_of[d.a] != wave_of[d.b] for d in deps)     # something to measure
    assert plan["summary"]["cost"] == hybrid_cost(deps, wave_of) > 0
    assert plan["summary"]["solver"]["name"] == solver
    assert plan["summary"]["solver"]["cost"] == plan["summary"]["cost"]
