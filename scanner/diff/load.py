"""Owns reading one side of a diff: an output folder or a JSON export, into a ``Snapshot``.

A folder is what ``hdscan run`` writes (``graph.json``, ``tags.json``, ``plan.json`` and
``store.sqlite``); an export is ``OUT/export/hdscan.json`` (``hdscan-export/1``).  Both
become the same neutral view: nodes, edges keyed by ``(source, target, kind)``, tags,
resolved classification, the plan's waves and hybrid flows.  With a folder the store
also tells which input file each observation came from, so a changed classification
can name the evidence files; an export only carries observation ids.

Only ids, sites, rule ids, source file names and protocol facts are kept: nothing a diff
prints can carry patient data.  A missing or corrupt side raises ``InputError`` naming
the file (and line, for bad JSON).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, SourceLocation

EXPORT_SCHEMA = "hdscan-export/1"
GRAPH_SCHEMA = "hdscan-graph/1"
NODE_KEEP = ("kind", "host", "site", "port", "transport", "protocol", "engine", "name")
EDGE_KEEP = ("port", "transport", "protocol", "mechanisms", "scheme")


@dataclass
class Snapshot:
    """One collection as the diff sees it."""

    label: str                      # the path the user gave
    form: str                       # "folder" or "export"
    estate: str | None = None
    fingerprint: str | None = None
    nodes: dict = field(default_factory=dict)      # id -> {kind, host, site, …}
    edges: dict = field(default_factory=dict)      # (source, target, kind) -> {port, …}
    tags: list = field(default_factory=list)       # tags.json "tags"
    resolved: dict = field(default_factory=dict)   # id -> {dimension: value}
    waves: list = field(default_factory=list)      # plan waves
    hybrid_flows: list = field(default_factory=list)
    has_plan: bool = False
    store: Path | None = None                      # store.sqlite when a folder has one

    def site_of(self, entity: str) -> str | None:
        """The site of a host, or of the host of a service or database."""
        node = self.nodes.get(entity)
        if node is None:
            return None
        if node.get("kind") == "host":
            return node.get("site")
        host = node.get("host")
        return self.nodes.get(host, {}).get("site") if host else None

    def sources(self, observation_ids) -> dict[str, str]:
        """observation id -> input file it came from (folders with a store only)."""
        ids = sorted(set(observation_ids))
        if self.store is None or not ids:
            return {}
        found: dict[str, str] = {}
        try:
            db = sqlite3.connect(self.store.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    marks = ",".join("?" * len(chunk))
                    for oid, evidence in db.execute(
                            f"SELECT id, evidence FROM observations WHERE id IN ({marks})", chunk):
                        source = json.loads(evidence).get("source")
                        if source:
                            found[oid] = str(source)
            finally:
                db.close()
        except (sqlite3.Error, ValueError) as exc:
            raise InputError(f"cannot read the store ({exc})", SourceLocation(str(self.store))) from None
        return found


def _read_json(path: Path):
    if not path.is_file():
        raise InputError("missing: not an hdscan output folder or export file",
                         SourceLocation(str(path)))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", SourceLocation(str(path))) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})",
                         SourceLocation(str(path), f"line {exc.lineno}")) from None


def _expect(cond: bool, path: Path, message: str) -> None:
    if not cond:
        raise InputError(message, SourceLocation(str(path)))


def _node(item: dict) -> dict:
    return {k: item[k] for k in NODE_KEEP if k in item}


def _edge(item: dict) -> dict:
    return {k: item[k] for k in EDGE_KEEP if k in item}


def _fill(snap: Snapshot, path: Path, nodes, edges, tags, resolved, plan) -> Snapshot:
    _expect(isinstance(nodes, list) and isinstance(edges, list), path, "no 'nodes'/'edges' lists")
    for n in nodes:
        _expect(isinstance(n, dict) and "id" in n and "kind" in n, path, "a node without id or kind")
        snap.nodes[str(n["id"])] = _node(n)
    for e in edges:
        _expect(isinstance(e, dict) and {"source", "target"} <= set(e), path,
                "an edge without source or target")
        kind = str(e.get("kind") or e.get("key"))
        snap.edges[(str(e["source"]), str(e["target"]), kind)] = _edge(e)
    _expect(isinstance(tags, list) and isinstance(resolved, dict), path, "no classification")
    snap.tags = tags
    snap.resolved = resolved
    if plan is not None:
        _expect(isinstance(plan.get("waves", []), list) and
                isinstance(plan.get("hybrid_flows", []), list), path, "malformed plan")
        snap.waves = list(plan.get("waves") or [])
        snap.hybrid_flows = list(plan.get("hybrid_flows") or [])
        snap.has_plan = True
    return snap


def _from_export(path: Path, label: str) -> Snapshot:
    data = _read_json(path)
    _expect(isinstance(data, dict) and data.get("schema") == EXPORT_SCHEMA, path,
            f"not an {EXPORT_SCHEMA} export (schema {data.get('schema') if isinstance(data, dict) else None!r})")
    meta = data.get("meta") or {}
    snap = Snapshot(label, "export", meta.get("estate"), meta.get("store_fingerprint"))
    resolved = {str(n["id"]): n.get("tags") or {} for n in data.get("nodes") or []
                if isinstance(n, dict) and "id" in n}
    return _fill(snap, path, data.get("nodes"), data.get("edges"), data.get("tags") or [],
                 resolved, data)


def _from_folder(folder: Path, label: str) -> Snapshot:
    graph = _read_json(folder / "graph.json")
    _expect(isinstance(graph, dict) and graph.get("schema") == GRAPH_SCHEMA, folder / "graph.json",
            f"not an {GRAPH_SCHEMA} file")
    tags = _read_json(folder / "tags.json")
    _expect(isinstance(tags, dict), folder / "tags.json", "expected a JSON object")
    plan = _read_json(folder / "plan.json") if (folder / "plan.json").exists() else None
    _expect(plan is None or isinstance(plan, dict), folder / "plan.json", "expected a JSON object")
    meta = graph.get("graph") or {}
    snap = Snapshot(label, "folder", meta.get("estate"), meta.get("store"))
    store = folder / "store.sqlite"
    snap.store = store if store.is_file() else None
    return _fill(snap, folder / "tags.json", graph.get("nodes"), graph.get("edges"),
                 tags.get("tags") or [], tags.get("resolved") or {}, plan)


def load(target: Path) -> Snapshot:
    """Read an output folder or an export file.

    Raises
    ------
    InputError
        No such path, a missing stage file, or a file that is not what it should be.
    """
    target = Path(target)
    label = str(target)
    if target.is_dir():
        if (target / "graph.json").exists():
            return _from_folder(target, label)
        export = target / "export" / "hdscan.json"
        if export.is_file():
            return _from_export(export, label)
        return _from_folder(target, label)      # raises: names the missing graph.json
    if target.is_file():
        return _from_export(target, label)
    raise InputError("no such file or folder", SourceLocation(label))
