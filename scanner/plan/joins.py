"""Owns the dependencies between moving hosts that decide move groups and data-link order.

``find_links(graph, facts, moving)`` reads the graph once and returns ``Links``:

- ``joins``: (host_a, host_b, reason) pairs that must move together — a cluster or
  replication peer (``replication``), an application's database session or configured
  database (``database``), a server's SMB share (``file-share``), a database link between
  two operational databases (``db_link``), a server calling another at a high connection
  rate (``chatty``, :func:`chatty_rate`), network volumes (``shared-storage``, from
  ``storage.py``; a ``(host, host, reason)`` pair there unites nothing and only carries a
  cross-site storage path to the host's group reasons);
- ``follows``: (reader, source, reason) — a warehouse's database link to the database it
  reads: an ordered dependency (the reader moves in the source's wave or later), not a join;
- ``gatherers``: {host: reason} — hosts whose outgoing sessions never glue groups.

A *gatherer* is decided from the graph first: a host opening database sessions to
``GATHERER_MIN_SERVERS`` or more different database servers (backup, monitoring, ETL,
reporting) reads everything by design.  A role tag alone (``backup``, ``monitoring``) only
makes a gatherer when the host has no other role: an application server that also carries
a ``backup`` tag still joins its own database.  Shared infrastructure (directory, DNS) is
never glued, on either side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..graph import queries as q
from .hosts import Host
from .messages import message
from .reasons import reason
from .storage import storage_links

DB_PROTOCOLS = ("postgresql", "mysql", "tds", "oracle-tns")
FILE_PROTOCOLS = ("smb",)
GATHERER_MIN_SERVERS = 3
GATHERING_ROLES = ("backup", "monitoring")
# Roles whose database links read another application's data for analysis: ordered, not joined.
READER_ROLES = ("warehouse",)
# Agent, remote administration and backup-transport ports every server runs: two hosts
# both listening there are not cluster peers.
# A flow between two moving servers whose new connections average at least
# CHATTY_PER_HOUR over the time it was observed (and CHATTY_MIN_CONNECTIONS in all, so a
# few seconds of capture prove nothing) is chatty: request/response calls at that rate do
# not survive a WAN round trip per call. Clinical interfaces (their messages are queued and
# retried: care-chain order instead), infrastructure protocols and management ports excluded.
CHATTY_PER_HOUR = 3600
CHATTY_MIN_CONNECTIONS = 1000
NOT_CHATTY_PROTOCOLS = frozenset({"hl7v2-mllp", "hprim", "astm", "dicom", "dns", "ldap",
                                  "kerberos", "ntp", "smtp", "snmp", "syslog"})
MANAGEMENT_PORTS = frozenset({22, 23, 135, 139, 161, 443, 445, 3389, 5985, 5986, 6160, 6162,
                              9100, 9182, 10050, 10051})
PEER_PORTS = {1972: "InterSystems IRIS superserver (ECP, mirror)",
              2188: "InterSystems ISCAgent (mirroring)",
              5022: "SQL Server Always On / mirroring endpoint",
              5432: "PostgreSQL (streaming replication)", 3306: "MySQL (replication)",
              1521: "Oracle Net (Data Guard)", 7788: "DRBD", 5405: "Corosync",
              2224: "Pacemaker pcsd", 4567: "Galera replication",
              33061: "MySQL group replication"}


@dataclass
class Links:
    joins: list = field(default_factory=list)
    follows: list = field(default_factory=list)
    gatherers: dict = field(default_factory=dict)


def _seconds(iso: str | None) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def chatty_rate(d: dict, port) -> int | None:
    """New connections per hour of a chatty flow edge ``d`` (module constants), else None."""
    n = int(d.get("connections") or 0)
    if n < CHATTY_MIN_CONNECTIONS or d.get("protocol") in NOT_CHATTY_PROTOCOLS \
            or (port in MANAGEMENT_PORTS and port != 443):
        return None
    first, last = _seconds(d.get("first_seen")), _seconds(d.get("last_seen"))
    if first is None or last is None:
        return None
    rate = n * 3600 / max(last - first, 60.0)
    return round(rate) if rate >= CHATTY_PER_HOUR else None


def _db_label(g, db: str) -> str:
    return g.nodes[db].get("name") or db


def _sessions(g):
    """(client, server host, target node, edge kind, protocol, port, data) of every host →
    service/database flow or config_ref, sorted."""
    out = []
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        kind = d.get("kind") or k
        if kind not in ("flow", "config_ref") or q.kind(g, u) != "host" \
                or q.kind(g, v) not in ("service", "database"):
            continue
        b = q.host(g, v)
        if b is None or b == u:
            continue
        svc = v if q.kind(g, v) == "service" else q.service_of(g, v)
        proto = g.nodes[svc].get("protocol") if svc else None
        if kind == "flow" and d.get("protocol") not in (None, "unknown"):
            proto = d.get("protocol")
        port = g.nodes[svc].get("port") if svc else None
        out.append((u, b, v, svc, kind, proto, port, d))
    return out


def _is_db(g, v, proto) -> bool:
    return q.kind(g, v) == "database" or proto in DB_PROTOCOLS


def _peer(g, client: str, svc: str | None, proto) -> str | None:
    """The peer port's description when ``client`` runs the same service as ``svc``."""
    if svc is None or proto not in (None, "unknown", *DB_PROTOCOLS):
        return None
    d = g.nodes[svc]
    port, transport = d.get("port"), d.get("transport")
    if port in MANAGEMENT_PORTS:
        return None
    for own in q.services(g, client):
        o = g.nodes[own]
        if o.get("port") == port and o.get("transport") == transport:
            if o.get("process") and d.get("process") and o["process"] != d["process"]:
                return None
            return PEER_PORTS.get(port) or f"{transport}/{port}" + (
                f" ({d['process']})" if d.get("process") else "")
    return None


