"""Owns who talks to a live server: client sessions and replication peers → observations.

An engine module fills a :class:`Peers` record from the server's own views
(``pg_stat_activity``, ``pg_stat_replication``, ``pg_stat_wal_receiver``, ``pg_subscription``; MariaDB
``information_schema.PROCESSLIST``, ``SHOW ALL SLAVES STATUS``, ``SHOW SLAVE HOSTS``) and
:func:`observations` turns it into the kinds the graph already reads:

* a client session or a streaming replica (an address the server saw) → ``flow``
  client → server port, plus a ``protocol`` observation with the database, role and
  ``application_name`` it used (the graph's database node and the planner's *database* join);
* a PostgreSQL logical-replication subscription → ``db_link`` mechanism
  ``logical-replication`` from the subscribing database to the publisher's host/port/db
  (its ``conninfo`` is read through the dump collector's libpq reader: user and password
  are parsed past, never kept);
* a PostgreSQL standby's upstream (``pg_stat_wal_receiver`` sender host/port) →
  ``config_ref`` scheme ``postgresql`` from the standby host to the primary's port;
* a MariaDB replica's source (``Master_Host:Master_Port``) and a replica registered on a
  primary (``SHOW SLAVE HOSTS``) → ``config_ref`` scheme ``mysql`` from the replica host
  to the primary's port: names, not addresses, so it works through ``--as-host`` too.

Only addresses, port numbers, database, role and application names are kept — never a
query text, a ``PROCESSLIST.INFO``, a password or a connection string.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ...model.evidence import Evidence
from ...model.observations import Observation
from ...privacy import observation
from ..sql import targets

REPLICATION_APP = "replication"


@dataclass
class Peers:
    """What one server's views say about who talks to it."""

    server_ip: str | None = None
    # (client_ip, database, user, application) → session count; place names the view
    sessions: dict[tuple, int] = field(default_factory=dict)
    session_place: str = "pg_stat_activity"
    # (client_ip, application) of streaming replicas (pg_stat_replication)
    replicas: list[tuple[str, str | None]] = field(default_factory=list)
    # (sender host, sender port) a PostgreSQL standby streams from (pg_stat_wal_receiver)
    upstreams: list[tuple[str, int | None]] = field(default_factory=list)
    # (database, subscription, conninfo) of logical-replication subscriptions
    subscriptions: list[tuple[str, str, str]] = field(default_factory=list)
    # (connection name, source host, source port) this MariaDB server replicates from
    sources: list[tuple[str, str, int | None]] = field(default_factory=list)
    # (replica host, replica port, server id) registered on this MariaDB primary
    registered: list[tuple[str, int | None, int | None]] = field(default_factory=list)

    def session(self, client: str | None, database: str | None, user: str | None,
                application: str | None, count: int = 1) -> None:
        ip = address(client)
        if ip is None:
            return
        key = (ip, database or None, user or None, application or None)
        self.sessions[key] = self.sessions.get(key, 0) + int(count)


    def only_databases(self, names: set[str]) -> None:
        """Keep the sessions to, and subscriptions of, these databases (``pg_subscription``
        is server-wide; a URL naming one database scans only it)."""
        self.sessions = {k: n for k, n in self.sessions.items() if k[1] in names}
        self.subscriptions = [s for s in self.subscriptions if s[0] in names]


def address(text) -> str | None:
    """A textual IP address (``'10.1.2.3'``, ``'10.1.2.3:51234'`` from a processlist), or None."""
    if not text:
        return None
    text = str(text).strip()
    for candidate in (text, text.rsplit(":", 1)[0].strip("[]")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def observations(peers: Peers, *, host: str, port: int, engine: str, collector: str,
                 version: str, source: str, ok) -> list[Observation]:
    """``flow`` + ``protocol`` per client and replica, ``db_link`` per subscription,
    ``config_ref`` per MariaDB replication pair (module docstring), sorted and unique."""
    out: dict[str, Observation] = {}

    def ev(place: str) -> Evidence:
        return Evidence(collector, version, source, place)

    def add(o: Observation) -> None:
        out.setdefault(o.id, o)

    protocol = "postgresql" if engine == "postgresql" else "mysql"
    server = peers.server_ip
    if server is not None:
        counts: dict[str, int] = {}
        for (ip, _db, _user, _app), n in peers.sessions.items():
            counts[ip] = counts.get(ip, 0) + n
        for ip, n in sorted(counts.items()):
            add(observation("flow", ev(peers.session_place), client_ip=ip, server_ip=server,
                            server_port=port, transport="tcp", connections=n,
                            direction_source="listener", confidence="high"))
        for (ip, db, user, app), _n in sorted(peers.sessions.items(), key=lambda kv: repr(kv[0])):
            facts = {"database": db} if ok(db) else {}
            if protocol == "postgresql":
                facts.update({k: v for k, v in (("user", user), ("application_name", app)) if ok(v)})
            add(observation("protocol", ev(peers.session_place), client_ip=ip, server_ip=server,
                            server_port=port, transport="tcp", protocol=protocol, facts=facts))
        for client, app in sorted(peers.replicas, key=repr):
            ip = address(client)
            if ip is None:
                continue
            add(observation("flow", ev("pg_stat_replication"), client_ip=ip, server_ip=server,
                            server_port=port, transport="tcp", connections=1,
                            direction_source="listener", confidence="high"))
            facts = {"application_name": app} if ok(app) else {}
            add(observation("protocol", ev("pg_stat_replication"), client_ip=ip, server_ip=server,
                            server_port=port, transport="tcp", protocol="postgresql", facts=facts))
    for database, name, conninfo in sorted(peers.subscriptions):
        t = targets.libpq(conninfo or "")
        if t is None or not ok(database) or not ok(name):
            continue
        fields = dict(source_host=host, source_port=port, source_engine=engine,
                      source_database=database, target_host=t.host, target_port=t.port,
                      target_engine="postgresql", target_database=t.database,
                      mechanism="logical-replication", object=name)
        add(observation("db_link", ev(f"subscription {name}"),
                        **{k: v for k, v in fields.items() if isinstance(v, int) or ok(v)}))
    for up_host, up_port in sorted(peers.upstreams, key=repr):
        h = targets.clean_host(up_host)
        if h is None or h.startswith("/"):          # a Unix socket: same host, no network edge
            continue
        add(observation("config_ref", ev("pg_stat_wal_receiver"), host=host,
                        application=REPLICATION_APP, target_host=h, target_port=up_port or 5432,
                        scheme="postgresql", key="streaming replication upstream"))
    for name, src_host, src_port in sorted(peers.sources, key=repr):
        h = targets.clean_host(src_host)
        if h is None:
            continue
        label = f"replication connection '{name}'" if name else "replication connection"
        add(observation("config_ref", ev(f"SHOW ALL SLAVES STATUS {label}"), host=host,
                        application=REPLICATION_APP, target_host=h, target_port=src_port or 3306,
                        scheme="mysql", key=label))
    for rep_host, _rep_port, server_id in sorted(peers.registered, key=repr):
        h = targets.clean_host(rep_host)
        if h is None:
            continue
        add(observation("config_ref", ev(f"SHOW SLAVE HOSTS server_id {server_id}"), host=h,
                        application=REPLICATION_APP, target_host=host, target_port=port,
                        scheme="mysql", key="replica registered on its primary"))
    return [out[k] for k in sorted(out)]
