"""Owns Java ``.properties`` and ``.env`` files: ``key=value`` lines.

Comments (``#``, and ``!`` in properties) are skipped; properties continuation lines
(trailing ``\\``) and escapes (``\\\\``, ``\\:``) are read; ``.env`` accepts ``export``,
quotes and `` # comment`` after a value.  A line that is not ``key=value`` is kept as
free text for the pattern scan.
"""

from __future__ import annotations

import re

from .entries import Entry, make, split_lines

_PROP = re.compile(r"^\s*((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$")
_ENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*)$")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def properties_entries(text: str) -> list[Entry]:
    out: list[Entry] = []
    lines = split_lines(text)
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip()[:1] in ("#", "!"):
            continue
        while line.endswith("\\") and not line.endswith("\\\\") and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        m = _PROP.match(line)
        if m and m.group(2) != "":
            out.append(make(_unescape(m.group(1)), _unescape(m.group(2)).strip(), start + 1))
        else:
            out.append(make(None, line, start + 1))
    return out


def env_entries(text: str) -> list[Entry]:
    out: list[Entry] = []
    for n, line in enumerate(split_lines(text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _ENV.match(line)
        if not m:
            out.append(make(None, line, n))
            continue
        value = m.group(2).strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1: value.index(value[0], 1)]
        else:
            value = re.split(r"\s+#", value, 1)[0].strip()
        out.append(make(m.group(1), value, n))
    return out
