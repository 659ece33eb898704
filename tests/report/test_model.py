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


def _planned():
    """The hand-made plan with what the planner adds since §5–6: transfer, checklist, the
    firewall matrix, and the solver's figures."""
    p = plan()
    dpi, imaging = p["waves"]
    imaging["transfer"] = {"data_bytes": 123456789, "seconds": 200000, "fits": False, "preseed_bytes": 99_000_000,
                           "window": {"label": "saturday-night", "days": ["sat"], "start": "22:00", "hours": 8.0},
                           "window_seconds": 14400, "window_bytes": 24_456_789, "text": "planner's own"}
    dpi["transfer"] = {"data_bytes": 1800, "seconds": 1, "fits": True, "preseed_bytes": 0,
                       "window": {"label": "weeknight", "days": ["tue", "wed"], "start": "22:00", "hours": 7.0},
                       "window_seconds": 12600, "window_bytes": 10**12, "text": "fits"}
    dpi["checklist"] = [{"kind": "backup", "text": "a restore of dpi-db01 from bkp01 tested",
                         "hosts": ["host:dpi-db01"]},
                        {"kind": "degraded-mode", "text": "degraded-mode procedure of DPI briefed", "hosts": []}]
    p["firewall"] = [{"source": "host:10.20.3.7", "destination": "host:pacs01", "port": 4242, "transport": "tcp",
                      "protocol": "dicom", "from_wave": 1, "until_wave": None, "kind": "permanent",
                      "connections": 3, "bytes": 2_500_000, "flows": 2, "evidence": ["obs:1", "obs:2"],
                      "reason": "la modalité reste sur site"}]
    p["summary"] |= {"firewall_rules": 1, "preseed_waves": 1, "cost": 586,
                     "solver": {"name": "exact", "status": "optimal", "cost": 586, "bound": 586, "gap": 0.0}}
    return p


def test_waves_carry_transfer_fit_and_checklist_in_words():
    p = _planned()
    fr = {w["number"]: w for w in model.wave_rows(p, "fr")}
    en = {w["number"]: w for w in model.wave_rows(p, "en")}
    assert fr["1"]["transfer"]["window"] == "saturday-night (sam. 22:00 8,0 h)"
    assert en["1"]["transfer"]["window"] == "saturday-night (Sat 22:00 8.0 h)"
    assert fr["1"]["transfer"]["transfer_time"] == "2,3 j" and en["1"]["transfer"]["transfer_time"] == "2.3 d"
    assert fr["1"]["transfer"]["fits"] == "preseed" and "99,0 Mo" in fr["1"]["transfer"]["fit_text"]
    assert en["1"]["transfer"]["fit_text"].startswith("does not fit the window: pre-seed or replicate 99.0 MB")
    assert fr["2"]["transfer"]["fits"] == "fits" and fr["2"]["transfer"]["transfer_time"] == "1 min"
    assert fr["2"]["transfer"]["budget"] == "3,5 h"
    assert [c["label"] for c in fr["2"]["checklist"]] == ["Sauvegarde", "Mode dégradé"]
    assert [c["label"] for c in en["2"]["checklist"]] == ["Backup", "Degraded mode"]
    assert fr["2"]["checklist"][0]["hosts"] == ["host:dpi-db01"] and fr["1"]["checklist"] == []
    # a plan written before §5: no transfer, no fit text, nothing invented
    bare = model.wave_rows(plan(), "fr")
    assert all(w["transfer"]["fit_text"] == "" and w["transfer"]["transfer_time"] == "" for w in bare)


def test_summary_and_firewall_read_the_planners_figures(classified):
    g, tags = classified
    s = model.summary(g, tags, _planned(), "fr")
    assert (s["firewall_rules"], s["preseed_waves"], s["cost"], s["solver"]) == (1, 1, 586, "exact")
    assert s["bound"] == 586 and s["gap"] == "0,0 %" and s["preseed_list"] == ["1"]
    bare = model.summary(g, tags, plan(), "fr")
    assert bare["firewall_rules"] is None and bare["cost"] is None and bare["solver"] == ""
    [rule] = model.firewall_view(_planned(), "fr")
    assert (rule["kind_label"], rule["until"], rule["volume"], rule["flows"]) == \
        ("permanente", "fin de la migration", "2,5 Mo", 2)
    assert rule["evidence"] == ["obs:1", "obs:2"]
