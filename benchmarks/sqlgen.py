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

    python3 benchmarks/sqlgen.py --size 50 --out /tmp/dump.sql    # MB
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

GEN_VERSION = 1
SOURCE_DB = "dpi"
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

    def __init__(self, f):
        self.f, self.offset, self.line = f, 0, 1

    def block(self, text: str) -> tuple[int, int]:
        """Write one top-level block (no blank line inside); return its (line, offset)."""
        assert "\n\n" not in text
        at = (self.line, self.offset)
        data = (text.rstrip("\n") + "\n\n").encode("utf-8")
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
             links: int | None = None) -> Truth:
    """Write a dump of about ``size`` bytes (at least) to ``path``; return its truth.

    ``links`` link statements (default: 20 + one per 200 KB) cycle through
    :data:`KINDS` and are spread evenly; each is followed by one decoy of each kind.
    """
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


def cached(size: int, seed: int = 0, folder: Path = Path("/tmp/hdscan-bench-sql")) -> tuple[Path, Truth]:
    """A dump of ``size`` bytes under ``folder`` (inputs/sql/<host>/…), generated once."""
    base = folder / f"v{GEN_VERSION}-s{seed}-{size}" / "inputs" / "sql" / "dpi-db01"
    dump, meta = base / f"{SOURCE_DB}.sql", base / "truth.json"
    if dump.exists() and meta.exists():
        return dump, Truth.from_json(meta.read_text())
    base.mkdir(parents=True, exist_ok=True)
    truth = generate(dump, size, seed)
    meta.write_text(truth.to_json())
    return dump, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=50, help="MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    opts = ap.parse_args()
    truth = generate(Path(opts.out), int(opts.size * 1e6), opts.seed)
    print(f"{opts.out}: {truth.bytes / 1e6:.1f} MB, {len(truth.links)} links, "
          f"decoys {truth.decoys}")


if __name__ == "__main__":
    main()
