"""The interactive map's data and layout, the wave timeline, the firewall matrix source and
the focused (per application, per wave) Graphviz maps."""

from __future__ import annotations

import json
import math
import re

import pytest

from report_helpers import estate, meta, plan
from scanner.report import dot, html, layout, mapdata, model
from scanner.report.i18n import catalogue
from scanner.report.svg import render_many, render_svg

T = catalogue("fr")


@pytest.fixture(scope="module")
def classified():
    return estate()


def test_layout_is_deterministic_and_nothing_overlaps():
    clusters = {f"s{i}": {f"app{j}": [f"host:s{i}-a{j}-{k}" for k in range(3 + 17 * j)] for j in range(4)}
                for i in range(5)}
    positions, boxes = layout.layout(clusters)
    assert (positions, boxes) == layout.layout(json.loads(json.dumps(clusters)))
    assert len(positions) == sum(len(v) for apps in clusters.values() for v in apps.values())
    points = sorted(positions.values())
    for a, b in zip(points, points[1:]):
        assert math.dist(a, b) > 3, (a, b)
    sites = {b["label"]: b for b in boxes if b["kind"] == "site"}
    apps = [b for b in boxes if b["kind"] == "app"]
    for app in apps:  # each application circle inside its site's box, its hosts inside it
        s = sites[app["site"]]
        assert s["x"] <= app["x"] - app["r"] and app["x"] + app["r"] <= s["x"] + s["w"] + 0.2
        assert s["y"] <= app["y"] - app["r"] and app["y"] + app["r"] <= s["y"] + s["h"] + 0.2
        for node in clusters[app["site"]][app["label"]]:
            assert math.dist(positions[node], (app["x"], app["y"])) <= app["r"]
    boxes_s = list(sites.values())
    for i, a in enumerate(boxes_s):  # site boxes never overlap
        for b in boxes_s[i + 1:]:
            assert (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                    or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])


def test_map_data_holds_every_host_edge_tag_and_evidence(classified):
    g, tags = classified
    first = next(t for t in tags["tags"] if t["entity"] == "host:dpi-db01" and t.get("evidence"))
    ev_id = first["evidence"][0]
    evidence = {ev_id: {"source": "inputs/sql/dpi.sql", "location": "line 12", "collector": "sql-dump",
                        "kind": "db_schema"}}
    doc = mapdata.map_data(g, tags, plan(), meta() | {"evidence": evidence}, T, "fr")
    S = doc["strings"]
    ids = [n["id"] for n in doc["nodes"]]
    assert ids == model.host_ids(g) + model.endpoint_ids(g)
    pairs = {(ids[a], ids[b], doc["edge_kinds"][k]) for a, b, k in doc["edges"]}
    assert pairs == {(e["source"], e["target"], e["kind"]) for e in model.host_edges(g)}
    node = doc["nodes"][ids.index("host:dpi-db01")]
    assert node["wave"] == "2" and node["group"] == "group:g01" and node["cls"] == "health"
    own = [t for t in tags["tags"] if t["entity"] == "host:dpi-db01" or t["entity"].startswith("db:")
           and "dpi-db01" in t["entity"] or t["entity"].startswith("svc:dpi-db01")]
    assert sorted(S[t[2]] for t in node["tags"]) == sorted(t["rule"] for t in own)
    shown = [ev for t in node["tags"] for ev in t[5]]
    hit = [ev for ev in shown if S[ev[0]] == ev_id]
    assert hit and S[hit[0][1]] == "inputs/sql/dpi.sql" and S[hit[0][2]] == "line 12"
    stay = doc["nodes"][ids.index("host:10.20.3.7")]
    assert stay["wave"] == "stay"
    assert ["stay", T["stays_cluster"]] in doc["filters"]["wave"] and ["1", "Vague 1"] in doc["filters"]["wave"]
    assert doc["t"]["map_shown"] == T["map_shown"]


