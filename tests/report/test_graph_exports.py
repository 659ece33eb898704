"""GraphML (yEd, Gephi) and GEXF 1.3 (Gephi): parsed back with xml.etree, namespaces,
typed attributes, every node and edge present, control characters and markup made safe."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from report_helpers import estate
from scanner.report.gexf_out import render_gexf
from scanner.report.graphml_out import render_graphml

G = "{http://graphml.graphdrawing.org/xmlns}"
X = "{http://gexf.net/1.3}"


@pytest.fixture(scope="module")
def classified():
    return estate()


def _edges(g):
    return sorted((u, v, d.get("kind", k)) for u, v, k, d in g.edges(keys=True, data=True))


def _check_value(text: str, kind: str):
    if kind == "boolean":
        assert text in ("true", "false")
    elif kind == "long":
        int(text)
    elif kind == "double":
        float(text)


def test_graphml_parses_with_every_node_and_edge(classified):
    g, tags = classified
    root = ET.fromstring(render_graphml(g, tags).encode("utf-8"))
    assert root.tag == f"{G}graphml"
    keys = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.iter(f"{G}key")}
    assert all(t in ("boolean", "long", "double", "string") for _, _, t in keys.values())
    graph = root.find(f"{G}graph")
    assert graph.get("edgedefault") == "directed"
    nodes = graph.findall(f"{G}node")
    assert sorted(n.get("id") for n in nodes) == sorted(g.nodes)
    edges = graph.findall(f"{G}edge")
    named = {}
    for n in nodes:
        data = {keys[d.get("key")][1]: d.text or "" for d in n.findall(f"{G}data")}
        for d in n.findall(f"{G}data"):
            assert keys[d.get("key")][0] == "node"
            _check_value(d.text or "", keys[d.get("key")][2])
        named[n.get("id")] = data
    got = []
    for e in edges:
        data = {keys[d.get("key")][1]: d.text or "" for d in e.findall(f"{G}data")}
        for d in e.findall(f"{G}data"):
            assert keys[d.get("key")][0] == "edge"
            _check_value(d.text or "", keys[d.get("key")][2])
        got.append((e.get("source"), e.get("target"), data["kind"]))
    assert sorted(got) == _edges(g)
    # attributes typed, lists joined, tags and facts flattened, a label for the tools
    types = {(f, name): t for f, name, t in keys.values()}
    assert types[("node", "port")] == "long" and types[("node", "agent")] == "boolean"
    assert types[("edge", "bytes")] == "long"
    pacs = named["host:pacs01"]
    assert pacs["label"] == "pacs01" and pacs["tag.role"] == "PACS" and pacs["tag.care_tier"] == "1"
    assert named["svc:pacs01:tcp/4242"]["facts.dicom.calling_aes"] == "CT_SCANNER1"
    db = named["db:postgresql://dpi-db01:5432/dpi"]
    assert db["columns"] == "ipp; nom"


def test_gexf_parses_as_gexf_13_with_every_node_and_edge(classified):
    g, tags = classified
    root = ET.fromstring(render_gexf(g, tags, "CH de test").encode("utf-8"))
    assert root.tag == f"{X}gexf" and root.get("version") == "1.3"
    graph = root.find(f"{X}graph")
    assert graph.get("defaultedgetype") == "directed" and graph.get("mode") == "static"
    declared = {}
    for block in graph.findall(f"{X}attributes"):
        for a in block.findall(f"{X}attribute"):
            declared[(block.get("class"), a.get("id"))] = (a.get("title"), a.get("type"))
    nodes = graph.find(f"{X}nodes").findall(f"{X}node")
    assert sorted(n.get("id") for n in nodes) == sorted(g.nodes)
    labels = {n.get("id"): n.get("label") for n in nodes}
    assert labels["host:dpi-app01"] == "dpi-app01"
    values = {}
    for n in nodes:
        for v in n.iter(f"{X}attvalue"):
            title, kind = declared[("node", v.get("for"))]
            _check_value(v.get("value"), kind)
            values[(n.get("id"), title)] = v.get("value")
    assert values[("host:pacs01", "tag.data_class")] == "health"
    edges = graph.find(f"{X}edges").findall(f"{X}edge")
    assert len({e.get("id") for e in edges}) == len(edges)
    assert sorted((e.get("source"), e.get("target"), e.get("kind")) for e in edges) == _edges(g)
    for e in edges:
        for v in e.iter(f"{X}attvalue"):
            _check_value(v.get("value"), declared[("edge", v.get("for"))][1])
    assert root.find(f"{X}meta/{X}creator").text == "hdscan"
    assert "lastmodifieddate" not in root.find(f"{X}meta").attrib


def _odd_graph():
    g = nx.MultiDiGraph()
    g.add_node("host:a", kind="host", name='a<&>"\x07b', addresses=["10.0.0.1", "10.0.0.2"],
               memory_bytes=10, agent=True)
    g.add_node("host:b", kind="host", name="b", memory_bytes=2.5, agent=False)
    g.add_edge("host:a", "host:b", key="flow", kind="flow", port=80, facts={"http.hosts": ["x\x01y"]})
    g.add_edge("host:a", "host:b", key="config_ref", kind="config_ref", keys=["k"])
    return g


@pytest.mark.parametrize("render", [render_graphml, lambda g, t: render_gexf(g, t)])
def test_markup_and_control_characters_stay_well_formed(render):
    text = render(_odd_graph(), {"resolved": {}})
    root = ET.fromstring(text.encode("utf-8"))  # raises on a bad character or markup
    assert "\x07" not in text and "\x01" not in text
    values = [d.text for d in root.iter() if d.text] + [d.get("value") for d in root.iter() if d.get("value")]
    assert 'a<&>" b' in values + [n.get("label") for n in root.iter() if n.get("label")]
    assert "10.0.0.1; 10.0.0.2" in values


def test_mixed_numbers_become_double_and_parallel_edges_survive():
    g = _odd_graph()
    root = ET.fromstring(render_graphml(g, {}).encode("utf-8"))
    types = {k.get("attr.name"): k.get("attr.type") for k in root.iter(f"{G}key") if k.get("for") == "node"}
    assert types["memory_bytes"] == "double" and types["agent"] == "boolean"
    assert len(root.findall(f"{G}graph/{G}edge")) == 2


def test_deterministic(classified):
    g, tags = classified
    again, tags_again = estate()
    assert render_graphml(g, tags) == render_graphml(again, tags_again)
    assert render_gexf(g, tags) == render_gexf(again, tags_again)
