"""Owns the evidence index of the report: observation id → where the fact was read.

The map's node panel shows, under each tag, the observations behind it (source file,
place in it, collector), as ``hdscan explain`` does.  Only the first
``mapdata.EVIDENCE_PER_TAG`` observations of each tag are looked up, and only their
evidence is kept: never an observation's data, so no payload value reaches the report.
The index rides in ``meta["evidence"]``, which ``--redact`` pseudonymises with the rest.
"""

from __future__ import annotations

from pathlib import Path

from ..store import Store
from .mapdata import EVIDENCE_PER_TAG


def wanted_ids(tags: dict) -> set[str]:
    """The observation ids the map shows: the first few of every tag."""
    return {str(ev) for t in tags.get("tags", []) or [] for ev in (t.get("evidence") or [])[:EVIDENCE_PER_TAG]}


def evidence_index(store_path: Path, tags: dict) -> dict[str, dict]:
    """``{observation id: {source, location, collector, kind}}`` for ``wanted_ids(tags)``."""
    wanted = wanted_ids(tags)
    found: dict[str, dict] = {}
    if not wanted or not Path(store_path).is_file():
        return found
    with Store(Path(store_path), create=False) as store:
        for obs in store.observations():
            if obs.id in wanted:
                e = obs.evidence
                found[obs.id] = {"source": e.source, "location": e.location, "collector": e.collector,
                                 "kind": obs.kind}
    return dict(sorted(found.items()))
