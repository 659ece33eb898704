"""Hand-built graphs and tiny packs for the classification tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import networkx as nx

PACK_HEAD = """\
schema: hdscan-rules/1
pack: test-pack
version: 2026.1
dimensions:
  role: {values: [PACS, modality, DPI, DPI-DB, EAI, directory, unknown], resolve: union, default: []}
  data_class: {values: [none, personal, health], resolve: max}
  care_tier: {values: [4, 3, 2, 1], resolve: max}
  exposure: {values: [none, extraterritorial_cloud], resolve: max, default: none}
lists:
  cloud: [core.windows.net, amazonaws.com]
"""


def write_pack(root: Path, rules: dict, head: str = PACK_HEAD, extra: str = "") -> Path:
    """A pack folder with pack.yml and ``rules`` = {"roles/x.yml": yaml text}."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yml").write_text(head + textwrap.dedent(extra), encoding="utf-8")
    for rel, text in rules.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def rule_text(rid: str, applies: str, match: str, set_: str, condition: str | None = None,
              because: str = "matched") -> str:
    cond = f"condition: {condition}\n" if condition else ""
    return (f"id: {rid}\nversion: 1\ntitle: t\nstatus: test\napplies_to: {applies}\n"
            f"match:\n{textwrap.indent(textwrap.dedent(match).strip(), '  ')}\n{cond}"
            f"set: {set_}\nconfidence: high\nbecause: {because}\nreferences: [x]\n")


class G:
    """Builds a dependency graph by the docs/architecture.md contract."""

    def __init__(self):
        self.g = nx.MultiDiGraph()

    def host(self, name, **attrs):
        hid = f"host:{name}"
        base = dict(kind="host", name=name, fqdn=None, addresses=[], os=None, os_version=None,
                    device_class="server", agent=False, processes=[], packages=[],
                    memory_bytes=None, disk_used_bytes=None, site=None, nmap_os=None,
                    evidence=[f"obs:{name}"])
        base.update(attrs)
        self.g.add_node(hid, **base)
        return hid

    def service(self, host, port, protocol="unknown", transport="tcp", facts=None, **attrs):
        sid = f"svc:{host}:{transport}/{port}"
        base = dict(kind="service", host=f"host:{host}", port=port, transport=transport,
                    protocol=protocol, nmap_name=None, product=None, version=None, process=None,
                    facts=facts or {}, evidence=[f"obs:{host}-{port}"])
        base.update(attrs)
        self.g.add_node(sid, **base)
        self.g.add_edge(f"host:{host}", sid, key="runs", kind="runs", evidence=[])
        return sid

    def database(self, host, port, name, engine="postgresql", tables=(), columns=(), **attrs):
        did = f"db:{engine}://{host}:{port}/{name}"
        sid = f"svc:{host}:tcp/{port}"
        base = dict(kind="database", host=f"host:{host}", service=sid, engine=engine, name=name,
                    tables=sorted(tables), columns=sorted(columns), rows=None, bytes=None,
                    evidence=[f"obs:db-{name}"])
        base.update(attrs)
        self.g.add_node(did, **base)
        self.g.add_edge(sid, did, key="hosts", kind="hosts", evidence=[])
        return did

    def endpoint(self, name, names=(), addresses=()):
        eid = f"ext:{name}"
        self.g.add_node(eid, kind="endpoint", name=name, names=sorted(names),
                        addresses=sorted(addresses), evidence=[f"obs:ext-{name}"])
        return eid

    def flow(self, client, target, protocol="unknown", port=0, facts=None, ev=None):
        self.g.add_edge(f"host:{client}", target, key="flow", kind="flow", port=port,
                        transport="tcp", protocol=protocol, bytes=1, packets=1, connections=1,
                        first_seen=None, last_seen=None, facts=facts or {}, sources=["test"],
                        evidence=[ev or f"obs:flow-{client}-{target}"])

    def db_link(self, source, target):
        self.g.add_edge(source, target, key="db_link", kind="db_link", mechanism="postgres_fdw",
                        objects=[], evidence=[f"obs:link-{source}"])
