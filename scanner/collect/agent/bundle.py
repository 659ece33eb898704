"""Owns the agent's versioned bundle: packing it, verifying it, upgrading older versions,
and reading it into observations (collector ``agent-bundle``).

Versions of what an agent ships:

- **version 1**: the bare inventory, one ``hdscan-agent-inventory/1`` JSON file (agents
  up to hdscan 0.1; still written when ``hdscan agent -o`` names a ``.json`` file). It has
  no manifest, so nothing proves it whole: ``upgrade_v1`` turns it into a version-2
  bundle explicitly (manifest built from the document, ``upgraded_from: 1``), and the
  importer reads it through that upgrade.
- **version 2**: a POSIX tar file (``<host>.hdscan.tar``) whose first member is
  ``manifest.json`` then ``inventory.json`` (an ``hdscan-agent-inventory/1`` document)::

    {"schema": "hdscan-agent-bundle/2", "agent_version": "0.1.0",
     "host": {"hostname": "dpi-app01", "host_id": "…"},
     "collected_from": "…Z", "collected_to": "…Z",
     "files": [{"name": "inventory.json", "bytes": 18211, "sha256": "…"}]}

``read`` refuses a bundle whole, with one line naming the file and the member or byte:
a tar cut short (the end-of-archive blocks must be there), a member missing, extra, of
another size or sha256 than the manifest says (tampered or damaged), a manifest of a
newer version, or a manifest whose host or time range is not the inventory's. The
hashes prove a bundle whole, not who wrote it: anyone able to rewrite the inventory
can rewrite the manifest too. For that, **signing**: an agent given a key (``hdscan
agent --sign-key FILE``) adds ``manifest.sig``, the HMAC-SHA256 of the manifest's bytes;
an import run with ``HDSCAN_BUNDLE_KEY_FILE=FILE`` refuses every bundle whose signature
is missing or does not match (and every version-1 inventory, which cannot carry one).
Without that variable a signature is not checked.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...fileio import write_atomic
from ...model.observations import Observation
from . import inventory

NAME = "agent-bundle"
VERSION = "1"

PREFIX = "hdscan-agent-bundle/"
CURRENT = 2
SCHEMA = f"{PREFIX}{CURRENT}"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KEY_ENV = "HDSCAN_BUNDLE_KEY_FILE"
INVENTORY = "inventory.json"
MAX_MANIFEST = 1 << 20
MAX_MEMBER = 1 << 30
_END_OF_ARCHIVE = 2 * tarfile.BLOCKSIZE


@dataclass
class Bundle:
    manifest: dict
    inventory: dict
    version_read: int          # the version the file had (1 = upgraded bare inventory)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_for(doc: dict, files: dict[str, bytes]) -> dict:
    """The manifest of a bundle holding ``files`` (name → bytes) for inventory ``doc``."""
    host = doc.get("host") or {}
    return {
        "schema": SCHEMA, "agent_version": doc.get("agent_version"),
        "host": {k: host[k] for k in ("hostname", "host_id") if k in host},
        "collected_from": doc.get("collected_from"), "collected_to": doc.get("collected_to"),
        "files": [{"name": n, "bytes": len(b), "sha256": _sha256(b)} for n, b in files.items()],
    }


def _json_bytes(obj: dict) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def signature(key: bytes, manifest: bytes) -> str:
    """HMAC-SHA256 of the manifest's bytes under ``key``, in hex (``manifest.sig``)."""
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def load_key(path: str | Path) -> bytes:
    """The signing key in file ``path`` (at least 32 bytes, surrounding whitespace dropped).

    Raises
    ------
    InputError
        Missing, unreadable or shorter than 32 bytes (naming the file).
    """
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise InputError(f"signing key not readable ({exc.strerror})",
                         SourceLocation(str(path))) from None
    if len(key) < 32:
        raise InputError("signing key shorter than 32 bytes (e.g. openssl rand -hex 32)",
                         SourceLocation(str(path)))
    return key


def pack(doc: dict, manifest_extra: dict | None = None, key: bytes | None = None) -> bytes:
    """The tar bytes of a version-2 bundle for inventory ``doc`` (manifest first; with
    ``key``, a ``manifest.sig`` member after it)."""
    inv = _json_bytes(doc)
    manifest = {**manifest_for(doc, {INVENTORY: inv}), **(manifest_extra or {})}
    try:
        mtime = int(datetime.fromisoformat(str(doc["collected_to"]).replace("Z", "+00:00"))
                    .timestamp())
    except (KeyError, ValueError):
        mtime = 0
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        manifest_bytes = _json_bytes(manifest)
        members = [(MANIFEST, manifest_bytes)]
        if key is not None:
            members.append((SIGNATURE, (signature(key, manifest_bytes) + "\n").encode()))
        for name, data in members + [(INVENTORY, inv)]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write(path: Path, doc: dict, key: bytes | None = None) -> Path:
    """Replace ``path`` with the bundle of ``doc`` (signed with ``key``) in one rename."""
    return write_atomic(Path(path), pack(doc, key=key))


def required_key() -> bytes | None:
    """The key every imported bundle must be signed with, from the file named by the
    environment variable ``HDSCAN_BUNDLE_KEY_FILE``; None when it is not set."""
    path = os.environ.get(KEY_ENV)
    return load_key(path) if path else None


def upgrade_v1(doc: dict, raw: bytes) -> Bundle:
    """The version-2 bundle of a version-1 bare inventory (``raw`` its bytes, ``doc`` parsed).

    The manifest is built from the document (hash of ``raw``) and says
    ``upgraded_from: 1``: nothing older proved the file whole, so nothing is verified.
    """
    manifest = manifest_for(doc, {INVENTORY: raw})
    manifest["upgraded_from"] = 1
    return Bundle(manifest, doc, 1)


