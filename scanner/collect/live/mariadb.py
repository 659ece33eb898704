"""Owns reading a live MariaDB / MySQL server's catalogue (PyMySQL), metadata only.

The session is made read-only with a statement time limit; every statement comes from
:mod:`.queries`. Tables, column names, ``TABLE_ROWS`` estimates and
``DATA_LENGTH + INDEX_LENGTH`` come from ``information_schema`` — sizes are asked table
by table, local tables only, so a FEDERATED table never makes the server call its
remote. Links: ``SHOW CREATE TABLE`` of every FEDERATED / CONNECT table (its
``CONNECTION`` option, or for a CONNECT ``TABLE_TYPE=MYSQL`` table its ``DBNAME`` /
``TABNAME`` / ``OPTION_LIST`` host and port) and ``mysql.servers`` (name, host, port, database, wrapper) when
the login may read it. With no database in the URL, every non-system database is read.
"""

from __future__ import annotations

import os
import re

import pymysql

from . import queries
from .introspect import Catalog, LinkGroup, failure, sql_literal
from .peers import Peers
from .sampling import candidate, summarise
from .url import LiveTarget

LINK_ENGINES = {"FEDERATED", "CONNECT"}
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+", re.I)
_TABLE_OPTION = re.compile(r"`?(TABLE_TYPE|DBNAME|TABNAME|OPTION_LIST|CONNECTION)`?\s*=\s*'((?:[^'\\]|\\.|'')*)'",
                           re.I)
_NO_PRIVILEGE = {1142, 1044, 1146}    # table access denied, database access denied, no table
_NOT_ALLOWED = {1227, 1142, 1044, 1064}  # needs a privilege, denied, denied, syntax (other server)


def _connect(target: LiveTarget, password: str | None):
    if password is None:
        password = os.environ.get("MYSQL_PWD", "")
    return pymysql.connect(host=target.host, port=target.port, user=target.user or "",
                           password=password, database=target.database, connect_timeout=10,
                           read_timeout=120, charset="utf8mb4")


def _servers(cur, group: LinkGroup) -> None:
    """``CREATE SERVER`` definitions (server-wide) first, when ``mysql.servers`` is readable."""
    try:
        rows = queries.run(cur, "my.servers")
    except pymysql.err.MySQLError as exc:
        if exc.args and exc.args[0] in _NO_PRIVILEGE:
            return
        raise
    for name, host, db, port, wrapper in rows:
        options = [f"host {sql_literal(host)}"] if host else []
        if db:
            options.append(f"database {sql_literal(db)}")
        if port:
            options.append(f"port {int(port)}")
        group.add(f"server {name}", "",
                  f"CREATE SERVER {queries.mysql_name(name)} FOREIGN DATA WRAPPER "
                  f"{queries.mysql_name(wrapper or 'mysql')} OPTIONS ({', '.join(options)})")


def _sample(cur, catalogs: list[Catalog], n: int, warnings: list[str]) -> None:
    """``--sample n``: validator counts of the candidate columns (see :mod:`.sampling`).

    Needs ``SELECT`` on the table; without it the table is skipped with a warning."""
    for cat in catalogs:
        for (schema, table), t in sorted(cat.tables.items()):
            samples = []
            for column in sorted(c for c in t["columns"] if candidate(c)):
                try:
                    rows = queries.run(cur, "my.sample", (n,), table=queries.mysql_name(schema, table),
                                       column=queries.mysql_name(column))
                except pymysql.err.MySQLError as exc:
                    if not (exc.args and exc.args[0] in _NO_PRIVILEGE | {1969, 3024}):
                        raise
                    warnings.append(f"{schema}.{table} not sampled (error {exc.args[0]})")
                    break
                samples += summarise(column, (r[0] for r in rows))
                del rows
            if samples:
                t["samples"] = samples


def _read(cur, target: LiveTarget) -> tuple[list[Catalog], LinkGroup]:
    only = target.database
    catalogs: dict[str, Catalog] = {}
    if only is None:
        for (schema,) in queries.run(cur, "my.schemata"):
            catalogs[schema] = Catalog(schema)
    else:
        catalogs[only] = Catalog(only)
    group = LinkGroup()
    _servers(cur, group)
    for schema, table, engine in queries.run(cur, "my.table_engines"):
        if schema not in catalogs:
            continue
        if (engine or "").upper() in LINK_ENGINES:
            rows = queries.run(cur, "my.show_create", table=queries.mysql_name(schema, table))
            ddl = _CREATE_TABLE.sub(f"CREATE TABLE {queries.mysql_name(schema)}.", rows[0][1], count=1)
            ddl += _connect_mysql_target(ddl, schema, table)
            group.add(f"table {schema}.{table}", schema, ddl)
            continue
        t = catalogs[schema].table(schema, table)
        for _, rows, data, index in queries.run(cur, "my.table_sizes", (schema, table)):
            t["rows"] = rows
            t["bytes"] = (data or 0) + (index or 0) if data is not None or index is not None else None
    for schema, table, column in queries.run(cur, "my.columns"):
        cat = catalogs.get(schema)
        if cat is not None and (schema, table) in cat.tables:
            cat.tables[(schema, table)]["columns"].add(column)
    for cat in catalogs.values():
        sizes = [t["bytes"] for t in cat.tables.values() if t.get("bytes") is not None]
        cat.bytes = sum(sizes) if sizes else None
    return sorted(catalogs.values(), key=lambda c: c.database), group


