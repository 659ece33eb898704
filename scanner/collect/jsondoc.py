"""Owns the strict reading of a JSON input file's bytes into one object, with located errors.

Collectors whose input is a JSON document (agent inventories, capture segments) share it:
invalid UTF-8 names the byte, invalid JSON the line and column, and NaN/Infinity (which
Python's json accepts) are refused, as is a top level that is not an object.
"""

from __future__ import annotations

import json

from ..errors import InputError, SourceLocation


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_object(raw: bytes, source: str, encoding: str = "utf-8") -> dict:
    """The JSON object in ``raw`` (``encoding``: "utf-8", or "utf-8-sig" to allow a BOM).

    Raises
    ------
    InputError
        Invalid UTF-8 (byte offset), invalid JSON (line, column), not an object.
    """
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 ({exc.reason})",
                         SourceLocation(source, f"byte {exc.start}")) from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})",
                         SourceLocation(source, f"line {exc.lineno} col {exc.colno}")) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"invalid JSON ({exc})", SourceLocation(source, "document")) from None
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object at the top", SourceLocation(source, "document"))
    return doc
