"""Renders tables as an Oracle SQL Developer export (DDL then ``Insert into`` lines).

Owns that tool's layout: the dashed ``File created`` banner, ``DDL for Table`` sections
with quoted ``"SCHEMA"."TABLE"`` names, VARCHAR2/NUMBER/DATE columns and storage
clauses, ``REM INSERTING into`` data sections with ``SET DEFINE OFF;``, then constraints.
"""

from __future__ import annotations

from .pgdump import Table


def _value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    text = str(v)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"to_date('{text}','YYYY-MM-DD')"
    return "'" + text.replace("'", "''") + "'"


def oracle_export(schema: str, tablespace: str, tables: list[Table]) -> str:
    """The text of a SQL Developer "Export Wizard" script for ``tables`` of ``schema``."""
    out = ["--------------------------------------------------------\n"
           "--  File created - lundi-mars-09-2026   \n"
           "--------------------------------------------------------\n"]
    for t in tables:
        cols = ",\n".join(f'\t"{c.upper()}" {typ}' for c, typ in t.columns)
        out.append("--------------------------------------------------------\n"
                   f"--  DDL for Table {t.name.upper()}\n"
                   "--------------------------------------------------------\n\n"
                   f'  CREATE TABLE "{schema}"."{t.name.upper()}" \n   (\t{cols.lstrip()}\n   ) '
                   "SEGMENT CREATION IMMEDIATE \n  PCTFREE 10 PCTUSED 40 INITRANS 1 MAXTRANS 255 \n"
                   f' NOCOMPRESS LOGGING\n  TABLESPACE "{tablespace}" ;\n')
    for t in tables:
        names = ",".join(c.upper() for c, _ in t.columns)
        out.append(f"REM INSERTING into {schema}.{t.name.upper()}\nSET DEFINE OFF;\n")
        out.extend(f"Insert into {schema}.{t.name.upper()} ({names}) values ({','.join(_value(v) for v in row)});\n"
                   for row in t.rows)
    for t in tables:
        if t.primary_key:
            out.append("--------------------------------------------------------\n"
                       f"--  Constraints for Table {t.name.upper()}\n"
                       "--------------------------------------------------------\n\n"
                       f'  ALTER TABLE "{schema}"."{t.name.upper()}" ADD CONSTRAINT "PK_{t.name.upper()}" '
                       f'PRIMARY KEY ("{t.primary_key.upper()}")\n  USING INDEX  ENABLE;\n')
    return "".join(out)
