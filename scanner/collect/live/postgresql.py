"""Owns reading a live PostgreSQL server's catalogue (psycopg 3), metadata only.

Connects read-only (``default_transaction_read_only``) with a statement and lock
timeout; every statement comes from :mod:`.queries`. With no database in the URL,
every database that accepts connections is read (one connection each); a database the
role may not connect to is skipped with a warning. Links: foreign servers of every
wrapper with their host/port/dbname options, foreign tables, ``dblink`` calls in view
definitions and function sources. ``pg_user_mapping`` is never read. Column types
(a domain's base type) are read with the names, for ``--sample``: one ``TABLESAMPLE SYSTEM
(p) REPEATABLE (seed)`` statement per table, p from ``reltuples`` / ``relpages``
(:func:`.sampling.pg_percent`), the table cap shared by every database of the URL.
"""

from __future__ import annotations

import psycopg

from ..sql.schema import SYSTEM_DATABASES
from . import queries
from .introspect import Catalog, LinkGroup, failure, pg_ident, sql_literal
from .peers import Peers
from .sampling import SEED, Budget, Limits, pg_percent, summarise_rows
from .url import LiveTarget

_SERVER_OPTIONS = ("host", "port", "dbname", "database", "dbserver", "servername")
_TABLE_OPTIONS = ("dbname", "database")
_SESSION = "-c default_transaction_read_only=on -c statement_timeout=30000 -c lock_timeout=5000"


def _connect(target: LiveTarget, database: str, password: str | None) -> psycopg.Connection:
    kwargs = dict(host=target.host, port=target.port, dbname=database, connect_timeout=10,
                  options=_SESSION, application_name="hdscan-introspect", autocommit=True)
    if target.user:
        kwargs["user"] = target.user
    if password is not None:
        kwargs["password"] = password
    return psycopg.connect(**kwargs)


def _options(raw: list[str] | None, keep: tuple[str, ...]) -> str:
    """Catalogue ``key=value`` options as an ``OPTIONS (…)`` clause, keeping only ``keep``."""
    items = []
    for item in raw or []:
        key, _, value = item.partition("=")
        if key.lower() in keep:
            items.append(f"{key.lower()} {sql_literal(value)}")
    return f" OPTIONS ({', '.join(items)})" if items else ""


_SAMPLE_SKIPPED = (psycopg.errors.InsufficientPrivilege, psycopg.errors.QueryCanceled,
                   psycopg.errors.ObjectNotInPrerequisiteState)


def _sample(cur, cat: Catalog, budget: Budget, warnings: list[str]) -> None:
    """``--sample n``: validator counts of the chosen columns (see :mod:`.sampling`), one
    ``TABLESAMPLE SYSTEM … REPEATABLE`` statement per table."""
    limits = budget.limits
    tables = {key: t.get("types", {}) for key, t in cat.tables.items()}
    for (schema, table), chosen in budget.tables(tables):
        t = cat.tables[(schema, table)]
        try:
            rows = queries.run(cur, "pg.sample",
                               (pg_percent(limits.rows, t.get("rows"), t.get("pages")), SEED, limits.rows),
                               table=pg_ident(schema, table),
                               columns=[pg_ident(c) for c, _how in chosen])
        except _SAMPLE_SKIPPED as exc:
            warnings.append(f"{cat.database}: {schema}.{table} not sampled "
                            f"({type(exc).__name__})")
            continue
        samples = summarise_rows(chosen, rows)
        del rows
        if samples:
            t["samples"] = samples


