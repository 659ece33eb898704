"""Owns hybrid flows: the firewall openings of the hybrid period.

Every ``flow`` edge whose two ends are on different sites at some point of the plan is
one hybrid flow: between hosts moving in different waves it is open from the earlier
wave until the later one; between a moving host and a host that stays, or an external
endpoint, it opens with the moving host's wave and never closes (``until_wave`` null).
Hosts replicated in the foundation wave (``replicate-first``) serve both sites, so flows
to and from them never cross.
"""

from __future__ import annotations

from ..graph import queries as q
from .joins import DB_PROTOCOLS, FILE_PROTOCOLS
from .hosts import short


def hybrid_flows(graph, wave_of_host: dict, replicated: set) -> list:
    """Sorted hybrid flow dicts (see module docstring)."""
    out = []
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (d.get("kind") or k) != "flow" or q.kind(graph, u) != "host":
            continue
        dst_host = q.host(graph, v)
        if u in replicated or dst_host in replicated:
            continue
        wu = wave_of_host.get(u)
        external = q.kind(graph, v) == "endpoint"
        wv = None if external else wave_of_host.get(dst_host)
        if wu is None and wv is None:
            continue                      # both stay (or an on-site host to the outside)
        if wu is not None and wv is not None:
            if wu == wv:
                continue
            start, end = min(wu, wv), max(wu, wv)
            first, last = (u, dst_host) if wu < wv else (dst_host, u)
            text = (f"{short(first)} moves in wave {start} and {short(last)} in wave {end}: "
                    f"open from wave {start} until wave {end}")
            kind = "temporary"
        else:
            start, end = (wu if wu is not None else wv), None
            mover = short(u) if wu is not None else short(dst_host)
            if external:
                other = f"external endpoint {short(v)}"
            else:
                other = f"{short(dst_host) if wu is not None else short(u)}, which stays on site"
            text = f"{mover} moves in wave {start}; {other}: a permanent cross-site flow"
            kind = "external" if external else "permanent"
        protocol = d.get("protocol") or "unknown"
        if protocol in DB_PROTOCOLS or protocol in FILE_PROTOCOLS:
            text += f" ({protocol} tolerates little latency)"
        out.append({"source": u, "destination": v, "port": d.get("port"),
                    "protocol": protocol, "transport": d.get("transport"),
                    "connections": d.get("connections"), "from_wave": start,
                    "until_wave": end, "kind": kind, "bytes": d.get("bytes"),
                    "evidence": sorted(d.get("evidence") or []), "reason": text})
    out.sort(key=lambda f: (f["from_wave"], f["source"], f["destination"], f["port"] or 0))
    return out


def split_cost(flows: list) -> int:
    """Σ over temporary hybrid flows of (waves open) × connections (at least 1)."""
    return sum((f["until_wave"] - f["from_wave"]) * max(1, int(f["connections"] or 0))
               for f in flows if f["until_wave"] is not None)
