"""The exact wave solver (scanner.plan.exact, HiGHS through SciPy) against hand-computed
optima, and against the heuristic on generated estates: the proven optimum is never worse,
and both plans hold every hard constraint."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("scipy.optimize", reason="the exact solver needs the 'exact' extra (SciPy)")

from benchmarks.plangen import instance  # noqa: E402
from scanner.plan import build_plan  # noqa: E402
from scanner.plan import exact  # noqa: E402
from scanner.plan.cost import Dependency, Problem  # noqa: E402
from scanner.plan.search import improve  # noqa: E402
from tests.plan import hospital as h  # noqa: E402


def _tiny(prec=()):
    """A and B are tier 1 (one per wave) and talk a lot; B and C talk a little."""
    return Problem(ids=["A", "B", "C"], servers={"A": 2, "B": 2, "C": 2},
                   data={"A": 0, "B": 0, "C": 0}, tier1={"A", "B"}, oversize=set(), fixed={},
                   start=1, deps=[Dependency("A", "B", 10, 1, ("A", "B", "C")),
                                  Dependency("B", "C", 1, 1, ("A", "B", "C"))],
                   prec=list(prec), cap_servers=4, cap_bytes=None, tier1_limit=1)


def test_tiny_instance_hand_computed_optimum():
    # A and B cannot share a wave: A–B splits at least once (10); C rides with B: 10, 2 waves
    res = exact.solve(_tiny())
    assert res["status"] == "optimal" and res["cost"] == res["bound"] == 10
    w = res["wave_of"]
    assert abs(w["A"] - w["B"]) == 1 and w["C"] == w["B"] and len(set(w.values())) == 2
    assert _tiny().violations(w) == []


def test_tiny_instance_with_an_ordering():
    # C strictly before B: B–C splits too; C rides with A instead: 10 + 1 = 11, 2 waves
    p = _tiny(prec=[("C", "B", True)])
    res = exact.solve(p)
    assert res["cost"] == 11 and res["wave_of"]["C"] == res["wave_of"]["A"] < res["wave_of"]["B"]
    assert p.violations(res["wave_of"]) == []
    # the heuristic's local search, started from the worst feasible layout, finds it too
    start = {"C": 1, "A": 2, "B": 3}
    assert p.cost(start) == 12 and p.violations(start) == []
    found = improve(p, start)
    assert p.violations(found) == [] and p.cost(found) == 11


def test_an_oversize_group_moves_alone_in_the_exact_plan():
    p = Problem(ids=["A", "B", "D"], servers={"A": 1, "B": 1, "D": 9}, data={"A": 0, "B": 0, "D": 0},
                tier1=set(), oversize={"D"}, fixed={"F": 0}, start=1,
                deps=[Dependency("A", "D", 5, 1, ("A", "D")), Dependency("B", "D", 5, 1, ("B", "D")),
                      Dependency("F", "A", 1, 1, ("A", "F"))],
                prec=[], cap_servers=4, cap_bytes=None, tier1_limit=1)
    res = exact.solve(p)
    # D alone; A and B together next to it, as early as the fixed F (wave 0) wants: 5+5+1
    assert res["cost"] == 11 and p.violations(res["wave_of"]) == []
    assert res["wave_of"]["A"] == res["wave_of"]["B"] == 1 and res["wave_of"]["D"] == 2


def _check(plan, cfg):
    """Every hard constraint, read back from plan.json."""
    groups = {g["id"]: g for g in plan["groups"]}
    placed = [gid for w in plan["waves"] for gid in w["groups"]]
    assert sorted(placed) == sorted(groups)
    wave = {x: w["number"] for w in plan["waves"] for x in w["hosts"]}
    for w in plan["waves"]:
        alone = len(w["groups"]) == 1 and groups[w["groups"][0]]["servers"] > cfg.wave_servers
        assert w["servers"] <= cfg.wave_servers or alone
        assert sum(groups[x]["care_tier"] == 1 for x in w["groups"]) <= cfg.max_tier1_groups_per_wave
    for o in cfg.orderings:
        assert wave[o.before] < wave[o.after]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_optimum_is_never_worse_than_the_heuristic(seed):
    g, tags, cfg = instance(8, seed)
    heur = build_plan(g, tags, cfg, solver="heuristic")
    best = build_plan(g, tags, cfg, solver="exact")
    _check(heur, cfg)
    _check(best, cfg)
    s = best["summary"]["solver"]
    assert s["name"] == "exact" and s["status"] == "optimal" and s["gap"] == 0.0
    assert s["bound"] == best["summary"]["cost"] <= heur["summary"]["cost"]
    assert s["heuristic_cost"] == heur["summary"]["cost"]
    assert heur["summary"]["solver"]["name"] == "heuristic" and heur["summary"]["gap"] is None


def test_auto_uses_the_exact_solver_on_a_small_estate_and_is_deterministic():
    g, tags = h.hospital()
    a = build_plan(g, tags, None)
    assert a["summary"]["solver"]["name"] == "exact"
    assert a["summary"]["solver"]["groups"] <= exact.AUTO_MAX_GROUPS
    b = build_plan(g, tags, None, solver="exact")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_unknown_solver_is_refused():
    with pytest.raises(ValueError):
        build_plan(*h.hospital(), None, solver="quantum")