def test_script_json_cannot_break_out_of_its_element():
    text = mapdata.script_json({"name": "</script><script>alert(1)</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script><!-- & \u2028"}


def test_timeline_counts_openings_per_wave():
    p = plan()
    p["hybrid_flows"] = [
        {"source": "host:a", "destination": "host:b", "from_wave": 1, "until_wave": 2},
        {"source": "host:c", "destination": "host:d", "from_wave": 1, "until_wave": None},
        {"source": "host:e", "destination": "host:f", "from_wave": 2, "until_wave": None},
    ]
    t = model.timeline(p, "fr")
    rows = {r["number"]: r for r in t["rows"]}
    assert [r["number"] for r in t["rows"]] == ["1", "2"]
    assert (rows["1"]["opened"], rows["1"]["open"], rows["1"]["closed"]) == (2, 2, 0)
    assert (rows["2"]["opened"], rows["2"]["open"], rows["2"]["closed"]) == (1, 2, 1)
    assert (t["hybrid_waves"], t["hybrid_first"], t["hybrid_last"]) == (2, "1", "2")
    assert (t["permanent"], t["temporary"]) == (2, 1)
    assert rows["1"]["hosts"] == 1 and rows["2"]["hosts"] == 2 and rows["2"]["width"] == 100.0
    empty = model.timeline({"waves": []}, "fr")
    assert empty["rows"] == [] and empty["hybrid_waves"] == 0


def test_firewall_key_is_rendered_when_the_plan_has_one():
    p = plan()
    assert model.firewall_rows(p) == model.hybrid_rows(p)
    p["firewall"] = {"rules": [{"source": "host:x", "destination": "host:y", "port": 443, "protocol": "https",
                                "from_wave": 3, "until_wave": 5, "reason": "règle de test"}]}
    [row] = model.firewall_rows(p)
    assert row == {"source": "host:x", "destination": "host:y", "port": "443", "transport": "",
                   "protocol": "https", "from_wave": "3", "until_wave": "5", "kind": "", "connections": None,
                   "bytes": None, "avg_mbps": None, "flows": 1, "evidence": [], "reason": "règle de test"}
    p["firewall"] = [{"source": "host:z", "destination": "host:w", "port": None}]
    assert model.firewall_rows(p)[0]["source"] == "host:z"


def test_wave_maps_highlight_what_crosses_between_site_and_target(classified):
    g, tags = classified
    before = dot.wave_dot(g, tags, plan(), T, 1, after=False)
    after = dot.wave_dot(g, tags, plan(), T, 1, after=True)
    # the modality stays on site and talks to pacs01 (wave 1): red only once pacs01 moved
    assert dot.CROSSING not in before
    assert dot.CROSSING in after
    assert T["map_target"] in after and T["map_on_site"] in after
    assert "host:pacs01" in before and "host:10.20.3.7" in before


def test_application_maps_show_hosts_and_their_neighbours(classified):
    g, tags = classified
    apps = dot.applications(g, tags)
    assert sum(len(v) for v in apps.values()) == len(model.host_ids(g))
    [pacs_app] = [a for a, hosts in apps.items() if "host:pacs01" in hosts]
    src = dot.app_dot(g, tags, plan(), T, pacs_app, apps[pacs_app])
    assert "host:pacs01" in src and "host:10.20.3.7" in src  # its client, drawn as a neighbour


def test_render_many_is_ordered_and_repeatable(classified):
    g, tags = classified
    focus = html.focus_sources(g, tags, plan(), T)
    sources = [m["dot"] for m in focus["apps"] + focus["waves"]]
    first = render_many(sources)
    assert first == render_many(sources)
    assert len(first) == len(sources)
    assert first[0] == render_svg(sources[0])
    for svg, src in zip(first, sources):
        assert svg.startswith("<svg") and ' id="' not in svg
        # one node group per DOT node, each host with its id as hover title
        assert svg.count('<g class="node">') == len(re.findall(r"^ +n\d+ \[", src, re.M))
        for host in re.findall(r'tooltip="(host:[^"]*)"', src):
            assert f"<title>{host}</title>" in svg