def _read_database(cur, name: str, budget: Budget | None = None,
                   warnings: list[str] | None = None) -> tuple[Catalog, LinkGroup]:
    cat = Catalog(name)
    for schema, table, rows, size, pages in queries.run(cur, "pg.tables"):
        t = cat.table(schema, table)
        t["rows"], t["bytes"], t["pages"] = rows, size, pages
    for schema, table, column, declared in queries.run(cur, "pg.columns"):
        t = cat.table(schema, table)
        t["columns"].add(column)
        t.setdefault("types", {})[column] = declared
    if budget is not None:
        _sample(cur, cat, budget, warnings if warnings is not None else [])
    cat.bytes = queries.run(cur, "pg.database_size")[0][0]
    group = LinkGroup()
    for server, wrapper, options in queries.run(cur, "pg.foreign_servers"):
        group.add(f"foreign server {server}", name,
                  f"CREATE SERVER {pg_ident(server)} FOREIGN DATA WRAPPER {pg_ident(wrapper)}"
                  + _options(options, _SERVER_OPTIONS))
    for schema, table, server, options in queries.run(cur, "pg.foreign_tables"):
        group.add(f"foreign table {schema}.{table}", name,
                  f"CREATE FOREIGN TABLE {pg_ident(schema, table)} () SERVER {pg_ident(server)}"
                  + _options(options, _TABLE_OPTIONS))
    for schema, view, definition in queries.run(cur, "pg.views"):
        group.add(f"view {schema}.{view}", name, f"CREATE VIEW {pg_ident(schema, view)} AS {definition}")
    for schema, function, source in queries.run(cur, "pg.functions"):
        group.add(f"function {schema}.{function}", name,
                  f"CREATE FUNCTION {pg_ident(schema, function)}() RETURNS void AS {source}")
    return cat, group


def _read_peers(cur, target: LiveTarget, warnings: list[str]) -> Peers:
    """Server-wide views, read once: client sessions, streaming replicas, subscriptions.

    A role without ``pg_read_all_stats`` sees only its own sessions' addresses; one that may
    not read ``pg_subscription.subconninfo`` (superuser only) gets a warning, not an error.
    """
    server, _pid = queries.run(cur, "pg.server")[0]
    peers = Peers(server_ip=server)
    for client, database, user, app, count in queries.run(cur, "pg.sessions"):
        peers.session(client, database, user, app, count)
    peers.replicas = [(client, app) for client, app in queries.run(cur, "pg.replicas")]
    peers.upstreams = [(h, int(p) if p else None) for h, p in queries.run(cur, "pg.upstream")]
    try:
        peers.subscriptions = [tuple(r) for r in queries.run(cur, "pg.subscriptions")]
    except psycopg.errors.InsufficientPrivilege:
        warnings.append(f"{target.source}: subscriptions not read (pg_subscription.subconninfo "
                        "needs a superuser)")
    return peers


def read(target: LiveTarget, password: str | None, sample: Limits | None = None):
    """``(catalogs, link groups, warnings, peers)``: the catalogues and link definitions of
    the database the URL names, or of all of them; sessions and replication read once.
    ``sample``: opt-in value sampling, its table cap shared by all the URL's databases."""
    warnings: list[str] = []
    budget = Budget(sample) if sample else None
    peers = None
    names = [target.database] if target.database else None
    if names is None:
        try:
            with _connect(target, "postgres", password) as conn, conn.cursor() as cur:
                names = [r[0] for r in queries.run(cur, "pg.databases")]
        except psycopg.Error as exc:
            raise failure(target, "cannot list databases", exc, password) from None
    catalogs, groups = [], []
    for name in names:
        try:
            conn = _connect(target, name, password)
        except psycopg.Error as exc:
            if target.database:
                raise failure(target, "cannot connect", exc, password) from None
            warnings.append(f"{target.source}{name}: skipped, cannot connect "
                            f"({str(exc).strip().splitlines()[0] if str(exc).strip() else 'error'})")
            continue
        try:
            with conn, conn.cursor() as cur:
                cat, group = _read_database(cur, name, budget, warnings)
                if peers is None:
                    peers = _read_peers(cur, target, warnings)
        except psycopg.Error as exc:
            raise failure(target, f"reading the catalogue of {name}", exc, password) from None
        if name in SYSTEM_DATABASES and not cat.tables and not group.statements and not target.database:
            continue
        catalogs.append(cat)
        groups.append(group)
    if budget is not None:
        warnings += budget.warnings(target.source)
    return catalogs, groups, warnings, peers or Peers()
