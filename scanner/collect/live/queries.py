"""Owns the allow-list of statements live introspection may send — and the one door to send them.

Every statement but the two sampling ones reads catalogue metadata only: ``pg_catalog``
and ``information_schema`` relations and size functions, the server's own activity views
(``pg_stat_activity``, ``pg_stat_replication``, ``pg_stat_wal_receiver`` — addresses, database, role and application
names, never the ``query`` column; MariaDB ``PROCESSLIST`` host/db/user, never ``INFO``),
``pg_subscription``, replication status (``SHOW ALL SLAVES STATUS``,
``SHOW SLAVE HOSTS``), MariaDB's ``information_schema``, ``mysql.servers`` (name, host,
port, database, wrapper — never ``Username``/``Password``) and ``SHOW CREATE TABLE`` of
FEDERATED / CONNECT tables. :data:`CATALOG` lists every relation those statements may
name and ``tests/collect/live`` checks each statement against it. The statements in
:data:`SAMPLING` read at most N rows of one table (``--sample N``, opt-in), each chosen
column cast to text and cut to :data:`SAMPLE_CHARS` + 1 characters (:func:`sample_sql`
builds the one shape): their values go to :mod:`.sampling`'s validators and only counts
leave it. :func:`run` is the only place in this package that executes SQL, and it only
executes statements named here.
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
                 "pg_catalog.pg_total_relation_size(c.oid), c.relpages "
                 "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                 f"WHERE c.relkind IN ('r', 'p', 'm') AND {_PG_USER_NS} ORDER BY 1, 2",
    "pg.columns": "SELECT n.nspname, c.relname, a.attname, "
                  # the declared type (a domain's base type): --sample chooses columns by type too
                  "pg_catalog.format_type(COALESCE(NULLIF(t.typbasetype, 0), a.atttypid), "
                  "CASE WHEN t.typbasetype <> 0 THEN t.typtypmod ELSE a.atttypmod END) "
                  "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
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
    # who talks to the server: addresses, database, role, application — never `query`
    "pg.server": "SELECT pg_catalog.host(pg_catalog.inet_server_addr()), pg_catalog.pg_backend_pid()",
    "pg.sessions": "SELECT pg_catalog.host(a.client_addr), a.datname, a.usename, a.application_name, "
                   "pg_catalog.count(*) FROM pg_catalog.pg_stat_activity a "
                   "WHERE a.client_addr IS NOT NULL AND a.backend_type = 'client backend' "
                   "AND a.pid <> pg_catalog.pg_backend_pid() GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    "pg.replicas": "SELECT pg_catalog.host(r.client_addr), r.application_name "
                   "FROM pg_catalog.pg_stat_replication r WHERE r.client_addr IS NOT NULL ORDER BY 1, 2",
    # a standby's upstream: where its WAL receiver connects — never `conninfo`
    "pg.upstream": "SELECT w.sender_host, w.sender_port FROM pg_catalog.pg_stat_wal_receiver w "
                   "WHERE w.sender_host IS NOT NULL",
    "pg.subscriptions": "SELECT d.datname, s.subname, s.subconninfo FROM pg_catalog.pg_subscription s "
                        "JOIN pg_catalog.pg_database d ON d.oid = s.subdbid ORDER BY 1, 2",
    # opt-in value sampling (--sample N): the only statement that reads a user table, one
    # query per table, at most N rows from a repeatable block sample (percent, seed, N);
    # the values go to the validators and are never kept
    "pg.sample": "SELECT {columns} FROM {table} TABLESAMPLE SYSTEM (%s) REPEATABLE (%s) "
                 "WHERE {any_not_null} LIMIT %s",
    # -- MariaDB / MySQL ---------------------------------------------------------------
    "my.read_only": "SET SESSION TRANSACTION READ ONLY",
    "my.timeout": "SET SESSION max_statement_time = 30",
    "my.schemata": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                   f"WHERE SCHEMA_NAME {_MY_USER_DB} ORDER BY 1",
    "my.table_engines": "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE FROM information_schema.TABLES "
                        f"WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA {_MY_USER_DB} ORDER BY 1, 2",
    "my.table_sizes": "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH "
                      "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
    "my.columns": "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                  f"WHERE TABLE_SCHEMA {_MY_USER_DB} ORDER BY 1, 2, 3",
    "my.servers": "SELECT Server_name, Host, Db, Port, Wrapper FROM mysql.servers ORDER BY 1",
    "my.show_create": "SHOW CREATE TABLE {table}",
    "my.sessions": "SELECT HOST, DB, USER FROM information_schema.PROCESSLIST "
                   "WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', "
                   "'Binlog Dump GTID') ORDER BY 1, 2, 3",
    "my.sources": "SHOW ALL SLAVES STATUS",
    "my.sources_mysql": "SHOW REPLICA STATUS",
    "my.replicas": "SHOW SLAVE HOSTS",
    # the first N rows in the table's own order (MariaDB has no TABLESAMPLE: see the docs)
    "my.sample": "SELECT {columns} FROM {table} WHERE {any_not_null} LIMIT %s",
}

# Statements that read user rows: opt-in only (--sample), values never leave the validators.
SAMPLING = frozenset({"pg.sample", "my.sample"})
# How a sampling statement reads one column: as text, cut to SAMPLE_CHARS + 1 characters (a
# longer value passes no validator; the cut keeps documents from crossing the network).
SAMPLE_CHARS = 256
SAMPLE_COLUMN = {"pg.sample": "pg_catalog.left({c}::text, %d)" % (SAMPLE_CHARS + 1),
                 "my.sample": "LEFT(CAST({c} AS CHAR), %d)" % (SAMPLE_CHARS + 1)}

# Every relation a statement may name after FROM / JOIN.
CATALOG = frozenset({
    "pg_catalog.pg_database", "pg_catalog.pg_class", "pg_catalog.pg_namespace",
    "pg_catalog.pg_attribute", "pg_catalog.pg_foreign_server",
    "pg_catalog.pg_foreign_data_wrapper", "pg_catalog.pg_foreign_table", "pg_catalog.pg_views",
    "pg_catalog.pg_matviews", "pg_catalog.pg_proc", "pg_catalog.pg_language",
    "pg_catalog.pg_depend", "pg_catalog.pg_type", "information_schema.schemata", "information_schema.tables",
    "information_schema.columns", "mysql.servers", "pg_catalog.pg_stat_activity",
    "pg_catalog.pg_stat_replication", "pg_catalog.pg_subscription",
    "pg_catalog.pg_stat_wal_receiver",
    "information_schema.processlist",
})

_RELATION = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w.]*)", re.I)


def relations(sql: str) -> set[str]:
    """The relations a statement names after FROM or JOIN (lower-case)."""
    return {r.lower() for r in _RELATION.findall(sql)}


def mysql_name(*parts: str) -> str:
    """A backquoted MariaDB name (``a`.`b`` style), quotes inside doubled."""
    return ".".join("`" + p.replace("`", "``") + "`" for p in parts)


def sample_sql(name: str, table: str, columns: list[str]) -> str:
    """The sampling statement ``name`` for one table and its chosen columns (quoted names):
    each column read as :data:`SAMPLE_COLUMN` says, rows where all are NULL skipped."""
    if name not in SAMPLING or not columns:
        raise ValueError(f"{name}: not a sampling statement, or no column")
    # the statement has parameters: a % inside a quoted name must reach the driver doubled
    table, columns = table.replace("%", "%%"), [c.replace("%", "%%") for c in columns]
    return STATEMENTS[name].format(
        table=table, columns=", ".join(SAMPLE_COLUMN[name].format(c=c) for c in columns),
        any_not_null="(" + " OR ".join(f"{c} IS NOT NULL" for c in columns) + ")")


def run(cursor, name: str, params: tuple = (), table: str | None = None,
        columns: list[str] | None = None) -> list[tuple]:
    """Execute the allow-listed statement ``name`` and return its rows.

    ``table`` fills ``SHOW CREATE TABLE`` and the sampling statements, ``columns`` the
    latter (names built by :func:`mysql_name` / ``introspect.pg_ident``; :func:`sample_sql`).
    """
    sql = STATEMENTS[name]
    if name in SAMPLING:
        sql = sample_sql(name, table, columns)
    elif table is not None:
        sql = sql.format(table=table)
    cursor.execute(sql, params or None)
    return list(cursor.fetchall()) if cursor.description else []


def run_named(cursor, name: str) -> list[dict]:
    """:func:`run`, each row as ``{column name: value}`` (``SHOW … STATUS`` statements)."""
    rows = run(cursor, name)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row)) for row in rows]
