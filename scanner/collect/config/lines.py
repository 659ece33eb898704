"""Owns the fallback for any other text file: every non-comment line is free text.

Lines starting with ``#``, ``;``, ``//``, ``--``, ``'``, ``REM`` or ``::`` are comments
and skipped; every other line is offered to the connection-string patterns (JDBC,
URIs, UNC paths, DSNs) by the collector.
"""

from __future__ import annotations

import re

from .entries import Entry, make, split_lines

_COMMENT = re.compile(r"(?i)^\s*(?:#|;|//|--|'|rem\b|::)")


def line_entries(text: str) -> list[Entry]:
    return [make(None, line, n) for n, line in enumerate(split_lines(text), 1)
            if line.strip() and not _COMMENT.match(line)]
