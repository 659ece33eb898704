"""Owns the differences between two snapshots: the ``hdscan-diff/1`` document.

Sections (docs/diff.md gives every field):

- ``hosts``, ``services``, ``databases``, ``endpoints``: ids added in B / removed from A;
- ``dependencies``: ``flow``, ``db_link`` and ``config_ref`` edges added / removed;
- ``classifications``: per entity present on both sides and per dimension whose resolved
  value changed, the rule ids and the evidence (input files when both sides have a
  store, else observation ids) present on one side and not the other; a service's or
  database's change that only mirrors its host's is folded into the host's entry;
- ``site_moves``: hosts present on both sides whose site changed, with A's plan wave;
- ``waves``: A's plan waves with at least one host moved: ``migrated`` (every host of the
  wave still seen has moved) or ``partial``;
- ``unclosed_flows``: A's temporary hybrid flows whose ``until_wave`` has passed in B (it
  is at or below the highest migrated wave) and that B still sees crossing two sites.

Every list is sorted; the document is deterministic for the same two inputs.
"""

from __future__ import annotations

from .load import Snapshot

SCHEMA = "hdscan-diff/1"
NODE_SECTIONS = (("hosts", "host"), ("services", "service"), ("databases", "database"),
                 ("endpoints", "endpoint"))
DEPENDENCY_KINDS = ("flow", "db_link", "config_ref")
COUNTED = ("hosts", "services", "databases", "endpoints", "dependencies", "classifications",
           "site_moves", "waves", "unclosed_flows")


def _ids(snap: Snapshot, kind: str) -> set[str]:
    return {n for n, d in snap.nodes.items() if d.get("kind") == kind}


def _dependency(key: tuple, attrs: dict) -> dict:
    source, target, kind = key
    item = {"source": source, "target": target, "kind": kind}
    if kind == "flow":
        item["port"] = attrs.get("port")
        item["protocol"] = attrs.get("protocol")
    return item


def _dependencies(a: Snapshot, b: Snapshot) -> dict:
    ka = {k for k in a.edges if k[2] in DEPENDENCY_KINDS}
    kb = {k for k in b.edges if k[2] in DEPENDENCY_KINDS}
    return {"added": [_dependency(k, b.edges[k]) for k in sorted(kb - ka)],
            "removed": [_dependency(k, a.edges[k]) for k in sorted(ka - kb)]}


def _norm(value):
    return sorted(value) if isinstance(value, list) else value


def _tag_index(snap: Snapshot) -> dict:
    """(entity, dimension) -> list of tags."""
    index: dict = {}
    for t in snap.tags:
        if isinstance(t, dict):
            index.setdefault((t.get("entity"), t.get("dimension")), []).append(t)
    return index


def _classifications(a: Snapshot, b: Snapshot) -> list[dict]:
    both = sorted(set(a.nodes) & set(b.nodes))
    changed = []
    for entity in both:
        ra, rb = a.resolved.get(entity) or {}, b.resolved.get(entity) or {}
        for dim in sorted(set(ra) | set(rb)):
            before, after = _norm(ra.get(dim)), _norm(rb.get(dim))
            if before != after:
                changed.append((entity, dim, before, after))
    if not changed:
        return []
    ta, tb = _tag_index(a), _tag_index(b)
    evidence_a = {o for e, d, *_ in changed for t in ta.get((e, d), []) for o in t.get("evidence") or []}
    evidence_b = {o for e, d, *_ in changed for t in tb.get((e, d), []) for o in t.get("evidence") or []}
    files = a.store is not None and b.store is not None
    src_a = a.sources(evidence_a) if files else {}
    src_b = b.sources(evidence_b) if files else {}
    out = []
    for entity, dim, before, after in changed:
        tags_a, tags_b = ta.get((entity, dim), []), tb.get((entity, dim), [])
        rules_a = {str(t.get("rule")) for t in tags_a}
        rules_b = {str(t.get("rule")) for t in tags_b}
        ev_a = {o for t in tags_a for o in t.get("evidence") or []}
        ev_b = {o for t in tags_b for o in t.get("evidence") or []}
        if files:
            ev_a = {src_a.get(o, o) for o in ev_a}
            ev_b = {src_b.get(o, o) for o in ev_b}
        out.append({"entity": entity, "dimension": dim, "before": before, "after": after,
                    "rules_added": sorted(rules_b - rules_a),
                    "rules_removed": sorted(rules_a - rules_b),
                    "evidence": "files" if files else "observations",
                    "evidence_added": sorted(ev_b - ev_a),
                    "evidence_removed": sorted(ev_a - ev_b), "inherited": []})
    return _fold(out, b)


def _delta(before, after):
    if isinstance(before, list) or isinstance(after, list):
        sa, sb = set(before or []), set(after or [])
        return ("list", tuple(sorted(map(str, sb - sa))), tuple(sorted(map(str, sa - sb))))
    return ("value", before, after)