def find_links(g, facts: dict[str, Host], moving: set[str]) -> Links:
    """The joins, ordered data links and gatherers among the moving hosts (module docstring)."""
    out = Links()
    sessions = _sessions(g)
    db_servers: dict[str, set] = {}
    for u, b, v, svc, kind, proto, port, d in sessions:
        if _is_db(g, v, proto):
            db_servers.setdefault(u, set()).add(b)
    for h in sorted(moving):
        servers = sorted(db_servers.get(h, ()))
        others = set(facts[h].roles) - {"unknown", *GATHERING_ROLES}
        if len(servers) >= GATHERER_MIN_SERVERS:
            out.gatherers[h] = reason("gatherer", "join.gatherer-sessions", host=h,
                                      count=len(servers), servers=servers[:4],
                                      more=" …" if len(servers) > 4 else "")
        elif any(r in GATHERING_ROLES for r in facts[h].roles) and not others:
            role = next(r for r in GATHERING_ROLES if r in facts[h].roles)
            out.gatherers[h] = reason("gatherer", "join.gatherer-role", host=h, role=role)
    linked: set = set()        # pairs ordered by a warehouse link: their sessions are the link
    dblinked: set = set()      # pairs with any database link: their sessions are not replication
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if (d.get("kind") or k) != "db_link":
            continue
        a, b = q.host(g, u), q.host(g, v)
        if a not in moving or b not in moving or a == b:
            continue
        dblinked.add(frozenset((a, b)))
        mech = (d.get("mechanism") or ", ".join(d.get("mechanisms") or [])
                or message("join.db-link-default"))
        objs = message("join.db-link-objects", objects=d["objects"]) if d.get("objects") else None
        link = message("join.db-link", reader=a, source=b, mech=mech, objects=objs,
                       reader_db=_db_label(g, u), source_db=_db_label(g, v))
        reader = next((r for r in READER_ROLES if r in facts[a].roles), None)
        if reader:
            out.follows.append((a, b, reason("follows", "join.follows", d.get("evidence"),
                                             link=link, role=reader, source=b)))
            linked.add(frozenset((a, b)))
        else:
            out.joins.append((a, b, reason("db_link", link["msg"], d.get("evidence"),
                                           **link["params"])))
    sources = {(a, b) for a, b, _ in out.follows}
    for u, b, v, svc, kind, proto, port, d in sessions:
        if u not in moving or b not in moving or u in out.gatherers:
            continue
        if facts[u].shared or facts[b].shared or frozenset((u, b)) in linked:
            continue
        # a client of both ends of a warehouse link is the warehouse's pipeline (ETL): it
        # joins the reading side; its reads of the source are covered by the link's order
        if any(src == b and r in db_servers.get(u, ()) for r, src in sources):
            continue
        peer = (_peer(g, u, svc, proto) if kind == "flow" and frozenset((u, b)) not in dblinked
                else None)
        if peer:
            out.joins.append((u, b, reason("replication", "join.replication", d.get("evidence"),
                                           client=u, server=b, peer=peer)))
        elif _is_db(g, v, proto):
            what = (message("join.what-database", db=_db_label(g, v))
                    if q.kind(g, v) == "database"
                    else message("join.what-service", protocol=proto, port=port))
            out.joins.append((u, b, reason(
                "database", "join.database-config" if kind == "config_ref" else "join.database-flow",
                d.get("evidence"), client=u, server=b, what=what)))
        elif proto in FILE_PROTOCOLS and facts[u].device_class == "server":
            out.joins.append((u, b, reason("file-share", "join.file-share", d.get("evidence"),
                                           client=u, server=b, port=port)))
        elif kind == "flow" and facts[u].device_class == facts[b].device_class == "server" \
                and (rate := chatty_rate(d, port)) is not None:
            out.joins.append((u, b, reason("chatty", "join.chatty", d.get("evidence"), client=u,
                                           server=b, protocol=proto or "unknown", port=port,
                                           rate=rate, connections=int(d["connections"]))))
    storage_links(g, facts, moving, out)     # shared network volumes (shared-storage)
    return out
