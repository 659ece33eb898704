"""Owns ``graph.json``: the dependency graph as a sorted, documented JSON file and back."""

from __future__ import annotations


import networkx as nx

from ..fileio import dumps_records

SCHEMA = "hdscan-graph/1"


def graph_to_dict(g: nx.MultiDiGraph) -> dict:
    nodes = [{"id": n, **{k: g.nodes[n][k] for k in sorted(g.nodes[n])}} for n in sorted(g.nodes)]
    edges = []
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        edges.append({"source": u, "target": v, "key": k, **{a: d[a] for a in sorted(d)}})
    meta = {k: g.graph[k] for k in sorted(g.graph)}
    return {"schema": SCHEMA, "graph": meta, "nodes": nodes, "edges": edges}


def graph_from_dict(data: dict) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.graph.update(data.get("graph", {}))
    for n in data["nodes"]:
        attrs = dict(n)
        g.add_node(attrs.pop("id"), **attrs)
    for e in data["edges"]:
        attrs = dict(e)
        u, v, k = attrs.pop("source"), attrs.pop("target"), attrs.pop("key")
        g.add_edge(u, v, key=k, **attrs)
    return g


def dumps(g: nx.MultiDiGraph) -> str:
    """``graph.json`` text: one node or edge per line (``fileio.dumps_records``)."""
    return dumps_records(graph_to_dict(g))
