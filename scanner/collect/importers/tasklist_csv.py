"""Owns reading saved ``tasklist /v /fo csv`` (or ``tasklist /fo csv``) output, any Windows
language and code page, into ``host`` and ``process`` observations (collector ``tasklist``).

Accepts a file whose first line (after optional ``# host:`` lines) is a CSV header whose
second column is ``"PID"`` and which has 5 columns (``tasklist /fo csv``) or 9
(``/v``): English ``"Image Name","PID","Session Name","Session#","Mem Usage","Status",
"User Name","CPU Time","Window Title"``, French ``"Nom de l'image","PID","Nom de la
session","Numéro de session","Utilisation de la mémoire","Statut","Nom d'utilisateur",
"Temps processeur","Titre de la fenêtre"``. Columns are taken by position (tasklist's
order does not depend on the language), so any translation reads the same.

Kept: image name and user (``N/A``, ``Non disponible`` → none). **The window title is
never kept**: it is dropped as the row is split, because on clinical workstations it
names the open record (``Dossier DUPONT Jeanne - DPI``). Session, memory, status and CPU
time are not kept either. Text: UTF-16 with BOM (PowerShell's ``>``), UTF-8, or cp850
(``cmd.exe`` redirection on a French system); CRLF or LF.

Host and evidence rules: ``scanner/collect/agent/hostcmd.py``; location ``line N``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator

from ...model.observations import Observation
from ..agent import hostcmd

NAME = "tasklist"
VERSION = "1"

_NO_USER = {"n/a", "non disponible", "nicht zutreffend", ""}


def _header(line: str) -> list[str] | None:
    if not line.startswith('"'):
        return None
    try:
        cols = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    return cols if len(cols) in (5, 9) and cols[1] == "PID" else None


def accepts(path: Path, head: bytes) -> bool:
    """True if the first line (after ``#`` headers) is tasklist's CSV header."""
    lines = hostcmd.first_lines(head, 1)
    return bool(lines) and _header(lines[0]) is not None


def processes(t: hostcmd.Text) -> Iterator[tuple[int, str, str | None]]:
    """(line, image name, user) per row; the window title is dropped as the row is split."""
    cols, rows = hostcmd.table(t, _header, "tasklist's CSV header (\"Image Name\",\"PID\",…)")
    if cols is None:
        return
    width = len(cols)
    for n, line in rows:
        try:
            row = next(csv.reader([line]))
        except csv.Error as exc:
            raise t.fail(f"not CSV ({exc})", n) from None
        if len(row) != width:
            raise t.fail(f"expected {width} columns, found {len(row)}", n)
        name, pid = row[0], row[1]
        user = row[6].strip() if width == 9 else ""
        del row                                 # the window title goes no further
        if not re.fullmatch(r"\d+", pid):
            raise t.fail(f"PID '{pid}' is not a number", n)
        if not name.strip():
            raise t.fail("empty image name", n)
        yield n, name.strip()[:256], None if user.lower() in _NO_USER else user[:256]


def collect(path: Path, source: str) -> Iterator[Observation]:
    """``host``, then a ``process`` per row (name, user); the file is read whole first.

    Raises
    ------
    InputError
        No header, a row that is not CSV or has another column count, a non-numeric PID
        (naming the line).
    """
    t = hostcmd.read(Path(path), source)
    yield from hostcmd.process_observations(t, list(processes(t)), NAME, VERSION)
