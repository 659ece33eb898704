"""Owns what a rule sees of an entity: a ``View`` of field values, tags and neighbours.

``GraphViews`` builds views from the dependency graph (fields of the vocabulary in
``fields.py`` only, with the evidence ids of the nodes and edges they came from);
``given_view`` builds one from a rule test's ``given:`` block.  Roll-up, as in
rules/FIELDS.md: a host reads its services' fields, databases and outgoing flows
(``client.*``); services and databases read their host's ``host.*`` fields.

Two entity kinds are not graph nodes.  A **flow** (``flow:<client>-><server>``, one per
flow edge) reads its edge's attributes and facts and both ends' names, sites and device
classes.  An **application** (``app:<role>``) is the hosts whose tags carry that role —
the grouping the report's maps and systems table use; its membership is recomputed as
roles are set, so its view is never cached.
"""

from __future__ import annotations

from collections import defaultdict

from ..graph import queries as q
from .fields import FACTS, TAG_PREFIX

HOST_ATTRS = ("name", "fqdn", "addresses", "os", "os_version", "device_class", "agent",
              "processes", "packages", "nmap_os", "site", "memory_bytes")
SERVICE_ATTRS = ("port", "transport", "protocol", "product", "version", "nmap_name", "process")


FLOW_PREFIX, APP_PREFIX = "flow:", "app:"
NOT_AN_APPLICATION = ("unknown",)


def flow_id(client: str, server: str) -> str:
    """The stable id of the flow edge from ``client`` (a host) to ``server``."""
    return f"{FLOW_PREFIX}{client}->{server}"


def flow_ends(entity: str) -> tuple[str, str]:
    """(client, server) of a flow id."""
    client, _, server = entity[len(FLOW_PREFIX):].partition("->")
    return client, server


def app_id(role) -> str:
    """The id of the application named by ``role``."""
    return f"{APP_PREFIX}{role}"


def entity_kind(g, entity: str) -> str | None:
    """``host``/``service``/``database``/``endpoint`` for graph nodes, else ``flow``/``application``."""
    if entity.startswith(FLOW_PREFIX):
        return "flow"
    if entity.startswith(APP_PREFIX):
        return "application"
    return q.kind(g, entity)


def flow_edges(g) -> list[tuple[str, str, dict]]:
    """Every flow edge (client host, service or endpoint, attrs), sorted."""
    return sorted(((u, v, d) for u, v, k, d in g.edges(keys=True, data=True)
                   if (d.get("kind") or k) == "flow"), key=lambda e: (e[0], e[1]))


def _vals(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v is not None]
    return [value]


class _Acc:
    """Accumulates field values and their evidence, de-duplicated and sorted on read
    (``frozen`` hands its evidence sets over: an accumulator is not used after it)."""

    def __init__(self):
        self.values: dict[str, set] = defaultdict(set)
        self.ev: dict[str, set] = defaultdict(set)

    def add(self, field: str, value, evidence) -> None:
        vals = _vals(value)
        if vals:
            self.values[field].update(vals)
            self.ev[field].update(evidence or ())

    def merge(self, other: "_Acc") -> None:
        for k, v in other.values.items():
            self.values[k] |= v
            self.ev[k] |= other.ev[k]

    def frozen(self) -> tuple[dict, dict]:
        return ({k: _sorted_values(v) for k, v in self.values.items()}, dict(self.ev))


def _sorted_values(values: set) -> list:
    """Sorted by (type name, text); all-text sets (nearly all) sorted directly, the same order."""
    if all(type(x) is str for x in values):
        return sorted(values)
    return sorted(values, key=lambda x: (str(type(x)), str(x)))


