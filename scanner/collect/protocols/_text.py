"""Owns turning protocol bytes into short, printable fact strings (or refusing them)."""

from __future__ import annotations

import re

_PRINTABLE = re.compile(r"^[\x20-\x7e\u00a0-\u024f]+$")
MAX_FACT = 128


def text(raw: bytes | str, limit: int = MAX_FACT) -> str | None:
    """Decode ``raw`` (UTF-8, else Latin-1), strip it, and return it if printable.

    Returns None for empty, non-printable (payload-looking) or overlong values, so a
    dissector never hands control characters or binary to the privacy door.

    Examples
    --------
    >>> text(b" LAB  ")
    'LAB'
    >>> text(b"\\x00\\x01") is None
    True
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = raw.decode("latin-1")
    value = raw.strip().strip("\x00").strip()
    if not value or len(value) > limit or not _PRINTABLE.match(value):
        return None
    return value
