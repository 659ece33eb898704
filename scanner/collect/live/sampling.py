"""Owns opt-in value sampling (``--sample N``): which tables and columns, how many rows, what is kept.

Only with ``--sample N`` (1 ≤ N ≤ :data:`MAX_SAMPLE`). Column names are not trusted:
hospital schemas are full of ``champ_libre_3``, ``zone1`` or ``info_compl`` holding NIRs,
INS or phone numbers, so a table's columns are chosen

* **by name** — a name suggesting an identifier or a code (:data:`CANDIDATE`: NIR / INS /
  social-security numbers, RPPS / ADELI / FINESS, diagnosis and act codes, e-mail, phone,
  ``matricule``, ``num*``, ``code*``, ``*_id``), whatever its type; then
* **by type** — every other column whose declared type can hold one of the validated
  identifiers (:func:`type_kind`): text-like (``char``/``varchar``/``nvarchar``/``text``/
  ``clob``-ish, declared length ≥ :data:`MIN_TEXT_LENGTH` or none) and integers wide enough
  for an RPPS (11 digits) or a NIR (15): ``bigint`` and ``numeric``/``decimal`` with scale 0
  and precision ≥ 11 (or none). ``int``/``smallint`` (≤ 10 digits: no NIR, INS or RPPS fits;
  a phone number loses its leading 0), floats, dates, binary, JSON, arrays and enums are not
  read.

At most :attr:`Limits.columns` columns per table (name-chosen first, then text, then
numbers, each in name order) and :attr:`Limits.tables` tables per URL (tables with a
name-chosen column first); what the caps leave out is counted in a warning. Each table is
read by one allow-listed statement (``queries.SAMPLING``: at most N rows, every chosen
column cast to text and cut to 257 characters, inside the session's read-only transaction
and statement timeout). The values go through :mod:`.values`' validators in memory and are
dropped; what is kept per column is ``"column:validator:matched/sampled"`` for every
validator that matched at least once — with the validator id suffixed :data:`BY_TYPE`
(``zone1:nir.by_type:4/5``) when the column was chosen by its type, so rules can weigh a
shape seen in an anonymous column apart from one in a column named for it. Ids and counts,
never a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .values import matches

MAX_SAMPLE = 10_000
DEFAULT_COLUMNS, MAX_COLUMNS = 50, 500   # rows × columns values are in memory at once
DEFAULT_TABLES, MAX_TABLES = 1_000, 1_000_000
MIN_TEXT_LENGTH = 3          # shortest value a validator passes: a CIM-10 code (``E11``)
MIN_NUMBER_DIGITS = 11       # an RPPS; a NIR / INS is 15
BY_TYPE = ".by_type"
SEED = 5                     # PostgreSQL's REPEATABLE seed: the same rows on every run
OVERSAMPLE = 2               # pages for about OVERSAMPLE × N rows, then the first N
MIN_PAGES = 10               # …and at least this many pages: a few pages hold many short rows

CANDIDATE = re.compile(
    r"(nir|secu|insee|(^|_)ins(_|$)|matricule|rpps|adeli|finess|cim|icd|ccam|diag|acte|"
    r"mail|(^|_)tel|phone|mobile|portable|(^|_)num|(^|_)no(_|$)|code|(^|_)id(_|$)|_id$|ident)",
    re.I)
_TEXT = re.compile(
    r"^(?:national\s+)?(?:character\s+varying|char\s+varying|character|varchar2?|nvarchar2?|"
    r"nchar|char|bpchar|citext|tinytext|mediumtext|longtext|text|ntext|n?clob|name|string)"
    r"(?:\s*\(\s*(\d+)\s*\))?(?:\s|$)", re.I)
_BIG_INTEGER = re.compile(r"^(?:bigint|int8|bigserial|serial8)(?:\s*\(\d+\))?(?:\s|$)", re.I)
_DECIMAL = re.compile(r"^(?:numeric|decimal|number|dec)(?:\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?"
                      r"(?:\s|$)", re.I)


@dataclass(frozen=True)
class Limits:
    """``--sample N`` and its caps: rows per table, columns per table, tables per URL."""

    rows: int
    columns: int = DEFAULT_COLUMNS
    tables: int = DEFAULT_TABLES


@dataclass
class Budget:
    """What is left of one URL's table cap, and what the caps left out (for the warnings)."""

    limits: Limits
    sampled: int = 0
    tables_over: int = 0          # tables not read: the table cap was reached
    capped_tables: int = 0        # tables read with fewer columns than they had to offer
    columns_over: int = 0         # columns those left out

    def take(self) -> bool:
        if self.sampled >= self.limits.tables:
            self.tables_over += 1
            return False
        self.sampled += 1
        return True

    def tables(self, tables: dict):
        """The ``(key, chosen)`` pairs to sample from ``{key: {column: declared type}}``, in
        :func:`order_tables`' order, counting what the table and column caps leave out."""
        for key, chosen, left_out in order_tables(tables, self.limits.columns):
            if not self.take():
                continue
            if left_out:
                self.capped_tables += 1
                self.columns_over += left_out
            yield key, chosen

    def warnings(self, where: str) -> list[str]:
        out = []
        if self.capped_tables:
            out.append(f"{where}: {self.columns_over} columns of {self.capped_tables} tables not "
                       f"sampled (--sample-columns {self.limits.columns})")
        if self.tables_over:
            out.append(f"{where}: {self.tables_over} tables not sampled "
                       f"(--sample-tables {self.limits.tables})")
        return out