class View:
    """An entity as a rule sees it."""

    def __init__(self, kind: str, entity: str, values: dict, ev: dict, node_ev: set,
                 tags=None, neighbours=None):
        self.kind = kind
        self.id = entity
        self._values = values
        self._ev = ev
        self._node_ev = set(node_ev)
        self._tags = tags or (lambda dim: ([], set()))
        self._neighbours = neighbours or (lambda rel: [])

    def get(self, field: str) -> list:
        if field.startswith(TAG_PREFIX):
            return self._tags(field[len(TAG_PREFIX):])[0]
        return self._values.get(field, [])

    def evidence(self, field: str | None) -> set:
        if field is None:
            return set(self._node_ev)
        if field.startswith(TAG_PREFIX):
            return set(self._tags(field[len(TAG_PREFIX):])[1])
        return set(self._ev.get(field, self._node_ev))

    def neighbours(self, relation: str) -> list:
        return self._neighbours(relation)


class TagIndex:
    """Tags set so far, by entity and dimension, with their evidence."""

    def __init__(self):
        self.values: dict = defaultdict(lambda: defaultdict(set))
        self.ev: dict = defaultdict(lambda: defaultdict(set))

    version = 0         # bumped on every add: caches keyed on it (applications) stay exact

    def add(self, entity: str, dimension: str, value, evidence) -> None:
        self.version += 1
        self.values[entity][dimension].add(value)
        self.ev[entity][dimension].update(evidence or ())

    def own(self, entity: str, dimension: str) -> tuple[set, set]:
        if entity not in self.values:
            return set(), set()
        return set(self.values[entity].get(dimension, ())), set(self.ev[entity].get(dimension, ()))


def rollup_members(g, entity: str) -> list[str]:
    """Entities whose own tags count for ``entity`` (itself first).

    A host: its services and databases.  A service: its host.  A database: its service
    and its host.  An endpoint: itself only.
    """
    kind = q.kind(g, entity)
    if kind == "host":
        return [entity] + q.services(g, entity) + q.databases(g, entity)
    if kind == "service":
        return [entity] + [h for h in [q.host(g, entity)] if h]
    if kind == "database":
        return [entity] + [x for x in [q.service_of(g, entity), q.host(g, entity)] if x]
    return [entity]