def _fold(changes: list[dict], b: Snapshot) -> list[dict]:
    """A service's or database's change that only mirrors its host's (same dimension, same
    values gained or lost, no rule or evidence of its own changed) is listed under the
    host's entry (``inherited``) instead of on a line of its own."""
    hosts = {(c["entity"], c["dimension"]): c for c in changes
             if b.nodes.get(c["entity"], {}).get("kind") == "host"}
    kept = []
    for c in changes:
        host = b.nodes.get(c["entity"], {}).get("host")
        parent = hosts.get((host, c["dimension"])) if host else None
        own = c["rules_added"] or c["rules_removed"] or c["evidence_added"] or c["evidence_removed"]
        if parent is not None and not own and \
                _delta(c["before"], c["after"]) == _delta(parent["before"], parent["after"]):
            parent["inherited"].append(c["entity"])
            continue
        kept.append(c)
    for c in kept:
        c["inherited"].sort()
    return kept


def _wave_of(a: Snapshot) -> dict[str, dict]:
    """host id -> the A plan wave that moves it (a move wave before a replicate wave)."""
    found: dict[str, dict] = {}
    for w in sorted(a.waves, key=lambda w: (w.get("action") == "replicate", w.get("number") or 0)):
        for h in w.get("hosts") or []:
            found.setdefault(h, w)
    return found


def _moved(a: Snapshot, b: Snapshot, target_site: str | None) -> list[dict]:
    waves = _wave_of(a)
    moves = []
    for h in sorted(_ids(a, "host") & _ids(b, "host")):
        before, after = a.nodes[h].get("site"), b.nodes[h].get("site")
        if before != after and (target_site is None or after == target_site):
            w = waves.get(h)
            moves.append({"host": h, "before": before, "after": after,
                          "wave": w.get("number") if w else None})
    return moves


def _waves(a: Snapshot, b: Snapshot, moves: list[dict]) -> list[dict]:
    moved = {m["host"]: m["after"] for m in moves}
    out = []
    for w in sorted(a.waves, key=lambda w: w.get("number") or 0):
        if w.get("action") == "replicate":
            continue
        seen = sorted(h for h in w.get("hosts") or [] if h in b.nodes)
        done = [h for h in seen if h in moved]
        if not done:
            continue
        out.append({"number": w.get("number"), "name": w.get("name"),
                    "status": "migrated" if len(done) == len(seen) else "partial",
                    "hosts": len(seen), "moved": len(done),
                    "sites": sorted({str(moved[h]) for h in done}),
                    "not_moved": sorted(set(seen) - set(done))})
    return out


def _unclosed(a: Snapshot, b: Snapshot, waves: list[dict]) -> list[dict]:
    migrated = [w["number"] for w in waves if w["status"] == "migrated"]
    if not migrated:
        return []
    reached = max(migrated)
    out = []
    for f in a.hybrid_flows:
        until = f.get("until_wave")
        if until is None or until > reached:
            continue
        src, dst = str(f.get("source")), str(f.get("destination"))
        if (src, dst, "flow") not in b.edges:
            continue
        s_site, d_site = b.site_of(src), b.site_of(dst)
        if s_site is None or d_site is None or s_site == d_site:
            continue
        out.append({"source": src, "destination": dst, "port": f.get("port"),
                    "protocol": f.get("protocol"), "until_wave": until,
                    "source_site": s_site, "destination_site": d_site})
    return sorted(out, key=lambda f: (f["source"], f["destination"], str(f["port"])))


def _side(snap: Snapshot) -> dict:
    return {"path": snap.label, "form": snap.form, "estate": snap.estate,
            "store_fingerprint": snap.fingerprint, "plan": snap.has_plan}


def compare(a: Snapshot, b: Snapshot, target_site: str | None = None) -> dict:
    """The ``hdscan-diff/1`` document for A → B."""
    doc: dict = {"schema": SCHEMA, "a": _side(a), "b": _side(b)}
    for section, kind in NODE_SECTIONS:
        ia, ib = _ids(a, kind), _ids(b, kind)
        doc[section] = {"added": sorted(ib - ia), "removed": sorted(ia - ib)}
    doc["dependencies"] = _dependencies(a, b)
    doc["classifications"] = _classifications(a, b)
    moves = _moved(a, b, target_site)
    doc["site_moves"] = moves
    doc["waves"] = _waves(a, b, moves)
    doc["unclosed_flows"] = _unclosed(a, b, doc["waves"])
    doc["target_site"] = target_site
    doc["differences"] = count(doc)
    return doc


def count(doc: dict) -> int:
    """How many lines of change the document holds."""
    total = 0
    for section in COUNTED:
        value = doc.get(section)
        if isinstance(value, dict):
            total += sum(len(v) for v in value.values())
        elif isinstance(value, list):
            total += len(value)
    return total
