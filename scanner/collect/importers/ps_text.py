"""Owns reading saved ``ps -eo user,pid,ppid,lstart,comm,args`` output (or any ``ps -eo``
column list with ``user`` and ``comm``) into ``host`` and ``process`` observations
(collector ``ps``).

Accepts a file whose first line (after optional ``# host:`` lines) is a ps header
starting with ``USER`` (or ``UID``) and ``PID`` and holding a ``COMMAND``/``CMD`` column:
``ps -eo …`` as above, and also ``ps aux`` and ``ps -ef``.

**Command lines are never read**: ps prints ``args`` as the last column; it is cut off
at parse time, before anything is built, together with everything after the process
name. The name is the ``comm`` column (the kernel's 15-character process name), found
by its position under the first ``COMMAND`` header when there are two (``comm`` then
``args``); with a single ``COMMAND``/``CMD`` column (``ps -eo user,pid,args``, ``ps aux``,
``ps -ef``) only the base name of its first word is kept (``[kthread]`` rows skipped). Kernel threads (pid 2, ``kthreadd``, and its children,
known by ``PPID`` 2) are skipped.
``lstart`` is read past (5 words) and not kept: the observation has no start time.

Host and evidence rules: ``scanner/collect/agent/hostcmd.py``; location ``line N``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ...model.observations import Observation
from ..agent import hostcmd

NAME = "ps"
VERSION = "1"

_HEADER = re.compile(r"^\s*(?:USER|UID)\s+PID\b.*\b(COMMAND|CMD)\b")
_WIDTHS = {"STARTED": 5}       # lstart prints 5 words: Mon Nov 23 10:55:22 2026


def accepts(path: Path, head: bytes) -> bool:
    """True if the first line (after ``#`` headers) is a ps header with USER, PID, COMMAND."""
    lines = hostcmd.first_lines(head, 1)
    return bool(lines) and bool(_HEADER.match(lines[0]))


def _columns(header: str) -> tuple[list[str], int | None, int | None] | None:
    """Header words before the first command column, its offset and the second's offset;
    None if ``header`` is not a ps header."""
    if not _HEADER.match(header):
        return None
    words = [(m.group(), m.start()) for m in re.finditer(r"\S+", header)]
    commands = [i for i, (w, _) in enumerate(words) if w in ("COMMAND", "CMD")]
    first = commands[0]
    second = words[commands[1]][1] if len(commands) > 1 else None
    return [w for w, _ in words[:first]], words[first][1], second


def processes(t: hostcmd.Text) -> Iterator[tuple[int, str, str | None]]:
    """(line, name, user) of each process row; the command line is never returned."""
    header, rows = hostcmd.table(t, _columns, "a ps header with USER, PID and COMMAND columns")
    if header is None:
        return
    before, _start, second = header
    words_needed = sum(_WIDTHS.get(w, 1) for w in before)
    for n, line in rows:
        if second is not None:
            line = line[:second]            # args: dropped here, never looked at again
        fields = line.split(None, words_needed)
        if len(fields) <= words_needed:
            raise t.fail(f"expected {words_needed + 1} columns before the command", n)
        values = dict(zip(before, fields))
        if not values.get("PID", "").isdigit():
            raise t.fail(f"PID '{values.get('PID')}' is not a number", n)
        command = fields[words_needed].strip()
        if second is None:                  # a lone COMMAND/CMD column may be args
            if command.startswith("[") and command.endswith("]"):
                continue                    # a kernel thread (ps aux, ps -ef)
            command = command.split()[0].rsplit("/", 1)[-1].rstrip(":") if command else ""
        if not command or "2" in (values["PID"], values.get("PPID")):
            continue                        # kthreadd and its kernel threads
        user = values.get("USER") or values.get("UID")
        yield n, command[:256], user if user and user != "?" else None


def collect(path: Path, source: str) -> Iterator[Observation]:
    """``host``, then a ``process`` per row (name, user); the file is read whole first.

    Raises
    ------
    InputError
        No ps header, a row with too few columns or a non-numeric PID (naming the line).
    """
    t = hostcmd.read(Path(path), source)
    yield from hostcmd.process_observations(t, list(processes(t)), NAME, VERSION)