def candidate(column: str) -> bool:
    """Whether a column's name suggests identifiers or codes worth validating."""
    return bool(CANDIDATE.search(column))


def type_kind(declared: str | None) -> str | None:
    """``"text"``, ``"number"`` or None: whether a declared column type (``varchar(20)``,
    ``character varying``, ``bigint(20) unsigned``, ``numeric(15,0)``…) can hold a
    validated identifier and is read by type."""
    if not declared:
        return None
    t = declared.strip()
    if t.endswith("]"):                                   # a PostgreSQL array
        return None
    m = _TEXT.match(t)
    if m:
        return "text" if m.group(1) is None or int(m.group(1)) >= MIN_TEXT_LENGTH else None
    if _BIG_INTEGER.match(t):
        return "number"
    m = _DECIMAL.match(t)
    if m:
        precision, scale = m.group(1), m.group(2)
        if precision is None:                              # PostgreSQL's unconstrained numeric
            return "number"
        if (scale is None or int(scale) == 0) and int(precision) >= MIN_NUMBER_DIGITS:
            return "number"
    return None


def choose(columns: dict[str, str | None], limit: int) -> tuple[list[tuple[str, str]], int]:
    """``([(column, "name" | "type")…], left out)``: the columns of one table to read, at
    most ``limit`` (name-chosen, then text, then numbers, each in name order)."""
    named = sorted(c for c in columns if candidate(c))
    kinds = {c: type_kind(t) for c, t in columns.items() if not candidate(c)}
    typed = sorted((c for c, k in kinds.items() if k), key=lambda c: (kinds[c] != "text", c))
    chosen = [(c, "name") for c in named] + [(c, "type") for c in typed]
    return chosen[:limit], max(0, len(chosen) - limit)


def order_tables(tables: dict, limit: int) -> list[tuple]:
    """``[(key, chosen, left out)…]`` for ``{key: {column: declared type}}``: tables with a
    name-chosen column first, then the others, each in key order; a table with no column to
    read is left out."""
    rows = [(key, *choose(cols, limit)) for key, cols in tables.items()]
    return sorted((r for r in rows if r[1]),
                  key=lambda r: (not any(how == "name" for _, how in r[1]), r[0]))


def pg_percent(n: int, rows: int | None, pages: int | None = None) -> float:
    """``TABLESAMPLE SYSTEM`` percent (of the table's pages) for about ``OVERSAMPLE × n``
    rows of a table of ``rows`` rows and ``pages`` pages (the catalogue's estimates), and
    never fewer than :data:`MIN_PAGES` pages; unknown or small: 100, the whole table, where
    ``LIMIT`` stops the scan early."""
    if not rows or rows <= OVERSAMPLE * n:
        return 100.0
    share = OVERSAMPLE * n / rows
    if pages and pages > 0:
        share = max(share, MIN_PAGES / pages)
    return round(min(100.0, max(100.0 * share, 1e-6)), 6)


def summarise(column: str, values, how: str = "name") -> list[str]:
    """``column:validator:matched/sampled`` per validator that matched (``validator.by_type``
    for a column chosen by its type); values are dropped. ``None`` is not a sampled value."""
    return summarise_rows([(column, how)], ((v,) for v in values))


def summarise_rows(chosen: list[tuple[str, str]], rows) -> list[str]:
    """:func:`summarise` for every chosen column of one table's sampled rows (row i holds
    the columns in ``chosen`` order), counted row by row; no value is kept."""
    sampled = [0] * len(chosen)
    counts: list[dict[str, int]] = [{} for _ in chosen]
    for row in rows:
        for i, value in enumerate(row):
            if value is None:
                continue
            sampled[i] += 1
            for name in matches(value):
                counts[i][name] = counts[i].get(name, 0) + 1
    out = []
    for (column, how), n, found in zip(chosen, sampled, counts):
        suffix = BY_TYPE if how == "type" else ""
        out += [f"{column.lower()}:{name}{suffix}:{k}/{n}" for name, k in sorted(found.items())]
    return out


def check_size(n) -> Limits | None:
    """The sample size and caps, bounded: an int N (default caps) or :class:`Limits`;
    None (no sampling) stays None."""
    if n is None:
        return None
    limits = n if isinstance(n, Limits) else Limits(int(n))
    if not 1 <= int(limits.rows) <= MAX_SAMPLE:
        raise ValueError(f"--sample must be between 1 and {MAX_SAMPLE}")
    if not 1 <= int(limits.columns) <= MAX_COLUMNS:
        raise ValueError(f"--sample-columns must be between 1 and {MAX_COLUMNS}")
    if not 1 <= int(limits.tables) <= MAX_TABLES:
        raise ValueError(f"--sample-tables must be between 1 and {MAX_TABLES}")
    return limits
