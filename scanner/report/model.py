"""Owns the report's view of an estate: graph + tags + plan + meta turned into sorted rows.

Render only, never decide: every figure here is read from the graph, ``tags.json`` and
``plan.json`` as they are; this module only projects (a service's flow becomes a flow
between two hosts), counts and sorts.  The plan is read with ``.get()`` throughout, so a
plan missing a section shows an empty table rather than failing.
"""

from __future__ import annotations

import bisect

from ..model import ids
from .i18n import catalogue, value_label

DATA_CLASSES = ["health", "personal", "none", None]
TIERS = [1, 2, 3, 4, None]
HOSTINGS = ["secnumcloud", "hds", "any", None]
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def host_ids(g) -> list[str]:
    return sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "host")


def endpoint_ids(g) -> list[str]:
    return sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "endpoint")


def owner(g, node: str) -> str | None:
    """The host (or endpoint) a node stands for on a host-level map."""
    data = g.nodes[node] if node in g else {}
    kind = data.get("kind")
    if kind in ("host", "endpoint"):
        return node
    if data.get("host"):
        return data["host"]
    try:
        return ids.host_of(node)
    except ValueError:
        return None


def _flow_label(attrs: dict) -> str:
    proto = attrs.get("protocol") or "unknown"
    port = attrs.get("port")
    return f"{proto}/{port}" if port is not None else str(proto)


def host_edges(g) -> list[dict]:
    """Dependencies between hosts (and endpoints), one per (source, target, kind).

    ``flow`` and ``config_ref`` edges run from the client host to the host of the service
    or database; ``db_link`` edges from the host of the reading database to the host of the
    read one.  ``labels`` are the sorted ``protocol/port`` (flows), mechanisms (links) or
    schemes (config references) merged into the edge.
    """
    merged: dict[tuple[str, str, str], set[str]] = {}
    for u, v, key, attrs in g.edges(keys=True, data=True):
        kind = attrs.get("kind", key)
        if kind not in ("flow", "config_ref", "db_link"):
            continue
        src, dst = owner(g, u), owner(g, v)
        if not src or not dst or src == dst:
            continue
        if kind == "flow":
            label = _flow_label(attrs)
        elif kind == "db_link":
            mech = attrs.get("mechanism") or attrs.get("mechanisms") or []
            label = ", ".join(sorted(mech)) if isinstance(mech, list) else str(mech)
        else:
            label = str(attrs.get("scheme") or "")
        merged.setdefault((src, dst, kind), set()).add(label)
    return [{"source": s, "target": t, "kind": k, "labels": sorted(x for x in merged[(s, t, k)] if x)}
            for s, t, k in sorted(merged)]


def placement(plan: dict) -> dict[str, dict]:
    """host id → {group, wave (number), wave_name, stays (reason or None)} from the plan."""
    where: dict[str, dict] = {}

    def slot(h):
        return where.setdefault(h, {"group": None, "wave": None, "wave_name": None, "stays": None})

    for group in plan.get("groups", []) or []:
        for h in group.get("hosts", []) or []:
            slot(h)["group"] = group.get("id")
    for wave in plan.get("waves", []) or []:
        for h in wave.get("hosts", []) or []:
            slot(h)["wave"] = wave.get("number")
            slot(h)["wave_name"] = wave.get("name")
    for stay in plan.get("stays", []) or []:
        if stay.get("host"):
            slot(stay["host"])["stays"] = stay.get("reason") or ""
    return where


def waves(plan: dict) -> list[dict]:
    """The plan's waves in order of their number."""
    return sorted(plan.get("waves", []) or [], key=lambda w: (w.get("number") is None, w.get("number") or 0,
                                                                str(w.get("id"))))


def human_bytes(n, lang: str) -> str:
    if n is None:
        return "–"
    words = catalogue(lang)
    units = words["byte_units"].split()
    value, unit = float(n), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    text = f"{int(value)}" if unit == 0 else f"{value:.1f}".replace(".", words["decimal_mark"])
    return f"{text} {units[unit]}"