class GraphViews:
    """Views over a graph, with static fields cached and tags read live from a TagIndex."""

    def __init__(self, g, tags: TagIndex, settings: dict):
        self.g = g
        self.tags = tags
        self.settings = dict(settings)
        self._static: dict[str, tuple[dict, dict]] = {}
        self._views: dict[str, View] = {}
        self._members: dict[str, list] = {}
        self._sites: dict | None = None
        self._flows: dict | None = None
        self._apps: tuple | None = None

    # -- flows and applications (not graph nodes) ---------------------------------------
    def flow_attrs(self, entity: str) -> dict:
        """The attributes of a flow's edge (empty for an unknown id)."""
        if self._flows is None:
            self._flows = {flow_id(u, v): d for u, v, d in flow_edges(self.g)}
        return self._flows.get(entity, {})

    def applications(self) -> dict:
        """``app:<role>`` -> its hosts (sorted), from the role tags set so far (cached until
        the next tag is added)."""
        if self._apps is not None and self._apps[0] == self.tags.version:
            return self._apps[1]
        apps: dict = {}
        for h in sorted(n for n in self.g.nodes if self.g.nodes[n].get("kind") == "host"):
            for role in self.tag_values(h, "role")[0]:
                if str(role) not in NOT_AN_APPLICATION:
                    apps.setdefault(app_id(role), []).append(h)
        self._apps = (self.tags.version, apps)
        return apps

    def app_hosts(self, entity: str) -> list:
        return self.applications().get(entity, [])

    def _flow_static(self, entity: str, acc: "_Acc") -> None:
        g, e = self.g, self.flow_attrs(entity)
        client, server = flow_ends(entity)
        ev = set(e.get("evidence", ()))
        acc.add("flow.protocol", e.get("protocol") or "unknown", ev)
        for a in ("port", "transport", "connections", "bytes"):
            acc.add("flow." + a, e.get(a), ev)
        acc.add("flow.inter_site", bool(e.get("inter_site")), ev)
        acc.add("flow.sources", e.get("sources"), ev)
        acc.add("client.processes", e.get("client_processes"), ev)
        for key, values in (e.get("facts") or {}).items():
            if key in FACTS:
                acc.add(key, values, ev)
        if client in g:
            n = g.nodes[client]
            acc.add("client.name", n.get("name"), ev)
            acc.add("client.site", n.get("site"), ev)
            acc.add("client.device_class", n.get("device_class"), ev)
        skind = q.kind(g, server)
        acc.add("server.kind", skind, ev)
        if skind == "endpoint":
            acc.add("server.name", g.nodes[server].get("name"), ev)
        elif skind == "service":
            acc.add("server.process", g.nodes[server].get("process"), ev)
            acc.add("server.product", g.nodes[server].get("product"), ev)
            h = q.host(g, server)
            if h:
                n = g.nodes[h]
                acc.add("server.name", n.get("name"), ev)
                acc.add("server.site", n.get("site"), ev)
                acc.add("server.device_class", n.get("device_class"), ev)

    def _app_static(self, entity: str, acc: "_Acc") -> None:
        g = self.g
        hosts = self.app_hosts(entity)
        acc.add("application.name", entity[len(APP_PREFIX):], ())
        acc.add("application.size", len(hosts), ())
        for h in hosts:
            n, ev = g.nodes[h], self._node_ev(h)
            acc.add("application.hosts", n.get("name"), ev)
            acc.add("application.sites", n.get("site"), ev)
            acc.add("application.device_classes", n.get("device_class"), ev)
            acc.add("application.processes", n.get("processes"), ev)
            for s in q.services(g, h):
                acc.add("application.protocols", g.nodes[s].get("protocol"), self._node_ev(s))
            for _, _, e in q.outgoing_flows(g, h):
                acc.add("application.client_protocols", e.get("protocol"), e.get("evidence", ()))

    # -- field blocks ------------------------------------------------------------------
    def _node_ev(self, node: str) -> set:
        if node not in self.g:
            return set(self.flow_attrs(node).get("evidence", ())) if node.startswith(FLOW_PREFIX) \
                else set()
        return set(self.g.nodes[node].get("evidence", ()))

    def _host_block(self, h: str, acc: _Acc) -> None:
        n, ev = self.g.nodes[h], self._node_ev(h)
        for a in HOST_ATTRS:
            acc.add("host." + a, n.get(a), ev)

    def _service_block(self, s: str, acc: _Acc) -> None:
        n, ev = self.g.nodes[s], self._node_ev(s)
        for a in SERVICE_ATTRS:
            acc.add("service." + a, n.get(a), ev)
        for key, values in (n.get("facts") or {}).items():
            if key in FACTS:
                acc.add(key, values, ev)

    def _db_block(self, d: str, acc: _Acc) -> None:
        n, ev = self.g.nodes[d], self._node_ev(d)
        tables = _vals(n.get("tables"))
        acc.add("db.engine", n.get("engine"), ev)
        acc.add("db.name", n.get("name"), ev)
        acc.add("db.tables", tables, ev)
        acc.add("db.table_names", [t.split(".", 1)[-1] for t in tables], ev)
        acc.add("db.schemas", [t.split(".", 1)[0] for t in tables if "." in t], ev)
        acc.add("db.columns", n.get("columns"), ev)
        acc.add("db.value_kinds", n.get("value_kinds"), ev)
        acc.add("db.rows", n.get("rows"), ev)
        acc.add("db.bytes", n.get("bytes"), ev)
        for _, _, d2 in q._edges(self.g, d, "db_link"):
            acc.add("db.link_mechanisms", d2.get("mechanisms") or d2.get("mechanism"),
                    d2.get("evidence"))

    def _client_block(self, h: str, acc: _Acc) -> None:
        for _, target, e in q.outgoing_flows(self.g, h):
            ev = e.get("evidence", ())
            acc.add("client.protocols", e.get("protocol"), ev)
            acc.add("client.ports", e.get("port"), ev)
            acc.add("client.peers", target, ev)
            acc.add("client.processes", e.get("client_processes"), ev)
            for key, values in (e.get("facts") or {}).items():
                if key in FACTS:
                    acc.add("client." + key, values, ev)

    def static(self, node: str) -> tuple[dict, dict]:
        if node in self._static:
            return self._static[node]
        g, kind, acc = self.g, entity_kind(self.g, node), _Acc()
        if kind == "application":
            self._app_static(node, acc)
            acc.add("settings.establishment", self.settings.get("establishment"), ())
            return acc.frozen()            # membership changes as roles are set: not cached
        if kind == "flow":
            self._flow_static(node, acc)
        elif kind == "host":
            self._host_block(node, acc)
            for s in q.services(g, node):
                self._service_block(s, acc)
            for d in q.databases(g, node):
                self._db_block(d, acc)
            self._client_block(node, acc)
        elif kind == "service":
            self._service_block(node, acc)
            for d in q.databases(g, node):
                self._db_block(d, acc)
            if q.host(g, node):
                self._host_block(q.host(g, node), acc)
        elif kind == "database":
            self._db_block(node, acc)
            if q.service_of(g, node):
                self._service_block(q.service_of(g, node), acc)
            if q.host(g, node):
                self._host_block(q.host(g, node), acc)
        elif kind == "endpoint":
            n, ev = g.nodes[node], self._node_ev(node)
            acc.add("endpoint.name", n.get("name"), ev)
            acc.add("endpoint.names", n.get("names"), ev)
            acc.add("endpoint.addresses", n.get("addresses"), ev)
        acc.add("settings.establishment", self.settings.get("establishment"), ())
        self._static[node] = acc.frozen()
        return self._static[node]

    # -- tags and neighbours --------------------------------------------------------------
    def members(self, node: str) -> list:
        if node.startswith(APP_PREFIX):
            return [node] + [m for h in self.app_hosts(node) for m in self.members(h)]
        if node not in self._members:
            self._members[node] = rollup_members(self.g, node)
        return self._members[node]

    def tag_values(self, node: str, dimension: str) -> tuple[list, set]:
        values, ev = set(), set()
        for m in self.members(node):
            v, e = self.tags.own(m, dimension)
            values |= v
            ev |= e
        return sorted(values, key=str), ev

    def _neighbours(self, node: str, relation: str) -> list:
        g = self.g
        out = []
        kind = entity_kind(g, node)
        if kind in ("flow", "application"):
            if relation == "members" and kind == "application":
                # a member's evidence is what gave it the role
                out = [(h, self.tag_values(h, "role")[1]) for h in self.app_hosts(node)]
            elif kind == "flow" and relation in ("client", "server"):
                client, server = flow_ends(node)
                end = client if relation == "client" else server
                if end in g:
                    out = [(end, set(self.flow_attrs(node).get("evidence", ())))]
            return [(self.view(n), ev) for n, ev in out]
        if relation == "clients":
            kind = q.kind(g, node)
            targets = (q.services(g, node) if kind == "host" else
                       [q.service_of(g, node)] if kind == "database" else [node])
            for c in q.clients(g, node):
                ev = set()
                for t in targets:
                    if t:
                        ev.update(q.edge_evidence(g, c, t, "flow"))
                if kind == "database":
                    ev.update(q.edge_evidence(g, c, node, "config_ref"))
                out.append((c, ev))
        elif relation == "servers":
            h = q.host(g, node)
            for s in q.servers(g, node):
                out.append((s, set(q.edge_evidence(g, h, s, "flow"))))
        elif relation == "db_links":
            kind = q.kind(g, node)
            dbs = [node] if kind == "database" else q.databases(g, node)
            for t in q.db_links(g, node):
                out.append((t, {e for d in dbs for e in q.edge_evidence(g, d, t, "db_link")}))
        elif relation == "db_readers":
            kind = q.kind(g, node)
            dbs = [node] if kind == "database" else q.databases(g, node)
            for r in q.db_readers(g, node):
                out.append((r, {e for d in dbs for e in q.edge_evidence(g, r, d, "db_link")}))
        elif relation == "host":
            h = q.host(g, node)
            if h:
                out.append((h, set() if h == node else set(q.edge_evidence(g, h, node))))
        elif relation == "services":
            kind = q.kind(g, node)
            svcs = (q.services(g, node) if kind == "host" else
                    [q.service_of(g, node)] if kind == "database" else
                    q.services(g, q.host(g, node)) if kind == "service" else [])
            h = q.host(g, node)
            out = [(s, set(q.edge_evidence(g, h, s, "runs"))) for s in svcs if s]
        elif relation == "databases":
            out = [(d, set()) for d in q.databases(g, node)]
        elif relation == "site":
            h = q.host(g, node) if q.kind(g, node) != "host" else node
            site = g.nodes[h].get("site") if h in g else None
            out = [(o, set()) for o in self._site_hosts().get(site, ()) if o != h] if site else []
        return [(self.view(n), ev) for n, ev in out]

    def _site_hosts(self) -> dict:
        """site id -> its hosts, sorted (built once)."""
        if self._sites is None:
            self._sites = {}
            for n in sorted(self.g.nodes):
                d = self.g.nodes[n]
                if d.get("kind") == "host" and d.get("site"):
                    self._sites.setdefault(d["site"], []).append(n)
        return self._sites

    def view(self, node: str) -> View:
        if node.startswith(APP_PREFIX):
            values, ev = self.static(node)
            return View("application", node, values, ev, set().union(*ev.values()) if ev else set(),
                        tags=lambda dim, n=node: self.tag_values(n, dim),
                        neighbours=lambda rel, n=node: self._neighbours(n, rel))
        if node not in self._views:
            values, ev = self.static(node)
            self._views[node] = View(
                entity_kind(self.g, node), node, values, ev, self._node_ev(node),
                tags=lambda dim, n=node: self.tag_values(n, dim),
                neighbours=lambda rel, n=node: self._neighbours(n, rel))
        return self._views[node]


