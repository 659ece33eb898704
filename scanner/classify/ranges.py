"""Owns the hyperscaler address-range snapshot and ``hdscan rules refresh-ranges``.

hdscan never goes to the network.  A user downloads the providers' published range
files elsewhere and hands them over; this module recognises each format from its
content, reads every prefix with a located error for anything unreadable, and writes
the list file the default pack reads (``rules/core/lists/hyperscaler_ranges.yml``,
schema ``hdscan-list/1``) atomically, with the snapshot date, each file's SHA-256, its
own publication date and prefix count.

Formats (DOMAIN-SOURCES.md §E.1):

* AWS ``ip-ranges.json``: ``createDate``, ``prefixes[].ip_prefix``,
  ``ipv6_prefixes[].ipv6_prefix``.
* Azure Service Tags (``ServiceTags_Public_YYYYMMDD.json``): ``changeNumber``, ``cloud``,
  ``values[].properties.addressPrefixes[]``.
* Google Cloud ``cloud.json``: ``creationTime``, ``prefixes[].ipv4Prefix`` / ``ipv6Prefix``.
* Oracle Cloud ``public_ip_ranges.json``: ``last_updated_timestamp``,
  ``regions[].cidrs[].cidr``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import InputError, SourceLocation
from ..fileio import write_atomic

LIST_NAME = "hyperscaler_prefixes"
SNAPSHOT_SCHEMA = "hdscan-list/1"


@dataclass(frozen=True)
class RangeFile:
    """One provider file read: its provider, format, date, hash and prefixes."""

    path: str
    provider: str
    format: str
    published: str | None
    sha256: str
    prefixes: tuple


def _loc(path, place) -> SourceLocation:
    return SourceLocation(str(path), place)


def _items(doc, key, path, where) -> list:
    value = doc.get(key)
    if not isinstance(value, list):
        raise InputError(f"'{key}' must be a list", _loc(path, where or key))
    return value


def _prefix(value, path, place) -> str:
    try:
        return str(ipaddress.ip_network(str(value), strict=False))
    except ValueError:
        raise InputError(f"'{value}' is not an address prefix", _loc(path, place)) from None


def _aws(doc, path) -> tuple:
    out = []
    for i, p in enumerate(_items(doc, "prefixes", path, None)):
        out.append(_prefix((p or {}).get("ip_prefix") if isinstance(p, dict) else None,
                           path, f"prefixes[{i}].ip_prefix"))
    for i, p in enumerate(doc.get("ipv6_prefixes") or []):
        out.append(_prefix((p or {}).get("ipv6_prefix") if isinstance(p, dict) else None,
                           path, f"ipv6_prefixes[{i}].ipv6_prefix"))
    return tuple(out)


def _azure(doc, path) -> tuple:
    out = []
    for i, v in enumerate(_items(doc, "values", path, None)):
        props = v.get("properties") if isinstance(v, dict) else None
        prefixes = props.get("addressPrefixes") if isinstance(props, dict) else None
        if not isinstance(prefixes, list):
            raise InputError("no properties.addressPrefixes list",
                             _loc(path, f"values[{i}]"))
        for j, p in enumerate(prefixes):
            out.append(_prefix(p, path, f"values[{i}].properties.addressPrefixes[{j}]"))
    return tuple(out)


def _gcp(doc, path) -> tuple:
    out = []
    for i, p in enumerate(_items(doc, "prefixes", path, None)):
        if not isinstance(p, dict) or not ("ipv4Prefix" in p or "ipv6Prefix" in p):
            raise InputError("no ipv4Prefix or ipv6Prefix", _loc(path, f"prefixes[{i}]"))
        key = "ipv4Prefix" if "ipv4Prefix" in p else "ipv6Prefix"
        out.append(_prefix(p[key], path, f"prefixes[{i}].{key}"))
    return tuple(out)


def _oracle(doc, path) -> tuple:
    out = []
    for i, r in enumerate(_items(doc, "regions", path, None)):
        cidrs = r.get("cidrs") if isinstance(r, dict) else None
        if not isinstance(cidrs, list):
            raise InputError("no cidrs list", _loc(path, f"regions[{i}]"))
        for j, c in enumerate(cidrs):
            out.append(_prefix(c.get("cidr") if isinstance(c, dict) else None,
                               path, f"regions[{i}].cidrs[{j}].cidr"))
    return tuple(out)


def _azure_date(doc, path) -> str | None:
    m = re.search(r"(20\d{2})(\d{2})(\d{2})", Path(path).name)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None


def _iso(text) -> str | None:
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(text or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None


# (provider, format name, detect(doc), read(doc, path), date(doc, path))
FORMATS = (
    ("aws", "aws-ip-ranges", lambda d: "prefixes" in d and "createDate" in d, _aws,
     lambda d, p: _iso(d.get("createDate"))),
    ("azure", "azure-service-tags", lambda d: "values" in d and "changeNumber" in d, _azure,
     _azure_date),
    ("gcp", "gcp-cloud-json", lambda d: "prefixes" in d and "creationTime" in d, _gcp,
     lambda d, p: _iso(d.get("creationTime"))),
    ("oracle", "oci-public-ip-ranges", lambda d: "regions" in d and "last_updated_timestamp" in d,
     _oracle, lambda d, p: _iso(d.get("last_updated_timestamp"))),
)


def read_range_file(path) -> RangeFile:
    """Read one provider file as downloaded, its format recognised from its content.

    Raises
    ------
    InputError
        Unreadable, not JSON (line and column), of no known format, or a prefix that is
        not an address prefix (its JSON path).
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", _loc(path, None)) from None
    try:
        doc = json.loads(blob.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", _loc(path, None)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}",
                         _loc(path, f"line {exc.lineno} col {exc.colno}")) from None
    if not isinstance(doc, dict):
        raise InputError("not a provider range file (a JSON object is expected)", _loc(path, None))
    for provider, name, detect, read, date in FORMATS:
        if detect(doc):
            prefixes = read(doc, path)
            if not prefixes:
                raise InputError(f"{name} file with no prefix", _loc(path, None))
            return RangeFile(str(path), provider, name, date(doc, path),
                             hashlib.sha256(blob).hexdigest(), prefixes)
    raise InputError("not a known range file (AWS ip-ranges.json, Azure ServiceTags_*.json, "
                     "Google cloud.json, Oracle public_ip_ranges.json)", _loc(path, None))


