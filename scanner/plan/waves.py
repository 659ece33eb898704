"""Owns migration waves: the order move groups travel in, and the reason for each placement.

The heuristic (docs/planner.md) in four steps: shared infrastructure first (replicated or
moved, per ``shared_infrastructure``); a pilot of low-risk groups; the remaining groups
as care chains (groups coupled by clinical interface flows) ordered from the least to the
most critical, leaves before hubs inside a chain, configured orderings applied as
precedence; then a greedy fill that opens a new wave when the servers or data capacity,
the tier-1 limit or an ordering says so.  A group bigger than a wave goes alone.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from ..errors import PlanError
from ..graph import queries as q
from ..model import ids
from .hosts import DATA_RANK, short, tier_rank
from .reasons import reason

INTERFACE_PROTOCOLS = ("hl7v2-mllp", "hprim", "astm", "dicom", "dicomweb", "fhir")


def _label(g: dict) -> str:
    roles = ", ".join(r for r in g["roles"] if r != "unknown") or short(g["hosts"][0])
    return f"{g['id']} ({roles})"


def _tier_text(g: dict) -> str:
    return f"tier {g['care_tier']}" if g["care_tier"] else "tier unknown"


class Coupling:
    """Flows between groups: who depends on whom, how much, over which protocols."""

    def __init__(self, graph, groups: list, group_of: dict):
        self.weight: dict = defaultdict(int)
        self.protocols: dict = defaultdict(set)
        self.dependents: dict = defaultdict(set)
        for u, v, k, d in graph.edges(keys=True, data=True):
            if (d.get("kind") or k) not in ("flow", "config_ref") or q.kind(graph, u) != "host":
                continue
            gu, gv = group_of.get(u), group_of.get(q.host(graph, v))
            if gu is None or gv is None or gu == gv:
                continue
            pair = tuple(sorted((gu, gv)))
            self.weight[pair] += max(1, int(d.get("connections") or 0))
            svc = v if q.kind(graph, v) == "service" else q.service_of(graph, v)
            proto = d.get("protocol") or (graph.nodes[svc].get("protocol") if svc else None)
            if proto:
                self.protocols[pair].add(proto)
            self.dependents[gv].add(gu)
        self.strong = nx.Graph()
        self.strong.add_nodes_from(g["id"] for g in groups)
        for pair, protos in self.protocols.items():
            if protos & set(INTERFACE_PROTOCOLS):
                self.strong.add_edge(*pair)

    def degree(self, group: str) -> int:
        """How many other groups this one exchanges flows with, either way."""
        return sum(1 for pair in self.weight if group in pair)

    def interface(self, a: str, b: str) -> list:
        pair = tuple(sorted((a, b)))
        return sorted(self.protocols.get(pair, set()) & set(INTERFACE_PROTOCOLS))


class _Filler:
    """Greedy wave filling; every placement records why it landed where it did."""

    def __init__(self, config, coupling: Coupling, start: int):
        self.config = config
        self.coupling = coupling
        self.waves: list[dict] = []
        self.number = start
        self.current: dict | None = None
        self.wave_of: dict = {}

    def open(self, phase: str) -> dict:
        self.close()
        self.current = {"number": self.number, "phase": phase, "groups": [], "servers": 0,
                        "data_bytes": None, "tier1": 0, "reasons": []}
        self.number += 1
        return self.current

    def close(self) -> None:
        if self.current and self.current["groups"]:
            self.waves.append(self.current)
        elif self.current:
            self.number -= 1
        self.current = None

    def _blocker(self, g: dict, predecessors: set) -> dict | None:
        w, cfg = self.current, self.config
        if w["servers"] + g["servers"] > cfg.wave_servers:
            return reason("capacity", f"{_label(g)} opens a new wave: wave {w['number']} holds "
                                      f"{w['servers']} of {cfg.wave_servers} servers and the group "
                                      f"has {g['servers']}")
        if cfg.wave_data_bytes and g["data_bytes"] and \
                (w["data_bytes"] or 0) + g["data_bytes"] > cfg.wave_data_bytes:
            return reason("capacity", f"{_label(g)} opens a new wave: its {g['data_bytes']} bytes "
                                      f"would exceed the wave's {cfg.wave_data_bytes} bytes")
        if g["care_tier"] == 1 and w["tier1"] >= cfg.max_tier1_groups_per_wave:
            return reason("tier1-limit", f"{_label(g)} opens a new wave: wave {w['number']} already "
                                         f"moves {w['tier1']} tier-1 group(s) (limit "
                                         f"{cfg.max_tier1_groups_per_wave})")
        early = sorted(p for p in predecessors if self.wave_of.get(p) == w["number"])
        if early:
            return reason("ordering", f"{_label(g)} opens a new wave: it must move after "
                                      f"{', '.join(early)} (plan configuration)")
        return None

    def place(self, g: dict, phase: str, why: list, predecessors: set = frozenset()) -> None:
        cfg = self.config
        oversize = g["servers"] > cfg.wave_servers or bool(
            cfg.wave_data_bytes and g["data_bytes"] and g["data_bytes"] > cfg.wave_data_bytes)
        pre = []
        if self.current is None or self.current["phase"] != phase:
            self.open(phase)
        elif oversize and self.current["groups"]:
            self.open(phase)
        elif self.current["groups"] and any(x["kind"] == "exceeds-capacity"
                                            for x in self.current["reasons"]):
            self.open(phase)
        elif not oversize:
            blocker = self._blocker(g, predecessors)
            if blocker is not None:
                pre.append(blocker)
                self.open(phase)
        w = self.current
        if oversize:
            pre.append(reason("exceeds-capacity", f"{_label(g)} has {g['servers']} servers and "
                                                  f"{g['data_bytes']} bytes, more than one wave "
                                                  f"({cfg.wave_servers} servers"
                                                  + (f", {cfg.wave_data_bytes} bytes" if cfg.wave_data_bytes else "")
                                                  + "): it moves alone; split it or pre-seed its data"))
        placed_near = [o for o in self.coupling.strong.neighbors(g["id"])
                       if self.wave_of.get(o) in (w["number"], w["number"] - 1)]
        for o in sorted(placed_near):
            where = "this wave" if self.wave_of[o] == w["number"] else "the previous wave"
            pre.append(reason("care-chain", f"{_label(g)} exchanges "
                                            f"{', '.join(self.coupling.interface(g['id'], o))} "
                                            f"with {o}, placed in {where}: the care chain is split "
                                            "for one wave at most"))
        w["groups"].append(g["id"])
        w["servers"] += g["servers"]
        if g["data_bytes"] is not None:
            w["data_bytes"] = (w["data_bytes"] or 0) + g["data_bytes"]
        w["tier1"] += 1 if g["care_tier"] == 1 else 0
        w["reasons"].extend(pre + why)
        self.wave_of[g["id"]] = w["number"]


def _precedence(groups: list, group_of: dict, config, staying: set, hosts: set) -> nx.DiGraph:
    """Configured orderings as edges between groups; impossible ones raise PlanError."""
    dag = nx.DiGraph()
    dag.add_nodes_from(g["id"] for g in groups)
    for i, o in enumerate(config.orderings):
        for h in (o.before, o.after):
            if h not in hosts:
                raise PlanError(f"orderings[{i}] ({o.reason}) names {h}, which is not a host of "
                                "the estate", config.where(o.line))
            if h in staying:
                raise PlanError(f"orderings[{i}] ({o.reason}) contradicts the stay rule: {h} never "
                                "moves (see stays)", config.where(o.line))
        a, b = group_of[o.before], group_of[o.after]
        if a == b:
            raise PlanError(f"orderings[{i}] ({o.reason}) contradicts move group {a}: "
                            f"{o.before} and {o.after} must move together", config.where(o.line))
        dag.add_edge(a, b, ordering=i, reason=o.reason)
    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        return dag
    names = sorted(f"orderings[{dag.edges[u, v]['ordering']}]" for u, v in cycle)
    raise PlanError(f"{', '.join(names)} form a cycle between move groups "
                    f"{', '.join(sorted({u for u, _ in cycle}))}: no wave order satisfies them",
                    config.where(config.orderings[int(names[0][10:-1])].line))


def _pilot(groups: list, coupling: Coupling, dag: nx.DiGraph, config) -> list:
    by_id = {g["id"]: g for g in groups}
    eligible = [g for g in groups if g["care_tier"] not in (1, 2)
                and not any(True for _ in dag.predecessors(g["id"]))
                and not any(by_id[o]["care_tier"] in (1, 2)
                            for o in coupling.strong.neighbors(g["id"]) if o in by_id)]
    if not eligible:
        return []
    if any(g["data_class"] != "health" for g in eligible):
        eligible = [g for g in eligible if g["data_class"] != "health"]
    eligible.sort(key=lambda g: (DATA_RANK.get(g["data_class"], -1),
                                 coupling.degree(g["id"]), g["servers"], g["id"]))
    cap = min(config.pilot_max_servers, config.wave_servers)
    chosen, servers, data = [], 0, 0
    for g in eligible:
        if servers + g["servers"] > cap:
            continue
        if config.wave_data_bytes and data + (g["data_bytes"] or 0) > config.wave_data_bytes:
            continue
        chosen.append(g)
        servers += g["servers"]
        data += g["data_bytes"] or 0
    return chosen


def _main_order(groups: list, coupling: Coupling, dag: nx.DiGraph, hubs_last: bool) -> list:
    """Care chains from the least to the most critical; leaves before hubs inside one."""
    ids_ = {g["id"] for g in groups}
    by_id = {g["id"]: g for g in groups}
    chains = [sorted(c) for c in nx.connected_components(coupling.strong.subgraph(ids_))]
    chains.sort(key=lambda c: (max(tier_rank(by_id[x]["care_tier"]) for x in c),
                               sum(by_id[x]["servers"] for x in c), c[0]))
    rank = {}
    for ci, chain in enumerate(chains):
        inner = sorted(chain, key=lambda x: (
            coupling.strong.degree(x) if hubs_last else -coupling.strong.degree(x),
            tier_rank(by_id[x]["care_tier"]), x))
        for pos, x in enumerate(inner):
            rank[x] = (ci, pos)
    sub = dag.subgraph(ids_)
    return [by_id[x] for x in nx.lexicographical_topological_sort(sub, key=lambda x: rank[x])]


def plan_waves(graph, groups: list, config, staying: set, hosts: set) -> tuple[list, dict]:
    """Waves as plan.json dicts, and {group id: wave number}.

    Raises
    ------
    PlanError
        A configured ordering names an unknown or staying host, two hosts of one group,
        or the orderings form a cycle.
    """
    group_of = {h: g["id"] for g in groups for h in g["hosts"]}
    by_id = {g["id"]: g for g in groups}
    coupling = Coupling(graph, groups, group_of)
    dag = _precedence(groups, group_of, config, staying, hosts)
    replicate = config.shared_infrastructure == "replicate-first"
    foundation = [g for g in groups if g["shared_infrastructure"]]
    for g in foundation:
        for p in sorted(dag.predecessors(g["id"])):
            i = dag.edges[p, g["id"]]["ordering"]
            raise PlanError(f"orderings[{i}] ({config.orderings[i].reason}) puts {_label(g)} after "
                            f"{p}, but shared infrastructure goes first "
                            f"({config.shared_infrastructure})", config.where(config.orderings[i].line))
    filler = _Filler(config, coupling, 0 if foundation else 1)
    for g in foundation:
        text = (f"{_label(g)} is shared infrastructure (directory/DNS): "
                + ("a replica is built at the target before any move; the on-site instance "
                   "keeps serving the site (shared_infrastructure: replicate-first)" if replicate
                   else "it moves before anything that needs it (shared_infrastructure: move-first)"))
        if replicate:
            filler.current = filler.current or filler.open("foundation")
            w = filler.current
            w["groups"].append(g["id"])
            w["servers"] += g["servers"]
            if g["data_bytes"] is not None:
                w["data_bytes"] = (w["data_bytes"] or 0) + g["data_bytes"]
            w["reasons"].append(reason("foundation", text))
            filler.wave_of[g["id"]] = w["number"]
        else:
            filler.place(g, "foundation", [reason("foundation", text)])
    rest = [g for g in groups if not g["shared_infrastructure"]]
    pilot = _pilot(rest, coupling, dag, config) if config.pilot_enabled else []
    for g in pilot:
        filler.place(g, "pilot", [reason("pilot", f"{_label(g)} is low-risk ({_tier_text(g)}, "
                                                  f"data {g['data_class'] or 'unknown'}, "
                                                  f"flows with {coupling.degree(g['id'])} other "
                                                  "group(s)): it proves the move "
                                                  "process first")])
    chosen = {g["id"] for g in pilot}
    for g in _main_order([g for g in rest if g["id"] not in chosen], coupling, dag, replicate):
        chain = sorted(coupling.strong.neighbors(g["id"]))
        why = (f"{_label(g)}, {_tier_text(g)}: groups move from the least to the most critical"
               + (f"; its care chain ({', '.join(chain)}) moves in consecutive waves, "
                  + ("leaves before hubs" if replicate else "hubs first") if chain else ""))
        why = [reason("risk-order", why)]
        for p in sorted(dag.predecessors(g["id"])):
            why.append(reason("ordering", f"{_label(g)} moves after {p} (wave "
                                          f"{filler.wave_of.get(p)}): "
                                          f"{dag.edges[p, g['id']]['reason']} (plan configuration)"))
        filler.place(g, "main", why, set(dag.predecessors(g["id"])))
    filler.close()
    waves = []
    for w in filler.waves:
        gs = [by_id[x] for x in w["groups"]]
        tiers = [x["care_tier"] for x in gs if x["care_tier"]]
        tier = min(tiers) if tiers else None
        roles = sorted({r for x in gs for r in x["roles"] if r != "unknown"})
        if w["phase"] == "foundation":
            name = "foundation: " + ("replicate" if replicate else "move") + " directory and DNS"
        elif w["phase"] == "pilot":
            name = "pilot"
        else:
            name = ", ".join(roles[:4]) + (" …" if len(roles) > 4 else "") or "servers"
        waves.append({
            "number": w["number"], "id": ids.wave_id(w["number"]), "name": name,
            "action": "replicate" if w["phase"] == "foundation" and replicate else "move",
            "groups": sorted(w["groups"]),
            "hosts": sorted(h for x in gs for h in x["hosts"]),
            "servers": w["servers"], "data_bytes": w["data_bytes"],
            "care_tier": tier, "window": config.window(tier),
            "reasons": w["reasons"]})
    return waves, dict(filler.wave_of)
