"""The report's rows are read from tags and plan, counted and sorted, never decided."""

from __future__ import annotations

import pytest

from report_helpers import estate, plan
from scanner.report import i18n, model


@pytest.fixture(scope="module")
def classified():
    return estate()


def test_summary_counts_come_from_resolved_tags(classified):
    g, tags = classified
    s = model.summary(g, tags, plan(), "fr")
    hosts = model.host_ids(g)
    assert s["hosts"] == len(hosts)
    health = sum(1 for h in hosts if tags["resolved"][h]["data_class"] == "health")
    assert health >= 2
    assert s["class_rows"][0]["label"] == "santé" and s["class_rows"][0]["total"] == health
    assert sum(r["total"] for r in s["class_rows"]) == len(hosts) == sum(s["tier_totals"])
    vital_health = sum(1 for h in hosts if tags["resolved"][h]["data_class"] == "health"
                       and tags["resolved"][h]["care_tier"] == 1)
    assert s["class_rows"][0]["cells"][0] == vital_health
    snc = sum(1 for h in hosts if tags["resolved"][h]["hosting"] == "secnumcloud")
    assert s["hosting"][0] == {"label": "SecNumCloud", "count": snc}
    exposure = [f for f in tags["findings"] if f.get("dimension") == "exposure"]
    assert exposure and len(s["exposure_findings"]) == len(exposure)
    assert (s["waves"], s["hybrid_flows"]) == (2, 1)


def test_systems_show_every_rule_behind_a_host(classified):
    g, tags = classified
    rows = {r["id"]: r for r in model.systems(g, tags, plan(), "fr")}
    assert sorted(rows) == model.host_ids(g)
    for t in tags["tags"]:
        host = model.owner(g, t["entity"])
        if host in rows:
            shown = {(r["rule"], r["because"]) for r in rows[host]["rules"]}
            assert (t["rule"], t["because"]) in shown, t
    assert rows["host:dpi-db01"]["group"] == "group:g01" and rows["host:dpi-db01"]["wave"] == "2"
    assert rows["host:10.20.3.7"]["stays"] and rows["host:10.20.3.7"]["wave"] == ""


def test_plan_sections_are_sorted_and_tolerate_missing_parts():
    waves = model.wave_rows(plan(), "fr")
    assert [w["number"] for w in waves] == ["1", "2"]
    assert waves[0]["data_volume"] == "123,5 Mo"
    assert model.wave_rows({}, "fr") == [] and model.hybrid_rows({}) == [] and model.stay_rows({}) == []
    assert model.placement({"waves": [{"hosts": ["host:a"]}]}) == {
        "host:a": {"group": None, "wave": None, "wave_name": None, "stays": None}}


def test_human_bytes():
    assert model.human_bytes(None, "fr") == "–"
    assert model.human_bytes(999, "fr") == "999 o"
    assert model.human_bytes(1_500_000_000, "fr") == "1,5 Go"
    assert model.human_bytes(1_500_000_000, "en") == "1.5 GB"


def test_catalogues_hold_the_same_keys():
    assert set(i18n.CATALOGUES["fr"]) == set(i18n.CATALOGUES["en"])
    values = i18n.value_keys()
    assert values["fr"] == values["en"]
    assert i18n.catalogue()["lang"] == "fr"
    with pytest.raises(ValueError):
        i18n.catalogue("de")


def test_template_uses_only_catalogue_keys(root):
    import re
    template = (root / "reports" / "report.html.j2").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\.([a-z_0-9]+)", template))
    assert used and used <= set(i18n.CATALOGUES["fr"])
