"""Owns recognising which database engine wrote a dump, and what that means for reading it.

:func:`detect` scores the first part of the decoded text for the marks each tool
leaves (pg_dump / mysqldump / MariaDB headers, SSMS ``GO`` batches, Oracle ``/`` lines
and types). :func:`splitter_for` configures the statement splitter for the engine.
Engine names are those of the graph: ``postgresql``, ``mysql`` (MariaDB too),
``oracle``, ``sqlserver``; default ports 5432 / 3306 / 1521 / 1433.
"""

from __future__ import annotations

import re

from .splitter import PLSQL_HEAD, TSQL_HEAD, Splitter

ENGINES = ("postgresql", "mysql", "oracle", "sqlserver")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "oracle": 1521, "sqlserver": 1433}
DEFAULT_ENGINE = "postgresql"

# (engine, weight, pattern) — a header line is worth more than a type name
_MARKS = [
    ("postgresql", 10, r"^--\s*PostgreSQL database (?:dump|cluster dump)"),
    ("postgresql", 5, r"^--\s*Dumped (?:from database version|by pg_dump)"),
    ("postgresql", 3, r"^\\(?:connect|restrict)\b"),
    ("postgresql", 3, r"^SET\s+(?:client_encoding|standard_conforming_strings|search_path)\b"),
    ("postgresql", 2, r"\bCOPY\s+\S+.*\bFROM\s+stdin;"),
    ("postgresql", 1, r"\b(?:SERIAL|BIGSERIAL|TIMESTAMPTZ|JSONB|BYTEA)\b|\$\$|::"),
    ("mysql", 10, r"^--\s*(?:MySQL|MariaDB) dump\b"),
    ("mysql", 3, r"^/\*!\d{5}"),
    ("mysql", 2, r"\bENGINE\s*=\s*\w+|\bAUTO_INCREMENT\b"),
    ("mysql", 1, r"`\w+`"),
    ("sqlserver", 5, r"^\s*GO\s*$"),
    ("sqlserver", 3, r"^\s*SET\s+(?:ANSI_NULLS|QUOTED_IDENTIFIER|ANSI_PADDING)\b"),
    ("sqlserver", 2, r"\bUSE\s+\[|\[dbo\]\.|\bsp_addlinkedserver\b|\bNVARCHAR\b"),
    ("oracle", 5, r"^\s*/\s*$"),
    ("oracle", 3, r"\bVARCHAR2\b|\bNUMBER\s*\(|\bDATABASE\s+LINK\b|\bSQL\*Plus\b"),
    ("oracle", 2, r"^\s*(?:PROMPT\b|SET\s+DEFINE\s+OFF|SPOOL\b|WHENEVER\s+SQLERROR)"),
]
_COMPILED = [(e, w, re.compile(p, re.M | re.I)) for e, w, p in _MARKS]


def detect(head: str) -> str | None:
    """The engine that most likely wrote ``head`` (first ~64 KiB of text), or None."""
    score = dict.fromkeys(ENGINES, 0)
    for engine, weight, rx in _COMPILED:
        hits = len(rx.findall(head))
        if hits:
            score[engine] += weight * min(hits, 5)
    best = max(ENGINES, key=lambda e: (score[e], -ENGINES.index(e)))
    return best if score[best] else None


def splitter_for(engine: str | None, source: str, merge_rows: bool = False) -> Splitter:
    """A statement splitter configured for ``engine`` (None: every terminator known);
    ``merge_rows``: runs of INSERT lines with one head come out as one statement."""
    if engine == "postgresql":
        return Splitter(source, go_lines=False, slash_lines=False, delimiter_lines=False,
                        nested_comments=True, merge_rows=merge_rows)
    if engine == "mysql":
        return Splitter(source, backslash_escapes=True, go_lines=False, slash_lines=False,
                        meta_lines=False, dollar_quotes=False, merge_rows=merge_rows)
    if engine == "oracle":
        return Splitter(source, go_lines=False, meta_lines=False, delimiter_lines=False,
                        block_head=PLSQL_HEAD, sqlplus_lines=True, dollar_quotes=False,
                        merge_rows=merge_rows)
    if engine == "sqlserver":
        return Splitter(source, slash_lines=False, meta_lines=False, delimiter_lines=False,
                        nested_comments=True, block_head=TSQL_HEAD, dollar_quotes=False,
                        merge_rows=merge_rows)
    return Splitter(source, meta_lines=True, merge_rows=merge_rows)
