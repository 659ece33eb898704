"""Owns the allow-list of statements live introspection may send — and the one door to send them.

Every statement reads catalogue metadata only: ``pg_catalog`` and ``information_schema``
relations and size functions, MariaDB's ``information_schema``, ``mysql.servers`` (name,
host, port, database, wrapper — never ``Username``/``Password``) and ``SHOW CREATE TABLE``
of FEDERATED / CONNECT tables. No statement reads a user table: :data:`CATALOG` lists
every relation the statements may name and ``tests/collect/live`` checks each statement
against it. :func:`run` is the only place in this package that executes SQL, and it
only executes statements named here.
"""

from __future__ import annotations

import re

_PG_USER_NS = ("n.nspname NOT IN ('pg_catalog', 'information_schema') "
               "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'")
_MY_USER_DB = "NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys')"

STATEMENTS: dict[str, str] = {
    # -- PostgreSQL ------------------------------------------------------------------
    "pg.databases": "SELECT datname FROM pg_catalog.pg_database "
                    "WHERE datallowconn AND NOT datistemplate ORDER BY datname",
    "pg.database_size": "SELECT pg_catalog.pg_database_size(pg_catalog.current_database())",
    "pg.tables": "SELECT n.nspname, c.relname, c.reltuples::bigint, "
                 "pg_catalog.pg_total_relation_size(c.oid) "
                 "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                 f"WHERE c.relkind IN ('r', 'p', 'm') AND {_PG_USER_NS} ORDER BY 1, 2",
    "pg.columns": "SELECT n.nspname, c.relname, a.attname "
                  "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped "
                  f"AND {_PG_USER_NS} ORDER BY 1, 2, 3",
    "pg.foreign_servers": "SELECT s.srvname, w.fdwname, s.srvoptions "
                          "FROM pg_catalog.pg_foreign_server s "
                          "JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw ORDER BY 1",
    "pg.foreign_tables": "SELECT n.nspname, c.relname, s.srvname, ft.ftoptions "
                         "FROM pg_catalog.pg_foreign_table ft "
                         "JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid "
                         "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                         "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver ORDER BY 1, 2",
    "pg.views": "SELECT schemaname, viewname, definition FROM pg_catalog.pg_views "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                "AND definition ILIKE '%dblink%' "
                "UNION ALL SELECT schemaname, matviewname, definition FROM pg_catalog.pg_matviews "
                "WHERE definition ILIKE '%dblink%' ORDER BY 1, 2",
    "pg.functions": "SELECT n.nspname, p.proname, p.prosrc "
                    "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
                    "JOIN pg_catalog.pg_language l ON l.oid = p.prolang "
                    f"WHERE {_PG_USER_NS} AND l.lanname NOT IN ('c', 'internal') "
                    "AND p.prosrc ILIKE '%dblink%' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
                    "WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid "
                    "AND d.deptype = 'e') ORDER BY 1, 2",
    # -- MariaDB / MySQL ---------------------------------------------------------------
    "my.read_only": "SET SESSION TRANSACTION READ ONLY",
    "my.timeout": "SET SESSION max_statement_time = 30",
    "my.schemata": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                   f"WHERE SCHEMA_NAME {_MY_USER_DB} ORDER BY 1",
    "my.table_engines": "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE FROM information_schema.TABLES "
                        f"WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA {_MY_USER_DB} ORDER BY 1, 2",
    "my.table_sizes": "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH "
                      "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
    "my.columns": "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                  f"WHERE TABLE_SCHEMA {_MY_USER_DB} ORDER BY 1, 2, 3",
    "my.servers": "SELECT Server_name, Host, Db, Port, Wrapper FROM mysql.servers ORDER BY 1",
    "my.show_create": "SHOW CREATE TABLE {table}",
}

# Every relation a statement may name after FROM / JOIN.
CATALOG = frozenset({
    "pg_catalog.pg_database", "pg_catalog.pg_class", "pg_catalog.pg_namespace",
    "pg_catalog.pg_attribute", "pg_catalog.pg_foreign_server",
    "pg_catalog.pg_foreign_data_wrapper", "pg_catalog.pg_foreign_table", "pg_catalog.pg_views",
    "pg_catalog.pg_matviews", "pg_catalog.pg_proc", "pg_catalog.pg_language",
    "pg_catalog.pg_depend", "information_schema.schemata", "information_schema.tables",
    "information_schema.columns", "mysql.servers",
})

_RELATION = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w.]*)", re.I)


def relations(sql: str) -> set[str]:
    """The relations a statement names after FROM or JOIN (lower-case)."""
    return {r.lower() for r in _RELATION.findall(sql)}


def mysql_name(*parts: str) -> str:
    """A backquoted MariaDB name (``a`.`b`` style), quotes inside doubled."""
    return ".".join("`" + p.replace("`", "``") + "`" for p in parts)


def run(cursor, name: str, params: tuple = (), table: str | None = None) -> list[tuple]:
    """Execute the allow-listed statement ``name`` and return its rows.

    ``table`` fills ``SHOW CREATE TABLE`` (a name built by :func:`mysql_name`).
    """
    sql = STATEMENTS[name]
    if table is not None:
        sql = sql.format(table=table)
    cursor.execute(sql, params or None)
    return list(cursor.fetchall()) if cursor.description else []
