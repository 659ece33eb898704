"""Owns propagation: dimension values travelling along flows and db_links.

Configured per pack (``propagation:`` in pack.yml), run after the direct rules and
repeated with them until nothing changes.  One call moves values one hop; the engine's
fixed point makes transitive propagation.  Each propagated tag records ``via``: the
entities it travelled through, origin first.

* ``flow: to_server`` — from a host to the services/endpoints it opens flows to (health
  data travels with HL7/DICOM to the receiver; care criticality reaches what a system
  depends on).
* ``flow: to_client`` — from a service/endpoint (or a database, through its service) to
  the hosts that call it (exposure; health data read from a database).
* ``db_link: to_reader`` / ``to_linked`` — from a database to the databases reading it
  through a link / to the databases it reads.

A **flow** (``origins: [flow]``) carries the values a flow rule tagged it with:
``to_server`` moves them to the service or endpoint it goes to, ``to_client`` to the
host that opens it (``via: [flow:…, target]``).

``target_roles`` restricts a propagation to targets whose host carries one of those roles
(a backup server holds copies of the data of the hosts it backs up, and only it).
"""

from __future__ import annotations

from ..graph import queries as q
from .resolve import order_key
from .views import entity_kind, flow_edges, flow_ends, flow_id


def _best(dimension, values):
    values = sorted(values, key=lambda v: order_key(dimension, v))
    return values[-1] if values else None


def _hops(g, prop, origin: str) -> list:
    """(target, edge evidence, protocol, intermediate) for one origin entity."""
    out = []
    kind = entity_kind(g, origin)
    if kind == "flow" and prop.flow in ("to_server", "to_client"):
        client, server = flow_ends(origin)
        attrs = next((d for _, v, d in q.outgoing_flows(g, client) if v == server), {}) \
            if client in g else {}
        if prop.protocols and attrs.get("protocol") not in prop.protocols:
            return out
        target = server if prop.flow == "to_server" else client
        if target in g:
            out.append((target, attrs.get("evidence", []), attrs.get("protocol"), None))
        return out
    if prop.flow == "to_server" and kind == "host":
        for _, target, e in q.outgoing_flows(g, origin):
            if prop.protocols and e.get("protocol") not in prop.protocols:
                continue
            out.append((target, e.get("evidence", []), e.get("protocol"), None))
    if prop.flow == "to_client" and kind in ("service", "endpoint", "database"):
        # a database is reached through its service's flows
        entry = q.service_of(g, origin) if kind == "database" else origin
        for client, _, e in (q.incoming_flows(g, entry) if entry else ()):
            if prop.protocols and e.get("protocol") not in prop.protocols:
                continue
            out.append((client, e.get("evidence", []), e.get("protocol"), None))
    if prop.db_link and kind == "database":
        if prop.db_link == "to_reader":
            pairs = [(r, q.edge_evidence(g, r, origin, "db_link")) for r in q.db_readers(g, origin)]
        else:
            pairs = [(t, q.edge_evidence(g, origin, t, "db_link")) for t in q.db_links(g, origin)]
        out += [(t, ev, "db_link", None) for t, ev in pairs]
    return out


def propagate_once(g, prop, dims, views, records: dict, add_tag) -> bool:
    """Move ``prop``'s values one hop from every entity that carries them.

    ``records`` maps (entity, dimension, value, rule) to tag dicts (to find ``via``);
    ``add_tag`` adds a tag and returns True when it was new.
    """
    dim = dims[prop.dimension]
    wanted = {str(v) for v in prop.values}
    changed = False
    origins = []
    nodes = sorted(g.nodes)
    if "flow" in prop.origins:
        nodes += [flow_id(u, v) for u, v, _ in flow_edges(g)]
    for node in nodes:
        kind = entity_kind(g, node)
        if kind not in prop.origins:
            continue
        values, _ = views.tag_values(node, prop.dimension) if kind not in ("endpoint", "flow") \
            else views.tags.own(node, prop.dimension)
        best = _best(dim, [v for v in values if str(v) in wanted])
        if best is not None:
            origins.append((node, best))
    for origin, value in origins:
        via_base = _via_of(views, records, origin, prop, value)
        if via_base is None:        # not transitive and the value itself was propagated here
            continue
        for target, ev, protocol, _ in _hops(g, prop, origin):
            tkind = q.kind(g, target)
            if tkind not in prop.targets:
                continue
            if prop.target_roles and not _has_role(g, views, target, prop.target_roles):
                continue
            current = views.tag_values(target, prop.dimension)[0] if tkind != "endpoint" else \
                sorted(views.tags.own(target, prop.dimension)[0], key=str)
            have = _best(dim, current)
            if dim.resolve == "max" and have is not None and \
                    order_key(dim, have) >= order_key(dim, value):
                continue
            if dim.resolve == "union" and value in current:
                continue
            via = via_base + [target]
            because = prop.because.format(origin=origin, target=target, value=value,
                                          protocol=protocol or "flow")
            if add_tag({"entity": target, "dimension": prop.dimension, "value": value,
                        "rule": prop.id, "confidence": prop.confidence,
                        "because": " ".join(because.split()),
                        "evidence": sorted(set(ev)), "via": via}):
                changed = True
    return changed


def _has_role(g, views, target, roles) -> bool:
    host = q.host(g, target) if q.kind(g, target) in ("service", "database") else target
    have = {str(v) for v in views.tag_values(host or target, "role")[0]}
    return bool(have & set(roles))


def _via_of(views, records, origin, prop, value):
    for member in views.members(origin):
        rec = records.get((member, prop.dimension, str(value), prop.id))
        if rec is not None:
            if not prop.transitive:
                return None
            via = list(rec["via"])
            return via if via[-1] == origin else via + [origin]
    return [origin]
