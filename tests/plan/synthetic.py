"""Hand-built graphs for the packing tests: N independent applications of a given size.

``estate(specs)`` takes ``(name, servers, care_tier)`` triples and builds, for each, one
application server ``<name>-app`` opening PostgreSQL sessions to ``servers - 1`` database
servers ``<name>-dbK`` (so the planner joins them into one group of ``servers`` hosts),
with the graph attributes of docs/architecture.md and a matching ``tags["resolved"]``.
"""

from __future__ import annotations

import networkx as nx

from scanner.model import ids


def _host(g, tags, name, tier, role):
    node = ids.host_id(name)
    g.add_node(node, kind="host", name=name, device_class="server", agent=True,
               disk_used_bytes=10 * 1024 ** 3, evidence=[])
    tags["resolved"][node] = {"role": [role], "data_class": "personal", "care_tier": tier,
                              "hosting": "any", "exposure": "none"}
    return node


def estate(specs):
    """(graph, tags) of independent applications (module docstring)."""
    g = nx.MultiDiGraph()
    tags = {"schema": "hdscan-tags/1", "tags": [], "findings": [], "resolved": {}}
    for name, servers, tier in specs:
        app = _host(g, tags, f"{name}-app", tier, "finance")
        for k in range(1, servers):
            db = _host(g, tags, f"{name}-db{k}", tier, "finance")
            svc = ids.service_id(f"{name}-db{k}", "tcp", 5432)
            g.add_node(svc, kind="service", host=db, port=5432, transport="tcp",
                       protocol="postgresql", process="postgres", facts={}, evidence=[])
            g.add_edge(db, svc, key="runs", kind="runs", evidence=[])
            g.add_edge(app, svc, key="flow", kind="flow", port=5432, transport="tcp",
                       protocol="postgresql", connections=10, evidence=[f"obs:{name}{k}"])
    return g, tags
