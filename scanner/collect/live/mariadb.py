"""Owns reading a live MariaDB / MySQL server's catalogue (PyMySQL), metadata only.

The session is made read-only with a statement time limit; every statement comes from
:mod:`.queries`. Tables, column names, ``TABLE_ROWS`` estimates and
``DATA_LENGTH + INDEX_LENGTH`` come from ``information_schema`` — sizes are asked table
by table, local tables only, so a FEDERATED table never makes the server call its
remote. Links: ``SHOW CREATE TABLE`` of every FEDERATED / CONNECT table (its
``CONNECTION`` option) and ``mysql.servers`` (name, host, port, database, wrapper) when
the login may read it. With no database in the URL, every non-system database is read.
"""

from __future__ import annotations

import os
import re

import pymysql

from . import queries
from .introspect import Catalog, LinkGroup, failure, sql_literal
from .url import LiveTarget

LINK_ENGINES = {"FEDERATED", "CONNECT"}
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+", re.I)
_NO_PRIVILEGE = {1142, 1044, 1146}    # table access denied, database access denied, no table


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


def read(target: LiveTarget, password: str | None) -> tuple[list[Catalog], list[LinkGroup], list[str]]:
    """Catalogues of the database the URL names (or all non-system ones) and their links."""
    try:
        conn = _connect(target, password)
    except pymysql.err.MySQLError as exc:
        raise failure(target, "cannot connect", _reason(exc), password) from None
    try:
        with conn.cursor() as cur:
            queries.run(cur, "my.read_only")
            queries.run(cur, "my.timeout")
            catalogs, group = _read(cur, target)
    except pymysql.err.MySQLError as exc:
        raise failure(target, "reading the catalogue", _reason(exc), password) from None
    finally:
        conn.close()
    return catalogs, [group], []


def _reason(exc: pymysql.err.MySQLError) -> Exception:
    """PyMySQL's ``(code, message)`` arguments as one readable message."""
    if len(exc.args) >= 2:
        return Exception(f"{exc.args[1]} (error {exc.args[0]})")
    return exc
