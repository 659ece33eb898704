"""Owns the refusal of dangerous XML prologs before any XML parser sees a file.

An nmap ``-oX`` file starts with ``<?xml …?>``, ``<!DOCTYPE nmaprun>`` and a
stylesheet processing instruction. A document type declaration with an internal
subset (``[ … ]``), an ``<!ENTITY`` or an external identifier (``SYSTEM``/``PUBLIC``)
is how entity-expansion bombs ("billion laughs") and external-entity reads get in, so
the prolog — everything before the root element — is read and refused if it carries
one. nmap's own bare ``<!DOCTYPE nmaprun>`` passes.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from ...errors import InputError, SourceLocation

MAX_PROLOG = 64 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([A-Za-z_:][\w:.\-]*)\s*(.*?)>", re.S)


def _line_col(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} col {col}"


def check_prolog(f: BinaryIO, root: bytes, source: str) -> None:
    """Read the bytes before ``<root`` and refuse an entity-bearing doctype.

    ``f`` is rewound to its start afterwards.

    Raises
    ------
    InputError
        The root element does not start within the first 64 KiB, or the doctype
        declares entities, an internal subset or an external DTD (naming line and column).
    """
    data = f.read(MAX_PROLOG)
    f.seek(0)
    start = data.find(b"<" + root)
    if start < 0:
        raise InputError(f"no <{root.decode()}> element in the first {MAX_PROLOG // 1024} KiB",
                         SourceLocation(source, "line 1"))
    prolog = data[:start]
    entity = prolog.find(b"<!ENTITY")
    if entity >= 0:
        raise InputError("XML entity declarations are refused (entity-expansion bomb?)",
                         SourceLocation(source, _line_col(data, entity)))
    m = _DOCTYPE.search(prolog)
    if m is None:
        if b"<!DOCTYPE" in prolog:
            raise InputError("unreadable <!DOCTYPE> declaration",
                             SourceLocation(source, _line_col(data, prolog.find(b"<!DOCTYPE"))))
        return
    rest = m.group(2).strip()
    if rest:
        what = "an internal DTD subset" if b"[" in rest else "an external DTD"
        raise InputError(f"<!DOCTYPE> with {what} is refused; nmap writes a bare "
                         f"<!DOCTYPE {root.decode()}>", SourceLocation(source, _line_col(data, m.start())))