def flatten_given(given: dict, prefix: str = "") -> dict:
    """``{hl7: {message_types: [..]}, client: {hl7: {...}}}`` → ``{"hl7.message_types": [..]}``.

    ``graph`` and ``id`` keys are left to the caller.
    """
    out = {}
    for key, value in given.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_given(value, name + "."))
        else:
            out[name] = value
    return out


def given_view(kind: str, given: dict, entity: str | None = None) -> View:
    """A view built from a test's ``given:`` (fields nested or dotted, plus ``graph:``)."""
    given = dict(given or {})
    graph = given.pop("graph", None) or {}
    entity = given.pop("id", None) or entity or f"given:{kind}"
    flat = flatten_given(given)
    for ns in ("host", "service", "db", "endpoint"):
        if f"{ns}.id" in flat:
            entity = flat.pop(f"{ns}.id")
    values = {k: _vals(v) for k, v in flat.items() if not k.startswith(TAG_PREFIX)}
    tags = {k[len(TAG_PREFIX):]: _vals(v) for k, v in flat.items() if k.startswith(TAG_PREFIX)}
    neighbours = {}
    for rel, items in graph.items():
        items = items if isinstance(items, list) else [items]
        neighbours[rel] = [(given_view("neighbour", item or {}), set()) for item in items]
    return View(kind, entity, values, {}, set(),
                tags=lambda dim: (tags.get(dim, []), set()),
                neighbours=lambda rel: neighbours.get(rel, []))