def accepts(path: Path, head: bytes) -> bool:
    """True if the file is a tar whose first member is ``manifest.json``."""
    return (len(head) >= 512 and head[257:262] == b"ustar"
            and head[:100].rstrip(b"\0") == MANIFEST.encode())


def _fail(source: str, place: str, message: str) -> InputError:
    return InputError(message, SourceLocation(source, place))


def _members(path: Path, source: str) -> dict[str, bytes]:
    size = Path(path).stat().st_size
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r:") as tar:
            for m in tar:
                if not m.isfile() or "/" in m.name or m.name in ("", ".", ".."):
                    raise _fail(source, m.name or f"byte {m.offset}",
                                "unexpected tar member (only plain files at the top)")
                if m.name in members:
                    raise _fail(source, m.name, "member twice in the bundle")
                if m.size > (MAX_MANIFEST if m.name == MANIFEST else MAX_MEMBER):
                    raise _fail(source, m.name, f"member of {m.size} bytes is too large")
                data = tar.extractfile(m).read()
                if len(data) != m.size:
                    raise tarfile.ReadError("unexpected end of data")
                members[m.name] = data
            end = tar.offset
    except tarfile.ReadError as exc:
        raise _fail(source, "tar", f"not a complete tar bundle ({exc}); truncated? "
                                   "the bundle is refused whole") from None
    with open(path, "rb") as f:
        f.seek(end)
        tail = f.read(_END_OF_ARCHIVE)
    if len(tail) < _END_OF_ARCHIVE or tail.strip(b"\0") or size < end + _END_OF_ARCHIVE:
        raise _fail(source, f"byte {end}", "the tar bundle does not end where it should "
                                           "(truncated or damaged); the bundle is refused whole")
    return members


def _check_version(manifest: dict, source: str) -> None:
    schema = manifest.get("schema")
    place = f"{MANIFEST} schema"
    if not isinstance(schema, str) or not schema.startswith(PREFIX):
        raise _fail(source, place, f"'{schema}' is not an agent bundle; this hdscan reads {SCHEMA}")
    version = schema[len(PREFIX):]
    if not re.fullmatch(r"\d+", version) or int(version) != CURRENT:
        age = ("from a newer agent: upgrade hdscan" if re.fullmatch(r"\d+", version)
               and int(version) > CURRENT else "of an unknown version")
        raise _fail(source, place, f"bundle version {version} ({schema}) {age}; this hdscan "
                                   f"reads versions 1 (bare inventory) and {CURRENT} ({SCHEMA})")


def read(path: Path, source: str, key: bytes | None = None) -> Bundle:
    """The verified bundle at ``path`` (see the module docstring for what is refused).

    Raises
    ------
    InputError
        One line naming ``source`` and the member (``inventory.json``), the manifest
        key or the byte where the bundle stops being whole.
    """
    members = _members(Path(path), source)
    if MANIFEST not in members:
        raise _fail(source, MANIFEST, "missing: not an hdscan agent bundle")
    try:
        manifest_bytes = members.pop(MANIFEST)
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(source, MANIFEST, f"invalid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise _fail(source, MANIFEST, "expected a JSON object")
    _check_version(manifest, source)
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("sha256"), str)
            and isinstance(f.get("bytes"), int) for f in files):
        raise _fail(source, f"{MANIFEST} files", "expected a list of {name, bytes, sha256}")
    listed = {f["name"]: f for f in files}
    sig = members.pop(SIGNATURE, None)
    if key is not None:
        if sig is None:
            raise _fail(source, SIGNATURE, f"missing: this import requires bundles signed with "
                                           f"the key of {KEY_ENV}; the bundle is refused whole")
        if not hmac.compare_digest(sig.strip(), signature(key, manifest_bytes).encode()):
            raise _fail(source, SIGNATURE, "does not match the manifest under the key of "
                                           f"{KEY_ENV} (forged, or signed with another key); "
                                           "the bundle is refused whole")
    for name in members:
        if name not in listed:
            raise _fail(source, name, "not listed in the manifest (added after the agent wrote "
                                      "it?); the bundle is refused whole")
    for name, f in listed.items():
        if name not in members:
            raise _fail(source, name, "listed in the manifest but missing from the bundle")
        data = members[name]
        if len(data) != f["bytes"] or _sha256(data) != f["sha256"].lower():
            raise _fail(source, name, "size or sha256 differs from the manifest (tampered or "
                                      "damaged); the bundle is refused whole")
    if INVENTORY not in members:
        raise _fail(source, INVENTORY, "missing from the bundle")
    doc = inventory.parse(members[INVENTORY], source)
    inventory.observations(doc, source)                    # validated whole, as the importer does
    host = manifest.get("host") if isinstance(manifest.get("host"), dict) else {}
    inv_host = doc.get("host", {})
    for key, mine, theirs in (("host.hostname", host.get("hostname"), inv_host.get("hostname")),
                              ("host.host_id", host.get("host_id"), inv_host.get("host_id")),
                              ("collected_from", manifest.get("collected_from"), doc.get("collected_from")),
                              ("collected_to", manifest.get("collected_to"), doc.get("collected_to"))):
        if mine != theirs:
            raise _fail(source, f"{MANIFEST} {key}", f"'{mine}' is not the inventory's "
                                                     f"'{theirs}'; the bundle is refused whole")
    return Bundle(manifest, doc, CURRENT)


def collect(path: Path, source: str) -> Iterator[Observation]:
    """The inventory's observations of a verified bundle (the agent-inventory reader's).

    Raises
    ------
    InputError
        The bundle is not whole, of a newer version, or its inventory is invalid.
    """
    yield from inventory.observations(read(Path(path), source, required_key()).inventory, source)
