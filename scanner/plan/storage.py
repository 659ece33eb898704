"""Owns shared storage in the plan: which network volumes glue hosts together, and which stay
cross-site storage paths.

``storage_links(g, facts, moving, links)`` is called by ``joins.find_links`` and adds to
``links`` (reason kind ``shared-storage`` throughout, docs/planner.md §2):

- a moving host that **mounts** a volume (``mounts`` edge, from an agent's
  ``network_mounts``) served by another moving host joins that server; hosts mounting the
  same such volume join each other too (the reason names the volume and every mounter);
- a volume served by a host that **stays** (a NAS or SAN appliance of a staying device
  class, an excluded host), by an endpoint outside the estate, by shared infrastructure
  or by a gatherer glues nothing: each moving mounter keeps a cross-site storage path.
  When a flow edge joins the two it is already a hybrid flow; otherwise the path is added
  to the mounter's group reasons — a ``(host, host, reason)`` entry in ``links.joins``,
  which unites nothing and only carries the reason;
- a **flow** to NFS (2049/tcp, 2049/udp) or iSCSI (3260/tcp) between two moving hosts,
  where no agent listed the mount, still joins them, with a reason saying the storage use
  is inferred from the port alone (lower confidence);
- a host mounting volumes of ``joins.GATHERER_MIN_SERVERS`` or more servers is a gatherer
  (backup, archiving): its mounts glue nothing. Gatherers found by ``joins`` (database
  sessions, backup/monitoring role) glue no mount either.

Sentences are message ids (``scanner/plan/messages.py``); this module's ids
(``storage.*``) live in the catalogue with the others, so the report can render them
without importing this module.
"""

from __future__ import annotations

from ..graph import queries as q
from .hosts import Host
from .messages import message
from .reasons import reason

# (port, transport) → storage protocol, for flows no agent explained.
STORAGE_PORTS = {(2049, "tcp"): "NFS", (2049, "udp"): "NFS", (3260, "tcp"): "iSCSI"}
# Protocols a flow to those ports may carry and still count (identified, implied or unknown).
STORAGE_FLOW_PROTOCOLS = (None, "unknown", "nfs", "iscsi")
# Storage protocols identified or implied by a mount: a cross-site path for them is slow.
STORAGE_PROTOCOLS = ("nfs", "iscsi", "glusterfs", "ceph")


def _label(vol: str) -> str:
    """``volume:fs01:/srv/dpi`` → ``fs01:/srv/dpi``."""
    return vol.split(":", 1)[1]


def _mounts(g) -> dict[str, list[tuple[str, dict]]]:
    """volume → [(mounting host, mounts edge data)], sorted."""
    out: dict[str, list] = {}
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if (d.get("kind") or k) == "mounts" and q.kind(g, u) == "host" \
                and q.kind(g, v) == "volume":
            out.setdefault(v, []).append((u, d))
    return out


def _flows_between(g, client: str, server: str) -> bool:
    """True if a flow edge runs from ``client`` to ``server`` (a service of it, or itself)."""
    return any(v == server or q.host(g, v) == server for _, v, _ in q.outgoing_flows(g, client))


def storage_links(g, facts: dict[str, Host], moving: set[str], links) -> None:
    """Add the shared-storage joins, gatherers and cross-site notes to ``links`` (docstring)."""
    from .joins import GATHERER_MIN_SERVERS, GATHERING_ROLES
    volumes = _mounts(g)
    served: dict[str, set] = {}
    for vol, mounters in volumes.items():
        server = g.nodes[vol].get("host")
        for u, _ in mounters:
            if server:
                served.setdefault(u, set()).add(server)
    for h in sorted(moving):
        servers = sorted(served.get(h, ()))
        if h not in links.gatherers and len(servers) >= GATHERER_MIN_SERVERS:
            links.gatherers[h] = reason("gatherer", "storage.gatherer", host=h,
                                        count=len(servers), servers=servers[:4],
                                        more=" …" if len(servers) > 4 else "")

    def gathers(h: str) -> bool:
        f = facts.get(h)
        return h in links.gatherers or (
            f is not None and any(r in GATHERING_ROLES for r in f.roles)
            and not set(f.roles) - {"unknown", *GATHERING_ROLES})

    mounted: set = set()          # (client, server) pairs an agent's mount explains
    for vol in sorted(volumes):
        server = g.nodes[vol].get("host")
        fstype = ", ".join(g.nodes[vol].get("fstypes") or []) or "network storage"
        label = _label(vol)
        movers = [(u, d) for u, d in volumes[vol] if u in moving and u != server]
        for u, _ in movers:
            mounted.add((u, server))
        if server in moving and not gathers(server) and not facts[server].shared:
            glued = [(u, d) for u, d in movers if not gathers(u) and not facts[u].shared]
            for u, d in glued:
                links.joins.append((u, server, reason(
                    "shared-storage", "storage.mounts", d.get("evidence"), client=u,
                    server=server, volume=label, fstype=fstype)))
            if len(glued) >= 2:
                hosts = sorted(u for u, _ in glued)
                evidence = sorted({e for _, d in glued for e in d.get("evidence") or []})
                r = reason("shared-storage", "storage.co-mount", evidence, hosts=hosts,
                           server=server, volume=label, fstype=fstype)
                for other in hosts[1:]:
                    links.joins.append((hosts[0], other, r))
            continue
        if server in moving:
            why = message("storage.why-shared" if facts[server].shared
                          else "storage.why-gatherer")
        elif q.kind(g, server) == "host":
            why = message("storage.why-stays")
        else:
            why = message("storage.why-external")
        for u, d in movers:
            if server and _flows_between(g, u, server):
                continue               # a hybrid flow (scanner/plan/hybrid.py) lists it
            links.joins.append((u, u, reason(
                "shared-storage", "storage.cross-site", d.get("evidence"), client=u,
                server=server, volume=label, fstype=fstype, why=why)))
    _storage_flows(g, facts, moving, links, mounted, gathers)


def _storage_flows(g, facts, moving, links, mounted: set, gathers) -> None:
    """Flows to NFS/iSCSI ports between moving hosts that no mount explains: weaker joins."""
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if (d.get("kind") or k) != "flow" or q.kind(g, u) != "host" or q.kind(g, v) != "service":
            continue
        b = q.host(g, v)
        port, transport = g.nodes[v].get("port"), g.nodes[v].get("transport")
        what = STORAGE_PORTS.get((port, transport))
        if what is None or b is None or b == u or (u, b) in mounted:
            continue
        proto = d.get("protocol") if d.get("protocol") not in (None, "unknown") \
            else g.nodes[v].get("protocol")
        if proto not in STORAGE_FLOW_PROTOCOLS:
            continue
        if u not in moving or b not in moving or gathers(u) or gathers(b) \
                or facts[u].shared or facts[b].shared:
            continue
        links.joins.append((u, b, reason("shared-storage", "storage.flow", d.get("evidence"),
                                         client=u, server=b, what=what, port=port,
                                         transport=transport)))
