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
from .storage import STORAGE_PROTOCOLS
from .messages import message, text


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
            said = dict(msg="flow.temporary", first=first, last=last, start=start, end=end)
            kind = "temporary"
        else:
            start, end = (wu if wu is not None else wv), None
            mover = u if wu is not None else dst_host
            if external:
                said = dict(msg="flow.external", mover=mover, start=start, other=v)
            else:
                said = dict(msg="flow.permanent", mover=mover, start=start,
                            other=dst_host if wu is not None else u)
            kind = "external" if external else "permanent"
        protocol = d.get("protocol") or "unknown"
        latency = (message("flow.latency", protocol=protocol)
                   if protocol in (*DB_PROTOCOLS, *FILE_PROTOCOLS, *STORAGE_PROTOCOLS) else None)
        said = text(said.pop("msg"), latency=latency, **said)
        out.append({"source": u, "destination": v, "port": d.get("port"),
                    "protocol": protocol, "transport": d.get("transport"),
                    "connections": d.get("connections"), "from_wave": start,
                    "until_wave": end, "kind": kind, "bytes": d.get("bytes"),
                    "evidence": sorted(d.get("evidence") or []), "reason": said["text"],
                    "reason_msg": {"msg": said["msg"], "params": said["params"]}})
    out.sort(key=lambda f: (f["from_wave"], f["source"], f["destination"], f["port"] or 0))
    return out


def split_cost(flows: list) -> int:
    """Σ over temporary hybrid flows of (waves open) × connections (at least 1)."""
    return sum((f["until_wave"] - f["from_wave"]) * max(1, int(f["connections"] or 0))
               for f in flows if f["until_wave"] is not None)
