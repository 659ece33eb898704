"""Owns the schema summary of a dump: databases, their tables, column names and row counts.

:class:`SchemaBuilder` is fed the splitter's statements in order. It follows the
current database (``\\connect db``, ``USE db``, ``CREATE DATABASE``; before any of
them the mysqldump ``Database:`` header, else the file stem) and the default schema
(``SET search_path``, ``ALTER SESSION SET CURRENT_SCHEMA``), records ``CREATE TABLE``
names and column names (lower-case), and adds up the rows of ``COPY`` blocks and
``INSERT`` statements the splitter counted. Values are never seen here.
Foreign / FEDERATED / CONNECT tables are links (``links.py``), not local tables.
"""

from __future__ import annotations

import re

from .names import name_at, paren_body, split_top, table_options, unquote
from .splitter import Statement

_CREATE_TABLE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?"
    r"(?:(?P<temp>TEMP|TEMPORARY)\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.I)
_CREATE_DB = re.compile(r"\s*CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.I)
_CREATE_DATABASE = re.compile(r"\s*CREATE\s+DATABASE\b(?!\s+LINK\b)", re.I)
_USE = re.compile(r"\s*USE\s+", re.I)
_COPY = re.compile(r"\s*COPY\s+", re.I)
_INSERT = re.compile(r"\s*(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*"
                     r"(?:INTO\s+)?", re.I)
_SEARCH_PATH = re.compile(r"\s*SET\s+search_path\s*(?:=|TO)\s*([^,;]+)", re.I)
_CURRENT_SCHEMA = re.compile(r"\s*ALTER\s+SESSION\s+SET\s+CURRENT_SCHEMA\s*=\s*(\S+)", re.I)
_CONNECT_META = re.compile(r"\\(?:connect|c)\s+(?:-reuse-previous=\S+\s+)?(\S+)", re.I)
_DBNAME_IN_CONNSTR = re.compile(r"dbname\s*=\s*'?([^'\s\"]+)", re.I)
_NOT_COLUMNS = {"constraint", "primary", "unique", "foreign", "check", "key", "index",
                "fulltext", "spatial", "exclude", "like", "period", "inherits", "supplemental"}
SYSTEM_DATABASES = {"master", "msdb", "tempdb", "model", "template0", "template1", "postgres",
                    "mysql", "information_schema", "performance_schema", "sys"}
DEFAULT_SCHEMA = {"postgresql": "public", "sqlserver": "dbo"}


class SchemaBuilder:
    """Databases and tables of one dump; feed statements, then read :meth:`databases`."""

    def __init__(self, engine: str, default_database: str):
        self.engine = engine
        self.current = default_database
        self.default = default_database
        self.schema = DEFAULT_SCHEMA.get(engine)
        self.declared: set[str] = set()
        self.first_line: dict[str, int] = {}
        self.tables: dict[tuple[str, str, str], dict] = {}
        self._last_insert: tuple = ((None, None, None), None)   # (head, db, schema) → entry

    # -- following the current database ----------------------------------------------

    def _switch(self, name: str, line: int) -> None:
        self.current = name
        self.declared.add(name)
        self.first_line.setdefault(name, line)

    def feed(self, st: Statement) -> None:
        text = st.text
        if st.kind == "meta":
            m = _CONNECT_META.match(text)
            if m:
                arg = m.group(1).strip("\"'")
                db = _DBNAME_IN_CONNSTR.search(m.group(1))
                self._switch(unquote(db.group(1) if db else arg, lower=False), st.line)
            return
        if st.kind == "insert" and self._last_insert[0] == (text, self.current, self.schema):
            entry = self._last_insert[1]         # per-row INSERT dumps: the same head again
            entry["rows"] = (entry.get("rows") or 0) + (st.rows or 0)
            return
        if st.kind in ("copy", "insert"):
            rx = _COPY if st.kind == "copy" else _INSERT
            m = rx.match(text)
            if m:
                got = name_at(text, m.end(), lower=False)
                if got:
                    entry = self._table(got[0], st.line)
                    if entry is not None:
                        entry["rows"] = (entry.get("rows") or 0) + (st.rows or 0)
                        if st.kind == "insert":
                            self._last_insert = ((text, self.current, self.schema), entry)
                        if st.kind == "copy" and not entry["columns"]:
                            body = paren_body(text, got[1])
                            if body and text[got[1]:].lstrip().startswith("("):
                                entry["columns"] = {unquote(c) for c in split_top(body[0])}
            return
        m = _CREATE_TABLE.match(text)
        if m:
            if not m.group("temp"):
                self._create_table(text, m.end(), st.line)
            return
        m = _USE.match(text)
        if m:
            got = name_at(text, m.end(), lower=False)
            if got:
                self._switch(got[0][-1], st.line)
            return
        m = _CREATE_DB.match(text)
        if m and (_CREATE_DATABASE.match(text) or self.engine == "mysql"):
            got = name_at(text, m.end(), lower=False)
            if got:
                self.declared.add(got[0][-1])
                self.first_line.setdefault(got[0][-1], st.line)
            return
        m = _SEARCH_PATH.match(text)
        if m:
            first = unquote(m.group(1).strip().strip("'"))
            if first and first != "pg_catalog":
                self.schema = first
            return
        m = _CURRENT_SCHEMA.match(text)
        if m:
            self.schema = unquote(m.group(1))

    # -- tables ----------------------------------------------------------------------

    def _table(self, raw: list[str], line: int) -> dict | None:
        """The entry of a table named by ``raw`` (unquoted parts, case as written)."""
        raw = [p for p in raw if p]
        if not raw or len(raw) > 3:
            return None
        parts = [p.lower() for p in raw]
        db, schema = self.current, self.schema
        if self.engine == "mysql":                  # a MySQL schema is its database
            if len(parts) == 2:
                db = raw[0]
            schema = db.lower()
        elif len(parts) == 2:
            schema = parts[0]
        elif len(parts) == 3:
            db, schema = raw[0], parts[1]
        self.first_line.setdefault(db, line)
        key = (db, schema or "", parts[-1])
        if key not in self.tables:
            self.tables[key] = {"columns": set(), "rows": None}
        return self.tables[key]

    def _create_table(self, text: str, pos: int, line: int) -> None:
        got = name_at(text, pos, lower=False)
        if got is None:
            return
        parts, end = got
        rest = text[end:].lstrip()
        body = paren_body(text, end) if rest.startswith("(") else None
        engine = table_options(text, body[1] if body else end).get("ENGINE", "").upper()
        if engine in ("FEDERATED", "CONNECT"):
            return                              # FEDERATED / CONNECT: a link, not data here
        entry = self._table(parts, line)
        if entry is None or body is None:
            return
        for element in split_top(body[0]):
            first = name_at(element, 0)
            if not first or len(first[0]) != 1:
                continue
            col = first[0][0]
            if col in _NOT_COLUMNS and not element.lstrip().startswith(('"', "`", "[")):
                continue
            entry["columns"].add(col)

    # -- result ----------------------------------------------------------------------

    def databases(self) -> list[tuple[str, int, list[dict]]]:
        """``(database, first line, tables)`` per database, sorted by name.

        Every declared database is listed, and the default one if it holds tables or
        nothing else was found.
        """
        by_db: dict[str, list[dict]] = {d: [] for d in self.declared}
        for (db, schema, name), t in sorted(self.tables.items()):
            table = {"name": name, "columns": sorted(t["columns"])}
            if schema:
                table["schema"] = schema
            if t["rows"] is not None:
                table["rows"] = t["rows"]
            by_db.setdefault(db, []).append(table)
        for db in list(by_db):
            if not by_db[db] and db.lower() in SYSTEM_DATABASES:
                del by_db[db]
        if not by_db:
            by_db[self.default] = []
        return [(db, self.first_line.get(db, 1), tables) for db, tables in sorted(by_db.items())]
