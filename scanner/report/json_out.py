"""Owns ``export/hdscan.json`` (schema ``hdscan-export/1``): the whole classified estate and
its plan in one sorted, deterministic JSON document for other tools.

Fields are documented in ``docs/json-export.md`` and described by
``reports/hdscan-export.schema.json``.  Nothing is decided here: nodes and edges are the
graph's, ``tags``/``findings`` are ``tags.json``'s, ``groups``/``stays``/``external``/
``waves`` (with their ``transfer`` and ``checklist``)/``hybrid_flows``/``firewall`` are
``plan.json``'s, each only sorted.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..fileio import dumps_records, write_atomic

SCHEMA = "hdscan-export/1"


_SCALARS = (str, int, float, bool, type(None))


def _plain(value):
    """JSON-ready copy: sets and tuples become lists (sets sorted), dict keys text."""
    if type(value) in _SCALARS:                 # most of the millions of calls at scale
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def export(g, tags: dict, plan: dict, meta: dict) -> dict:
    """The export document as a dict (nothing written)."""
    resolved = tags.get("resolved", {}) or {}
    nodes = []
    for node, attrs in sorted(g.nodes(data=True), key=lambda item: item[0]):
        item = {"id": node, "kind": attrs.get("kind")}
        item |= {k: _plain(v) for k, v in attrs.items() if k not in ("id", "kind", "tags")}
        item["tags"] = _plain(resolved.get(node, {}) or {})
        nodes.append(item)
    edges = []
    for u, v, key, attrs in g.edges(keys=True, data=True):
        item = {"source": u, "target": v, "kind": attrs.get("kind", key)}
        item |= {k: _plain(x) for k, x in attrs.items() if k not in ("source", "target", "kind")}
        edges.append(item)
    edges.sort(key=lambda e: (e["source"], e["target"], str(e["kind"]), _key(e)))
    tag_list = sorted((_plain(t) for t in tags.get("tags", []) or []),
                      key=lambda t: (str(t.get("entity")), str(t.get("dimension")), str(t.get("rule")),
                                     _key(t)))
    findings = sorted((_plain(f) for f in tags.get("findings", []) or []),
                      key=lambda f: (str(f.get("id")), _key(f)))
    groups = sorted((_plain(x) for x in plan.get("groups", []) or []), key=lambda x: (str(x.get("id")), _key(x)))
    stays = sorted((_plain(x) for x in plan.get("stays", []) or []), key=lambda x: (str(x.get("host")), _key(x)))
    external = sorted((_plain(x) for x in plan.get("external", []) or []),
                      key=lambda x: (str(x.get("endpoint")), _key(x)))
    waves = sorted((_plain(x) for x in plan.get("waves", []) or []),
                   key=lambda w: (w.get("number") is None, w.get("number") or 0, _key(w)))
    flows = sorted((_plain(x) for x in plan.get("hybrid_flows", []) or []),
                   key=lambda f: (str(f.get("source")), str(f.get("destination")), str(f.get("port")),
                                  str(f.get("protocol")), _key(f)))
    fw = plan.get("firewall")
    rules = fw.get("rules") if isinstance(fw, dict) else fw
    firewall = sorted((_plain(x) for x in rules or [] if isinstance(x, dict)),
                      key=lambda f: (str(f.get("source")), str(f.get("destination")), str(f.get("port")),
                                     str(f.get("protocol")), _key(f)))
    return {
        "schema": SCHEMA,
        "meta": _plain({"estate": meta.get("estate"), "hdscan_version": meta.get("hdscan_version"),
                        "store_fingerprint": meta.get("store_fingerprint"),
                        "packs": sorted(tags.get("packs", []) or []),
                        "inputs": sorted(meta.get("inputs", []) or [],
                                         key=lambda i: (str(i.get("source")), str(i.get("collector")))),
                        "observations": dict(sorted((meta.get("observations", {}) or {}).items()))}),
        "nodes": nodes,
        "edges": edges,
        "tags": tag_list,
        "findings": findings,
        "groups": groups,
        "stays": stays,
        "external": external,
        "waves": waves,
        "hybrid_flows": flows,
        "firewall": firewall,
    }


def dumps(document: dict) -> str:
    """Text form: keys sorted, one node, edge, tag… per line (``fileio.dumps_records``: the
    C encoder; ``indent`` took 6 s at 5,000 servers), UTF-8 kept, trailing newline."""
    return dumps_records(document, sort_keys=True)


def write_json_export(path: Path, g, tags: dict, plan: dict, meta: dict) -> None:
    """Write the export to ``path`` atomically (the previous file survives a failure)."""
    write_atomic(Path(path), dumps(export(g, tags, plan, meta)))
