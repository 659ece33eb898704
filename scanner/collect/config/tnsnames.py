"""Owns Oracle ``tnsnames.ora``: ``ALIAS = (DESCRIPTION = …)`` entries over many lines.

Each alias becomes one entry keyed by the alias (``DPI.CH-EXAMPLE.LOCAL``) at the line
where the alias is written; its value is the whole descriptor, read by
``connection_strings.tns_descriptor``.  ``#`` comments are dropped.
"""

from __future__ import annotations

import re

from ...errors import InputError, SourceLocation
from .entries import Entry, make, split_lines

_ALIAS = re.compile(r"\s*([A-Za-z0-9_.,\-\s]+?)\s*=\s*")


def tnsnames_entries(text: str, source: str) -> list[Entry]:
    lines = [line.split("#", 1)[0] for line in split_lines(text)]
    flat = "\n".join(lines)
    out: list[Entry] = []
    pos = 0
    while True:
        while pos < len(flat) and flat[pos].isspace():
            pos += 1
        if pos >= len(flat):
            return out
        line = flat.count("\n", 0, pos) + 1
        m = _ALIAS.match(flat, pos)
        if not m or m.end() >= len(flat) or flat[m.end()] != "(":
            raise InputError("expected 'ALIAS = (DESCRIPTION = …)'",
                             SourceLocation(source, f"line {line}"))
        depth, end = 0, m.end()
        while end < len(flat):
            depth += {"(": 1, ")": -1}.get(flat[end], 0)
            end += 1
            if depth == 0:
                break
        if depth:
            raise InputError("unbalanced parentheses in this entry",
                             SourceLocation(source, f"line {line}"))
        descriptor = " ".join(flat[m.end():end].split())
        for alias in m.group(1).split(","):
            out.append(make(alias.strip(), descriptor, line, "oracle"))
        pos = end
