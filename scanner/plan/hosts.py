"""Owns what the planner knows about each host: its classification, its size, and
whether it moves, stays on site, or is shared infrastructure.

``HostFacts`` reads the graph and ``tags["resolved"]`` once; ``decide_stays`` applies
the stay rules of docs/planner.md (device class, role, client-only, configured
exclusion) and lists external endpoints, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import queries as q
from .messages import message, text
from .reasons import reason

# device class / role that never moves → the message saying why (scanner/plan/messages.py)
STAY_DEVICE_CLASSES = {"medical_device": "stay.medical-device",
                       "workstation": "stay.workstation-device",
                       "network": "stay.network-device"}
STAY_ROLES = {"modality": "stay.modality-role",
              "lab-analyzer": "stay.lab-analyzer-role",
              "workstation": "stay.workstation-role"}
SHARED_ROLES = ("directory", "DNS")
DATA_RANK = {None: -1, "none": 0, "personal": 1, "health": 2}
HOSTING_RANK = {None: -1, "any": 0, "hds": 1, "secnumcloud": 2}


def tier_rank(tier: int | None) -> int:
    """Higher is more critical: tier 1 → 4, tier 4 → 1, unknown → 0."""
    return 5 - tier if tier in (1, 2, 3, 4) else 0


def short(node: str) -> str:
    """``host:dpi-db01`` → ``dpi-db01`` (for reason texts)."""
    return node.split(":", 1)[1] if ":" in node else node


@dataclass(frozen=True)
class Host:
    id: str
    roles: tuple[str, ...]
    data_class: str | None
    care_tier: int | None
    hosting: str | None
    device_class: str
    data_bytes: int | None
    has_service: bool
    agent: bool

    @property
    def shared(self) -> bool:
        return any(r in SHARED_ROLES for r in self.roles)


def host_facts(g, tags: dict) -> dict[str, Host]:
    """Every host node of the graph, with its resolved classification and its size."""
    resolved = tags.get("resolved", {}) if isinstance(tags, dict) else {}
    out = {}
    for node in sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "host"):
        d = g.nodes[node]
        r = resolved.get(node, {}) or {}
        db_bytes = [g.nodes[db].get("bytes") for db in q.databases(g, node)]
        db_bytes = [b for b in db_bytes if isinstance(b, int)]
        size = d.get("disk_used_bytes")
        if not isinstance(size, int):
            size = sum(db_bytes) if db_bytes else None
        tier = r.get("care_tier")
        out[node] = Host(
            id=node, roles=tuple(sorted(r.get("role") or [])), data_class=r.get("data_class"),
            care_tier=tier if tier in (1, 2, 3, 4) else None, hosting=r.get("hosting"),
            device_class=d.get("device_class") or "unknown", data_bytes=size,
            has_service=bool(q.services(g, node)), agent=bool(d.get("agent")))
    return out


def stay_reason(h: Host, excluded: bool) -> dict | None:
    """Why a host never moves, or None when it moves."""
    if excluded:
        return reason("exclusion", "stay.excluded", host=h.id)
    if h.device_class in STAY_DEVICE_CLASSES:
        return reason("device-class", STAY_DEVICE_CLASSES[h.device_class], host=h.id)
    for role in sorted(STAY_ROLES):
        if role in h.roles:
            return reason("stay-role", STAY_ROLES[role], host=h.id)
    if not h.has_service and not h.agent and h.device_class == "unknown":
        return reason("client-only", "stay.client-only", host=h.id)
    return None


def decide_stays(g, facts: dict[str, Host], tags: dict, exclusions) -> tuple[list, list, set]:
    """(stays, external, staying host ids), each list sorted."""
    excluded = set(exclusions)
    stays, staying = [], set()
    for node in sorted(facts):
        r = stay_reason(facts[node], node in excluded)
        if r is not None:
            stays.append({"host": node, "kind": r["kind"], "reason": r["text"],
                          "reason_msg": {"msg": r["msg"], "params": r["params"]}})
            staying.add(node)
    resolved = tags.get("resolved", {}) if isinstance(tags, dict) else {}
    external = []
    for node in sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "endpoint"):
        exposure = (resolved.get(node) or {}).get("exposure")
        said = text("stay.external", exposure=message("stay.external-exposure", exposure=exposure)
                    if exposure and exposure != "none" else None)
        external.append({"endpoint": node, "reason": said["text"],
                         "reason_msg": {"msg": said["msg"], "params": said["params"]}})
    return stays, external, staying
