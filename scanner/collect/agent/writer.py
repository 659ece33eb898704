"""Owns the agent's output file: building the inventory document, writing it atomically, resuming it.

``document(...)`` lays out an ``hdscan-agent-inventory/1`` document (docs/architecture.md)
with the agent's additions, which the importer ignores: ``samples``,
``interval_seconds``, ``limitations`` (what the agent could not see), ``host.host_id``,
``package_versions``, and per connection its ``local_role`` and ``confidence``.
``write(path, doc)`` replaces the file — a version-2 bundle (``bundle.py``), or the bare
version-1 inventory when the name ends in ``.json`` — in one rename (``fileio.write_atomic``), so a
``kill -9`` leaves the previous flush whole (and a stray temporary file, removed by the
next ``resume``). ``resume(path, host_id)`` reads a previous
flush back — validated by the importer itself — so a restarted agent keeps counting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ... import __version__
from ...errors import InputError, SourceLocation
from ...fileio import write_atomic
from . import bundle, inventory
from .sampler import Aggregator


@dataclass
class Snapshot:
    """The one-shot part of an inventory, taken when the agent starts."""
    host: dict
    packages: list[tuple[str, str]] = field(default_factory=list)
    processes: list[dict] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)


def document(snap: Snapshot, agg: Aggregator, collected_from: str, collected_to: str,
             interval_s: int) -> dict:
    """The inventory document of ``snap`` and the aggregates so far; lists sorted."""
    return {
        "schema": inventory.SCHEMA, "agent_version": __version__,
        "collected_from": collected_from, "collected_to": collected_to,
        "samples": agg.samples, "interval_seconds": interval_s,
        "limitations": sorted(set(snap.limitations) | agg.limitations),
        "host": snap.host,
        "packages": sorted({name for name, _ in snap.packages}),
        "package_versions": [{"name": n, "version": v} for n, v in snap.packages],
        "processes": snap.processes,
        "listening": agg.listening_rows(),
        "connections": agg.connection_rows(),
    }


def legacy(path: Path) -> bool:
    """True if ``path`` names a version-1 bare inventory (``.json``) rather than a bundle."""
    return Path(path).suffix.lower() == ".json"


def write(path: Path, doc: dict, key: bytes | None = None) -> Path:
    """Replace ``path`` with ``doc`` in one rename: a version-2 bundle (``bundle.pack``),
    or the bare version-1 inventory when ``path`` ends in ``.json`` (which cannot be signed:
    ``key`` must then be None)."""
    if legacy(path):
        if key is not None:
            raise ValueError("a .json (version-1) output cannot be signed; name a .tar bundle")
        return write_atomic(Path(path), json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return bundle.write(Path(path), doc, key)


@dataclass
class Previous:
    collected_from: str
    aggregator: Aggregator


def resume(path: Path, host_id: str | None) -> Previous | None:
    """The aggregates of a previous flush at ``path`` (None if there is no file).

    Raises
    ------
    InputError
        The file is not a valid inventory (as the importer judges it), or it was written
        on another host: the agent refuses to overwrite it.
    """
    path = Path(path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):   # a write cut by kill -9
        stale.unlink(missing_ok=True)
    if not path.exists():
        return None
    source = str(path)
    # the importer's own validation, whole (and for a bundle, its manifest and hashes)
    doc = inventory.load_valid(path, source) if legacy(path) else bundle.read(path, source).inventory
    old_id = doc["host"].get("host_id")
    if host_id is not None and old_id != host_id:
        raise InputError("written by an agent on another host (host_id differs); "
                         "choose another output file", SourceLocation(source, "host.host_id"))
    agg = Aggregator()
    for row in doc.get("listening", []):
        agg.add_listener(row)
    for row in doc.get("connections", []):
        agg.add_record({**row, "times_seen": row.get("times_seen") or 1,
                        "first_seen": _time(row, "first_seen", doc["collected_from"]),
                        "last_seen": _time(row, "last_seen", doc["collected_to"])})
    agg.limitations.update(x for x in doc.get("limitations", []) if isinstance(x, str))
    samples = doc.get("samples")
    agg.samples = samples if isinstance(samples, int) and samples >= 0 else 0
    return Previous(doc["collected_from"], agg)


def _time(row: dict, key: str, default: str) -> str:
    value = row.get(key)
    return value if isinstance(value, str) else default
