"""Owns generating a deterministic mixed SQL dump of a given size whose links are known.

The dump is pg_dump-flavoured (header, ``SET`` lines, ``COPY … FROM stdin`` blocks with
fake rows, multi-row ``INSERT``s, one huge single-line ``INSERT``, ``CREATE TABLE``,
``CREATE FUNCTION … $$ … $$`` bodies) with, spread evenly through it, link statements of
every kind the ``sql-dump`` collector knows: postgres_fdw servers and foreign tables
(with a user mapping that must not matter), ``dblink()`` in views, Oracle
``CREATE DATABASE LINK … USING '(DESCRIPTION=…)'``, ``EXEC sp_addlinkedserver`` and
MySQL ``ENGINE=FEDERATED CONNECTION='mysql://…'``.

Decoys that are *not* links sit beside them: links commented out with ``--`` and with
``/* */`` (nested too), and link text inside string literals (INSERT values, COPY data,
``COMMENT ON … IS '…'``, a ``RAISE NOTICE`` inside a dollar-quoted function body).
Optional decoy kinds (``EXTRA_DECOYS``) are kept out of the default mix; each probes a
known weak spot of a link finder.

:func:`generate` writes the file and returns :class:`Truth`: every link as the
collector should report it (mechanism, object, target host/port/engine/database, line)
and the lines of every statement that defines or uses a link. Top-level blocks are
separated by one blank line and no blank line occurs inside a block, so a prefix of the
file cut at a blank line is itself a valid dump (``Truth.upto`` gives its links).

Other tools' dumps (``--flavour mysql|sqlserver|oracle``: mysqldump, SSMS scripts with
``GO`` batches in cp1252, Oracle SQL*Plus scripts with ``/`` terminators in latin-1) come
from :func:`generate_flavour` with the same :class:`Truth`.

    python3 benchmarks/sqlgen.py --size 50 --out /tmp/dump.sql    # MB
    python3 benchmarks/sqlgen.py --size 50 --flavour oracle --out /tmp/ora.sql
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

GEN_VERSION = 1
SOURCE_DB = "dpi"
# dump flavours: the tool that wrote it and the encoding it is written in
FLAVOURS = ("postgresql", "mysql", "sqlserver", "oracle")
ENCODINGS = {"postgresql": "utf-8", "mysql": "utf-8", "sqlserver": "cp1252", "oracle": "latin-1"}
KINDS = ("postgres_fdw", "dblink", "oracle_dblink", "linked_server", "federated")
EXTRA_DECOYS = ("linked_server_in_body", "openquery_in_string")

_FIRST = ("Jeanne", "Hélène", "François", "Loïc", "Amélie", "Noël", "Zoé", "Gaëlle", "Jérôme")
_LAST = ("Dupont", "Lefèvre", "Müller", "Garçon", "Bénard", "Rousseau", "Faure", "Leroy")
_WARDS = ("cardiologie", "urgences", "pédiatrie", "réanimation", "radiologie", "maternité")


@dataclass(frozen=True, order=True)
class Link:
    line: int
    offset: int                  # byte offset where the statement starts
    mechanism: str
    object: str
    target_host: str
    target_port: int | None
    target_engine: str
    target_database: str | None

    def key(self) -> tuple:
        """What identifies the link regardless of where it was read."""
        return (self.mechanism, self.object, self.target_host, self.target_port,
                self.target_engine, self.target_database)


@dataclass
class Truth:
    path: str
    bytes: int
    links: list[Link] = field(default_factory=list)
    statement_lines: list[int] = field(default_factory=list)   # link definitions and uses
    statement_offsets: list[int] = field(default_factory=list)
    decoys: dict[str, int] = field(default_factory=dict)

    def upto(self, offset: int) -> tuple[list[Link], list[int]]:
        """Links and link-statement lines of the prefix of the file before ``offset``."""
        return ([k for k in self.links if k.offset < offset],
                [ln for ln, off in zip(self.statement_lines, self.statement_offsets) if off < offset])

    def score(self, found: list[tuple], offset: int | None = None) -> tuple[float, float, list, list]:
        """Recall, precision, missed and spurious link keys (:meth:`Link.key`) of ``found``,
        against the whole file or the prefix before ``offset``."""
        links = self.links if offset is None else self.upto(offset)[0]
        return _score(found, [k.key() for k in links])

    def score_lines(self, flagged: list[int], offset: int | None = None) -> tuple[float, float, list, list]:
        """The same for link-statement lines flagged by a pre-filter."""
        lines = self.statement_lines if offset is None else self.upto(offset)[1]
        return _score(flagged, lines)

    def to_json(self) -> str:
        return json.dumps({"path": self.path, "bytes": self.bytes, "decoys": self.decoys,
                           "links": [asdict(k) for k in self.links],
                           "statement_lines": self.statement_lines,
                           "statement_offsets": self.statement_offsets}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Truth":
        d = json.loads(text)
        return cls(d["path"], d["bytes"], [Link(**k) for k in d["links"]],
                   d["statement_lines"], d["statement_offsets"], d["decoys"])


def _score(found: list, truth: list) -> tuple[float, float, list, list]:
    found_set, truth_set = set(found), set(truth)
    hit = found_set & truth_set
    recall = len(hit) / len(truth_set) if truth_set else 1.0
    precision = len(hit) / len(found_set) if found_set else 1.0
    return recall, precision, sorted(truth_set - found_set), sorted(found_set - truth_set)


class _Writer:
    """Appends blocks, tracking byte offset and line number."""

    def __init__(self, f, encoding: str = "utf-8"):
        self.f, self.offset, self.line, self.encoding = f, 0, 1, encoding

    def block(self, text: str) -> tuple[int, int]:
        """Write one top-level block (no blank line inside); return its (line, offset)."""
        assert "\n\n" not in text
        at = (self.line, self.offset)
        data = (text.rstrip("\n") + "\n\n").encode(self.encoding)
        self.f.write(data)
        self.offset += len(data)
        self.line += data.count(b"\n")
        return at


def _row_pool(rng: random.Random, n: int) -> list[tuple]:
    return [(rng.choice(_LAST), rng.choice(_FIRST), f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
             rng.choice(_WARDS), rng.randint(1, 10 ** 9)) for _ in range(n)]


def _copy_body(rows: list[tuple]) -> str:
    return "\n".join(f"{i}\t{a}\t{b}\t{c}\t{d}\t{e}" for i, (a, b, c, d, e) in enumerate(rows, 1))


def _insert_body(rows: list[tuple], per_line: bool) -> str:
    sep = ",\n" if per_line else ","
    return sep.join(f"({i}, '{a.replace(chr(39), chr(39) * 2)}', '{b}', '{c}', '{d}', {e})"
                    for i, (a, b, c, d, e) in enumerate(rows, 1))


class _Gen:
    def __init__(self, w: _Writer, truth: Truth, rng: random.Random, extra: tuple[str, ...]):
        self.w, self.truth, self.rng, self.extra = w, truth, rng, extra
        self.n = 0

    def _host(self, prefix: str) -> str:
        return f"{prefix}{self.n:04d}.ch-bench.local"

    def link(self, kind: str, statement: str, obj: str, host: str, port: int | None,
             engine: str, db: str | None, mechanism: str | None = None) -> None:
        line, off = self.w.block(statement)
        self.truth.links.append(Link(line, off, mechanism or kind, obj, host, port, engine, db))
        self.truth.statement_lines.append(line)
        self.truth.statement_offsets.append(off)

    def definition(self, statement: str) -> None:
        """A statement that defines a link used (and reported) elsewhere."""
        line, off = self.w.block(statement)
        self.truth.statement_lines.append(line)
        self.truth.statement_offsets.append(off)

    def decoy(self, kind: str, text: str) -> None:
        self.w.block(text)
        self.truth.decoys[kind] = self.truth.decoys.get(kind, 0) + 1

    def emit_link(self, kind: str) -> None:
        self.n += 1
        n = self.n
        if kind == "postgres_fdw":
            host, db = self._host("entrepot"), f"entrepot_{n % 7}"
            self.definition(f"CREATE SERVER srv_{n} FOREIGN DATA WRAPPER postgres_fdw "
                            f"OPTIONS (\n    host '{host}',\n    port '5433',\n    dbname '{db}'\n);")
            self.w.block(f"CREATE USER MAPPING FOR dpi_app SERVER srv_{n} "
                         f"OPTIONS (\n    \"user\" 'lecteur',\n    password 'Secret-{n}'\n);")
            self.link(kind, f"CREATE FOREIGN TABLE public.ft_sejour_{n} (\n    id integer,\n"
                      f"    ward text\n)\nSERVER srv_{n}\nOPTIONS (\n    schema_name 'public',\n"
                      f"    table_name 'sejour'\n);", f"public.ft_sejour_{n}", host, 5433,
                      "postgresql", db)
        elif kind == "dblink":
            host, db = self._host("labo"), f"lab_{n % 5}"
            self.link(kind, f"CREATE VIEW public.v_resultats_{n} AS\n SELECT t.id, t.code\n"
                      f"   FROM public.dblink('host={host} port=5432 dbname={db} user=ro', "
                      f"'SELECT id, code FROM resultat'::text) t(id integer, code text);",
                      f"public.v_resultats_{n}", host, 5432, "postgresql", db)
        elif kind == "oracle_dblink":
            host, svc = self._host("gam-ora"), f"GAM{n % 3}"
            self.link(kind, f"CREATE DATABASE LINK gam_link_{n} CONNECT TO gam_ro IDENTIFIED BY "
                      f"\"Pw{n}\" USING '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST={host})"
                      f"(PORT=1521))(CONNECT_DATA=(SERVICE_NAME={svc})))';",
                      f"gam_link_{n}", host, 1521, "oracle", svc)
        elif kind == "linked_server":
            host = self._host("compta-sql")
            self.link(kind, f"EXEC sp_addlinkedserver @server = 'COMPTA{n}', @srvproduct = '', "
                      f"@provider = 'SQLNCLI', @datasrc = '{host},14{n % 10}3', "
                      f"@catalog = 'Compta{n % 4}';", f"COMPTA{n}", host, int(f"14{n % 10}3"),
                      "sqlserver", f"Compta{n % 4}")
        elif kind == "federated":
            host, db = self._host("rh-maria"), f"paie_{n % 3}"
            self.link(kind, f"CREATE TABLE public.fed_agents_{n} (\n    id integer,\n    service text\n)"
                      f" ENGINE=FEDERATED CONNECTION='mysql://lecteur:pw{n}@{host}:3306/{db}/agents';",
                      f"public.fed_agents_{n}", host, 3306, "mysql", db)
        else:
            raise ValueError(kind)

    def emit_decoys(self) -> None:
        n = self.n
        h = f"leurre{n:04d}.ch-bench.local"
        self.decoy("line_comment",
                   f"-- CREATE SERVER old_srv_{n} FOREIGN DATA WRAPPER postgres_fdw "
                   f"OPTIONS (host '{h}', dbname 'old');\n"
                   f"-- CREATE FOREIGN TABLE public.old_ft_{n} (id integer) SERVER old_srv_{n};\n"
                   f"-- EXEC sp_addlinkedserver @server = 'OLD{n}', @srvproduct = '', "
                   f"@provider = 'SQLNCLI', @datasrc = '{h}';")
        self.decoy("block_comment",
                   f"/*\nCREATE DATABASE LINK old_link_{n} USING '(DESCRIPTION=(ADDRESS="
                   f"(HOST={h})(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=OLD)))';\n"
                   f"/* nested */ CREATE VIEW public.old_v_{n} AS SELECT * FROM "
                   f"dblink('host={h} dbname=old', 'SELECT 1') t(x integer);\n*/")
        self.decoy("comment_literal",
                   f"COMMENT ON TABLE public.patient_{n % 50} IS 'ancien lien : CREATE SERVER "
                   f"s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ''{h}''); "
                   f"CREATE DATABASE LINK l USING ''{h}/X''';")
        self.decoy("function_body",
                   f"CREATE FUNCTION public.audit_{n}() RETURNS void\n    LANGUAGE plpgsql\n"
                   f"    AS $fn$\nBEGIN\n  -- CREATE FOREIGN TABLE x SERVER y;\n"
                   f"  RAISE NOTICE 'CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw "
                   f"OPTIONS (host ''{h}'');';\n  PERFORM 1;\nEND;\n$fn$;")
        self.decoy("insert_literal",
                   f"INSERT INTO public.journal (id, texte) VALUES ({n}, 'EXEC sp_addlinkedserver "
                   f"@server = ''X'', @datasrc = ''{h}''; CREATE DATABASE LINK z USING ''{h}/Z'';');")
        self.decoy("string_in_view",
                   f"CREATE VIEW public.v_aide_{n} AS\n SELECT 'exemple : "
                   f"dblink(''host={h} dbname=aide'', ''SELECT 1'')'::text AS aide;")
        if "linked_server_in_body" in self.extra:
            self.decoy("linked_server_in_body",
                       f"CREATE FUNCTION public.aide_{n}() RETURNS text\n    LANGUAGE sql\n"
                       f"    AS $$ SELECT 'EXEC sp_addlinkedserver @server = ''AIDE{n}'', "
                       f"@srvproduct = ''SQL Server'''::text $$;")
        if "openquery_in_string" in self.extra:
            self.decoy("openquery_in_string",
                       f"CREATE VIEW public.v_doc_{n} AS\n SELECT 'SELECT * FROM "
                       f"OPENQUERY(LEURRE{n}, ''SELECT 1'')'::text AS doc;")


_HEADER = """--
-- PostgreSQL database dump
--
-- Dumped from database version 15.6
-- Dumped by pg_dump version 15.6
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);"""


def generate(path: Path, size: int, seed: int = 0, extra: tuple[str, ...] = (),
             links: int | None = None, flavour: str = "postgresql") -> Truth:
    """Write a dump of about ``size`` bytes (at least) to ``path``; return its truth.

    ``links`` link statements (default: 20 + one per 200 KB) cycle through
    :data:`KINDS` (or the flavour's own kinds) and are spread evenly; each is followed
    by one decoy of each kind. ``flavour``: ``postgresql`` (pg_dump, UTF-8), or one of
    :data:`FLAVOURS`' other tools (:func:`generate_flavour`).
    """
    if flavour != "postgresql":
        return generate_flavour(path, size, seed, flavour, links)
    rng = random.Random(seed)
    pool = _row_pool(rng, 4000)
    copy_body = _copy_body(pool[:600])
    insert_body = _insert_body(pool[2000:2250], per_line=False)
    big_insert = _insert_body(pool, per_line=False)          # one line, ~300 KB
    count = links if links is not None else 20 + size // 200_000
    path = Path(path)
    with open(path, "wb") as f:
        w = _Writer(f)
        truth = Truth(str(path), 0)
        g = _Gen(w, truth, rng, extra)
        w.block(_HEADER)
        w.block("CREATE EXTENSION IF NOT EXISTS postgres_fdw WITH SCHEMA public;\n"
                "CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA public;")
        w.block("CREATE TABLE public.journal (\n    id integer NOT NULL,\n    texte text\n);")
        w.block("\n".join(f"CREATE TABLE public.patient_{i} (\n    id integer NOT NULL,\n"
                          f"    nom text,\n    prenom text,\n    date_naissance date,\n"
                          f"    service text,\n    nir bigint\n);" for i in range(50)))
        done, block_no = 0, 0
        while done < count or w.offset < size:
            block_no += 1
            table = f"public.patient_{block_no % 50}"
            cols = "(id, nom, prenom, date_naissance, service, nir)"
            choice = block_no % 4
            if choice in (0, 1):
                w.block(f"COPY {table} {cols} FROM stdin;\n{copy_body}\n\\.")
            elif choice == 2:
                w.block(f"INSERT INTO {table} {cols} VALUES {insert_body};")
            elif block_no % 40 == 39:
                w.block(f"INSERT INTO {table} {cols} VALUES {big_insert};")
            else:
                w.block(f"CREATE FUNCTION public.calc_{block_no}(x integer) RETURNS integer\n"
                        f"    LANGUAGE plpgsql\n    AS $$\nDECLARE r integer; s text := 'a;b';\n"
                        f"BEGIN\n  SELECT count(*) INTO r FROM {table} WHERE id > x; -- ';'\n"
                        f"  RETURN r;\nEND;\n$$;")
            # the next link is due once its share of the file is written
            while done < count and (w.offset >= size * done / count or w.offset >= size):
                g.emit_link(KINDS[done % len(KINDS)])
                g.emit_decoys()
                done += 1
        truth.bytes = w.offset
    return truth


# -- other tools' dumps ---------------------------------------------------------------

FLAVOUR_KINDS = {"mysql": ("federated", "connect"),
                 "sqlserver": ("linked_server", "four_part", "openrowset"),
                 "oracle": ("oracle_synonym", "oracle_plsql")}
# cp1252 has œ and € where latin-1 has neither: the SSMS flavour uses them
_CP1252_LAST = ("Lefèvre", "Cœur", "Bénard", "Garçon", "Müller", "Faure")


def _flavour_header(flavour: str) -> str:
    if flavour == "mysql":
        return ("-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost"
                "    Database: dpi\n-- ------------------------------------------------------\n"
                "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
                "/*!40101 SET NAMES utf8mb4 */;\n/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, "
                "UNIQUE_CHECKS=0 */;")
    if flavour == "sqlserver":
        return ("USE [master]\nGO\n/****** Object:  Database [DPI]    Script Date: 23/11/2026 ******/\n"
                "SET ANSI_NULLS ON\nGO\nSET QUOTED_IDENTIFIER ON\nGO\nUSE [DPI]\nGO")
    return ("-- SQL*Plus script generated from GAM (expdp SQLFILE)\nSET DEFINE OFF\n"
            "WHENEVER SQLERROR CONTINUE")


class _Flavour(_Gen):
    """Blocks, links and decoys of one other tool's dump (:func:`generate_flavour`)."""

    def __init__(self, w, truth, rng, flavour: str):
        super().__init__(w, truth, rng, ())
        self.flavour = flavour
        last = _CP1252_LAST if flavour == "sqlserver" else _LAST
        self.rows = [(rng.choice(last), rng.choice(_FIRST),
                      f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                      rng.choice(_WARDS), rng.randint(1, 10 ** 9)) for _ in range(4000)]

    def _tuples(self, rows) -> list[str]:
        if self.flavour == "mysql":          # mysqldump: backslash escapes
            q = "\\'"
            return [f"({i},'{a}','{b}','{c}','{d} l{q}unité',{e})"
                    for i, (a, b, c, d, e) in enumerate(rows, 1)]
        n = "N" if self.flavour == "sqlserver" else ""
        euro = " €" if self.flavour == "sqlserver" else " ½"
        return [f"({i}, {n}'{a}', {n}'{b}', '{c}', {n}'{d}{euro} l''unité', {e})"
                for i, (a, b, c, d, e) in enumerate(rows, 1)]

    def data(self, block_no: int) -> None:
        """A block of rows; every 40th block a huge single-line INSERT (~300 KB)."""
        table = f"patient_{block_no % 50}"
        cols = "(ID,NOM,PRENOM,DATE_NAISSANCE,SERVICE,NIR)"
        if block_no % 40 == 39:
            rows = self.rows
        else:
            start = (block_no * 7) % 3000
            rows = self.rows[start:start + (250 if self.flavour == "mysql" else 60)]
        tuples = self._tuples(rows)
        if self.flavour == "mysql":
            self.w.block(f"LOCK TABLES `{table}` WRITE;\n/*!40000 ALTER TABLE `{table}` DISABLE KEYS */;\n"
                         f"INSERT INTO `{table}` VALUES {','.join(tuples)};\n"
                         f"/*!40000 ALTER TABLE `{table}` ENABLE KEYS */;\nUNLOCK TABLES;")
        elif self.flavour == "sqlserver":
            if len(rows) > 60:
                self.w.block(f"INSERT INTO [dbo].[{table}] {cols} VALUES {', '.join(tuples)}\nGO")
            else:
                self.w.block("\n".join(f"INSERT [dbo].[{table}] {cols} VALUES {t}" for t in tuples)
                             + "\nGO")
        elif len(rows) > 60:
            self.w.block(f"INSERT INTO GAM.{table.upper()} {cols} VALUES {', '.join(tuples)};")
        else:
            self.w.block("\n".join(f"Insert into GAM.{table.upper()} {cols} values {t};"
                                   for t in tuples))

    def ddl(self, block_no: int) -> None:
        n = block_no
        if self.flavour == "mysql":
            self.w.block(f"DROP TABLE IF EXISTS `stat_{n}`;\n/*!40101 SET @saved_cs_client = "
                         f"@@character_set_client */;\nCREATE TABLE `stat_{n}` (\n  `id` int NOT NULL "
                         f"AUTO_INCREMENT,\n  `libelle` varchar(80) DEFAULT 'a;b',\n  PRIMARY KEY (`id`)\n"
                         f") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='stats; service';")
        elif self.flavour == "sqlserver":
            self.w.block(f"CREATE PROCEDURE [dbo].[calc_{n}] @x int AS\nBEGIN\n  SET NOCOUNT ON;\n"
                         f"  DECLARE @r int; SELECT @r = count(*) FROM [dbo].[patient_{n % 50}] "
                         f"WHERE id > @x; -- ';'\n  RETURN @r\nEND\nGO")
        else:
            self.w.block(f"CREATE OR REPLACE PROCEDURE GAM.CALC_{n} (x IN NUMBER) AS\n  r NUMBER;\n"
                         f"  s VARCHAR2(10) := 'a;b';\nBEGIN\n  SELECT count(*) INTO r FROM "
                         f"GAM.PATIENT_{n % 50} WHERE id > x; -- ';'\nEND;\n/")

    def emit_link(self, kind: str) -> None:
        self.n += 1
        n = self.n
        if kind in ("federated", "connect"):
            host, db = self._host("rh-maria" if kind == "federated" else "labo-maria"), f"paie_{n % 3}"
            engine = ("ENGINE=FEDERATED DEFAULT CHARSET=utf8mb4" if kind == "federated" else
                      "ENGINE=CONNECT DEFAULT CHARSET=utf8mb4 TABLE_TYPE=MYSQL")
            port = 3306 if kind == "federated" else 3307
            self.link(kind, f"CREATE TABLE `ext_agents_{n}` (\n  `id` int DEFAULT NULL,\n"
                      f"  `service` varchar(40) DEFAULT NULL\n) {engine} "
                      f"CONNECTION='mysql://lecteur:pw{n}@{host}:{port}/{db}/agents';",
                      f"ext_agents_{n}", host, port, "mysql", db)
        elif kind in ("linked_server", "four_part"):
            host, cat = self._host("compta-sql"), f"Compta{n % 4}"
            port = int(f"14{n % 10}3")
            self.definition(f"EXEC master.dbo.sp_addlinkedserver @server = N'COMPTA{n}', "
                            f"@srvproduct=N'', @provider=N'SQLNCLI', @datasrc=N'{host},{port}', "
                            f"@catalog=N'{cat}'\nGO")
            self.w.block(f"EXEC master.dbo.sp_addlinkedsrvlogin @rmtsrvname=N'COMPTA{n}', "
                         f"@useself=N'False', @rmtuser=N'lecteur', @rmtpassword='Secret-{n}'\nGO")
            if kind == "linked_server":
                self.link(kind, f"CREATE VIEW [dbo].[v_factures_{n}] AS\nSELECT * FROM "
                          f"OPENQUERY(COMPTA{n}, 'SELECT id, montant FROM factures')\nGO",
                          f"dbo.v_factures_{n}", host, port, "sqlserver", cat)
            else:
                self.link("linked_server", f"CREATE VIEW [dbo].[v_reglements_{n}] AS\nSELECT r.id "
                          f"FROM [COMPTA{n}].[{cat}].[dbo].[reglements] r\nGO",
                          f"dbo.v_reglements_{n}", host, port, "sqlserver", cat)
        elif kind == "openrowset":
            host = self._host("labo-sql")
            self.link(kind, f"CREATE VIEW [dbo].[v_labo_{n}] AS\nSELECT * FROM OPENROWSET('SQLNCLI', "
                      f"'Server={host},1444;Database=Labo{n % 3};Uid=lecteur;Pwd=Secret-{n};', "
                      f"'SELECT id FROM resultat') AS a\nGO", f"dbo.v_labo_{n}", host, 1444,
                      "sqlserver", f"Labo{n % 3}")
        else:
            host, svc = self._host("gam-ora"), f"GAM{n % 3}"
            self.definition(f'CREATE DATABASE LINK "GAM_LINK_{n}"\n  CONNECT TO "GAM_RO" IDENTIFIED BY '
                            f"VALUES ':1'\n  USING '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST={host})"
                            f"(PORT=1521))(CONNECT_DATA=(SERVICE_NAME={svc})))';")
            if kind == "oracle_synonym":
                self.link("oracle_dblink", f'CREATE OR REPLACE SYNONYM "DPI"."PATIENT_GAM_{n}" FOR '
                          f'"GAM"."PATIENT"@"GAM_LINK_{n}";', f"dpi.patient_gam_{n}", host, 1521,
                          "oracle", svc)
            else:
                self.link("oracle_dblink", f"CREATE OR REPLACE PROCEDURE DPI.SYNC_{n} AS\nBEGIN\n"
                          f"  INSERT INTO DPI.SEJOUR_GAM SELECT * FROM sejour@gam_link_{n};\n"
                          f"  COMMIT;\nEND;\n/", f"dpi.sync_{n}", host, 1521, "oracle", svc)

    def emit_decoys(self) -> None:
        n, h = self.n, f"leurre{self.n:04d}.ch-bench.local"
        if self.flavour == "mysql":
            self.decoy("line_comment", f"-- CREATE TABLE `old_{n}` (id int) ENGINE=FEDERATED "
                                       f"CONNECTION='mysql://u@{h}:3306/old/t';")
            self.decoy("block_comment", f"/* CREATE TABLE `old2_{n}` (id int) ENGINE=CONNECT "
                                        f"TABLE_TYPE=MYSQL CONNECTION='mysql://u@{h}/old/t'; */")
            self.decoy("comment_literal", f"CREATE TABLE `note_{n}` (`id` int) ENGINE=InnoDB "
                                          f"COMMENT='was ENGINE=FEDERATED CONNECTION=\\'mysql://{h}/x/y\\'';")
            self.decoy("insert_literal", f"INSERT INTO `journal` VALUES ({n},'CREATE TABLE t ENGINE="
                                         f"FEDERATED CONNECTION=\\'mysql://u@{h}:3306/a/b\\';');")
        elif self.flavour == "sqlserver":
            self.decoy("line_comment", f"--EXEC master.dbo.sp_addlinkedserver @server = N'OLD{n}', "
                                       f"@srvproduct=N'', @provider=N'SQLNCLI', @datasrc=N'{h}'\nGO")
            self.decoy("block_comment", f"/*\nCREATE VIEW [dbo].[old_v_{n}] AS SELECT * FROM "
                                        f"OPENQUERY([{h}], 'SELECT 1')\n*/\nGO")
            self.decoy("insert_literal", f"INSERT [dbo].[journal] ([id], [texte]) VALUES ({n}, "
                                         f"N'EXEC sp_addlinkedserver @server = ''X'', @datasrc = ''{h}''')\nGO")
            self.decoy("print_literal", f"PRINT 'OPENROWSET(''SQLNCLI'', ''Server={h};'', "
                                        f"''SELECT 1'')'\nGO")
        else:
            self.decoy("line_comment", f"-- CREATE DATABASE LINK old_{n} USING '{h}:1521/OLD';\n"
                                       f"-- CREATE SYNONYM dpi.old_{n} FOR gam.patient@old_{n};")
            self.decoy("block_comment", f"/* CREATE DATABASE LINK old2_{n} USING '{h}/X';\n"
                                        f"CREATE SYNONYM dpi.old2_{n} FOR gam.patient@old2_{n}; */")
            self.decoy("insert_literal", f"Insert into DPI.JOURNAL (ID,TEXTE) values ('{n}','CREATE "
                                         f"DATABASE LINK z USING ''{h}/Z''; voir patient@gam_link_{n}');")
            self.decoy("string_in_view", f"CREATE OR REPLACE VIEW DPI.V_CONTACT_{n} AS SELECT "
                                         f"'support@gam_link_{n}' AS contact FROM dual;")


def generate_flavour(path: Path, size: int, seed: int, flavour: str,
                     links: int | None = None) -> Truth:
    """An other tool's dump (``mysql``, ``sqlserver``, ``oracle``) of about ``size`` bytes.

    Same shape as the pg_dump flavour: data blocks (multi-row or per-row INSERTs, a huge
    single-line INSERT every 40 blocks), procedures / tables with ``;`` inside strings,
    links of :data:`FLAVOUR_KINDS` spread evenly, each followed by the flavour's decoys;
    written in :data:`ENCODINGS`' encoding (cp1252 for SSMS, latin-1 for Oracle).
    """
    if flavour not in FLAVOUR_KINDS:
        raise ValueError(f"unknown flavour {flavour!r}")
    rng = random.Random(seed)
    kinds = FLAVOUR_KINDS[flavour]
    count = links if links is not None else 20 + size // 200_000
    path = Path(path)
    with open(path, "wb") as f:
        w = _Writer(f, ENCODINGS[flavour])
        truth = Truth(str(path), 0)
        g = _Flavour(w, truth, rng, flavour)
        w.block(_flavour_header(flavour))
        done, block_no = 0, 0
        while done < count or w.offset < size:
            block_no += 1
            if block_no % 4 == 3 and block_no % 40 != 39:
                g.ddl(block_no)
            else:
                g.data(block_no)
            while done < count and (w.offset >= size * done / count or w.offset >= size):
                g.emit_link(kinds[done % len(kinds)])
                g.emit_decoys()
                done += 1
        truth.bytes = w.offset
    return truth


def cached(size: int, seed: int = 0, folder: Path = Path("/tmp/hdscan-bench-sql"),
           flavour: str = "postgresql") -> tuple[Path, Truth]:
    """A dump of ``size`` bytes under ``folder`` (inputs/sql/<host>/…), generated once."""
    tag = "" if flavour == "postgresql" else f"-{flavour}"
    base = folder / f"v{GEN_VERSION}-s{seed}-{size}{tag}" / "inputs" / "sql" / "dpi-db01"
    dump, meta = base / f"{SOURCE_DB}.sql", base / "truth.json"
    if dump.exists() and meta.exists():
        return dump, Truth.from_json(meta.read_text())
    base.mkdir(parents=True, exist_ok=True)
    truth = generate(dump, size, seed, flavour=flavour)
    meta.write_text(truth.to_json())
    return dump, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=50, help="MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--flavour", default="postgresql", choices=FLAVOURS)
    opts = ap.parse_args()
    truth = generate(Path(opts.out), int(opts.size * 1e6), opts.seed, flavour=opts.flavour)
    print(f"{opts.out}: {truth.bytes / 1e6:.1f} MB, {len(truth.links)} links, "
          f"decoys {truth.decoys}")


if __name__ == "__main__":
    main()
