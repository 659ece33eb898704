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
* ``cloudip-db`` (``cloudip.msgpack[.gz]``, MessagePack, read by ``cloudip_db``): the four
  providers' files merged and dated by a third party; only AWS, Azure, Google Cloud and
  Oracle are kept (US hyperscalers, DOMAIN-SOURCES.md §D/§E), the others are counted as
  left out.

The snapshot is two files: the list file (YAML manifest: dates, sources, hashes) and,
beside it, ``<stem>.prefixes.txt`` holding one ``prefix provider`` line per prefix,
collapsed per provider.  The manifest names the text file and its SHA-256 under
``list_files``; the pack loader reads it (a YAML list of 15,000 prefixes takes about a
second to load with position marks, the text file a hundredth of that).
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
from . import cloudip_db

LIST_NAME = "hyperscaler_prefixes"
SNAPSHOT_SCHEMA = "hdscan-list/1"
# US-headquartered hyperscalers subject to the CLOUD Act (DOMAIN-SOURCES.md: US_HYPERSCALER_*
# = AWS/Azure/GCP/OCI).  Other providers of a merged database are left out and counted.
US_HYPERSCALERS = ("aws", "azure", "gcp", "oracle")
PREFIX_FILE_SUFFIX = ".prefixes.txt"


@dataclass(frozen=True)
class RangeFile:
    """One range file read: its provider(s), format, date, hashes and prefixes.

    ``entries`` holds ``(prefix, provider)`` pairs; ``excluded`` the ``(provider, count)``
    pairs a merged database held for providers out of scope; ``content_sha256`` the hash
    of the decompressed content when the file was gzipped (what cloudip-db publishes).
    """

    path: str
    provider: str
    format: str
    published: str | None
    sha256: str
    entries: tuple
    excluded: tuple = ()
    content_sha256: str | None = None

    @property
    def prefixes(self) -> tuple:
        return tuple(p for p, _ in self.entries)

    @property
    def providers(self) -> tuple:
        return tuple(sorted({q for _, q in self.entries}))


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


def _cloudip(blob: bytes, path: Path) -> RangeFile:
    db = cloudip_db.decode(blob, path)
    kept, excluded = [], {}
    for i, (cidr, provider, _region, _service) in enumerate(db["ranges"]):
        if provider in US_HYPERSCALERS:
            kept.append((_prefix(cidr, path, f"ranges[{i}].cidr"), provider))
        else:
            excluded[provider] = excluded.get(provider, 0) + 1
    if not kept:
        raise InputError("cloudip-db file with no AWS, Azure, Google Cloud or Oracle range",
                         _loc(path, None))
    raw = cloudip_db.raw_bytes(blob, path)
    return RangeFile(str(path), ",".join(sorted({q for _, q in kept})), "cloudip-db",
                     _iso(db["version"]), hashlib.sha256(blob).hexdigest(), tuple(kept),
                     tuple(sorted(excluded.items())),
                     hashlib.sha256(raw).hexdigest() if raw is not blob else None)


