"""Renders tables as a PostgreSQL ``pg_dump`` plain-format script.

Owns the layout pg_dump 16 writes: header, SET lines, ``search_path``, extensions, one
``CREATE TABLE`` + ``ALTER TABLE … OWNER`` per table, ``COPY … FROM stdin`` blocks with
tab-separated rows ended by ``\\.``, then constraints and the closing comment. Extra DDL
(foreign servers, user mappings, foreign tables, views) is passed in as ready text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """A table: name, ``(column, SQL type)`` pairs, rows (tuples of values, None = NULL)."""
    name: str
    columns: list[tuple[str, str]]
    rows: list[tuple] = field(default_factory=list)
    primary_key: str | None = None


def _copy_value(v) -> str:
    if v is None:
        return "\\N"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _entry(name: str, kind: str, owner: str, schema: str = "public") -> str:
    return f"--\n-- Name: {name}; Type: {kind}; Schema: {schema}; Owner: {owner}\n--\n\n"


def pg_dump(database: str, owner: str, tables: list[Table], *, version: str = "16.2",
            extensions: list[str] = (), before_tables: str = "", after_tables: str = "") -> str:
    """The text of ``pg_dump --format=plain <database>``."""
    out = ["--\n-- PostgreSQL database dump\n--\n\n",
           f"-- Dumped from database version {version}\n-- Dumped by pg_dump version {version}\n\n",
           "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n"
           "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
           "SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\n"
           "SET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n\n"]
    for ext in extensions:
        out.append(f"--\n-- Name: {ext}; Type: EXTENSION; Schema: -; Owner: -\n--\n\n"
                   f"CREATE EXTENSION IF NOT EXISTS {ext} WITH SCHEMA public;\n\n\n")
    out.append("SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n")
    out.append(before_tables)
    for t in tables:
        cols = ",\n".join(f"    {c} {typ}" for c, typ in t.columns)
        out.append(_entry(t.name, "TABLE", owner) + f"CREATE TABLE public.{t.name} (\n{cols}\n);\n\n\n"
                   f"ALTER TABLE public.{t.name} OWNER TO {owner};\n\n")
    out.append(after_tables)
    for t in tables:
        names = ", ".join(c for c, _ in t.columns)
        out.append(f"--\n-- Data for Name: {t.name}; Type: TABLE DATA; Schema: public; Owner: {owner}\n--\n\n"
                   f"COPY public.{t.name} ({names}) FROM stdin;\n")
        out.extend("\t".join(_copy_value(v) for v in row) + "\n" for row in t.rows)
        out.append("\\.\n\n\n")
    for t in tables:
        if t.primary_key:
            out.append(_entry(f"{t.name} {t.name}_pkey", "CONSTRAINT", owner)
                       + f"ALTER TABLE ONLY public.{t.name}\n    ADD CONSTRAINT {t.name}_pkey PRIMARY KEY ({t.primary_key});\n\n\n")
    out.append("--\n-- PostgreSQL database dump complete\n--\n\n")
    return "".join(out)
