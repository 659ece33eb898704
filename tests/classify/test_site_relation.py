"""The `site` graph relation: the other hosts of the same estate.yml site, usable in a rule
and in a test case's `given:`."""

from __future__ import annotations

from classify_helpers import G, rule_text, write_pack
from scanner.classify.engine import classify
from scanner.classify.loader import load_packs

RULE = rule_text("t.care_tier.site-with-a-dpi", "host",
                 "s:\n  host.agent: true\ndpi_here:\n  graph.site|any:\n    tags.role: DPI",
                 "{care_tier: 2}", condition="s and dpi_here") + """tests:
- name: a DPI on the site
  given: {host: {agent: true}, graph: {site: [{tags: {role: DPI}}]}}
  expect: match
- name: no DPI on the site
  given: {host: {agent: true}, graph: {site: [{tags: {role: EAI}}]}}
  expect: no_match
"""
DPI = rule_text("t.role.dpi", "host", "s:\n  host.processes: dxcare", "{role: DPI}")


def test_site_relation_reaches_other_hosts_of_the_same_site_only(tmp_path):
    pack = write_pack(tmp_path / "p", {"care_tier/site_with_a_dpi.yml": RULE, "roles/dpi.yml": DPI})
    packs = load_packs([pack])                     # its own cases pass, or it would not load
    g = G()
    g.host("dpi01", agent=True, processes=["dxcare"], site="north")
    g.host("app01", agent=True, site="north")
    g.host("app02", agent=True, site="south")
    g.host("app03", agent=True)                    # no site: no neighbours
    out = classify(g.g, packs)
    tiers = {h: out["resolved"][f"host:{h}"]["care_tier"] for h in ("dpi01", "app01", "app02", "app03")}
    assert tiers == {"dpi01": None, "app01": 2, "app02": None, "app03": None}
    (tag,) = [t for t in out["tags"] if t["dimension"] == "care_tier"]
    assert tag["entity"] == "host:app01" and "obs:dpi01" in tag["evidence"]
