"""Owns ``hdscan explain``: an entity's tags walked back to rules, paths, evidence and source files.

Answers "why is this server HDS?" from the derived files (tags.json, graph.json,
plan.json) and the store only; nothing is recomputed.  For a host, the tags of its
services and databases are shown too, since they roll up to it.  For every tag:

* the rule that set it (``id@version``), or the manual assertion with its author and
  reason (assertions win over rules);
* for a propagated tag, the full path that carried it, origin first, each hop with the
  edge that joins the two entities (``-[hl7v2-mllp flow :2575]->``, ``<-[db_link
  postgres_fdw]-``, ``(runs on)``), then the tag the origin carried and the rule that set
  it there;
* the evidence: observation ids, kind, collector, source file and place.

Flows (``flow:<client>-><server>``) and applications (``app:<role>``) are explained like
any entity once a rule tagged them; a host tag set by an application rule shows the path
``app:<role> (has member) host:…`` and the application's own tag with its evidence.

``explain_data`` returns the same answer as plain data (tests and other front ends).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ScannerError, SourceLocation
from ..model import ids
from ..store import Store

MAX_EVIDENCE = 8


def _load(path: Path, stage: str) -> dict:
    if not path.is_file():
        raise ScannerError(f"missing; run 'hdscan {stage}' first", SourceLocation(str(path)))
    return json.loads(path.read_text(encoding="utf-8"))


def _evidence_index(store: Store, wanted: set[str]) -> dict[str, dict]:
    found = {}
    if not wanted:
        return found
    for obs in store.observations():
        if obs.id in wanted:
            found[obs.id] = obs.evidence.to_dict() | {"kind": obs.kind}
    return found


class _Edges:
    """Edges of graph.json between two entities, for rendering a propagation hop."""

    def __init__(self, graph: dict):
        self.by_pair: dict = {}
        self.host_of: dict = {}
        self.service_of: dict = {}
        for n in graph.get("nodes", []):
            if n.get("host"):
                self.host_of[n["id"]] = n["host"]
            if n.get("kind") == "database" and n.get("service"):
                self.service_of[n["id"]] = n["service"]
        for e in graph.get("edges", []):
            self.by_pair.setdefault((e["source"], e["target"]), []).append(e)

    def _up(self, x: str) -> list:
        """``x``, then the service and host it is reached through."""
        out = [x]
        for parent in (self.service_of.get(x), self.host_of.get(x)):
            if parent and parent not in out:
                out.append(parent)
        return out

    @staticmethod
    def _label(e: dict) -> str:
        if e["kind"] == "flow":
            port = f" :{e['port']}" if e.get("port") else ""
            return f"{e.get('protocol') or 'unknown'} flow{port}"
        if e["kind"] == "db_link":
            return "db_link " + ",".join(e.get("mechanisms") or []) if e.get("mechanisms") \
                else "db_link"
        return e["kind"]

    def _reach(self, a: str, b: str):
        """(edges, forward) from a to b: direct, or through the service/host a or b is
        reached through; flows and db_links before other edges (config references)."""
        found = []
        for x in self._up(a):
            for y in self._up(b):
                if (x, y) in self.by_pair:
                    found.append((self.by_pair[(x, y)], True))
                if (y, x) in self.by_pair:
                    found.append((self.by_pair[(y, x)], False))
        for edges, forward in found:
            if any(e["kind"] in ("flow", "db_link") for e in edges):
                return edges, forward
        return found[0] if found else ([], True)

    def hop(self, a: str, b: str) -> dict:
        """How ``a`` reaches ``b``: ``{"relation", "direction", "edges"}``."""
        if a.startswith("app:"):
            return {"relation": "has member", "direction": "member", "edges": []}
        if a.startswith("flow:"):
            client, _, server = a[len("flow:"):].partition("->")
            ends = "server" if b in (server, self.host_of.get(server)) else "client"
            edges = self.by_pair.get((client, server), [])
            return {"relation": f"carried to its {ends}", "direction": "member",
                    "edges": sorted({ev for e in edges for ev in e.get("evidence", [])})}
        if self.host_of.get(a) == b or ids.host_of(a) == b:
            return {"relation": "runs on", "direction": "member", "edges": []}
        if self.host_of.get(b) == a or ids.host_of(b) == a:
            return {"relation": "hosts", "direction": "member", "edges": []}
        edges, forward = self._reach(a, b)
        kinds = [e for e in edges if e["kind"] in ("flow", "db_link")] or edges
        labels = sorted({self._label(e) for e in kinds})
        return {"relation": "; ".join(labels) or "related",
                "direction": "forward" if forward else "backward",
                "edges": sorted({ev for e in kinds for ev in e.get("evidence", [])})}

    @staticmethod
    def render(a: str, hop: dict, b: str) -> str:
        if hop["direction"] == "member":
            return f"{a} ({hop['relation']}) {b}"
        if hop["direction"] == "forward":
            return f"{a} -[{hop['relation']}]-> {b}"
        return f"{a} <-[{hop['relation']}]- {b}"


def _origin_tags(all_tags: list, origin: str, tag: dict, host_of: dict) -> list:
    """The tags that gave the origin of a propagated tag its value: its own, else those of
    its host and of the host's other services and databases (which roll up or down to it);
    rule tags before propagated ones."""
    if origin.startswith(("app:", "flow:")):     # not graph nodes: their own tags only
        host = None
    else:
        host = origin if origin.startswith("host:") else host_of.get(origin) or ids.host_of(origin)
    def rank(t):
        if t["entity"] == origin:
            return 0
        if t["entity"] == host:
            return 1
        if host and (host_of.get(t["entity"]) == host or ids.host_of(t["entity"]) == host):
            return 2
        return None
    out = [t for t in all_tags
           if t is not tag and t["dimension"] == tag["dimension"]
           and str(t["value"]) == str(tag["value"]) and rank(t) is not None]
    out.sort(key=lambda t: (rank(t), bool(t.get("via")), t["entity"], t.get("rule", "")))
    best = rank(out[0]) if out else None
    return [t for t in out if rank(t) == best][:3]


def _detail(t: dict, all_tags: list, edges: "_Edges", depth: int, seen: frozenset) -> dict:
    """A tag with who set it, the path that carried it and, recursively, its origin's tags."""
    item = dict(t)
    rule = t.get("rule", "?")
    item["who"] = (f"manual assertion by {t.get('author', '?')}: {t.get('reason', '')}"
                   if rule == "manual" else rule)
    via = list(t.get("via") or [])
    item["path"] = [{"from": a, "to": b, **edges.hop(a, b)} for a, b in zip(via, via[1:])]
    item["origin_tags"] = []
    if via and depth < 8:
        key = (t["entity"], t["dimension"], str(t["value"]), rule)
        for o in _origin_tags(all_tags, via[0], t, edges.host_of):
            okey = (o["entity"], o["dimension"], str(o["value"]), o.get("rule"))
            if okey in seen or okey == key:
                continue
            item["origin_tags"].append(_detail(o, all_tags, edges, depth + 1, seen | {key}))
    return item


