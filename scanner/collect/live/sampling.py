"""Owns opt-in value sampling (``--sample N``): which columns, how many values, what is kept.

Only with ``--sample N`` (N ≥ 1, at most :data:`MAX_SAMPLE`) and only for columns whose
name suggests an identifier or a code (:data:`CANDIDATE`): NIR / INS / social-security
numbers, RPPS / ADELI / FINESS, diagnosis and act codes, e-mail, phone, ``matricule``,
``num*``, ``code*``, ``*_id``. For each, one allow-listed statement reads at most N
non-null values of that one column (``queries.SAMPLING``: ``SELECT col FROM table WHERE col
IS NOT NULL LIMIT N``, inside the session's read-only transaction and statement timeout).
The values go through :mod:`.values`' validators in memory and are dropped; what is kept
per column is ``"column:validator:matched/sampled"`` for every validator that matched at
least once (the table summary's ``samples``) — ids and counts, never a value.
"""

from __future__ import annotations

import re

from .values import matches

MAX_SAMPLE = 10_000
CANDIDATE = re.compile(
    r"(nir|secu|insee|(^|_)ins(_|$)|matricule|rpps|adeli|finess|cim|icd|ccam|diag|acte|"
    r"mail|(^|_)tel|phone|mobile|portable|(^|_)num|(^|_)no(_|$)|code|(^|_)id(_|$)|_id$|ident)",
    re.I)


def candidate(column: str) -> bool:
    """Whether a column's name suggests identifiers or codes worth validating."""
    return bool(CANDIDATE.search(column))


def summarise(column: str, values) -> list[str]:
    """``column:validator:matched/sampled`` per validator that matched; values are dropped."""
    sampled, counts = 0, {}
    for value in values:
        if value is None:
            continue
        sampled += 1
        for name in matches(value):
            counts[name] = counts.get(name, 0) + 1
    return [f"{column.lower()}:{name}:{n}/{sampled}" for name, n in sorted(counts.items())]


def check_size(n: int | None) -> int | None:
    """The sample size, bounded; None (no sampling) stays None."""
    if n is None:
        return None
    if not 1 <= int(n) <= MAX_SAMPLE:
        raise ValueError(f"--sample must be between 1 and {MAX_SAMPLE}")
    return int(n)