def _collapse(prefixes) -> list:
    v4 = [ipaddress.ip_network(p) for p in prefixes if ":" not in p]
    v6 = [ipaddress.ip_network(p) for p in prefixes if ":" in p]
    return [str(n) for n in ipaddress.collapse_addresses(v4)] + \
        [str(n) for n in ipaddress.collapse_addresses(v6)]


def snapshot_text(files: list, retrieved: str, note: str | None = None) -> str:
    """The YAML text of the list file built from ``files`` (sorted, byte-stable)."""
    files = sorted(files, key=lambda f: (f.provider, Path(f.path).name))
    providers = sorted({f.provider for f in files})
    merged = _collapse(sorted({p for f in files for p in f.prefixes}))
    doc = {
        "schema": SNAPSHOT_SCHEMA,
        "source": "generated by 'hdscan rules refresh-ranges' from: "
                  + ", ".join(f"{Path(f.path).name} ({f.format})" for f in files),
        "retrieved": retrieved,
        "providers": providers,
        "sources": [{"file": Path(f.path).name, "provider": f.provider, "format": f.format,
                     "published": f.published, "sha256": f.sha256, "prefixes": len(f.prefixes)}
                    for f in files],
        "lists": {LIST_NAME: merged},
    }
    if note:
        doc["note"] = " ".join(note.split())
    head = ("# Address prefixes of extraterritorial clouds (endpoint.addresses|cidr|in_list).\n"
            "# Generated by 'hdscan rules refresh-ranges'; do not edit by hand: download the\n"
            "# providers' files again and rerun it (docs/rules.md, 'Refreshing the ranges').\n")
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def refresh(paths, output, retrieved: str | None = None, note: str | None = None) -> dict:
    """Read every provider file, then write the snapshot to ``output`` atomically.

    Nothing is written unless every file reads; the old snapshot stays as it was.

    Returns
    -------
    dict
        ``{"output", "providers", "prefixes", "missing"}`` (``missing``: providers of the
        known formats no file was given for).
    """
    if not paths:
        raise InputError("give at least one provider range file", None)
    files = [read_range_file(p) for p in paths]
    seen = {}
    for f in files:
        if f.format in seen:
            raise InputError(f"two {f.format} files given (also {seen[f.format]})",
                             _loc(f.path, None))
        seen[f.format] = f.path
    day = retrieved or dt.datetime.now(dt.timezone.utc).date().isoformat()
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", day):
        raise InputError(f"date '{day}' is not YYYY-MM-DD", None)
    text = snapshot_text(files, day, note)
    try:
        write_atomic(Path(output), text)
    except OSError as exc:
        raise InputError(f"cannot write the snapshot: {exc.strerror or exc}; give --output "
                         "a writable file (a site pack's lists/ folder)", _loc(output, None)) from None
    count = len(yaml.safe_load(text)["lists"][LIST_NAME])
    return {"output": str(output), "providers": sorted({f.provider for f in files}),
            "prefixes": count,
            "missing": sorted({p for p, *_ in FORMATS} - {f.provider for f in files})}
