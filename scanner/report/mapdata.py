"""Owns the data of the interactive map: nodes with their tags and evidence, edges, clusters.

``map_data`` turns the graph, tags, plan and the evidence index (``meta["evidence"]``, see
``scanner.report.evidence``) into one JSON-ready dict that ``reports/map.js`` draws on a
canvas; ``script_json`` makes it safe inside ``<script type="application/json">``.
Everything comes from inputs that were already redacted when ``--redact`` is on, so the
map carries no name the rest of the report does not.  Strings that repeat (rule ids,
reasons, evidence sources) are stored once in ``strings`` and referred to by index, which
keeps a 5,000-server map to a few megabytes.
"""

from __future__ import annotations

import json

from . import model
from .dot import main_role
from .i18n import value_label
from .layout import layout

EVIDENCE_PER_TAG = 3
EDGE_KINDS = ["flow", "db_link", "config_ref"]
# catalogue keys the script shows (its only words)
JS_KEYS = ["map_shown", "map_panel_hint", "map_evidence", "map_more_evidence", "map_no_evidence", "colon",
           "site", "map_application", "addresses", "roles", "data_class", "care_tier", "hosting", "wave",
           "group", "exposure", "rules"]


class _Strings:
    def __init__(self):
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, text) -> int:
        text = "" if text is None else str(text)
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]


def _resolved(tags: dict, entity: str) -> dict:
    return (tags.get("resolved", {}) or {}).get(entity, {}) or {}


def _wave_key(place: dict) -> str:
    """A node's value for the wave filter: its wave number, ``stay`` or ``-`` (not planned)."""
    if place.get("wave") is not None:
        return str(place["wave"])
    if place.get("stays") is not None:
        return "stay"
    return "-"


def map_data(g, tags: dict, plan: dict, meta: dict, text: dict, lang: str) -> dict:
    """The interactive map's document (JSON-ready, deterministic)."""
    strings = _Strings()
    evidence = meta.get("evidence", {}) or {}
    hosts = model.host_ids(g)
    exts = model.endpoint_ids(g)
    where = model.placement(plan)
    by_entity: dict[str, list[dict]] = {}
    for t in tags.get("tags", []) or []:
        by_entity.setdefault(str(t.get("entity")), []).append(t)
    related: dict[str, set[str]] = {}
    for entity in by_entity:
        if entity.startswith(("svc:", "db:")):
            host = model.owner(g, entity)
            if host:
                related.setdefault(host, set()).add(entity)

    clusters: dict[str, dict[str, list[str]]] = {}
    app_of = {}
    for h in hosts:
        site = str(g.nodes[h].get("site") or text["site_none"])
        app_of[h] = main_role(tags, h)
        clusters.setdefault(site, {}).setdefault(app_of[h], []).append(h)
    for e in exts:
        app_of[e] = text["external"]
        clusters.setdefault(" " + text["external"], {}).setdefault(app_of[e], []).append(e)
    positions, boxes = layout(clusters)
    for b in boxes:
        b["label"] = b["label"].strip()
        if "site" in b:
            b["site"] = b["site"].strip()

    def tag_rows(node):
        rows = []
        own = [t for e in sorted({node} | related.get(node, set())) for t in by_entity.get(e, [])]
        for t in sorted(own, key=lambda t: (str(t.get("dimension")), str(t.get("entity")), str(t.get("rule")),
                                            str(t.get("value")))):
            ev_ids = [str(x) for x in t.get("evidence", []) or []]
            shown = []
            for ev in ev_ids[:EVIDENCE_PER_TAG]:
                e = evidence.get(ev) or {}
                shown.append([strings(ev), strings(e.get("source")), strings(e.get("location")),
                              strings(e.get("collector"))])
            value = t.get("value")
            rows.append([strings(t.get("dimension")),
                         strings(", ".join(map(str, value)) if isinstance(value, list) else value),
                         strings(t.get("rule")), strings(t.get("because")),
                         strings("" if t.get("entity") == node else t.get("entity")),
                         shown, max(0, len(ev_ids) - EVIDENCE_PER_TAG)])
        return rows

    nodes = []
    index = {}
    for n in hosts + exts:
        data = g.nodes[n]
        r = _resolved(tags, n)
        place = where.get(n, {})
        tier = str(r["care_tier"]) if r.get("care_tier") in (1, 2, 3, 4) else "?"
        roles = r.get("role") or []
        index[n] = len(nodes)
        x, y = positions[n]
        nodes.append({
            "id": n, "name": str(data.get("name") or n.split(":", 1)[-1]),
            "kind": "host" if data.get("kind") == "host" else "endpoint",
            "site": strings(data.get("site") or "") if data.get("kind") == "host" else strings(""),
            "app": strings(app_of[n]),
            "cls": str(r.get("data_class") or "unknown"), "tier": tier,
            "wave": _wave_key(place), "group": str(place.get("group") or ""),
            "hosting": strings(value_label(lang, "hosting", r.get("hosting"))),
            "exposure": str(r.get("exposure") or ""),
            "xl": strings(value_label(lang, "exposure", r.get("exposure")) if r.get("exposure") else ""),
            "roles": sorted(str(x) for x in (roles if isinstance(roles, list) else [roles])),
            "addresses": sorted(str(a) for a in data.get("addresses", []) or []),
            "x": x, "y": y, "tags": tag_rows(n),
        })
    edges = []
    for e in model.host_edges(g):
        if e["source"] in index and e["target"] in index:
            edges.append([index[e["source"]], index[e["target"]], EDGE_KINDS.index(e["kind"])])
    wave_numbers = sorted({int(n["wave"]) for n in nodes if n["wave"] not in ("-", "stay")})
    # the site filter (only with two declared sites or more): its value is the node's site,
    # "" for external endpoints and hosts outside every declared site
    sites = sorted({strings.items[n["site"]] for n in nodes} - {""})
    site_filter = [[x, x] for x in sites] + [["", text["site_none"]]] if len(sites) > 1 else []
    filters = {
        "cls": [[c, value_label(lang, "data_class", None if c == "unknown" else c)]
                for c in ("health", "personal", "none", "unknown")],
        "tier": [[str(t), value_label(lang, "care_tier", t)] for t in (1, 2, 3, 4)]
        + [["?", text["unknown"]]],
        "role": [[r, r] for r in sorted({r for n in nodes for r in n["roles"]})],
        "wave": [[str(w), f"{text['wave']} {w}"] for w in wave_numbers]
        + [["stay", text["stays_cluster"]], ["-", text["unplanned"]]],
        "site": site_filter,
    }
    return {"t": {k: text[k] for k in JS_KEYS}, "strings": strings.items, "nodes": nodes, "edges": edges,
            "boxes": boxes, "filters": filters, "edge_kinds": EDGE_KINDS}


def script_json(document: dict) -> str:
    """``document`` as compact JSON that cannot end its ``<script>`` element early:
    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes (``</script>``, ``<!--``)."""
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