def human_rate(mbps, lang: str) -> str:
    """An average rate given in Mbit/s, in the unit that reads best (bit/s … Gbit/s)."""
    words = catalogue(lang)
    bits = float(mbps) * 1e6
    if bits < 1:
        return words["rate_below_one"]
    units = ("bit/s", "kbit/s", "Mbit/s", "Gbit/s")
    unit = 0
    while bits >= 1000 and unit < len(units) - 1:
        bits, unit = bits / 1000, unit + 1
    return f"{bits:.3g} {units[unit]}".replace(".", words["decimal_mark"])


def _related_by_host(g, resolved: dict) -> dict[str, set[str]]:
    """host → the services and databases it owns (among the classified entities), in one pass."""
    found: dict[str, set[str]] = {}
    for entity in resolved:
        if entity.startswith(("svc:", "db:")):
            host = owner(g, entity)
            if host:
                found.setdefault(host, set()).add(entity)
    return found


def _tag_key(t: dict):
    return (str(t.get("entity")), str(t.get("dimension")), str(t.get("rule")), str(t.get("value")))


def summary(g, tags: dict, plan: dict, lang: str) -> dict:
    resolved = tags.get("resolved", {}) or {}
    hosts = host_ids(g)
    matrix = {(c, t): 0 for c in DATA_CLASSES for t in TIERS}
    hosting = {h: 0 for h in HOSTINGS}
    for h in hosts:
        r = resolved.get(h, {}) or {}
        c = r.get("data_class") if r.get("data_class") in DATA_CLASSES else None
        t = r.get("care_tier") if r.get("care_tier") in TIERS else None
        matrix[(c, t)] += 1
        hs = r.get("hosting") if r.get("hosting") in HOSTINGS else None
        hosting[hs] += 1
    rows = []
    for c in DATA_CLASSES:
        cells = [matrix[(c, t)] for t in TIERS]
        rows.append({"label": value_label(lang, "data_class", c), "cells": cells, "total": sum(cells)})
    exposure = [f for f in findings(tags, lang) if f["dimension"] == "exposure"]
    return {
        "hosts": len(hosts),
        "tiers": [value_label(lang, "care_tier", t) for t in TIERS],
        "class_rows": rows,
        "tier_totals": [sum(matrix[(c, t)] for c in DATA_CLASSES) for t in TIERS],
        "hosting": [{"label": value_label(lang, "hosting", h), "count": hosting[h]} for h in HOSTINGS],
        "exposure_findings": exposure,
        "findings": len(tags.get("findings", []) or []),
        "waves": len(plan.get("waves", []) or []),
        "hybrid_flows": len(plan.get("hybrid_flows", []) or []),
        **plan_figures(plan, lang),
    }


def plan_figures(plan: dict, lang: str) -> dict:
    """The planner's own figures, when it wrote them: firewall rules, waves needing a
    pre-seed, the hybrid cost and which solver made the plan (with its bound and gap)."""
    s = plan.get("summary") or {}
    solver = s.get("solver") if isinstance(s.get("solver"), dict) else {}
    number = (lambda v: v if isinstance(v, (int, float)) and not isinstance(v, bool) else None)
    gap = number(solver.get("gap", s.get("gap")))
    return {"firewall_rules": number(s.get("firewall_rules")),
            "preseed_waves": number(s.get("preseed_waves")),
            "preseed_list": [str(w.get("number")) for w in waves(plan)
                             if isinstance(w.get("transfer"), dict) and w["transfer"].get("fits") is False],
            "cost": number(s.get("cost", solver.get("cost"))),
            "solver": str(solver.get("name") or ""),
            "solver_status": str(solver.get("status") or ""),
            "bound": number(solver.get("bound")),
            "gap": "" if gap is None else f"{100 * gap:.1f} %".replace(".", catalogue(lang)["decimal_mark"])}


