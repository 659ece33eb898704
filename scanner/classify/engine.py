"""Owns classification: rule packs applied to the dependency graph → ``tags.json``.

``classify`` evaluates rules per ``applies_to`` in dependency order (topological
generations sorted by rule id), then the pack's propagation features, repeating both
until no tag is added; then gives every host no rule identified ``role: unknown`` with
the reason, resolves each dimension (``resolve.py``) and writes findings.  The output is
exactly the tags.json structure of docs/architecture.md, sorted, so the same graph and
packs give byte-identical files.

Flows (``flow:<client>-><server>``) and applications (``app:<role>``) are entities too
(views.py).  A flow rule tags the flow.  An application rule tags the application and
every one of its hosts, each host tag with ``via: [app, host]`` so explain shows it came
through the application; applications are recomputed every round, since rules and
propagation add roles.  Flows and applications appear in ``resolved`` only when tagged.
"""

from __future__ import annotations

import hashlib

from ..graph import queries as q
from .candidates import FieldIndex, requirement, static_rule
from .conditions import evaluate_rule, holds, truth
from .propagate import propagate_once
from .render import render_because
from .resolve import MANUAL, manual_tags, resolve_entity
from .views import GraphViews, TagIndex, flow_edges, flow_id

SCHEMA = "hdscan-tags/1"
ENTITY_KINDS = ("host", "service", "database", "endpoint")
EXTRA_KINDS = ("flow", "application")
UNKNOWN_RULE = "engine.unknown-role"
_UP = {"low": "medium", "medium": "high", "high": "high"}
MAX_ROUNDS = 50


class _State:
    def __init__(self, g, packs, settings, indexed=True):
        self.g = g
        self.indexed = indexed
        self.packs = packs
        self.index = TagIndex()
        self.views = GraphViews(g, self.index, settings)
        self.records: dict = {}
        self.matched: set = set()
        self.indexes: dict = {}         # kind -> FieldIndex over its entities' fixed fields
        self.candidates: dict = {}      # rule id -> entities it could match (fixed fields)
        self.final: set = set()         # ids of rules that read no tag, once evaluated

    def rule_candidates(self, rule, entities: list) -> list:
        """The entities of ``entities`` (one kind's, in order) ``rule`` could match."""
        hit = self.candidates.get(rule.id)
        if hit is None:
            index = self.indexes.get(rule.applies_to)
            if index is None:
                index = self.indexes[rule.applies_to] = FieldIndex(entities, self.views.static)
            hit = self.candidates[rule.id] = index.candidates(requirement(rule, self.packs.lists))
        return hit

    def add_tag(self, tag: dict) -> bool:
        key = (tag["entity"], tag["dimension"], str(tag["value"]), tag["rule"].split("@")[0])
        if key in self.records:
            return False
        self.records[key] = tag
        self.index.add(tag["entity"], tag["dimension"], tag["value"], tag["evidence"])
        return True


def _entities(g) -> dict:
    out = {k: [] for k in ENTITY_KINDS + EXTRA_KINDS}
    for node in sorted(g.nodes):
        kind = g.nodes[node].get("kind")
        if kind in out:
            out[kind].append(node)
    out["flow"] = [flow_id(u, v) for u, v, _ in flow_edges(g)]
    return out


