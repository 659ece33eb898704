"""Owns named, read-only queries over the dependency graph (docs/architecture.md).

Rules and the planner read neighbours only through these functions, so the shape of
the graph is known in one place.  Every function returns a sorted list and never
changes the graph.
"""

from __future__ import annotations

import networkx as nx


def kind(g: nx.MultiDiGraph, node: str) -> str | None:
    """The ``kind`` attribute of a node (``host``, ``service``, ``database``, ``endpoint``)."""
    return g.nodes[node].get("kind") if node in g else None


def _edges(g, node, edge_kind, out=True):
    it = g.out_edges(node, keys=True, data=True) if out else g.in_edges(node, keys=True, data=True)
    return sorted(((u, v, d) for u, v, k, d in it if (d.get("kind") or k) == edge_kind),
                  key=lambda e: (e[0], e[1]))


def host(g: nx.MultiDiGraph, node: str) -> str | None:
    """The host a node runs on (a host is its own host; endpoints have none)."""
    k = kind(g, node)
    if k == "host":
        return node
    if k in ("service", "database"):
        h = g.nodes[node].get("host")
        return h if h in g else None
    return None


def services(g: nx.MultiDiGraph, host_node: str) -> list[str]:
    """Services a host runs (``runs`` edges)."""
    return sorted({v for _, v, _ in _edges(g, host_node, "runs")})


def databases(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Databases hosted by a service, or by any service of a host."""
    k = kind(g, node)
    svcs = services(g, node) if k == "host" else [node] if k == "service" else []
    return sorted({v for s in svcs for _, v, _ in _edges(g, s, "hosts")})


def service_of(g: nx.MultiDiGraph, database: str) -> str | None:
    """The service a database is hosted on."""
    svc = g.nodes[database].get("service") if database in g else None
    return svc if svc in g else None


def outgoing_flows(g: nx.MultiDiGraph, host_node: str) -> list[tuple[str, str, dict]]:
    """Flow edges a host opens as a client: (host, service-or-endpoint, attrs)."""
    return _edges(g, host_node, "flow")


def incoming_flows(g: nx.MultiDiGraph, node: str) -> list[tuple[str, str, dict]]:
    """Flow edges into a service or endpoint: (client host, node, attrs)."""
    return _edges(g, node, "flow", out=False)


def clients(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Hosts with a flow to the node (to any service of a host; to the service of a
    database, plus hosts whose configuration references the database)."""
    k = kind(g, node)
    if k == "host":
        targets = services(g, node)
    elif k == "database":
        targets = [s for s in [service_of(g, node)] if s]
        refs = {u for u, _, _ in _edges(g, node, "config_ref", out=False)}
        return sorted(refs | {u for t in targets for u, _, _ in incoming_flows(g, t)})
    else:
        targets = [node]
    return sorted({u for t in targets for u, _, _ in incoming_flows(g, t)})


def servers(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Services and endpoints the node's host opens flows to."""
    h = host(g, node)
    if h is None:
        return []
    return sorted({v for _, v, _ in outgoing_flows(g, h)})


def db_links(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Databases read through a db_link by the database (or by the databases of a host/service)."""
    k = kind(g, node)
    dbs = [node] if k == "database" else databases(g, node)
    return sorted({v for d in dbs for _, v, _ in _edges(g, d, "db_link")})


def db_readers(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Databases that read the database (or the databases of a host/service) through a db_link."""
    k = kind(g, node)
    dbs = [node] if k == "database" else databases(g, node)
    return sorted({u for d in dbs for u, _, _ in _edges(g, d, "db_link", out=False)})


def edge_evidence(g: nx.MultiDiGraph, u: str, v: str, edge_kind: str | None = None) -> list[str]:
    """Evidence ids of the edges from u to v (of one kind, or all)."""
    out = set()
    if g.has_edge(u, v):
        for k, d in g.get_edge_data(u, v).items():
            if edge_kind is None or (d.get("kind") or k) == edge_kind:
                out.update(d.get("evidence", []))
    return sorted(out)
