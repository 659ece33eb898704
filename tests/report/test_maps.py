"""The two maps' DOT source: styles by class and tier, clusters, crossings, collapse at scale."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from report_helpers import estate, plan
from scanner.report import dot, model
from scanner.report.i18n import catalogue
from scanner.report.svg import render_svg

T = catalogue("fr")


@pytest.fixture(scope="module")
def classified():
    return estate()


def _node_line(source: str, entity: str) -> str:
    [line] = [ln for ln in source.splitlines() if f"tooltip={dot.quote(entity)}" in ln]
    return line


def _node_id(line: str) -> str:
    return line.split()[0]


def test_quote_keeps_names_plain_text():
    assert dot.quote("a\"b") == '"a\\"b"'
    assert dot.quote("back\\slash") == '"back\\\\slash"'
    assert dot.quote("<b>x</b>") == '"<b>x</b>"'  # quoted: never an HTML-like label
    assert dot.quote("l1", "l2\nx") == '"l1\\nl2 x"'


def test_estate_map_colours_and_shapes_follow_tags(classified):
    g, tags = classified
    src = dot.estate_dot(g, tags, plan(), T)
    for h in model.host_ids(g):
        r = tags["resolved"][h]
        line = _node_line(src, h)
        assert f'fillcolor="{dot.FILL[r.get("data_class")]}"' in line
        assert ("doubleoctagon" in line) == (r.get("care_tier") == 1)
    # exposed endpoint in red, in the external cluster
    ext = "ext:backup.blob.core.windows.net"
    assert tags["resolved"][ext]["exposure"] == "extraterritorial_cloud"
    assert 'color="#d00000"' in _node_line(src, ext)
    assert src.index("cluster_ext") < src.index(_node_line(src, ext))


def test_estate_map_styles_each_edge_kind(classified):
    g, tags = classified
    src = dot.estate_dot(g, tags, plan(), T)
    ids = {h: _node_id(_node_line(src, h)) for h in model.host_ids(g)}
    edges = {(e["source"], e["target"], e["kind"]) for e in model.host_edges(g)}
    assert ("host:eds-db01", "host:dpi-db01", "db_link") in edges
    assert ("host:dpi-app01", "host:dpi-db01", "config_ref") in edges
    assert ("host:dpi-app01", "host:dpi-db01", "flow") in edges
    lines = src.splitlines()
    for a, b, kind in edges:
        if a in ids and b in ids:
            [line] = [ln for ln in lines if ln.strip().startswith(f"{ids[a]} -> {ids[b]} [{dot.EDGE_STYLE[kind]}")]
            assert line
    link = [ln for ln in lines if ln.strip().startswith(f"{ids['host:eds-db01']} -> {ids['host:dpi-db01']}")]
    assert "dashed" in link[0] and "postgres_fdw" in link[0]


def test_waves_map_orders_waves_and_highlights_crossings(classified):
    g, tags = classified
    src = dot.waves_dot(g, tags, plan(), T)
    labels = re.findall(r'subgraph (cluster_w\d+) \{ label="([^"]*)"', src)
    assert [label for _, label in labels] == ["Vague 1 — Imagerie", "Vague 2 — DPI", "Reste sur site",
                                              "Non planifié"]
    ids = {h: _node_id(_node_line(src, h)) for h in model.host_ids(g)}
    stays_block = src.split('label="Reste sur site"')[1].split("}")[0]
    assert "host:10.20.3.7" in stays_block
    cross = [ln for ln in src.splitlines() if ln.strip().startswith(f"{ids['host:10.20.3.7']} -> {ids['host:pacs01']}")]
    same = [ln for ln in src.splitlines() if ln.strip().startswith(f"{ids['host:dpi-app01']} -> {ids['host:dpi-db01']}")]
    assert 'color="#d00000"' in cross[0]
    assert 'color="#d00000"' not in same[0]


ROLES = ("DPI", "PACS", "finance", "backup", "unknown")


def _big_estate(n_hosts: int, per_group: int, sites: int = 2):
    g = nx.MultiDiGraph()
    hosts = [f"host:h{i:05d}" for i in range(n_hosts)]
    for i, h in enumerate(hosts):
        g.add_node(h, kind="host", name=h[5:], addresses=[f"10.{i // 250}.{i % 250}.1"],
                   site=f"site-{i % sites}", evidence=[])
    for i in range(1, n_hosts):
        g.add_edge(hosts[i], hosts[i - 1], key="flow", kind="flow", port=443, protocol="tls", evidence=[])
    tags = {"resolved": {h: {"data_class": "health" if i % 3 == 0 else "none", "care_tier": 1 + i % 4,
                              "hosting": "hds", "exposure": "none", "role": [ROLES[i % len(ROLES)]]}
                         for i, h in enumerate(hosts)}}
    groups = [{"id": f"group:g{i // per_group:02d}", "hosts": hosts[i:i + per_group], "reasons": []}
              for i in range(0, n_hosts, per_group)]
    waves = [{"number": k + 1, "name": f"w{k + 1}", "groups": [gr["id"]], "hosts": gr["hosts"], "reasons": []}
             for k, gr in enumerate(groups)]
    return g, tags, {"groups": groups, "waves": waves, "stays": [], "hybrid_flows": []}


def test_large_estate_collapses_to_site_and_role_and_waves_to_one_node_each():
    g, tags, big_plan = _big_estate(dot.COLLAPSE_ABOVE + 1, per_group=50)
    src = dot.estate_dot(g, tags, big_plan, T)
    # one node per (site, main role): 2 sites x 5 roles ("unknown" is drawn as "other")
    assert len(re.findall(r"^    c\d+ \[", src, re.M)) == 2 * len(ROLES)
    assert src.count("subgraph cluster_s") == 2 and '"other\\n' in src
    assert "h00000" not in src
    assert "Plus de 300 machines" in src
    waves = dot.waves_dot(g, tags, big_plan, T)
    assert "h00000" not in waves
    assert len(re.findall(r"^  n\d+ \[label=", waves, re.M)) == len(big_plan["waves"])
    # edges between consecutive waves are counted, not drawn one by one
    assert len(re.findall(r'-> n\d+ \[color="#d00000"', waves)) == len(big_plan["waves"]) - 1
    assert render_svg(src).startswith("<svg") and render_svg(waves).startswith("<svg")
    # at the limit, hosts are still drawn one by one
    g2, tags2, plan2 = _big_estate(dot.COLLAPSE_ABOVE, per_group=50)
    assert "h00000" in dot.estate_dot(g2, tags2, plan2, T)


def test_estate_map_clusters_hosts_by_site_then_application(classified):
    g, tags = classified
    src = dot.estate_dot(g, tags, plan(), T)
    apps = re.findall(r'subgraph cluster_s\d+_a\d+ \{ label="([^"]*)"', src)
    pairs = {(g.nodes[h].get("site"), dot.main_role(tags, h)) for h in model.host_ids(g)}
    assert sorted(apps) == sorted(app for _, app in pairs)
    pacs_block = src.split('label="PACS"')[1].split("}")[0]
    assert "host:pacs01" in pacs_block
    assert render_svg(src).startswith("<svg")


def test_many_waves_share_nodes_on_the_collapsed_waves_map():
    g, tags, big_plan = _big_estate(dot.COLLAPSE_ABOVE + 1, per_group=5)
    n_waves = len(big_plan["waves"])
    assert n_waves > dot.MAX_WAVE_NODES
    waves = dot.waves_dot(g, tags, big_plan, T)
    size = -(-n_waves // dot.MAX_WAVE_NODES)
    nodes = re.findall(r'^  n\d+ \[label="([^"]*)"', waves, re.M)
    assert len(nodes) == -(-n_waves // size) <= dot.MAX_WAVE_NODES
    assert nodes[0] == f"Vague 1–{size}\\n{5 * size} machines"
    assert render_svg(waves).startswith("<svg")


def test_wave_columns_are_chained_in_plan_order(classified):
    g, tags = classified
    src = dot.waves_dot(g, tags, plan(), T)
    firsts = []
    for block in src.split("subgraph cluster_w")[1:]:
        firsts.append(re.search(r"^    (n\d+) \[", block, re.M).group(1))
    chain = re.findall(r"^  (n\d+) -> (n\d+) \[style=invis", src, re.M)
    assert chain == list(zip(firsts, firsts[1:]))
    assert len(chain) == 3
