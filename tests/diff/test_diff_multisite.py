"""The done-when check on a freshly generated two-site estate with Zeek flow logs and two
days of agent bundles: evolve's changes are exactly what `hdscan diff` reports."""

from __future__ import annotations

import pytest
from diff_helpers import expected, observed, run_all

from sample_estates.gen.evolve import evolve
from sample_estates.generate import generate
from scanner.diff import compare, load


@pytest.mark.e2e
def test_two_site_generated_estate(tmp_path):
    estate_a = tmp_path / "estate-a"
    generate(estate_a, servers=100, sites=2, seed=11, flow_records=2000, days=2)
    out_a = run_all(estate_a, tmp_path / "out-a")
    estate_b = tmp_path / "estate-b"
    changes = evolve(estate_a, estate_b, 3, out_a)
    out_b = run_all(estate_b, tmp_path / "out-b", [estate_b / changes["rules"]])
    removed = [c for c in changes["changes"] if c["kind"] == "remove_host"][0]
    assert any(f.startswith("inputs/flows/") for f in removed["files"]) or \
        not (estate_a / "inputs" / "flows").is_dir()
    doc = compare.compare(load.load(out_a), load.load(out_b))
    exp = expected(changes, out_a)
    got = observed(doc)
    for section in got:
        assert got[section] == exp[section], section
    assert {n["site"] for n in load.load(out_a).nodes.values() if n.get("kind") == "host"} >= {"s01", "s02"}
