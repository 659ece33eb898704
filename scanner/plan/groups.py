"""Owns move groups: the hosts that must move together, and why.

A union-find over the moving hosts joins the two ends of every must-move-together link
found by ``scanner.plan.joins`` (replication peers, database sessions and configured
databases, SMB shares of servers, database links between operational databases) and the
configuration's pins.  Each join keeps a reason naming the edge.  A gatherer (backup,
monitoring, ETL: see ``joins``) glues nothing and its group says why; a warehouse's
database link is an ordered dependency, applied by ``scanner.plan.waves``.
"""

from __future__ import annotations

from ..errors import PlanError
from ..model import ids
from .hosts import DATA_RANK, HOSTING_RANK, Host
from .joins import Links
from .reasons import reason


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


def build_groups(g, facts: dict[str, Host], moving: set[str], staying: set[str], config,
                 links: Links) -> list:
    """Move groups as plan.json dicts, sorted and numbered ``group:g01``…

    Raises
    ------
    PlanError
        A pin names a host the graph does not know, or a host that stays.
    """
    uf = _UnionFind(sorted(moving))
    reasons: dict[str, list] = {}
    pending = []
    for a, b, r in links.joins:
        uf.union(a, b)
        pending.append((a, r))
    for h, r in sorted(links.gatherers.items()):
        pending.append((h, r))
    for reader, _source, r in links.follows:
        pending.append((reader, r))
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
        pending.append((pin.hosts[0], reason("pin", "group.pin", why=pin.reason,
                                             hosts=list(pin.hosts))))
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
            rs = [reason("single", "group.single", host=hosts[0])]
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