def _apply_application_rule(state: _State, rule) -> bool:
    """Tag each application the rule matches, and every host of it (``via: [app, host]``).

    Re-evaluated every round (membership grows as roles are set); ``add_tag`` de-duplicates.
    """
    changed = False
    for app, hosts in sorted(state.views.applications().items()):
        view = state.views.view(app)
        matched, results, evidence = evaluate_rule(rule, view, state.packs.lists)
        if not matched:
            continue
        confidence = rule.confidence
        if rule.boost_if is not None and truth(rule.boost_if, results):
            confidence = _UP[confidence]
        because = render_because(rule.because, view)
        ev = sorted(evidence or view.evidence(None))
        for dim in sorted(rule.set):
            base = {"dimension": dim, "value": rule.set[dim], "rule": rule.ref,
                    "pack": rule.pack, "confidence": confidence}
            if rule.frameworks:
                base["frameworks"] = [dict(f) for f in rule.frameworks]
            changed |= state.add_tag({**base, "entity": app, "because": because,
                                      "evidence": ev, "via": None})
            for h in hosts:
                member_ev = sorted(state.views.tag_values(h, "role")[1])
                changed |= state.add_tag({**base, "entity": h,
                                          "because": f"member of {app}: {because}",
                                          "evidence": member_ev, "via": [app, h]})
    return changed


def _apply_rule(state: _State, rule, entities: list) -> bool:
    """Evaluate ``rule`` on the entities it could match (``candidates.py``); a rule that
    reads no tag is final after one pass, since nothing it reads changes."""
    if rule.id in state.final:
        return False
    if state.indexed:
        if static_rule(rule):
            state.final.add(rule.id)
        entities = state.rule_candidates(rule, entities)
    changed = False
    lists = state.packs.lists
    for entity in entities:
        if (entity, rule.id) in state.matched:
            continue
        view = state.views.view(entity)
        if state.indexed and not holds(rule, view, lists):
            continue
        matched, results, evidence = evaluate_rule(rule, view, lists)
        if not matched:
            continue
        state.matched.add((entity, rule.id))
        confidence = rule.confidence
        if rule.boost_if is not None and truth(rule.boost_if, results):
            confidence = _UP[confidence]
        because = render_because(rule.because, view)
        ev = sorted(evidence or view.evidence(None))
        for dim in sorted(rule.set):
            tag = {"entity": entity, "dimension": dim, "value": rule.set[dim],
                   "rule": rule.ref, "pack": rule.pack, "confidence": confidence,
                   "because": because, "evidence": ev, "via": None}
            if rule.frameworks:
                tag["frameworks"] = [dict(f) for f in rule.frameworks]
            changed |= state.add_tag(tag)
    return changed


def _unknown_reason(g, host: str) -> str:
    n = g.nodes[host]
    parts = []
    if not n.get("agent"):
        parts.append("no agent inventory")
    svcs = q.services(g, host)
    protos = sorted({g.nodes[s].get("protocol") or "unknown" for s in svcs})
    if not svcs:
        parts.append("no service seen")
    else:
        parts.append(f"no identifying protocol on its {len(svcs)} service(s) ({', '.join(protos)})")
    out_protos = sorted({e.get("protocol") or "unknown" for _, _, e in q.outgoing_flows(g, host)})
    if out_protos:
        parts.append(f"its outgoing flows ({', '.join(out_protos)}) match no rule")
    else:
        parts.append("no outgoing flow seen")
    if not n.get("processes"):
        parts.append("no process names")
    return "no rule identified it: " + "; ".join(parts)


def _findings(state: _State, resolved: dict) -> list:
    out = []
    for prop in state.packs.propagation:
        spec = prop.finding
        if not spec:
            continue
        by = spec.get("severity_from", "data_class")
        levels = dict(spec.get("severity") or {})
        for key in sorted(state.records):
            tag = state.records[key]
            if tag["rule"] != prop.id:
                continue
            entity = tag["entity"]
            klass = resolved.get(entity, {}).get(by)
            severity = levels.get(str(klass), levels.get("default", "low"))
            digest = hashlib.sha256(f"{prop.id}|{entity}|{tag['via']}".encode()).hexdigest()[:16]
            origin = tag["via"][0] if tag["via"] else "?"
            because = str(spec.get("because", "{entity} reaches {origin}")).format(
                entity=entity, origin=origin, value=tag["value"], klass=klass or "unknown")
            out.append({"id": f"finding:{digest}", "entity": entity, "severity": severity,
                        "dimension": prop.dimension, "value": tag["value"],
                        "title": str(spec.get("title", prop.id)),
                        "because": " ".join(because.split()), "rule": prop.id,
                        "evidence": list(tag["evidence"]), "via": list(tag["via"] or [])})
    return out


