"""Generated planning instances: a classified graph and a plan configuration, in memory.

``instance(groups, seed, ...)`` builds ``groups`` applications of 1–4 servers (an
application server and its PostgreSQL databases, which the planner joins into one move
group), each with a care tier; interface engines (hubs) exchanging HL7 with a few
applications each (care chains); plain HTTP calls between applications (weighted
couplings that are not care chains); and a few configured orderings.  Everything is
decided by ``random.Random(seed)``: the same arguments give the same instance.  Used by
benchmarks/plan_optimality.py and tests/plan/test_exact.py.  No patient data: names are
``appNNNN-…``.
"""

from __future__ import annotations

import random

import networkx as nx

from scanner.model import ids
from scanner.plan.config import parse_plan_config

TIERS = (1, 2, 3, 3, 4, 4, None)


def _host(g, tags, name, tier, role):
    node = ids.host_id(name)
    g.add_node(node, kind="host", name=name, device_class="server", agent=True,
               disk_used_bytes=10 * 1024 ** 3, evidence=[])
    tags["resolved"][node] = {"role": [role], "data_class": "health", "care_tier": tier,
                              "hosting": "any", "exposure": "none"}
    return node


def _service(g, host_name, port, protocol, process):
    host = ids.host_id(host_name)
    svc = ids.service_id(host_name, "tcp", port)
    if svc not in g:
        g.add_node(svc, kind="service", host=host, port=port, transport="tcp",
                   protocol=protocol, process=process, facts={}, evidence=[])
        g.add_edge(host, svc, key="runs", kind="runs", evidence=[])
    return svc


def _flow(g, client_name, svc, port, protocol, connections, tag):
    g.add_edge(ids.host_id(client_name), svc, key="flow", kind="flow", port=port,
               transport="tcp", protocol=protocol, connections=connections,
               evidence=[f"obs:{tag}"])


def instance(groups: int, seed: int, hub_every: int = 6, calls: float = 0.6,
             orderings: int = 1, wave_servers: int = 6, tier1_limit: int = 1,
             pilot: bool = False):
    """(graph, tags, PlanConfig) of a generated estate (module docstring)."""
    rnd = random.Random(seed)
    g = nx.MultiDiGraph()
    tags = {"schema": "hdscan-tags/1", "tags": [], "findings": [], "resolved": {}}
    apps = []
    for i in range(groups):
        name, tier = f"app{i:04d}", rnd.choice(TIERS)
        size = rnd.choice((1, 1, 2, 2, 3, 4))
        is_hub = hub_every and i % hub_every == hub_every - 1
        _host(g, tags, f"{name}-app", tier, "interface-engine" if is_hub else "clinical")
        dbs = [f"{name}-db{k}" for k in range(1, min(size, 3))]
        for db in dbs:
            _host(g, tags, db, tier, "database")
            svc = _service(g, db, 5432, "postgresql", "postgres")
            _flow(g, f"{name}-app", svc, 5432, "postgresql", 50, f"{name}{db}")
        if size == 4:                          # a second application server on the first database
            _host(g, tags, f"{name}-app2", tier, "clinical")
            _flow(g, f"{name}-app2", ids.service_id(dbs[0], "tcp", 5432), 5432, "postgresql", 20,
                  f"{name}app2")
        apps.append((name, is_hub))
    for i, (name, is_hub) in enumerate(apps):
        if is_hub:                             # HL7 both ways with a few applications
            hub_svc = _service(g, f"{name}-app", 2575, "hl7v2-mllp", "mirth")
            lo = max(0, i - 2 * hub_every)
            partners = rnd.sample([a for a, h in apps[lo:i] if not h],
                                  k=min(rnd.randint(2, 4), len([a for a, h in apps[lo:i] if not h])))
            for p in sorted(partners):
                conn = rnd.choice((5, 20, 80, 300))
                _flow(g, f"{p}-app", hub_svc, 2575, "hl7v2-mllp", conn, f"{p}{name}")
                leaf = _service(g, f"{p}-app", 2575, "hl7v2-mllp", "listener")
                _flow(g, f"{name}-app", leaf, 2575, "hl7v2-mllp", conn, f"{name}{p}")
        elif i and rnd.random() < calls:       # an HTTP call to an earlier application
            other = apps[rnd.randrange(max(0, i - 15), i)][0]
            svc = _service(g, f"{other}-app", 8080, "http", "java")
            _flow(g, f"{name}-app", svc, 8080, "http", rnd.choice((1, 3, 10, 40)), f"{name}{other}")
    body = (f"schema: hdscan-plan/1\nwave_capacity: {{servers: {wave_servers}}}\n"
            f"max_tier1_groups_per_wave: {tier1_limit}\npilot: {{enabled: {str(pilot).lower()}}}\n")
    if orderings and groups >= 4:
        body += "orderings:\n"
        for k in range(orderings):
            a, b = sorted(rnd.sample(range(groups), 2))
            body += (f"  - {{before: app{a:04d}-app, after: app{b:04d}-app, "
                     f"reason: generated ordering {k}}}\n")
    return g, tags, parse_plan_config(body, f"generated-{seed}.yml")
