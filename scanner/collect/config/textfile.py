"""Owns turning a configuration file's bytes into text.

A byte-order mark decides (UTF-8, UTF-16); otherwise UTF-8, then cp1252 (Windows
files written by hand).  Bytes that are neither are refused with the line of the
first bad byte.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ...errors import InputError, SourceLocation


def is_text(head: bytes) -> bool:
    """True for a text head: a UTF-16 BOM, or no NUL byte."""
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" not in head


def read_text(path: Path, source: str) -> str:
    data = Path(path).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise InputError("not valid UTF-16 after its byte-order mark",
                             SourceLocation(source, f"byte {exc.start}")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError("neither UTF-8 nor cp1252 text",
                         SourceLocation(source, f"line {line}")) from None
