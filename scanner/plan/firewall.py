"""Owns the firewall matrix of the hybrid period: which openings, between which hosts,
from which wave until which wave.

The hybrid flows of the plan (``scanner.plan.hybrid``: one per observed flow edge) are
folded into rules an operator types into a firewall: source host, destination host (or
external endpoint), port, transport and protocol.  A rule opens with the earliest wave of
its flows and closes with the latest (``until_wave`` null: it never closes, a permanent
cross-site path).  Each row keeps its first flow's reason and kind, the volume observed on
its flows and their observation ids as evidence.
"""

from __future__ import annotations

from ..graph import queries as q


def firewall_matrix(graph, flows: list) -> list:
    """Sorted firewall rows ``{source, destination, port, transport, protocol, from_wave,
    until_wave, kind, connections, bytes, flows, evidence, reason}`` (``bytes``: the volume
    observed on its flows, null when no collector measured it; ``evidence``: the
    observation ids of its flows)."""
    rows: dict = {}
    for f in flows:
        dst = f["destination"]
        if dst in graph and q.kind(graph, dst) != "endpoint":
            dst = q.host(graph, dst) or dst
        key = (f["source"], dst, f.get("port"), f.get("transport") or "", f.get("protocol") or "unknown")
        row = rows.get(key)
        if row is None:
            rows[key] = {"source": key[0], "destination": dst, "port": key[2],
                         "transport": f.get("transport"), "protocol": key[4],
                         "from_wave": f["from_wave"], "until_wave": f["until_wave"],
                         "kind": f["kind"], "connections": int(f.get("connections") or 0),
                         "bytes": f.get("bytes"), "flows": 1,
                         "evidence": list(f.get("evidence") or []), "reason": f["reason"]}
            continue
        row["from_wave"] = min(row["from_wave"], f["from_wave"])
        if row["until_wave"] is None or f["until_wave"] is None:
            row["until_wave"] = None
        else:
            row["until_wave"] = max(row["until_wave"], f["until_wave"])
        row["connections"] += int(f.get("connections") or 0)
        if f.get("bytes") is not None:
            row["bytes"] = (row["bytes"] or 0) + f["bytes"]
        row["evidence"] = sorted(set(row["evidence"]) | set(f.get("evidence") or []))
        row["flows"] += 1
    return sorted(rows.values(), key=lambda r: (r["from_wave"], r["source"], r["destination"],
                                                r["port"] or 0, r["protocol"]))


def openings(matrix: list, wave: int) -> tuple[list, list]:
    """(rules to open before ``wave``, rules to close once ``wave`` is done)."""
    return ([r for r in matrix if r["from_wave"] == wave],
            [r for r in matrix if r["until_wave"] == wave])
