"""Owns the report's per-site view: one summary per declared site and the site × site matrix.

``site_view`` reads the graph, the tags and the plan and gives, for every site of
``estate.yml`` that holds hosts (and a "site unknown" bucket for hosts in no declared
subnet, when there are any), its hosts by data class × care tier, its required hosting,
its extraterritorial exposure findings (a finding counts for the site of the host that
carries it, or of the service's or database's host), the plan waves that move or
replicate at least one of its hosts (count, first, last), and the flows between sites:
the graph's ``inter_site`` flow edges (both ends on two different declared sites, see
``scanner.graph.build``), aggregated per (client site, server site) with their number,
connections, bytes and protocols.  Hosts, servers, hosts with health data and flows out
come from ``pipeline.site_summary``, the figures ``hdscan run`` prints, so the report and
the run summary cannot disagree.  JSON-ready, deterministic, no words of its own: labels
come from ``i18n``.
"""

from __future__ import annotations

from ..pipeline import site_summary
from . import model
from .i18n import catalogue, value_label

NO_SITE = "no site"   # pipeline.site_summary's key for hosts outside every declared site


def _site_of_hosts(g) -> dict[str, str | None]:
    return {h: g.nodes[h].get("site") or None for h in model.host_ids(g)}


def inter_site_flows(g) -> dict[tuple[str, str], dict]:
    """(client site, server site) → {flows, connections, bytes, protocols} over the graph's
    ``inter_site`` flow edges."""
    sites = _site_of_hosts(g)
    cells: dict[tuple[str, str], dict] = {}
    for u, v, attrs in g.edges(data=True):
        if attrs.get("kind") != "flow" or not attrs.get("inter_site"):
            continue
        a, b = sites.get(model.owner(g, u) or ""), sites.get(model.owner(g, v) or "")
        if a is None or b is None or a == b:
            continue
        cell = cells.setdefault((a, b), {"flows": 0, "connections": 0, "bytes": 0, "protocols": set()})
        cell["flows"] += 1
        for k in ("connections", "bytes"):
            n = attrs.get(k)
            if isinstance(n, int) and not isinstance(n, bool):
                cell[k] += n
        cell["protocols"].add(str(attrs.get("protocol") or "unknown"))
    return cells


def site_view(g, tags: dict, plan: dict, lang: str) -> dict:
    """``{"count", "single", "sites": [...], "matrix": {...}}``; ``sites`` and ``matrix``
    are empty when the estate declares fewer than two sites (``single`` is then the one
    site's id, or "" when no host is on a declared site)."""
    words = catalogue(lang)
    where = _site_of_hosts(g)
    declared = sorted({s for s in where.values() if s is not None})
    if len(declared) < 2:
        return {"count": len(declared), "single": declared[0] if declared else "",
                "sites": [], "tiers": [], "matrix": {"sites": [], "rows": []}}
    keys: list[str | None] = declared + ([None] if None in where.values() else [])
    label = {s: (s if s is not None else words["site_none"]) for s in keys}
    resolved = tags.get("resolved", {}) or {}
    run = site_summary(g, tags)
    figures = {s: run.get(s if s is not None else NO_SITE, {}) for s in keys}

    matrix = {s: {(c, t): 0 for c in model.DATA_CLASSES for t in model.TIERS} for s in keys}
    hosting = {s: {h: 0 for h in model.HOSTINGS} for s in keys}
    for h, s in where.items():
        r = resolved.get(h, {}) or {}
        c = r.get("data_class") if r.get("data_class") in model.DATA_CLASSES else None
        t = r.get("care_tier") if r.get("care_tier") in model.TIERS else None
        matrix[s][(c, t)] += 1
        hs = r.get("hosting") if r.get("hosting") in model.HOSTINGS else None
        hosting[s][hs] += 1

    exposure: dict[str | None, list[dict]] = {s: [] for s in keys}
    for f in model.findings(tags, lang):
        if f["dimension"] != "exposure":
            continue
        host = model.owner(g, f["entity"]) if f["entity"] in g else None
        if host in where:
            exposure[where[host]].append({"entity": f["entity"], "title": f["title"]})

    waves: dict[str | None, list[int]] = {s: [] for s in keys}
    for w in model.waves(plan):
        n = w.get("number")
        if not isinstance(n, int) or isinstance(n, bool):
            continue
        for s in {where[h] for h in w.get("hosts", []) or [] if h in where}:
            waves[s].append(n)

    flows = inter_site_flows(g)
    out_sites = []
    for s in keys:
        nums = sorted(set(waves[s]))
        out_sites.append({
            "id": label[s], "declared": s is not None,
            "hosts": figures[s].get("hosts", 0), "servers": figures[s].get("servers", 0),
            "health_data": figures[s].get("health_data", 0),
            "flows_out": figures[s].get("inter_site_flows_out", 0),
            "flows_in": sum(c["flows"] for (a, b), c in flows.items() if b == s),
            "class_rows": [{"label": value_label(lang, "data_class", c),
                            "cells": [matrix[s][(c, t)] for t in model.TIERS],
                            "total": sum(matrix[s][(c, t)] for t in model.TIERS)}
                           for c in model.DATA_CLASSES],
            "tier_totals": [sum(matrix[s][(c, t)] for c in model.DATA_CLASSES) for t in model.TIERS],
            "hosting": [{"label": value_label(lang, "hosting", h), "count": hosting[s][h]}
                        for h in model.HOSTINGS],
            "exposure": exposure[s],
            "waves": len(nums), "first_wave": nums[0] if nums else None,
            "last_wave": nums[-1] if nums else None,
        })
    rows = []
    for a in declared:
        cells = []
        for b in declared:
            c = flows.get((a, b))
            cells.append(None if c is None else {
                "flows": c["flows"], "connections": c["connections"], "bytes": c["bytes"],
                "volume": model.human_bytes(c["bytes"], lang), "protocols": sorted(c["protocols"])})
        rows.append({"site": a, "cells": cells})
    return {"count": len(declared), "single": "", "sites": out_sites,
            "tiers": [value_label(lang, "care_tier", t) for t in model.TIERS],
            "matrix": {"sites": declared, "rows": rows}}