def systems(g, tags: dict, plan: dict, lang: str) -> list[dict]:
    """One row per host, with the rules behind its tags (its services' and databases' too)."""
    resolved = tags.get("resolved", {}) or {}
    by_entity: dict[str, list[dict]] = {}
    for t in tags.get("tags", []) or []:
        by_entity.setdefault(str(t.get("entity")), []).append(t)
    where = placement(plan)
    related = _related_by_host(g, resolved)
    rows = []
    for h in host_ids(g):
        data = g.nodes[h]
        r = resolved.get(h, {}) or {}
        own = [t for e in sorted({h} | related.get(h, set())) for t in by_entity.get(e, [])]
        rules = [{"dimension": str(t.get("dimension")), "value": str(t.get("value")),
                  "rule": str(t.get("rule") or ""), "because": str(t.get("because") or ""),
                  "on": "" if t.get("entity") == h else str(t.get("entity"))}
                 for t in sorted(own, key=lambda t: (str(t.get("dimension")), _tag_key(t)))]
        place = where.get(h, {})
        roles = r.get("role") or []
        rows.append({
            "id": h,
            "name": str(data.get("name") or h.split(":", 1)[-1]),
            "site": data.get("site"),
            "addresses": sorted(str(a) for a in data.get("addresses", []) or []),
            "roles": sorted(str(x) for x in (roles if isinstance(roles, list) else [roles])),
            "data_class": value_label(lang, "data_class", r.get("data_class")),
            "data_class_key": str(r.get("data_class") or "unknown"),
            "care_tier": value_label(lang, "care_tier", r.get("care_tier")),
            "hosting": value_label(lang, "hosting", r.get("hosting")),
            "exposure": value_label(lang, "exposure", r.get("exposure")),
            "group": place.get("group") or "",
            "wave": "" if place.get("wave") is None else str(place.get("wave")),
            "stays": place.get("stays"),
            "rules": rules,
        })
    return rows


def findings(tags: dict, lang: str) -> list[dict]:
    rows = []
    for f in tags.get("findings", []) or []:
        rows.append({"id": str(f.get("id", "")), "entity": str(f.get("entity", "")),
                     "severity_key": str(f.get("severity", "")),
                     "severity": value_label(lang, "severity", f.get("severity")),
                     "dimension": str(f.get("dimension", "")),
                     "title": str(f.get("title", "")), "because": str(f.get("because", "")),
                     "rule": str(f.get("rule", ""))})
    return sorted(rows, key=lambda f: (_SEVERITY_ORDER.get(f["severity_key"], 9), f["entity"], f["id"]))


def duration(seconds, lang: str) -> str:
    """A transfer time in the catalogue's units: minutes under an hour, hours under two
    days, else days (one decimal, the locale's decimal mark); "–" when unknown."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return "–"
    words = catalogue(lang)
    unit_min, unit_h, unit_d = words["time_units"].split()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} {unit_min}"
    value, unit = (seconds / 3600, unit_h) if seconds < 172800 else (seconds / 86400, unit_d)
    return f"{value:.1f}".replace(".", words["decimal_mark"]) + f" {unit}"


def window_text(window, lang: str) -> str:
    """A wave's window: its label, with its calendar when known (``weekend-night (sam. 22:00, 8 h)``)."""
    if not isinstance(window, dict):
        return "" if window is None else str(window)
    words = catalogue(lang)
    names = dict(zip("mon tue wed thu fri sat sun".split(), words["day_names"].split()))
    label = str(window.get("label") or "")
    parts = []
    days = window.get("days") or []
    if days:
        parts.append(", ".join(names.get(str(d), str(d)) for d in days))
    if window.get("start"):
        parts.append(str(window["start"]))
    hours = window.get("hours")
    if isinstance(hours, (int, float)) and not isinstance(hours, bool):
        parts.append(duration(hours * 3600, lang))
    return f"{label} ({' '.join(parts)})" if parts and label else (label or " ".join(parts))


def transfer_view(wave: dict, lang: str) -> dict:
    """A wave's ``transfer`` (plan §5) in the catalogue's words: window, volume, transfer
    time, the data budget of the window, whether it fits and how much to pre-seed.  Built
    from the numbers, so it reads in the report's language; the planner's own sentence is
    kept as ``text``."""
    t = wave.get("transfer") if isinstance(wave.get("transfer"), dict) else {}
    words = catalogue(lang)
    fits = t.get("fits")
    preseed = t.get("preseed_bytes") if isinstance(t.get("preseed_bytes"), int) else None
    if fits is True:
        fit_key, fit = "fits", words["transfer_fits"]
    elif fits is False:
        fit_key = "preseed"
        fit = words["transfer_preseed"].replace("{amount}", human_bytes(preseed, lang))
    else:
        fit_key, fit = "unknown", words["transfer_unknown"] if t else ""
    return {"window": window_text(t.get("window") or wave.get("window"), lang),
            "data_volume": human_bytes(t.get("data_bytes", wave.get("data_bytes")), lang),
            "transfer_time": duration(t.get("seconds"), lang) if t else "",
            "budget": duration(t.get("window_seconds"), lang) if t.get("window_seconds") is not None else "",
            "fits": fit_key, "fit_text": fit,
            "preseed": human_bytes(preseed, lang) if preseed else "",
            "text": str(t.get("text") or "")}