def read_range_file(path) -> RangeFile:
    """Read one range file as downloaded, its format recognised from its content.

    Raises
    ------
    InputError
        Unreadable, not JSON (line and column) nor a cloudip-db database (byte offset or
        ``ranges[i]``), of no known format, or a prefix that is not an address prefix
        (its JSON path).
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", _loc(path, None)) from None
    if cloudip_db.looks_like(blob):
        return _cloudip(blob, path)
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
                             hashlib.sha256(blob).hexdigest(),
                             tuple((p, provider) for p in prefixes))
    raise InputError("not a known range file (AWS ip-ranges.json, Azure ServiceTags_*.json, "
                     "Google cloud.json, Oracle public_ip_ranges.json, cloudip-db "
                     "cloudip.msgpack.gz)", _loc(path, None))


def collapse(entries) -> list:
    """``(prefix, provider)`` pairs merged per provider (duplicates and adjacent prefixes
    collapsed), sorted by address family, address, length and provider."""
    by_provider: dict = {}
    for prefix, provider in entries:
        by_provider.setdefault(provider, set()).add(ipaddress.ip_network(prefix, strict=False))
    out = []
    for provider, nets in by_provider.items():
        for version in (4, 6):
            out += [(n, provider) for n in
                    ipaddress.collapse_addresses(n for n in nets if n.version == version)]
    out.sort(key=lambda e: (e[0].version, int(e[0].network_address), e[0].prefixlen, e[1]))
    return [(str(n), provider) for n, provider in out]


def prefix_file_name(output) -> str:
    """The name of the prefix file written beside the list file ``output``."""
    name = Path(output).name
    stem = name[:-len(".yml")] if name.endswith(".yml") else \
        name[:-len(".yaml")] if name.endswith(".yaml") else name
    return stem + PREFIX_FILE_SUFFIX


def prefix_text(merged: list, retrieved: str) -> str:
    """The text of the prefix file: a comment header, then ``prefix provider`` lines."""
    head = (f"# {LIST_NAME}: address prefixes of US hyperscalers, one 'prefix provider' a line.\n"
            f"# Generated by 'hdscan rules refresh-ranges' ({retrieved}); the list file beside\n"
            "# it says from what. Do not edit by hand: rerun the command (docs/rules.md).\n")
    return head + "".join(f"{p} {q}\n" for p, q in merged)


def _source(f: RangeFile) -> dict:
    out = {"file": Path(f.path).name, "provider": f.provider, "format": f.format,
           "published": f.published, "sha256": f.sha256}
    if f.content_sha256:
        out["content_sha256"] = f.content_sha256
    out["prefixes"] = len(f.entries)
    if f.excluded:
        out["left_out"] = {name: count for name, count in f.excluded}
    return out


def snapshot_texts(files: list, retrieved: str, prefix_file: str,
                   note: str | None = None) -> tuple:
    """(list file YAML, prefix file text) built from ``files`` (sorted, byte-stable)."""
    files = sorted(files, key=lambda f: (f.provider, Path(f.path).name))
    providers = sorted({q for f in files for q in f.providers})
    merged = collapse({e for f in files for e in f.entries})
    prefixes = prefix_text(merged, retrieved)
    doc = {
        "schema": SNAPSHOT_SCHEMA,
        "source": "generated by 'hdscan rules refresh-ranges' from: "
                  + ", ".join(f"{Path(f.path).name} ({f.format})" for f in files),
        "retrieved": retrieved,
        "providers": providers,
        "sources": [_source(f) for f in files],
        "list_files": {LIST_NAME: {
            "file": prefix_file, "sha256": hashlib.sha256(prefixes.encode("utf-8")).hexdigest(),
            "prefixes": len(merged),
            "per_provider": {q: sum(1 for _, x in merged if x == q) for q in providers}}},
    }
    if note:
        doc["note"] = " ".join(note.split())
    head = ("# Address prefixes of extraterritorial clouds (endpoint.addresses|cidr|in_list).\n"
            "# Generated by 'hdscan rules refresh-ranges'; do not edit by hand: download the\n"
            "# providers' files again and rerun it (docs/rules.md, 'Refreshing the ranges').\n")
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), prefixes


def refresh(paths, output, retrieved: str | None = None, note: str | None = None) -> dict:
    """Read every range file, then write the snapshot beside ``output`` atomically.

    Nothing is written unless every file reads; the old snapshot stays as it was.  The
    prefix file is written first, then the list file that names it with its SHA-256 (an
    interrupted run leaves a list file the loader refuses, never a silent mix).

    Returns
    -------
    dict
        ``{"output", "prefix_file", "providers", "prefixes", "missing", "left_out"}``
        (``missing``: US hyperscalers no file covered; ``left_out``: providers of a merged
        database not kept, with their range counts).
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
    output = Path(output)
    pfile = prefix_file_name(output)
    text, prefixes = snapshot_texts(files, day, pfile, note)
    try:
        write_atomic(output.parent / pfile, prefixes)
        write_atomic(output, text)
    except OSError as exc:
        raise InputError(f"cannot write the snapshot: {exc.strerror or exc}; give --output "
                         "a writable file (a site pack's lists/ folder)", _loc(output, None)) from None
    covered = {q for f in files for q in f.providers}
    left_out: dict = {}
    for f in files:
        for name, count in f.excluded:
            left_out[name] = left_out.get(name, 0) + count
    return {"output": str(output), "prefix_file": str(output.parent / pfile),
            "providers": sorted(covered), "prefixes": prefixes.count("\n") - 3,
            "missing": sorted(set(US_HYPERSCALERS) - covered), "left_out": left_out}


def read_prefix_file(path, expected_sha256: str | None = None) -> tuple:
    """``(prefix, provider)`` pairs of a prefix file, for the pack loader.

    Raises
    ------
    InputError
        Unreadable, not the bytes its list file names (``sha256``), or a line that is not
        ``prefix provider`` (its line number).
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", _loc(path, None)) from None
    if expected_sha256 and hashlib.sha256(blob).hexdigest() != expected_sha256:
        raise InputError("not the prefix file its list file names (SHA-256 differs); "
                         "rerun 'hdscan rules refresh-ranges'", _loc(path, None))
    try:
        lines = blob.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", _loc(path, None)) from None
    out = []
    shape = _PREFIX_LINE.match
    for n, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        m = shape(line)
        if m is None:
            raise InputError(f"'{line[:60]}' is not 'prefix provider'", _loc(path, f"line {n}"))
        out.append((m[1], m[2] or ""))
    return tuple(out)


_PREFIX_LINE = re.compile(r"^([0-9A-Fa-f.:]+/\d{1,3})(?: +([A-Za-z0-9_.-]+))?$")
