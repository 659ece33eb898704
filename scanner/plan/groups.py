"""Owns move groups: the hosts that must move together, and why.

A union-find over the moving hosts joins the two ends of every must-move-together
dependency: a ``db_link`` between databases of two hosts, an application talking a
database protocol (flow or ``config_ref``) to another host's database service, a server
using another server's SMB share, and the configuration's pins.  Each join keeps a
reason naming the edge.  Shared infrastructure (directory, DNS) is never glued to its
clients by flows (every Windows server talks SMB and LDAP to a domain controller), nor
is a backup server (it reads every database by design).
"""

from __future__ import annotations

from ..errors import PlanError
from ..graph import queries as q
from ..model import ids
from .hosts import DATA_RANK, HOSTING_RANK, Host, short
from .reasons import reason

DB_PROTOCOLS = ("postgresql", "mysql", "tds", "oracle-tns")
FILE_PROTOCOLS = ("smb",)


class _UnionFind:
    def __init__(self, items):
        self.parent = {i: i for i in items}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def _db_label(g, db: str) -> str:
    return g.nodes[db].get("name") or db


def _joins(g, moving: set[str], facts: dict[str, Host]):
    """Yield (host_a, host_b, reason) for every must-move-together edge between moving hosts."""
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        kind = d.get("kind") or k
        if kind == "db_link":
            a, b = q.host(g, u), q.host(g, v)
            if a in moving and b in moving and a != b:
                mech = d.get("mechanism") or ", ".join(d.get("mechanisms") or []) or "a database link"
                objs = f" ({', '.join(d.get('objects') or [])})" if d.get("objects") else ""
                yield a, b, reason("db_link", f"{short(a)} reads {short(b)} through {mech}{objs}: "
                                              f"database {_db_label(g, u)} → {_db_label(g, v)}",
                                   d.get("evidence"))
        elif kind in ("flow", "config_ref"):
            if q.kind(g, u) != "host" or q.kind(g, v) not in ("service", "database"):
                continue
            a, b = u, q.host(g, v)
            if a not in moving or b not in moving or a == b:
                continue
            if facts[a].gathering or facts[b].gathering:
                continue
            svc = v if q.kind(g, v) == "service" else q.service_of(g, v)
            proto = g.nodes[svc].get("protocol") if svc else None
            if kind == "flow":
                proto = d.get("protocol") if d.get("protocol") not in (None, "unknown") else proto
            port = g.nodes[svc].get("port") if svc else None
            if q.kind(g, v) == "database" or proto in DB_PROTOCOLS:
                what = (f"database {_db_label(g, v)}" if q.kind(g, v) == "database"
                        else f"the {proto} service (port {port})")
                how = "'s configuration points to" if kind == "config_ref" else " talks to"
                yield a, b, reason("database", f"{short(a)}{how} {what} on {short(b)}: database "
                                               "protocols are chatty and latency-sensitive",
                                   d.get("evidence"))
            elif proto in FILE_PROTOCOLS and facts[a].device_class == "server":
                yield a, b, reason("file-share", f"{short(a)} uses the SMB file share of "
                                                 f"{short(b)} (port {port}): file shares tolerate "
                                                 "little latency", d.get("evidence"))


def build_groups(g, facts: dict[str, Host], moving: set[str], staying: set[str], config) -> list:
    """Move groups as plan.json dicts, sorted and numbered ``group:g01``…

    Raises
    ------
    PlanError
        A pin names a host the graph does not know, or a host that stays.
    """
    uf = _UnionFind(sorted(moving))
    reasons: dict[str, list] = {}
    pending = []
    for a, b, r in _joins(g, moving, facts):
        uf.union(a, b)
        pending.append((a, r))
    for i, pin in enumerate(config.pins):
        for h in pin.hosts:
            if h not in facts:
                raise PlanError(f"pins[{i}] ({pin.reason}) names {h}, which is not a host "
                                "of the estate", config.where(pin.line))
            if h in staying:
                raise PlanError(f"pins[{i}] ({pin.reason}) contradicts the stay rule: {h} never "
                                "moves (see stays)", config.where(pin.line))
        for h in pin.hosts[1:]:
            uf.union(pin.hosts[0], h)
        pending.append((pin.hosts[0], reason(
            "pin", f"pinned together by the plan configuration: {pin.reason} "
                   f"({', '.join(short(h) for h in pin.hosts)})")))
    members: dict[str, list] = {}
    for h in sorted(moving):
        members.setdefault(uf.find(h), []).append(h)
    for h, r in pending:
        bucket = reasons.setdefault(uf.find(h), [])
        if r not in bucket:
            bucket.append(r)
    groups = []
    for i, root in enumerate(sorted(members, key=lambda r: members[r][0]), 1):
        hosts = members[root]
        hs = [facts[h] for h in hosts]
        rs = sorted(reasons.get(root, []), key=lambda r: (r["kind"], r["text"]))
        if not rs:
            rs = [reason("single", f"{short(hosts[0])} has no database link, database, file-share "
                                   "or pinned dependency on another moving host: it moves alone")]
        sizes = [x.data_bytes for x in hs if x.data_bytes is not None]
        tiers = [x.care_tier for x in hs if x.care_tier is not None]
        data_class = max((x.data_class for x in hs), key=lambda c: DATA_RANK.get(c, -1))
        hosting = max((x.hosting for x in hs), key=lambda c: HOSTING_RANK.get(c, -1))
        target = config.target_hosting.get(data_class or "none", "any")
        if HOSTING_RANK.get(hosting, -1) > HOSTING_RANK[target]:
            target = hosting
        groups.append({
            "id": ids.group_id(i), "hosts": hosts, "servers": len(hosts),
            "data_bytes": sum(sizes) if sizes else None,
            "care_tier": min(tiers) if tiers else None,
            "data_class": data_class, "hosting": hosting, "target_hosting": target,
            "roles": sorted({r for x in hs for r in x.roles}),
            "shared_infrastructure": all(x.shared for x in hs),
            "reasons": rs})
    return groups