CHECK_KINDS = ("replica", "backup", "transfer", "firewall", "rollback", "degraded-mode")


def checklist_rows(wave: dict, lang: str) -> list[dict]:
    """A wave's go/no-go checklist (plan §6), in the planner's order: kind (and its word),
    the condition's text, the hosts it names."""
    words = catalogue(lang)
    rows = []
    for item in wave.get("checklist", []) or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("kind") or "")
        rows.append({"kind": kind,
                     "label": words.get("ck_" + kind.replace("-", "_"), kind),
                     "text": str(item.get("text") or ""),
                     "hosts": [str(h) for h in item.get("hosts", []) or []]})
    return rows


def wave_rows(plan: dict, lang: str) -> list[dict]:
    rows = []
    for w in waves(plan):
        reasons = [r.get("text", "") if isinstance(r, dict) else str(r) for r in w.get("reasons", []) or []]
        window = w.get("window")
        if isinstance(window, dict):
            window = window.get("label") or " → ".join(str(window[k]) for k in sorted(window))
        transfer = w.get("transfer") if isinstance(w.get("transfer"), dict) else {}
        rows.append({"number": "" if w.get("number") is None else str(w.get("number")),
                     "name": str(w.get("name") or w.get("id") or ""),
                     "groups": sorted(str(x) for x in w.get("groups", []) or []),
                     "hosts": sorted(str(x) for x in w.get("hosts", []) or []),
                     "data_volume": human_bytes(w.get("data_bytes"), lang),
                     "window": "" if window is None else str(window),
                     "reasons": [str(x) for x in reasons],
                     "transfer": transfer_view(w, lang),
                     "transfer_seconds": transfer.get("seconds"),
                     "fits": transfer.get("fits"),
                     "preseed_bytes": transfer.get("preseed_bytes"),
                     "checklist": checklist_rows(w, lang)})
        if isinstance(w.get("sites"), dict):      # multi-site plans: servers per site
            rows[-1]["sites"] = ", ".join(f"{s} ({n})" for s, n in sorted(w["sites"].items()))
    return rows


def stay_rows(plan: dict) -> list[dict]:
    return sorted(({"host": str(s.get("host", "")), "reason": str(s.get("reason", ""))}
                   for s in plan.get("stays", []) or []), key=lambda s: s["host"])


def external_rows(plan: dict) -> list[dict]:
    return sorted(({"endpoint": str(e.get("endpoint", "")), "reason": str(e.get("reason") or "")}
                   for e in plan.get("external", []) or []), key=lambda e: e["endpoint"])


def _opening(f: dict) -> dict:
    """One row of the firewall matrix from a planner rule or a hybrid flow: the fields an
    operator types, then kind, traffic, how many flows it covers and its evidence ids."""
    def text(v):
        return "" if v is None else str(v)
    evidence = f.get("evidence") or []
    return {"source": text(f.get("source")), "destination": text(f.get("destination")),
            "port": text(f.get("port")),
            "transport": text(f.get("transport")),
            "protocol": str(f.get("protocol") or f.get("transport") or ""),
            "from_wave": text(f.get("from_wave", f.get("open_at"))),
            "until_wave": text(f.get("until_wave", f.get("close_at"))),
            "kind": text(f.get("kind")),
            "connections": f.get("connections"),
            "bytes": f.get("bytes"),
            "avg_mbps": f.get("avg_mbps"),
            "flows": f.get("flows", 1),
            "evidence": [str(e) for e in (evidence if isinstance(evidence, list) else [evidence])],
            "reason": text(f.get("reason"))}


def _matrix_order(r: dict):
    return (r["from_wave"].zfill(6), r["source"], r["destination"], r["port"].zfill(6), r["protocol"])