def _walk(item: dict):
    yield item
    for o in item.get("origin_tags", []):
        yield from _walk(o)


def explain_data(out: Path, entity: str) -> dict:
    """The explanation of ``entity`` (an id such as ``host:pacs01``, or a host name) as data.

    Returns
    -------
    dict
        ``{"entity", "resolved", "tags": [{..tag, "who", "path", "origin_tags",
        "evidence": [{"id", "kind", "collector", "source", "location"}]}], "plan": [...]}``.

    Raises
    ------
    ScannerError
        tags.json missing, or no such entity (with near names).
    """
    out = Path(out)
    tags = _load(out / "tags.json", "classify")
    plan = _load(out / "plan.json", "plan") if (out / "plan.json").is_file() else {}
    graph = _load(out / "graph.json", "graph") if (out / "graph.json").is_file() else {}
    resolved = tags.get("resolved", {})
    if entity not in resolved and not entity.startswith(("host:", "svc:", "db:", "ext:", "app:",
                                                          "flow:")):
        entity = ids.host_id(entity)
    if entity not in resolved:
        near = sorted(e for e in resolved if entity.split(":", 1)[-1] in e)[:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ScannerError(f"no entity '{entity}' in tags.json{hint}",
                           SourceLocation(str(out / "tags.json")))
    related = {entity}
    if entity.startswith("host:"):
        related |= {e for e in resolved
                    if e.startswith(("svc:", "db:")) and ids.host_of(e) == entity}
    all_tags = tags.get("tags", [])
    own = sorted((t for t in all_tags if t["entity"] in related),
                 key=lambda t: (t["dimension"], t["entity"], t.get("rule", "")))
    edges = _Edges(graph)
    items = [_detail(t, all_tags, edges, 0, frozenset()) for t in own]
    wanted = {ev for item in items for t in _walk(item) for ev in t.get("evidence", [])}
    with Store(out / "store.sqlite", create=False) as store:
        index = _evidence_index(store, wanted)
    for item in items:
        for t in _walk(item):
            t["evidence"] = [{"id": ev, **index[ev]} for ev in t.get("evidence", [])
                             if isinstance(ev, str) and ev in index]
    waves = [w for w in plan.get("waves", []) if entity in w.get("hosts", [])]
    stays = [s for s in plan.get("stays", []) if s.get("host") == entity]
    return {"entity": entity, "resolved": resolved[entity], "tags": items,
            "waves": waves, "stays": stays}


def _evidence_lines(evidence: list, indent: str) -> list:
    lines = []
    for e in evidence[:MAX_EVIDENCE]:
        place = f"{e['source']}" + (f": {e['location']}" if e.get("location") else "")
        lines.append(f"{indent}evidence {e['id']} ({e['kind']} from {e['collector']}): {place}")
    if len(evidence) > MAX_EVIDENCE:
        lines.append(f"{indent}… and {len(evidence) - MAX_EVIDENCE} more observations")
    return lines


def _tag_lines(t: dict, indent: str) -> list:
    """Path, origin tags (recursively) and evidence of one tag."""
    lines = []
    if t["path"]:
        lines.append(f"{indent}path: {t['path'][0]['from']}")
        for hop in t["path"]:
            lines.append(f"{indent}  " + _Edges.render("", hop, hop["to"]).strip())
        origin = t["path"][0]["from"]
        for o in t["origin_tags"]:
            on = "" if o["entity"] == origin else f" (on {o['entity']})"
            lines.append(f"{indent}{origin} has {o['dimension']} = {o['value']}{on} "
                         f"[{o['who']}]: {o.get('because', '')}")
            lines += _tag_lines(o, indent + "  ")
    lines += _evidence_lines(t["evidence"], indent)
    return lines


def explain(out: Path, entity: str) -> str:
    """The explanation text for ``entity`` (an id such as ``host:pacs01``)."""
    data = explain_data(out, entity)
    entity = data["entity"]
    lines = [entity]
    for dim, value in sorted(data["resolved"].items()):
        lines.append(f"  {dim}: {value if not isinstance(value, list) else ', '.join(map(str, value))}")
    lines.append("")
    lines.append("because:")
    for t in data["tags"]:
        on = "" if t["entity"] == entity else f" (on {t['entity']})"
        lines.append(f"  {t['dimension']} = {t['value']}{on}  [{t['who']}, confidence "
                     f"{t.get('confidence', '?')}]")
        if t.get("rule") == "manual":
            lines.append("    a manual assertion: it wins over every rule for this dimension")
        elif t.get("because"):
            lines.append(f"    {t['because']}")
        lines += _tag_lines(t, "    ")
    for wave in data["waves"]:
        lines.append("")
        lines.append(f"planned in wave {wave['number']} ({wave.get('name', '')}):")
        for r in wave.get("reasons", []):
            lines.append(f"  - {r.get('text', r) if isinstance(r, dict) else r}")
    for stay in data["stays"]:
        lines.append("")
        lines.append(f"stays on site: {stay.get('reason', '')}")
    return "\n".join(lines)
