"""Owns the privacy allow-list: the only door through which collected facts enter hdscan.

Every collector builds its observations with :func:`observation`.  A field that is
not declared for its kind in ``model.observations.KINDS`` (or a protocol fact not in
``PROTOCOL_FACTS``) is refused with ``PrivacyError`` *before* anything is written, so
payload bytes, SQL values, command lines or patient data cannot reach a bundle, the
store or a report by accident.  This module also scrubs secrets from strings and
searches outputs for planted canaries (used by the tests).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import PrivacyError
from .model.evidence import Evidence
from .model.observations import KINDS, PROTOCOL_FACTS, TABLE_FIELDS, Observation

MAX_STR = 256
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _check_str(value, where: str) -> str:
    if not isinstance(value, str):
        raise PrivacyError(f"{where}: expected text, got {type(value).__name__}")
    if _CONTROL.search(value):
        raise PrivacyError(f"{where}: control characters refused (payload bytes?)")
    if len(value) > MAX_STR:
        raise PrivacyError(f"{where}: {len(value)} characters, more than {MAX_STR}")
    return value


def _check(value, typ: str, where: str):
    if typ == "str":
        return _check_str(value, where)
    if typ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise PrivacyError(f"{where}: expected an integer, got {value!r}"[:200])
        return value
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PrivacyError(f"{where}: expected a number")
        return float(value)
    if typ == "bool":
        if not isinstance(value, bool):
            raise PrivacyError(f"{where}: expected true/false")
        return value
    if typ == "[str]":
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise PrivacyError(f"{where}: expected a list of text")
        return sorted({_check_str(v, where) for v in value})
    if typ == "[table]":
        if not isinstance(value, (list, tuple)):
            raise PrivacyError(f"{where}: expected a list of tables")
        tables = []
        for i, t in enumerate(value):
            tables.append(_fields(t, TABLE_FIELDS, f"{where}[{i}]"))
        return sorted(tables, key=lambda t: (t.get("schema", ""), t.get("name", "")))
    raise PrivacyError(f"{where}: unknown field type {typ}")


def _fields(data: dict, allowed: dict[str, str], where: str) -> dict:
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if key not in allowed:
            raise PrivacyError(f"{where}: field '{key}' is not on the privacy allow-list")
        out[key] = _check(value, allowed[key], f"{where}.{key}")
    return out


def observation(kind: str, evidence: Evidence, **fields) -> Observation:
    """Build an observation, refusing any field the allow-list does not name.

    Raises
    ------
    PrivacyError
        Unknown kind, field not allowed, wrong type, control characters or overlong text.

    Examples
    --------
    >>> ev = Evidence("pcap", "1", "lab.pcap", "frame 3")
    >>> observation("dns", ev, name="pacs01.ch.local", address="10.1.0.5").kind
    'dns'
    """
    if kind not in KINDS:
        raise PrivacyError(f"unknown observation kind '{kind}'")
    allowed = KINDS[kind]
    facts = fields.pop("facts", None) if "facts" in allowed else None
    data = _fields(fields, allowed, kind)
    if "facts" in allowed:
        protocol = data.get("protocol", "")
        if protocol not in PROTOCOL_FACTS:
            raise PrivacyError(f"{kind}: protocol '{protocol}' has no declared facts")
        data["facts"] = _fields(facts or {}, PROTOCOL_FACTS[protocol], f"{kind}.{protocol}")
    return Observation(kind=kind, data=data, evidence=evidence)


# --- secrets -------------------------------------------------------------------------

_SECRET_PATTERNS = [
    # key=value and key: value pairs whose key names a secret
    re.compile(r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*)"
               r"(\"[^\"]*\"|'[^']*'|[^;\s&,]+)"),
    # user:password@ in URLs
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^:/@\s]+:)([^@\s]+)(@)"),
    # Authorization headers / bearer tokens
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/\-]+=*)"),
    # -p<secret> / --password <secret> style options
    re.compile(r"(?i)((?:^|\s)(?:-p|--password[= ]|--pass[= ]))(\S+)"),
]


def scrub_secrets(text: str) -> str:
    """Replace every secret value in ``text`` by ``***``; the keys stay readable."""
    for pat in _SECRET_PATTERNS:
        if pat.groups == 3:
            text = pat.sub(lambda m: m.group(1) + "***" + m.group(3), text)
        else:
            text = pat.sub(lambda m: m.group(1) + "***", text)
    return text


# --- canaries ------------------------------------------------------------------------

def find_canaries(root: Path, canaries: list[str]) -> list[tuple[str, str]]:
    """Every (file, canary) pair where a canary occurs in a file under ``root``.

    Reads every file as bytes and looks for each canary in UTF-8, Latin-1 and
    UTF-16-LE, case-insensitively, so an encoded leak is found too.
    """
    hits = []
    needles = []
    for c in canaries:
        for enc in ("utf-8", "latin-1", "utf-16-le"):
            try:
                needles.append((c, c.lower().encode(enc)))
            except UnicodeEncodeError:
                pass
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        blob = path.read_bytes().lower()
        for c, needle in needles:
            if needle in blob:
                hits.append((str(path), c))
    return sorted(set(hits))