def classify(graph, packs, assertions=(), settings=None, indexed=True) -> dict:
    """Classify every host, service, database and endpoint of ``graph``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The dependency graph (docs/architecture.md).
    packs : Packs
        From ``loader.load_packs``.
    assertions : iterable of dict
        estate.yml assertions ``{entity, set: {dimension: value}, author, reason}``; they win.
    settings : dict, optional
        Overrides pack settings, e.g. ``{"establishment": "private"}``.
    indexed : bool
        Evaluate each rule only where ``candidates.py`` says it could match, and rules that
        read no tag once.  False evaluates every rule everywhere every round: the
        reference the index is tested against; the result is the same.

    Returns
    -------
    dict
        ``{"schema", "packs", "tags", "resolved", "findings"}``, sorted.

    Raises
    ------
    InputError
        An assertion names an undeclared dimension or value.
    """
    merged = {**packs.settings, **(settings or {})}
    state = _State(graph, packs, merged, indexed)
    entities = _entities(graph)
    manual, unknown_entities = manual_tags(assertions, graph, packs.dimensions)
    for tag in manual:
        state.add_tag(tag)
    by_id = {r.id: r for r in packs.rules}
    order = [by_id[rid] for gen in packs.generations for rid in gen] or list(packs.rules)
    for _ in range(MAX_ROUNDS):
        changed = False
        for rule in order:
            if rule.applies_to == "application":
                changed |= _apply_application_rule(state, rule)
            else:
                changed |= _apply_rule(state, rule, entities[rule.applies_to])
        for prop in packs.propagation:
            changed |= propagate_once(graph, prop, packs.dimensions, state.views,
                                      state.records, state.add_tag)
        if not changed:
            break
    if "role" in packs.dimensions and "unknown" in [str(v) for v in packs.dimensions["role"].values]:
        for host in entities["host"]:
            if not state.views.tag_values(host, "role")[0]:
                state.add_tag({"entity": host, "dimension": "role", "value": "unknown",
                               "rule": UNKNOWN_RULE, "confidence": "low",
                               "because": _unknown_reason(graph, host),
                               "evidence": sorted(graph.nodes[host].get("evidence", [])),
                               "via": None})
    own: dict = {}
    for (entity, dim, _, _), tag in state.records.items():
        slot = own.setdefault(entity, {}).setdefault(dim, {})
        slot[tag["value"]] = slot.get(tag["value"], False) or tag["rule"] == MANUAL
    resolved = {e: resolve_entity(graph, e, packs.dimensions, own)
                for kind in ENTITY_KINDS for e in entities[kind]}
    for e in sorted(own):           # flows and applications: only the tagged ones
        if e.startswith(("flow:", "app:")):
            resolved[e] = resolve_entity(graph, e, packs.dimensions, own)
    findings = _findings(state, resolved)
    for entity, a in unknown_entities:
        digest = hashlib.sha256(f"manual|{entity}".encode()).hexdigest()[:16]
        findings.append({"id": f"finding:{digest}", "entity": entity, "severity": "low",
                         "dimension": None, "value": None,
                         "title": "manual assertion names an entity hdscan has not seen",
                         "because": f"asserted by {a['author']}, but no observation names it",
                         "rule": MANUAL, "evidence": [], "via": []})
    tags = sorted(state.records.values(),
                  key=lambda t: (t["entity"], t["dimension"], str(t["value"]), t["rule"]))
    return {"schema": SCHEMA, "packs": packs.refs,
            "tags": tags,
            "resolved": {k: resolved[k] for k in sorted(resolved)},
            "findings": sorted(findings, key=lambda f: (f["entity"], f["id"]))}
