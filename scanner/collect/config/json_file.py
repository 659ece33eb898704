"""Owns JSON configuration (``appsettings.json``, ``config.json``…).

The standard parser gives no line numbers, so this module walks the text itself
(strings decoded by ``json.decoder.scanstring``): scalars become entries keyed by
path (``ConnectionStrings.DPI``, ``endpoints[2].url``) at the line where the value
starts.  ``json.loads`` checks the document first, so malformed JSON is refused with
its line.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from json.decoder import scanstring

from ...errors import InputError, SourceLocation
from .entries import Entry, make

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def json_entries(text: str, source: str) -> list[Entry]:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}",
                         SourceLocation(source, f"line {exc.lineno}")) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", SourceLocation(source)) from None
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: list[Entry] = []

    def line_of(pos: int) -> int:
        return bisect_right(starts, pos)

    def ws(pos: int) -> int:
        return _WS.match(text, pos).end()

    def value(pos: int, path: str) -> int:
        pos = ws(pos)
        ch = text[pos]
        if ch == "{":
            pos = ws(pos + 1)
            if text[pos] == "}":
                return pos + 1
            while True:
                key, pos = scanstring(text, ws(pos) + 1)
                pos = ws(pos) + 1                      # the colon
                pos = ws(value(pos, f"{path}.{key}" if path else key))
                if text[pos] == "}":
                    return pos + 1
                pos += 1                               # the comma
        if ch == "[":
            pos = ws(pos + 1)
            if text[pos] == "]":
                return pos + 1
            i = 0
            while True:
                pos = ws(value(pos, f"{path}[{i}]"))
                i += 1
                if text[pos] == "]":
                    return pos + 1
                pos += 1
        if ch == '"':
            s, end = scanstring(text, pos + 1)
            out.append(make(path or None, s, line_of(pos)))
            return end
        m = _SCALAR.match(text, pos)
        out.append(make(path or None, m.group(0), line_of(pos)))
        return m.end()

    try:
        value(0, "")
    except RecursionError:
        raise InputError("JSON nested too deeply", SourceLocation(source)) from None
    return out