def hybrid_rows(plan: dict) -> list[dict]:
    """The plan's hybrid flows, one row per flow."""
    return sorted((_opening(f) for f in plan.get("hybrid_flows", []) or [] if isinstance(f, dict)),
                  key=_matrix_order)


def provenance(meta: dict) -> dict:
    inputs = sorted(({"source": str(i.get("source", "")), "collector": str(i.get("collector", "")),
                      "observations": i.get("observations", 0)} for i in meta.get("inputs", []) or []),
                    key=lambda i: (i["source"], i["collector"]))
    counts = sorted((str(k), v) for k, v in (meta.get("observations", {}) or {}).items())
    return {"estate": meta.get("estate"), "hdscan_version": meta.get("hdscan_version"),
            "store_fingerprint": meta.get("store_fingerprint"), "inputs": inputs, "observations": counts}


def _wave_of(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def firewall_rows(plan: dict) -> list[dict]:
    """The firewall matrix of the hybrid period: ``plan["firewall"]`` when the planner wrote
    one (a list of rules, or ``{"rules": [...]}``), else the plan's ``hybrid_flows``."""
    fw = plan.get("firewall")
    rules = fw.get("rules") if isinstance(fw, dict) else fw
    if not isinstance(rules, list) or not rules:
        return hybrid_rows(plan)
    return sorted((_opening(f) for f in rules if isinstance(f, dict)), key=_matrix_order)


def firewall_view(plan: dict, lang: str) -> list[dict]:
    """``firewall_rows`` with the words the page shows: kind, until (or "end"), volume."""
    words = catalogue(lang)
    return [r | {"kind_label": words.get("fw_" + r["kind"], r["kind"]),
                 "volume": (human_bytes(r["bytes"], lang) if r["bytes"] is not None else "")
                 + ("" if r["avg_mbps"] is None else
                    " (" + words["avg_rate"].replace("{rate}", human_rate(r["avg_mbps"], lang)) + ")"),
                 "until": r["until_wave"] or words["until_end"]}
            for r in firewall_rows(plan)]


def timeline(plan: dict, lang: str) -> dict:
    """The wave timeline: per wave its size and the hybrid openings opened, open and closed
    then; and the hybrid period (the waves during which at least one opening is open).
    An opening is open from its ``from_wave`` up to, not including, its ``until_wave``
    (to the end when it has none)."""
    flows = plan.get("hybrid_flows", []) or []
    ordered = [w for w in waves(plan) if _wave_of(w.get("number")) is not None]
    numbers = [w["number"] for w in ordered]
    opened: dict[int, int] = {}
    closed: dict[int, int] = {}
    delta = [0] * (len(numbers) + 1)
    for f in flows:
        start, end = _wave_of(f.get("from_wave")), _wave_of(f.get("until_wave"))
        if start is None:
            continue
        opened[start] = opened.get(start, 0) + 1
        if end is not None:
            closed[end] = closed.get(end, 0) + 1
        delta[bisect.bisect_left(numbers, start)] += 1
        delta[len(numbers) if end is None else bisect.bisect_left(numbers, end)] -= 1
    biggest = max((len(w.get("hosts", []) or []) for w in ordered), default=0) or 1
    rows, running = [], 0
    for i, w in enumerate(ordered):
        n = w["number"]
        running += delta[i]
        count = len(w.get("hosts", []) or [])
        rows.append({"number": str(n), "name": str(w.get("name") or w.get("id") or ""),
                     "hosts": count, "width": round(100 * count / biggest, 1),
                     "action": str(w.get("action") or ""),
                     "data_volume": human_bytes(w.get("data_bytes"), lang),
                     "window": "" if w.get("window") is None else str(w.get("window")),
                     "opened": opened.get(n, 0), "open": running, "closed": closed.get(n, 0)})
    hybrid = [r for r in rows if r["open"]]
    most = max((r["open"] for r in rows), default=0) or 1
    for r in rows:
        r["open_width"] = round(100 * r["open"] / most, 1)
    return {"rows": rows,
            "hybrid_waves": len(hybrid),
            "hybrid_first": hybrid[0]["number"] if hybrid else "",
            "hybrid_last": hybrid[-1]["number"] if hybrid else "",
            "permanent": sum(1 for f in flows if f.get("until_wave") is None),
            "temporary": sum(1 for f in flows if f.get("until_wave") is not None)}
