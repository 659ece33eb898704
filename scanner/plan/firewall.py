"""Owns the firewall matrix of the hybrid period: which openings, between which hosts,
from which wave until which wave.

The hybrid flows of the plan (``scanner.plan.hybrid``: one per observed flow edge) are
folded into rules an operator types into a firewall: source host, destination host (or
external endpoint), port, transport and protocol.  A rule opens with the earliest wave of
its flows and closes with the latest (``until_wave`` null: it never closes, a permanent
cross-site path).  Each row keeps its first flow's reason (``reason`` and, for re-rendering in
another language, ``reason_msg``) and kind, the volume observed on
its flows and their observation ids as evidence.

The bandwidth a rule needs is estimated as its average rate over the **collection period**
(the earliest ``first_seen`` to the latest ``last_seen`` of every flow in the graph):
``avg_mbps`` = bytes × 8 / period (three significant digits).  A modality that pushed 40 GB of images during a week of
capture needs ~0.5 Mbit/s on average across sites; peaks are not known (collectors keep
totals, not time series), so the figure is a floor to size links against, and null when no
collector measured bytes or the period is under a minute.
"""

from __future__ import annotations

from datetime import datetime

from ..graph import queries as q

MIN_PERIOD_SECONDS = 60


def _instant(text):
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def collection_period(graph) -> float | None:
    """Seconds from the earliest to the latest sighting of any flow; None if unknown."""
    first = last = None
    for _u, _v, d in graph.edges(data=True):
        if d.get("kind") != "flow":
            continue
        a, b = _instant(d.get("first_seen") or ""), _instant(d.get("last_seen") or "")
        if a is not None and (first is None or a < first):
            first = a
        if b is not None and (last is None or b > last):
            last = b
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def average_mbps(volume, period) -> float | None:
    """Average Mbit/s of ``volume`` bytes over ``period`` seconds (None if either is unknown)."""
    if volume is None or period is None or period < MIN_PERIOD_SECONDS:
        return None
    return float(f"{volume * 8 / period / 1e6:.3g}")      # three significant digits


def firewall_matrix(graph, flows: list) -> list:
    """Sorted firewall rows ``{source, destination, port, transport, protocol, from_wave,
    until_wave, kind, connections, bytes, avg_mbps, flows, evidence, reason}`` (``bytes``: the
    volume observed on its flows, null when no collector measured it; ``avg_mbps``: that
    volume's average rate over the collection period; ``evidence``: the observation ids of
    its flows)."""
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
            if f.get("reason_msg"):
                rows[key]["reason_msg"] = f["reason_msg"]
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
    period = collection_period(graph) if rows else None
    for row in rows.values():
        row["avg_mbps"] = average_mbps(row["bytes"], period)
    return sorted(rows.values(), key=lambda r: (r["from_wave"], r["source"], r["destination"],
                                                r["port"] or 0, r["protocol"]))


def openings(matrix: list, wave: int) -> tuple[list, list]:
    """(rules to open before ``wave``, rules to close once ``wave`` is done)."""
    return ([r for r in matrix if r["from_wave"] == wave],
            [r for r in matrix if r["until_wave"] == wave])
