"""`plan check`: every hard constraint caught in hand-edited plans (JSON and CSV forms)."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from scanner.errors import InputError
from scanner.plan import build_plan
from scanner.plan.check import (VIOLATION_KINDS, Constraints, check, parse_plan_csv,
                                parse_plan_json)
from scanner.plan.config import PlanConfig, parse_plan_config
from scanner.report.csv_out import render_csvs
from tests.plan.hospital import hospital


@pytest.fixture(scope="module")
def estate():
    return hospital()


@pytest.fixture(scope="module")
def plan(estate):
    return build_plan(*estate, None)


@pytest.fixture(scope="module")
def constraints(estate):
    return Constraints(*estate, PlanConfig())


def _wave(plan, host):
    return next(w for w in plan["waves"] if f"host:{host}" in w["hosts"])


def _move(plan, host, number):
    """A copy of the plan with ``host`` moved to wave ``number`` (as a user would edit it)."""
    p = copy.deepcopy(plan)
    for w in p["waves"]:
        if f"host:{host}" in w["hosts"]:
            w["hosts"].remove(f"host:{host}")
    next(w for w in p["waves"] if w["number"] == number)["hosts"].append(f"host:{host}")
    return p


def _check(plan, constraints):
    return check(parse_plan_json(json.dumps(plan), "plan.json"), constraints)


def _kinds(violations):
    return sorted({v.kind for v in violations})


def test_the_planner_s_own_plan_checks_clean(plan, constraints):
    assert _check(plan, constraints) == ([], [])


def test_a_host_in_two_waves(plan, constraints):
    p = copy.deepcopy(plan)
    w = next(w for w in p["waves"] if w["number"] == _wave(plan, "dpi-db01")["number"])
    w["hosts"].append("host:lis01")
    bad, _ = _check(p, constraints)
    dup = [v for v in bad if v.kind == "duplicate"]
    assert len(dup) == 1 and "lis01 is already planned in wave" in dup[0].message
    i = p["waves"].index(w)
    assert f"waves[{i}].hosts[{len(w['hosts']) - 1}] (wave {w['number']})" in str(dup[0])
    assert str(dup[0]).startswith("plan.json: waves[")


def test_a_host_in_no_wave(plan, constraints):
    p = copy.deepcopy(plan)
    for w in p["waves"]:
        w["hosts"] = [h for h in w["hosts"] if h != "host:gam01"]
    bad, _ = _check(p, constraints)
    assert _kinds(bad) == ["missing"] and "gam01" in bad[0].message


def test_a_move_group_split_across_waves(plan, constraints):
    pacs = _wave(plan, "pacs01")["number"]
    bad, _ = _check(_move(plan, "dpi-db01", pacs), constraints)
    split = [v for v in bad if v.kind == "split-group"]
    # two hosts, one in each wave: which one was moved is a tie, so both are named
    assert sorted(v.message.split(" ")[0] for v in split) == ["dpi-app01", "dpi-db01"]
    mine = next(v for v in split if v.message.startswith("dpi-db01"))
    assert mine.location.place.endswith(f"(wave {pacs})") and "dpi-app01 (wave" in mine.message
    assert "dpi-app01 talks to the postgresql service" in mine.message   # why they are one group
    assert "tier1-limit" in _kinds(bad)          # and PACS + DPI are two tier-1 groups in one wave


def test_configured_ordering_violated(estate, plan):
    # an ordering the plan (made without it) contradicts: the later host "before" the earlier
    late, early = sorted(("lis01", "pacs01"), key=lambda h: -_wave(plan, h)["number"])
    assert _wave(plan, late)["number"] > _wave(plan, early)["number"]
    cfg = parse_plan_config(f"schema: hdscan-plan/1\norderings:\n  - before: {late}\n"
                            f"    after: {early}\n    reason: rehearsed first\n", "plan.yml")
    bad, _ = _check(plan, Constraints(*estate, cfg))
    order = [v for v in bad if v.kind == "ordering"]
    assert len(order) == 1
    assert f"{late} (wave" in order[0].message and "orderings[0]" in order[0].message
    assert "plan.yml: line 3" in order[0].message


def test_a_configuration_naming_unknown_hosts_is_a_located_error(estate):
    from scanner.errors import PlanError
    cfg = parse_plan_config("schema: hdscan-plan/1\norderings:\n  - before: lis01\n"
                            "    after: ct01\n    reason: r\n", "plan.yml")
    with pytest.raises(PlanError, match=r"^plan.yml: line 3: orderings\[0\] \(r\) names host:ct01, "
                                        "which never moves"):
        Constraints(*estate, cfg)


def test_warehouse_before_its_source(plan, constraints):
    bad, _ = _check(_move(plan, "wh-db01", _wave(plan, "fin-app01")["number"]), constraints)
    assert _kinds(bad) == ["follows"] and "wh-db01" in bad[0].message and "dpi-db01" in bad[0].message


def test_two_tier1_groups_over_the_limit(plan, constraints):
    bad, _ = _check(_move(plan, "pacs01", _wave(plan, "dpi-db01")["number"]), constraints)
    assert "tier1-limit" in _kinds(bad)
    ok, _ = _check(_move(plan, "pacs01", _wave(plan, "dpi-db01")["number"]),
                   Constraints(*hospital(), parse_plan_config(
                       "schema: hdscan-plan/1\nmax_tier1_groups_per_wave: 2\n", "p.yml")))
    assert "tier1-limit" not in _kinds(ok)


def test_tier1_in_the_pilot(plan, constraints):
    pilot = next(w for w in plan["waves"] if w["name"] == "pilot")
    bad, _ = _check(_move(plan, "pacs01", pilot["number"]), constraints)
    assert "pilot" in _kinds(bad)
    assert any("group:g08 (tier 1)" in v.message for v in bad if v.kind == "pilot")


def test_capacity_exceeded(estate, plan):
    full = max((w for w in plan["waves"] if w["action"] == "move"), key=lambda w: w["servers"])
    cap = max(w["servers"] for w in plan["waves"])
    cfg = parse_plan_config(f"schema: hdscan-plan/1\nwave_capacity: {{servers: {cap}}}\n", "p.yml")
    c = Constraints(*estate, cfg)
    assert _check(plan, c)[0] == []                  # every wave is within the capacity
    single = next(g["hosts"][0] for g in plan["groups"]
                  if len(g["hosts"]) == 1 and g["hosts"][0] not in full["hosts"]
                  and not g["shared_infrastructure"])
    bad, _ = _check(_move(plan, single[len("host:"):], full["number"]), c)
    cap_v = [v for v in bad if v.kind == "capacity"]
    assert len(cap_v) == 1 and f"wave_capacity.servers is {cap}" in cap_v[0].message
    assert cap_v[0].location.place.endswith(f"(wave {full['number']})")


def test_staying_hosts_unknown_hosts_and_replicated_waves(plan, constraints):
    p = copy.deepcopy(plan)
    p["waves"][-1]["hosts"] += ["host:ct01", "host:nope01"]
    assert p["waves"][0]["action"] == "replicate"
    p["waves"][0]["hosts"].append("host:fin-app01")      # foundation wave replicates only
    next(w for w in p["waves"][1:] if "host:fin-app01" in w["hosts"])["hosts"].remove("host:fin-app01")
    bad, _ = _check(p, constraints)
    kinds = _kinds(bad)
    assert {"stays", "unknown-host", "replicate", "split-group"} <= set(kinds)
    stays = next(v for v in bad if v.kind == "stays")
    assert "ct01" in stays.message and "medical device" in stays.message


def test_shared_infrastructure_moved_against_the_configuration(plan, constraints):
    p = copy.deepcopy(plan)
    p["waves"] = [w for w in p["waves"] if w["action"] != "replicate"]
    next(w for w in p["waves"] if w["name"] == "pilot")["hosts"].append("host:dc01")
    bad, _ = _check(p, constraints)
    assert "foundation" in _kinds(bad)


def test_move_first_foundation(estate):
    cfg = parse_plan_config("schema: hdscan-plan/1\nshared_infrastructure: move-first\n", "p.yml")
    plan = build_plan(*estate, cfg)
    c = Constraints(*estate, cfg)
    assert _check(plan, c) == ([], [])
    assert plan["waves"][0]["action"] == "move" and "host:dc01" in plan["waves"][0]["hosts"]
    bad, _ = _check(_move(plan, "dc01", plan["waves"][-1]["number"]), c)
    found = [v for v in bad if v.kind == "foundation"]
    assert found and "move-first" in found[0].message and "dc01" in found[0].message


def test_window_and_transfer_misfit(plan, constraints):
    p = copy.deepcopy(plan)
    w = next(w for w in p["waves"] if "host:dpi-db01" in w["hosts"])
    w["window"] = "business-hours"
    bad, _ = _check(p, constraints)
    assert _kinds(bad) == ["window"] and "weekend-night" in bad[0].message
    pacs = next(w for w in p["waves"] if "host:pacs01" in w["hosts"])
    assert pacs["transfer"]["fits"] is False and pacs["transfer"]["preseed_bytes"] > 0
    pacs["transfer"]["preseed_bytes"] = 0                 # the pre-seed was edited away
    bad, _ = _check(p, constraints)
    assert "transfer" in _kinds(bad)
    assert any("pre-seed or replicate" in v.message for v in bad if v.kind == "transfer")


def test_duplicate_wave_numbers(plan, constraints):
    p = copy.deepcopy(plan)
    p["waves"][2]["number"] = p["waves"][1]["number"]
    assert "wave-number" in _kinds(_check(p, constraints)[0])


def test_every_violation_kind_is_documented():
    from tests.conftest import ROOT
    doc = (ROOT / "docs" / "planner.md").read_text(encoding="utf-8")
    for kind in VIOLATION_KINDS:
        assert f"| `{kind}` |" in doc, kind


# --- the CSV forms --------------------------------------------------------------------

def _csv_rows(text):
    sep = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep)), sep


def _csv_text(rows, sep):
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_exported_waves_csv_checks_clean_and_catches_an_edit(estate, plan, constraints, lang):
    text = render_csvs(*estate, plan, lang)["waves.csv"]
    bad, warn = check(parse_plan_csv(text, "waves.csv"), constraints)
    assert bad == [] and warn == []          # the export carries each wave's pre-seed amount
    rows, sep = _csv_rows(text)
    preseed_col = next(k for k, h in enumerate(rows[0]) if h.lower().startswith(("pre-seed", "pré-chargement")))
    short = [r for r in rows[1:] if r[preseed_col] not in ("", "0")]
    assert short, "the sample plan has waves to pre-seed"
    for r in short:
        r[preseed_col] = "0"                   # the pre-seed edited away
    bad, _ = check(parse_plan_csv(_csv_text(rows, sep), "waves.csv"), constraints)
    assert sum(1 for v in bad if v.kind == "transfer") == len(short)
    for r in rows[1:]:
        r[preseed_col] = ""                    # a CSV that says nothing of pre-seeding
    bad, warn = check(parse_plan_csv(_csv_text(rows, sep), "waves.csv"), constraints)
    assert bad == [] and {w.kind for w in warn} == {"transfer"}
    assert len(warn) == sum(1 for w in plan["waves"] if w["transfer"]["fits"] is False)
    rows, sep = _csv_rows(text)
    hosts_col = 3
    for row in rows[1:]:
        if "host:dpi-db01" in row[hosts_col]:
            row[hosts_col] = ", ".join(h for h in row[hosts_col].split(", ") if h != "host:dpi-db01")
    target = next(i for i, r in enumerate(rows) if r[1] == {"fr": "pilote", "en": "pilot"}[lang])
    rows[target][hosts_col] += ", host:dpi-db01"
    bad, _ = check(parse_plan_csv(_csv_text(rows, sep), "waves.csv"), constraints)
    split = [str(v) for v in bad if v.kind == "split-group"]
    assert any(v.startswith(f"waves.csv: line {target + 1} (wave ") and "dpi-db01 (wave" in v
               for v in split), split
    assert "pilot" in _kinds(bad)          # the DPI (tier 1) landed in the pilot


def test_a_host_table_checks_clean_and_catches_an_edit(estate, plan, constraints):
    text = render_csvs(*estate, plan, "en")["systems.csv"]
    bad, _ = check(parse_plan_csv(text, "systems.csv"), constraints)
    assert bad == []
    rows, sep = _csv_rows(text)
    header = [h.lower() for h in rows[0]]
    hc, wc = header.index("host"), header.index("wave")
    line = next(i for i, r in enumerate(rows) if r[hc] in ("host:lis01", "lis01"))
    rows[line][wc] = str(_wave(plan, "fin-app01")["number"])
    bad, _ = check(parse_plan_csv(_csv_text(rows, sep), "systems.csv"), constraints)
    split = [str(v) for v in bad if v.kind == "split-group"]
    assert any(v.startswith(f"systems.csv: line {line + 1} (wave ") for v in split), split


def test_unreadable_plans_are_located_input_errors():
    with pytest.raises(InputError, match=r"^p.csv: line 1: not a plan"):
        parse_plan_csv("a,b\n1,2\n", "p.csv")
    with pytest.raises(InputError, match=r"^p.csv: line 3: wave number: expected an integer"):
        parse_plan_csv("host,wave\nhost:a,1\nhost:b,two\n", "p.csv")
    with pytest.raises(InputError, match=r"^plan.json: waves\[1\]: number: expected an integer"):
        parse_plan_json('{"waves": [{"number": 1, "hosts": []}, {"number": "x", "hosts": []}]}',
                        "plan.json")
    with pytest.raises(InputError, match=r"^plan.json: line 1: not valid JSON"):
        parse_plan_json("{", "plan.json")


# --- the planner and the checker agree on generated estates -----------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("options", [{}, {"pilot": True, "orderings": 3, "tier1_limit": 2}],
                         ids=["plain", "pilot-orderings"])
def test_generated_plans_check_clean_and_a_swap_breaks_them(seed, options):
    from benchmarks.plangen import instance
    g, tags, cfg = instance(40, seed, **options)
    plan = build_plan(g, tags, cfg)
    c = Constraints(g, tags, cfg)
    assert _check(plan, c) == ([], [])
    # swap one host of a multi-host group with a host of another wave: the group splits
    big = next(x for x in plan["groups"] if len(x["hosts"]) > 1)
    h = big["hosts"][0]
    here = next(w for w in plan["waves"] if h in w["hosts"])
    there = next(w for w in plan["waves"] if w["number"] != here["number"])
    bad, _ = _check(_move(plan, h[len("host:"):], there["number"]), c)
    assert any(v.kind == "split-group" and v.message.startswith(h[len("host:"):]) for v in bad)


@pytest.mark.parametrize("seed", range(2))
def test_exact_solver_plans_check_clean(seed):
    pytest.importorskip("scipy.optimize", reason="the exact solver needs SciPy")
    from benchmarks.plangen import instance
    g, tags, cfg = instance(8, seed, pilot=True, orderings=3, tier1_limit=2)
    plan = build_plan(g, tags, cfg, solver="exact")
    assert plan["summary"]["solver"]["name"] == "exact"
    assert _check(plan, Constraints(g, tags, cfg)) == ([], [])
