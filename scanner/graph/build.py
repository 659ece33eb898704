"""Owns the dependency graph: every observation merged into one networkx MultiDiGraph.

Nodes are hosts, services, databases and external endpoints; edges are ``runs``
(host → service), ``hosts`` (service → database), ``flow`` (client → service or
endpoint), ``db_link`` (database → database) and ``config_ref`` (host → service or
database); network volumes with ``serves`` and ``mounts`` edges come from ``storage.py``.  The attribute contract is in docs/architecture.md.  The merge is
commutative and idempotent: sets are unioned, counters summed per observation id,
times take min/max, and every node and edge keeps the ids of the observations behind it.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from ..model import ids
from ..model.observations import Observation
from ..ingest.estate_file import EstateConfig
from ..ingest.identity import Identity
from .storage import add_storage

ENGINE_ALIASES = {"postgres": "postgresql", "pgsql": "postgresql", "postgresql": "postgresql",
                  "mariadb": "mysql", "mysql": "mysql", "mssql": "sqlserver",
                  "sqlserver": "sqlserver", "tds": "sqlserver", "oracle": "oracle",
                  "oracle-tns": "oracle"}
ENGINE_PROTOCOL = {"postgresql": "postgresql", "mysql": "mysql", "sqlserver": "tds",
                   "oracle": "oracle-tns"}
DEFAULT_PORT = {"postgresql": 5432, "mysql": 3306, "sqlserver": 1433, "oracle": 1521,
                "mllp": 2575, "dicom": 104, "http": 80, "https": 443, "ldap": 389,
                "ldaps": 636, "smb": 445}
SCHEME_PROTOCOL = {"mllp": "hl7v2-mllp", "dicom": "dicom", "http": "http", "https": "tls",
                   "ldap": "ldap", "ldaps": "tls", "smb": "smb"}
NMAP_PROTOCOL = {"postgresql": "postgresql", "mysql": "mysql", "ms-sql-s": "tds",
                 "oracle-tns": "oracle-tns", "ldap": "ldap", "kerberos-sec": "kerberos",
                 "microsoft-ds": "smb", "domain": "dns", "http": "http", "https": "tls",
                 "ssl/http": "tls", "dicom": "dicom", "ms-wbt-server": "rdp", "smtp": "smtp",
                 "hl7": "hl7v2-mllp"}
# When one service shows several protocols, the most specific names it.
PROTOCOL_PRECEDENCE = ["fhir", "dicomweb", "hl7v2-mllp", "dicom", "astm", "hprim",
                       "postgresql", "mysql", "tds", "oracle-tns", "ldap", "kerberos", "smb",
                       "rdp", "smtp", "ica", "tls", "http", "dns"]
FACT_PREFIX = {"hl7v2-mllp": "hl7", "http": "http", "fhir": "http", "dicomweb": "http",
               "oracle-tns": "oracle"}


def fact_key(protocol: str, key: str) -> str:
    """``("hl7v2-mllp", "message_type")`` → ``hl7.message_types``."""
    if key == "resource_type":
        return "fhir.resource_types"
    prefix = FACT_PREFIX.get(protocol, protocol)
    plural = key if key.endswith("s") or key == "alpn" else key + "s"
    return f"{prefix}.{plural}"


def _facts_as_lists(protocol: str, facts: dict) -> dict[str, set]:
    out: dict[str, set] = defaultdict(set)
    for key, value in facts.items():
        values = value if isinstance(value, list) else [value]
        out[fact_key(protocol, key)].update(str(v).lower() if isinstance(v, bool) else str(v)
                                            for v in values)
    return out


class _Builder:
    def __init__(self, config: EstateConfig, observations: list[Observation]):
        self.config = config
        self.obs = observations
        self.identity = Identity(config, observations)
        self.g = nx.MultiDiGraph()
        self.nodes: dict[str, dict] = {}
        self.edges: dict[tuple, dict] = {}

    # -- nodes ------------------------------------------------------------------------
    def node(self, node_id: str, evidence: str | None = None) -> dict:
        n = self.nodes.get(node_id)
        if n is None:
            kind = ids.kind_of(node_id)
            n = {"kind": kind, "evidence": set()}
            if kind == "host":
                name = node_id.split(":", 1)[1]
                n.update(name=name, fqdn=None, addresses=set(), os=None, os_version=None,
                         device_class=None, agent=False, processes=set(), packages=set(),
                         memory_bytes=None, disk_used_bytes=None, site=None, nmap_os=None)
            elif kind == "service":
                host, transport, port = ids.parse_service(node_id)
                n.update(host=ids.host_id(host), port=port, transport=transport,
                         protocols=set(), nmap_name=None, product=None, version=None,
                         process=None, facts=defaultdict(set))
                self.node(ids.host_id(host))
                self.edge(ids.host_id(host), node_id, "runs", evidence)
            elif kind == "database":
                engine, host, port, name = ids.parse_database(node_id)
                svc = ids.service_id(host, "tcp", port)
                n.update(host=ids.host_id(host), service=svc, engine=engine, name=name,
                         tables=set(), columns=set(), rows=None, bytes=None)
                self.node(svc)["implied_protocol"] = ENGINE_PROTOCOL.get(engine, engine)
                self.edge(svc, node_id, "hosts", evidence)
            elif kind == "endpoint":
                n.update(name=node_id.split(":", 1)[1], names=set(), addresses=set())
            self.nodes[node_id] = n
        if evidence:
            n["evidence"].add(evidence)
        return n

    def edge(self, src: str, dst: str, kind: str, evidence: str | None, **key_extra) -> dict:
        key = (src, dst, kind) + tuple(sorted(key_extra.items()))
        e = self.edges.get(key)
        if e is None:
            e = {"kind": kind, "evidence": set(), **key_extra}
            self.edges[key] = e
        if evidence:
            e["evidence"].add(evidence)
        return e

    def address_node(self, address: str, evidence: str) -> str:
        node_id = self.identity.node_for_address(address)
        n = self.node(node_id, evidence)
        if n["kind"] in ("host", "endpoint"):
            n["addresses"].add(address)
        if n["kind"] == "endpoint":
            n["names"].update(self.identity.endpoint_names(address))
        return node_id

    def service_for(self, address: str, transport: str, port: int, evidence: str) -> str:
        """The server end of a dependency: a service node inside, an endpoint outside."""
        node_id = self.address_node(address, evidence)
        if node_id.startswith("ext:"):
            return node_id
        svc = ids.service_id(node_id.split(":", 1)[1], transport, port)
        self.node(svc, evidence)
        return svc

    def name_service(self, name: str, transport: str, port: int, evidence: str) -> str:
        node_id = self.identity.node_for_name(name)
        n = self.node(node_id, evidence)
        if node_id.startswith("ext:"):
            if not any(ch.isalpha() for ch in name):
                n["addresses"].add(name)
            else:
                n["names"].add(name.lower())
            return node_id
        svc = ids.service_id(node_id.split(":", 1)[1], transport, port)
        self.node(svc, evidence)
        return svc

    def database_for(self, host_name: str, engine: str, port: int | None, database: str,
                     evidence: str) -> str:
        engine = ENGINE_ALIASES.get(engine.lower(), engine.lower())
        port = port or DEFAULT_PORT.get(engine, 0)
        host_node = self.identity.node_for_name(host_name)
        if host_node.startswith("ext:"):
            self.node(host_node, evidence)
            return host_node
        db = ids.database_id(engine, host_node.split(":", 1)[1], port, database)
        self.node(db, evidence)
        return db

    # -- observations -------------------------------------------------------------------
    def build(self) -> nx.MultiDiGraph:
        by_kind: dict[str, list[Observation]] = defaultdict(list)
        for o in self.obs:
            by_kind[o.kind].append(o)
        for o in by_kind["host"]:
            self._host(o)
        for o in by_kind["process"]:
            self._process(o)
        for o in by_kind["os_guess"]:
            n = self.node(self.address_node(o.data["ip"], o.id), o.id)
            if n["kind"] == "host":
                n["nmap_os"] = n["nmap_os"] or o.data.get("name")
                if o.data.get("device_type") in ("router", "switch", "firewall", "WAP"):
                    n["device_class"] = n["device_class"] or "network"
        for o in by_kind["listen"]:
            self._listen(o)
        for o in by_kind["service"]:
            self._service(o)
        for o in by_kind["flow"]:
            self._flow(o)
        for o in by_kind["connection"]:
            self._connection(o)
        for o in by_kind["protocol"]:
            self._protocol(o)
        for o in by_kind["db_schema"]:
            self._schema(o)
        for o in by_kind["db_link"]:
            self._db_link(o)
        for o in by_kind["config_ref"]:
            self._config_ref(o)
        add_storage(self, by_kind["host"], by_kind["mount"])     # volumes, serves, mounts
        return self._finish()

    def _host(self, o: Observation) -> None:
        d = o.data
        name = self.identity._short(d["hostname"]) if d.get("hostname") else None
        if name is None:
            for a in d.get("addresses", []):
                self.address_node(a, o.id)
            return
        n = self.node(ids.host_id(name), o.id)
        n["addresses"].update(d.get("addresses", []))
        n["packages"].update(d.get("packages", []))
        for key in ("fqdn", "os", "os_version", "memory_bytes", "disk_used_bytes"):
            if d.get(key) is not None and n.get(key) is None:
                n[key] = d[key]
        if o.evidence.collector == "agent-inventory":
            n["agent"] = True
            n["device_class"] = d.get("device_class") or "server"
        elif d.get("device_class") and not n["device_class"]:
            n["device_class"] = d["device_class"]

    def _process(self, o: Observation) -> None:
        n = self.node(ids.host_id(self.identity._short(o.data["hostname"])), o.id)
        if o.data.get("name"):
            n["processes"].add(o.data["name"])

    def _listen(self, o: Observation) -> None:
        d = o.data
        if d["ip"].startswith("127.") or d["ip"] == "::1":
            return
        host = self.identity._short(d["hostname"])
        svc = ids.service_id(host, d["transport"], d["port"])
        n = self.node(svc, o.id)
        if d.get("process"):
            n["process"] = n["process"] or d["process"]

    def _service(self, o: Observation) -> None:
        d = o.data
        if d.get("state", "open") != "open":
            return
        svc = self.service_for(d["ip"], d["transport"], d["port"], o.id)
        n = self.nodes[svc]
        if n["kind"] != "service":
            return
        for key, attr in (("name", "nmap_name"), ("product", "product"), ("version", "version")):
            if d.get(key) and not n[attr]:
                n[attr] = d[key]

    def _flow(self, o: Observation) -> None:
        d = o.data
        client = self.address_node(d["client_ip"], o.id)
        server = self.service_for(d["server_ip"], d["transport"], d["server_port"], o.id)
        e = self._flow_edge(client, server, d["server_port"], d["transport"], o)
        e["bytes"] += d.get("bytes_to_server", 0) + d.get("bytes_to_client", 0)
        e["packets"] += d.get("packets_to_server", 0) + d.get("packets_to_client", 0)
        e["connections"] += d.get("connections", 0)
        self._times(e, d.get("first_seen"), d.get("last_seen"))

    def _connection(self, o: Observation) -> None:
        d = o.data
        client = self.address_node(d["client_ip"], o.id)
        server = self.service_for(d["server_ip"], d["transport"], d["server_port"], o.id)
        e = self._flow_edge(client, server, d["server_port"], d["transport"], o)
        self._times(e, d.get("first_seen"), d.get("last_seen"))
        if d.get("process"):
            if d.get("local_role") == "server" and server in self.nodes and \
                    self.nodes[server]["kind"] == "service":
                self.nodes[server]["process"] = self.nodes[server]["process"] or d["process"]
            elif d.get("local_role") == "client":
                e["client_processes"].add(d["process"])

    def _flow_edge(self, client: str, server: str, port: int, transport: str,
                   o: Observation) -> dict:
        e = self.edge(client, server, "flow", o.id)
        if "bytes" not in e:
            e.update(port=port, transport=transport, bytes=0, packets=0, connections=0,
                     first_seen=None, last_seen=None, facts=defaultdict(set), sources=set(),
                     protocols=set(), client_processes=set())
        e["sources"].add(o.evidence.collector)
        return e

    @staticmethod
    def _times(e: dict, first: str | None, last: str | None) -> None:
        if first and (e["first_seen"] is None or first < e["first_seen"]):
            e["first_seen"] = first
        if last and (e["last_seen"] is None or last > e["last_seen"]):
            e["last_seen"] = last

    def _protocol(self, o: Observation) -> None:
        d = o.data
        client = self.address_node(d["client_ip"], o.id)
        server = self.service_for(d["server_ip"], d["transport"], d["server_port"], o.id)
        facts = _facts_as_lists(d["protocol"], d.get("facts", {}))
        e = self._flow_edge(client, server, d["server_port"], d["transport"], o)
        e["protocols"].add(d["protocol"])
        for k, v in facts.items():
            e["facts"][k].update(v)
        n = self.nodes[server]
        if n["kind"] == "service":
            n["protocols"].add(d["protocol"])
            for k, v in facts.items():
                n["facts"][k].update(v)
            if d["protocol"] in ("postgresql", "mysql") and d.get("facts", {}).get("database"):
                host = n["host"].split(":", 1)[1]
                self.database_for(host, d["protocol"], n["port"], d["facts"]["database"], o.id)
        elif n["kind"] == "endpoint":
            sni = d.get("facts", {}).get("sni")
            if sni:
                n["names"].add(sni.lower())

    def _schema(self, o: Observation) -> None:
        d = o.data
        db = self.database_for(d["host"], d["engine"], d.get("port"), d["database"], o.id)
        n = self.nodes[db]
        if n["kind"] != "database":
            return
        table_rows = n.setdefault("table_rows", {})
        for t in d.get("tables", []):
            table = f"{t.get('schema') or 'public'}.{t['name']}".lower()
            n["tables"].add(table)
            n["columns"].update(c.lower() for c in t.get("columns", []))
            if t.get("rows") is not None:   # two dumps of one table: the larger count
                table_rows[table] = max(table_rows.get(table, 0), t["rows"])
            for entry in t.get("samples", ()):  # opt-in sampling: validator ids that matched
                _col, validator, counts = entry.rsplit(":", 2)
                matched, _, sampled = counts.partition("/")
                if matched.isdigit() and sampled.isdigit() and 2 * int(matched) >= int(sampled) > 0:
                    n.setdefault("value_kinds", set()).add(validator)
        if table_rows:
            n["rows"] = sum(table_rows.values())
        if d.get("bytes") is not None:
            n["bytes"] = max(n["bytes"] or 0, d["bytes"])

    def _db_link(self, o: Observation) -> None:
        d = o.data
        src = self.database_for(d["source_host"], d["source_engine"], d.get("source_port"),
                                d["source_database"], o.id)
        dst = self.database_for(d["target_host"], d.get("target_engine") or d["source_engine"],
                                d.get("target_port"), d.get("target_database") or "", o.id)
        e = self.edge(src, dst, "db_link", o.id)
        e.setdefault("mechanisms", set()).add(d["mechanism"])
        e.setdefault("objects", set())
        if d.get("object"):
            e["objects"].add(d["object"])

    def _config_ref(self, o: Observation) -> None:
        d = o.data
        owner = ids.host_id(self.identity._short(d["host"]))
        self.node(owner, o.id)
        scheme = (d.get("scheme") or "tcp").lower()
        engine = ENGINE_ALIASES.get(scheme)
        port = d.get("target_port") or DEFAULT_PORT.get(engine or scheme, 0)
        if engine and d.get("target_database"):
            target = self.database_for(d["target_host"], engine, port, d["target_database"], o.id)
        else:
            target = self.name_service(d["target_host"], "tcp", port, o.id)
            n = self.nodes[target]
            proto = ENGINE_PROTOCOL.get(engine) if engine else SCHEME_PROTOCOL.get(scheme)
            if n["kind"] == "service" and proto:
                n["implied_protocol"] = n.get("implied_protocol") or proto
        e = self.edge(owner, target, "config_ref", o.id)
        e.setdefault("scheme", scheme)
        e.setdefault("keys", set()).add(d.get("key") or "")
        e.setdefault("applications", set())
        if d.get("application"):
            e["applications"].add(d["application"])

    # -- output -----------------------------------------------------------------------
    def _site(self, node_id: str) -> str | None:
        n = self.nodes.get(node_id)
        if n is None:
            return None
        if n["kind"] == "service":
            n = self.nodes.get(n["host"]) or {}
        return n.get("site") if n.get("kind") == "host" else None

    def _inter_site(self, src: str, dst: str) -> bool:
        """Both ends are hosts on declared sites, and the sites differ."""
        a, b = self._site(src), self._site(dst)
        return a is not None and b is not None and a != b

    def _finish(self) -> nx.MultiDiGraph:
        g = self.g
        for node_id in sorted(self.nodes):
            n = self.nodes[node_id]
            attrs = {}
            if n["kind"] == "service":
                protos = n.pop("protocols")
                implied = n.pop("implied_protocol", None)
                ranked = [p for p in PROTOCOL_PRECEDENCE if p in protos]
                protocol = ranked[0] if ranked else (sorted(protos)[0] if protos else None)
                if protocol is None:
                    protocol = implied or NMAP_PROTOCOL.get(n.get("nmap_name") or "", "unknown")
                n["protocol"] = protocol
            n.pop("table_rows", None)
            if n["kind"] == "host":
                site = None
                for a in sorted(n["addresses"]):
                    site = site or self.config.site_of(a)
                n["site"] = site
                n["device_class"] = n["device_class"] or "unknown"
            for k, v in n.items():
                attrs[k] = _plain(v)
            g.add_node(node_id, **attrs)
        for key in sorted(self.edges, key=lambda k: (k[0], k[1], k[2], repr(k[3:]))):
            e = self.edges[key]
            src, dst, kind = key[:3]
            attrs = {k: _plain(v) for k, v in e.items()}
            if kind == "flow":
                protos = attrs.pop("protocols")
                ranked = [p for p in PROTOCOL_PRECEDENCE if p in protos]
                target = self.nodes[dst]
                attrs["protocol"] = (ranked[0] if ranked else
                                     target.get("protocol") if target["kind"] == "service"
                                     else "unknown")
                if self._inter_site(src, dst):
                    attrs["inter_site"] = True
            g.add_edge(src, dst, key=kind, **attrs)
        g.graph["identity_conflicts"] = self.identity.conflicts
        return g


def _plain(value):
    """Sets become sorted lists and nested dicts sorted, so output is deterministic."""
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    return value


def build_graph(observations, config: EstateConfig) -> nx.MultiDiGraph:
    """Merge observations into the dependency graph (see module docstring)."""
    unique = {o.id: o for o in observations}        # the same fact twice counts once
    return _Builder(config, [unique[k] for k in sorted(unique)]).build()
