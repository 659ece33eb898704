"""Owns section files: ``.ini``, ``.cfg``, ``.conf``, ``.cnf``, ``.toml``, ``odbc.ini``,
``pg_service.conf``.

``[section]`` lines open a section; ``key = value`` / ``key: value`` lines inside it
become entries keyed ``[section]/key`` (the section name is part of the key, so the
host/port pairing groups a section's keys together).  Whole-line comments (``#``,
``;``) are skipped; inline ``;`` is kept because ODBC strings use it.  Lines of another
shape (``proxy_pass http://…;`` in nginx) are kept as free text for the pattern scan.
"""

from __future__ import annotations

import re

from .entries import Entry, make, split_lines

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$")
_PAIR = re.compile(r"^\s*([A-Za-z0-9_.\-\s\"']+?)\s*(?:=|:(?!//))\s*(.*)$")


def ini_entries(text: str) -> list[Entry]:
    out: list[Entry] = []
    section = None
    for n, line in enumerate(split_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = _PAIR.match(line)
        if m:
            key = m.group(1).strip().strip("\"'")
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            out.append(make(f"[{section}]/{key}" if section else key, value, n))
        else:
            out.append(make(None, line, n))
    return out
