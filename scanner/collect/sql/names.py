"""Owns reading SQL names and small token lists out of one (short) DDL statement.

Quoted identifiers of every dialect (``"a b"``, ```a```, ``[a]``) and dotted names;
string literals (``'…'``, ``N'…'``, ``E'…'``) with doubled quotes; a top-level comma
split of a parenthesised list; the table options after a ``CREATE TABLE`` body
(``ENGINE=… `TABLE_TYPE`='…' COMMENT='…'``), read in order so that option-like text
inside a literal value is never taken for an option. Used on statements the splitter has already kept, never
on row data.
"""

from __future__ import annotations

import re

_IDENT = r'"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s.,;()\'"`\[\]=]+'
NAME_RX = re.compile(rf"(?:{_IDENT})(?:\s*\.\s*(?:{_IDENT}))*")
_PART_RX = re.compile(_IDENT)
TOKEN_RX = re.compile(
    r"""[NnEe]?'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[(),;=@]|[^\s(),;='"`\[@]+""")


def unquote(part: str, lower: bool = True) -> str:
    """One identifier without its quotes, lower-cased unless ``lower`` is false."""
    p = part.strip()
    if len(p) >= 2 and p[0] == p[-1] and p[0] in "\"`":
        p = p[1:-1].replace(p[0] * 2, p[0])
    elif len(p) >= 2 and p[0] == "[" and p[-1] == "]":
        p = p[1:-1]
    return p.lower() if lower else p


def name_at(text: str, pos: int, lower: bool = True) -> tuple[list[str], int] | None:
    """The dotted name starting at ``pos`` (after spaces): its parts and where it ends."""
    m = NAME_RX.match(text, pos + (len(text[pos:]) - len(text[pos:].lstrip())))
    if m is None:
        return None
    parts = [unquote(p, lower) for p in _PART_RX.findall(m.group())]
    return parts, m.end()


def literal(token: str) -> str | None:
    """The value of a string literal token (``'a''b'`` → ``a'b``), else None."""
    t = token
    if t[:1] in "NnEe" and t[1:2] == "'":
        t = t[1:]
    if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
        return t[1:-1].replace("''", "'")
    return None


def tokens(text: str) -> list[str]:
    """The tokens of a statement (literals and quoted names are single tokens)."""
    return TOKEN_RX.findall(text)


def paren_body(text: str, start: int) -> tuple[str, int] | None:
    """Text inside the parenthesis opening at or after ``start``, and the end after ``)``."""
    i = text.find("(", start)
    if i == -1:
        return None
    depth = 0
    for m in TOKEN_RX.finditer(text, i):
        t = m.group()
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1:m.start()], m.end()
    return None


def split_top(body: str) -> list[str]:
    """``body`` split at commas that are not inside parentheses or literals."""
    out, depth, last = [], 0, 0
    for m in TOKEN_RX.finditer(body):
        t = m.group()
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif t == "," and depth == 0:
            out.append(body[last:m.start()])
            last = m.end()
    out.append(body[last:])
    return [p.strip() for p in out if p.strip()]


_TABLE_OPTION = re.compile(
    r"""\s*,?\s*(?:DEFAULT\s+)?`?(?P<name>[A-Za-z_][A-Za-z0-9_]*)`?(?:\s*=\s*|\s+)"""
    r"""(?P<value>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|[^\s,;'"]+)""", re.S)


def table_options(text: str, pos: int) -> dict[str, str]:
    """MySQL / MariaDB table options from ``pos`` (after the column list) to the first
    thing that is not ``name[=]value``: upper-case names, values unquoted (``\\'`` and
    ``''`` undone). The first occurrence of a name wins."""
    out: dict[str, str] = {}
    while (m := _TABLE_OPTION.match(text, pos)) is not None and m.end() > pos:
        value = m.group("value")
        if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2:
            q = value[0]
            value = re.sub(r"\\(.)", r"\1", value[1:-1].replace(q * 2, q), flags=re.S)
        out.setdefault(m.group("name").upper(), value)
        pos = m.end()
    return out
