"""Owns the ``sql-dump`` collector: a SQL dump or DDL script → ``db_schema`` and ``db_link``.

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``.

* The server the dump comes from is the folder right under a folder named ``sql``
  (``inputs/sql/<host>/<file>.sql``); a mysqldump ``-- Host: x`` header other than a
  loopback name overrides it. With neither, the file is refused (one line saying so).
* The engine comes from ``dialect.detect`` on the first 64 KiB; the port is the
  engine's default.
* One ``db_schema`` per database (host, port, engine, database, tables with schema,
  name, lower-case column names and row counts), then one ``db_link`` per link, each
  with evidence ``line N``. Nothing else of the file is kept: no values, users or
  passwords.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation, canonical_json
from ...privacy import MAX_STR, observation
from . import dialect
from .links import LinkFinder
from .schema import SchemaBuilder
from .splitter import NotUtf8, Statement, cp1252_text, read_text

NAME = "sql-dump"
VERSION = "2"   # 2: rows inside E-strings and dollar quotes, CONNECT OPTION_LIST/ODBC/JDBC links

HEAD_CHARS = 65536
_DUMP_HEAD = re.compile(rb"^--\s*(?:PostgreSQL database (?:cluster )?dump|MySQL dump|MariaDB dump)",
                        re.I | re.M)
_MYSQL_HOST = re.compile(r"^--[ \t]*Host:[ \t]*(\S+?)[ \t]+Database:[ \t]*(\S+)?", re.M)
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "localhost.localdomain"}
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f]")


def accepts(path: Path, head: bytes) -> bool:
    """True for a ``.sql`` file, or a head that starts like a pg_dump / mysqldump dump."""
    if Path(path).suffix.lower() == ".sql":
        return True
    return bool(_DUMP_HEAD.search(head[:1024].replace(b"\xef\xbb\xbf", b"", 1)))


def host_from_path(source: str, path: Path) -> str | None:
    """The folder right under the last folder named ``sql`` in the path, if there is one."""
    for p in (PurePath(source), PurePath(path)):
        parts = p.parts[:-1]
        for i in range(len(parts) - 2, -1, -1):
            if parts[i].lower() == "sql":
                return parts[i + 1]
    return None


def _ok(name: str | None) -> bool:
    return bool(name) and len(name) <= MAX_STR and not _BAD_TEXT.search(name)


def collect(path: Path, source: str) -> Iterator[Observation]:
    """``db_schema`` then ``db_link`` observations of one dump, in a stable order.

    The file is read once as UTF-8 (UTF-16 with a BOM); at the first byte that is not
    UTF-8 it is read again, from the start, as cp1252.

    Raises
    ------
    InputError
        Unterminated string / comment / COPY block (naming the line it started on), a
        byte that is neither UTF-8 nor cp1252, or no way to tell the dump's server.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(5)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", SourceLocation(source)) from None
    if magic == b"PGDMP":
        raise InputError("a pg_dump custom-format archive, not SQL text; "
                         "convert it with 'pg_restore -f dump.sql'", SourceLocation(source))
    try:
        out = _read(path, source, None)
    except NotUtf8:
        out = _read(path, source, "cp1252")
    yield from out


def _read(path: Path, source: str, encoding: str | None) -> list[Observation]:
    """The observations of one dump read in ``encoding`` (None: UTF-8 or UTF-16, guessed)."""
    chunks = read_text(path, source, encoding, guess=encoding is None, cp1252_as_latin1=True)
    fix = cp1252_text if encoding == "cp1252" else None
    first = next(chunks, "")
    head = first[:HEAD_CHARS]
    if fix:
        head = fix(head)
    engine = dialect.detect(head)
    host = host_from_path(source, path)
    default_db = path.stem
    m = _MYSQL_HOST.search(head)
    if m:
        if m.group(1).lower() not in _LOOPBACK:
            host = m.group(1)
        if m.group(2):
            default_db = m.group(2)
    if not host:
        raise InputError("cannot tell which database server this dump comes from; "
                         "put it under inputs/sql/<host>/", SourceLocation(source, "line 1"))

    def text():
        if first:
            yield first
        yield from chunks

    engine_name = engine or dialect.DEFAULT_ENGINE
    schema = SchemaBuilder(engine_name, default_db)
    links = LinkFinder(engine_name)
    for st in dialect.splitter_for(engine, source, merge_rows=True).split(text()):
        if fix and not st.text.isascii():
            st = Statement(st.line, fix(st.text), st.kind, st.rows)
        schema.feed(st)
        links.feed(st, schema.current)

    port = dialect.DEFAULT_PORTS[engine_name]

    def ev(line: int) -> Evidence:
        return Evidence(NAME, VERSION, source, f"line {line}")

    out: list[Observation] = []
    for database, line, tables in schema.databases():
        if not _ok(database):
            continue
        kept = []
        for t in tables:
            if not _ok(t["name"]) or not _ok(t.get("schema", "x")):
                continue
            kept.append(dict(t, columns=[c for c in t["columns"] if _ok(c)]))
        out.append(observation("db_schema", ev(line), host=host, port=port, engine=engine_name,
                               database=database, tables=kept))
    seen = set()
    links_out = []
    for link in links.links():
        t = link.target
        fields = dict(source_host=host, source_port=port, source_engine=engine_name,
                      source_database=link.source_database, target_host=t.host,
                      target_port=t.port, target_engine=t.engine, target_database=t.database,
                      mechanism=link.mechanism, object=link.object)
        fields = {k: v for k, v in fields.items()
                  if v is not None and (not isinstance(v, str) or _ok(v))}
        if "target_host" not in fields or "source_database" not in fields:
            continue
        o = observation("db_link", ev(link.line), **fields)
        key = canonical_json(o.data)
        if key in seen:
            continue
        seen.add(key)
        links_out.append((link.line, key, o))
    out.extend(o for _, _, o in sorted(links_out, key=lambda x: (x[0], x[1])))
    return out
