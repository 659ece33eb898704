"""Owns reading a live MariaDB / MySQL server's catalogue (PyMySQL), metadata only.

The session is made read-only with a statement time limit; every statement comes from
:mod:`.queries`. Tables, column names, ``TABLE_ROWS`` estimates and
``DATA_LENGTH + INDEX_LENGTH`` come from ``information_schema`` — sizes are asked table
by table, local tables only, so a FEDERATED table never makes the server call its
remote. Links: ``SHOW CREATE TABLE`` of every FEDERATED / CONNECT table (its
``CONNECTION`` option, or for a CONNECT ``TABLE_TYPE=MYSQL`` table its ``DBNAME`` /
``TABNAME`` / ``OPTION_LIST`` host and port; for a ``TABLE_TYPE=ODBC`` one the server, port,
database and driver of its ODBC connection string, a DSN-only one being a warning) and
``mysql.servers`` (name, host, port, database, wrapper) when the login may read it. With no
database in the URL, every non-system database is read. ``--sample``: one ``LIMIT N``
statement per table (MariaDB has no ``TABLESAMPLE``), columns chosen by name and by
``COLUMN_TYPE``.
"""

from __future__ import annotations

import os
import re

import pymysql

from ..sql import targets
from . import queries
from .introspect import Catalog, LinkGroup, failure, sql_literal
from .peers import Peers
from .sampling import Budget, Limits, summarise_rows
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


def _sample(cur, catalogs: list[Catalog], limits: Limits, where: str,
            warnings: list[str]) -> None:
    """``--sample n``: validator counts of the chosen columns (see :mod:`.sampling`), one
    ``LIMIT n`` statement per table (the first rows in the table's own order).

    Needs ``SELECT`` on the table; without it the table is skipped with a warning."""
    budget = Budget(limits)
    for cat in catalogs:
        tables = {key: t.get("types", {}) for key, t in cat.tables.items()}
        for (schema, table), chosen in budget.tables(tables):
            try:
                rows = queries.run(cur, "my.sample", (limits.rows,),
                                   table=queries.mysql_name(schema, table),
                                   columns=[queries.mysql_name(c) for c, _how in chosen])
            except pymysql.err.MySQLError as exc:
                if not (exc.args and exc.args[0] in _NO_PRIVILEGE | {1969, 3024}):
                    raise
                warnings.append(f"{schema}.{table} not sampled (error {exc.args[0]})")
                continue
            samples = summarise_rows(chosen, rows)
            del rows
            if samples:
                cat.tables[(schema, table)]["samples"] = samples
    warnings += budget.warnings(where)


def _read(cur, target: LiveTarget, warnings: list[str]) -> tuple[list[Catalog], LinkGroup]:
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
            ddl = _connect_odbc_target(ddl, schema, table, warnings)
            group.add(f"table {schema}.{table}", schema, ddl)
            continue
        t = catalogs[schema].table(schema, table)
        for _, rows, data, index in queries.run(cur, "my.table_sizes", (schema, table)):
            t["rows"] = rows
            t["bytes"] = (data or 0) + (index or 0) if data is not None or index is not None else None
    for schema, table, column, declared in queries.run(cur, "my.columns"):
        cat = catalogs.get(schema)
        if cat is not None and (schema, table) in cat.tables:
            t = cat.tables[(schema, table)]
            t["columns"].add(column)
            t.setdefault("types", {})[column] = declared
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


_CONNECTION_OPTION = re.compile(r"`?CONNECTION`?\s*=\s*'(?:[^'\\]|\\.|'')*'", re.I)
_ODBC_PAIR = re.compile(r"\s*([^=;{}]+?)\s*=\s*(\{[^}]*\}|[^;]*)")
_ODBC_HOST = ("server", "servername", "host", "hostname", "address", "addr", "data source")
_ODBC_DATABASE = ("database", "dbname", "db", "initial catalog")
# ODBC driver (name in odbcinst.ini or library file) → engine; the name written back is one
# the dump collector's ODBC reader (collect/sql/targets.odbc) maps to the same engine
_ODBC_DRIVERS = (
    (("postgres", "psqlodbc", "pgsql"), "postgresql", "PostgreSQL", 5432),
    (("mysql", "maria", "myodbc", "maodbc"), "mysql", "MySQL", 3306),
    (("sql server", "sqlserver", "msodbcsql", "sqlncli", "sqlsrv", "tdsodbc", "freetds"),
     "sqlserver", "SQL Server", 1433),
    (("oracle", "sqora"), "oracle", "Oracle", 1521),
)
_DEFAULT_PORTS = {port: name for _keys, _engine, name, port in _ODBC_DRIVERS}
_DSN_OK = re.compile(r"^[\w .-]{1,64}$")


def _connect_odbc_target(ddl: str, schema: str, table: str, warnings: list[str]) -> str:
    """A CONNECT ``TABLE_TYPE=ODBC`` table: its ``CONNECTION`` rewritten as
    ``Driver={engine};Server=host;Port=port;Database=db`` — psqlODBC's ``Servername``,
    ``Address``, a driver given by its library file (``…/psqlodbcw.so``) read; the
    port defaults to the engine's — so the link finder reads the target, and ``UID`` /
    ``PWD`` and every other key are dropped before it. A DSN-only string (``DSN=name``:
    the target is in the MariaDB server's own ``odbc.ini``, which SQL cannot read) is no
    link: a warning names the table."""
    opts = {k.upper(): v for k, v in _TABLE_OPTION.findall(ddl)}
    if opts.get("TABLE_TYPE", "").upper() != "ODBC":
        return ddl
    pairs = {}
    for key, value in _ODBC_PAIR.findall(opts.get("CONNECTION", "").replace("''", "'")):
        pairs.setdefault(key.strip().lower(), value.strip().strip("{}").strip())
    host = next((targets.clean_host(pairs[k]) for k in _ODBC_HOST if pairs.get(k)), None)
    if host is None:
        dsn = pairs.get("dsn", "")
        named = f"data source name '{dsn}'" if _DSN_OK.match(dsn) else "no server"
        warnings.append(f"table {schema}.{table}: CONNECT ODBC table with {named} — its target "
                        "is in the MariaDB server's odbc.ini, not readable through SQL: no link")
        return _CONNECTION_OPTION.sub("", ddl)
    raw = next(pairs[k] for k in _ODBC_HOST if pairs.get(k))
    port = pairs.get("port") or (raw.split(",", 1)[1] if "," in raw else "")
    port = port.strip() if port.strip().isdigit() and 0 < int(port) < 65536 else ""
    driver = pairs.get("driver", "").lower()
    name = next((name for keys, _e, name, _p in _ODBC_DRIVERS if any(k in driver for k in keys)),
                None)
    if name is None and port:
        name = _DEFAULT_PORTS.get(int(port))     # an unknown driver: the engine its port says
    if not port and name is not None:
        port = str(next(p for _k, _e, n, p in _ODBC_DRIVERS if n == name))
    database = next((pairs[k] for k in _ODBC_DATABASE if pairs.get(k)), "")
    parts = ([f"Driver={{{name}}}"] if name else []) + [f"Server={host}"]
    parts += [f"Port={port}"] if port else []
    parts += [f"Database={database}"] if database and re.fullmatch(r"[^;'\\{}]{1,128}", database) else []
    return _CONNECTION_OPTION.sub(lambda _m: "CONNECTION='" + ";".join(parts) + "'", ddl, count=1)


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


def read(target: LiveTarget, password: str | None, sample: Limits | None = None):
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
            catalogs, group = _read(cur, target, warnings)
            if sample:
                _sample(cur, catalogs, sample, target.source, warnings)
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