def _connect_mysql_target(ddl: str, schema: str, table: str) -> str:
    """A CONNECT ``TABLE_TYPE=MYSQL`` table declared with ``DBNAME`` / ``TABNAME`` /
    ``OPTION_LIST='host=…,port=…'`` and no ``CONNECTION``: its target as a
    ``CONNECTION='mysql://host:port/db/table'`` clause (CONNECT's defaults: localhost,
    3306, this database, the same table name). ``user`` / ``password`` are never copied."""
    opts = {k.upper(): v for k, v in _TABLE_OPTION.findall(ddl)}
    if opts.get("TABLE_TYPE", "").upper() != "MYSQL" or "CONNECTION" in opts:
        return ""
    listed = {}
    for item in opts.get("OPTION_LIST", "").split(","):
        key, _, value = item.partition("=")
        listed[key.strip().lower()] = value.strip()
    host = listed.get("host") or "localhost"
    port = listed.get("port") or "3306"
    if not port.isdigit() or not re.fullmatch(r"[\w.:-]+", host):
        return ""
    db, tab = opts.get("DBNAME") or schema, opts.get("TABNAME") or table
    url = f"mysql://{host}:{port}/{db}/{tab}".replace("\\", "").replace("'", "''")
    return f" CONNECTION='{url}'"


def _show(cur, names: tuple[str, ...]) -> list[dict] | None:
    """The first of the ``SHOW … STATUS`` statements this server and login allow, or None."""
    for name in names:
        try:
            return queries.run_named(cur, name)
        except pymysql.err.MySQLError as exc:
            if not (exc.args and exc.args[0] in _NOT_ALLOWED):
                raise
    return None


def _read_peers(cur, target: LiveTarget, conn, warnings: list[str]) -> Peers:
    """Client sessions (``PROCESSLIST``), this server's replication sources and its replicas.

    ``PROCESSLIST`` lists other logins' sessions only with the ``PROCESS`` privilege;
    replication status needs ``REPLICA MONITOR`` / ``REPLICATION CLIENT``: without them a
    warning says what was not read.
    """
    peers = Peers(server_ip=_peer_address(conn),
                  session_place="information_schema.PROCESSLIST")
    for host, db, user in queries.run(cur, "my.sessions"):
        peers.session(host, db, user, None)
    sources = _show(cur, ("my.sources", "my.sources_mysql"))
    if sources is None:
        warnings.append(f"{target.source}: replication sources not read (needs REPLICA MONITOR "
                        "or REPLICATION CLIENT)")
    for row in sources or ():
        host = row.get("Master_Host") or row.get("Source_Host")
        port = row.get("Master_Port") or row.get("Source_Port")
        if host:
            peers.sources.append((row.get("Connection_name") or "", host, int(port) if port else None))
    replicas = _show(cur, ("my.replicas",))
    if replicas is None:
        warnings.append(f"{target.source}: registered replicas not read (needs REPLICATION "
                        "MASTER ADMIN)")
    for row in replicas or ():
        if row.get("Host"):
            port = row.get("Port")
            peers.registered.append((row["Host"], int(port) if port else None, row.get("Server_id")))
    return peers


def _peer_address(conn) -> str | None:
    """The server address this connection reached (what its clients dial too)."""
    try:
        return conn._sock.getpeername()[0]
    except (AttributeError, OSError):
        return None


def read(target: LiveTarget, password: str | None, sample: int | None = None):
    """``(catalogs, link groups, warnings, peers)``: the catalogues of the database the URL
    names (or all non-system ones), their links, sessions and replication pairs."""
    warnings: list[str] = []
    try:
        conn = _connect(target, password)
    except pymysql.err.MySQLError as exc:
        raise failure(target, "cannot connect", _reason(exc), password) from None
    try:
        with conn.cursor() as cur:
            queries.run(cur, "my.read_only")
            queries.run(cur, "my.timeout")
            catalogs, group = _read(cur, target)
            if sample:
                _sample(cur, catalogs, sample, warnings)
            peers = _read_peers(cur, target, conn, warnings)
    except pymysql.err.MySQLError as exc:
        raise failure(target, "reading the catalogue", _reason(exc), password) from None
    finally:
        conn.close()
    return catalogs, [group], warnings, peers


def _reason(exc: pymysql.err.MySQLError) -> Exception:
    """PyMySQL's ``(code, message)`` arguments as one readable message."""
    if len(exc.args) >= 2:
        return Exception(f"{exc.args[1]} (error {exc.args[0]})")
    return exc
