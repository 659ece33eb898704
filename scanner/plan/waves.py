"""Owns migration waves: the order move groups travel in, and the reason for each placement.

The heuristic (docs/planner.md): shared infrastructure first (replicated or moved, per
``shared_infrastructure``); a pilot of low-risk groups; then the remaining groups as care
chains (groups coupled by clinical interface flows) ordered from the least to the most
critical, leaves before hubs inside a chain, configured orderings and warehouse database
links applied as precedence.  That order is packed from the **last wave backwards**: each
group goes to the latest wave that still has room (servers, data bytes, tier-1 limit) and
respects its precedences and its care chain (within one wave of its placed partners), a
new earlier wave opening only when none does.  So tier-1 groups, one per wave, close the
plan, the less critical groups fill those waves up to capacity, and whatever is left
opens the first waves: about max(tier-1 groups, servers / capacity) waves in all.  A group
bigger than a wave goes alone.  The packed plan is then improved against the hybrid cost
(``scanner.plan.search``) or replaced by the proven optimum (``scanner.plan.exact``), and
every placement is explained from the final plan.  Site constraints
(``scanner.plan.sites``: sites per wave, a site's servers per wave, freezes, site
orderings, the pilot site) bind the packing, the search and the exact model alike; with
freezes the packed waves are numbered so that no site is touched while frozen.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from ..errors import PlanError
from ..graph import queries as q
from ..model import ids
from . import exact
from .cost import Problem, dependencies, hybrid_cost
from .search import Layout, improve
from .sites import SiteModel, host_sites, wave_sites
from .hosts import DATA_RANK, short, tier_rank
from .messages import message, render
from .reasons import reason

NOTE_SCAN = 12           # later waves examined to explain a placement

INTERFACE_PROTOCOLS = ("hl7v2-mllp", "hprim", "astm", "dicom", "dicomweb", "fhir")


def _label(g: dict) -> str:
    roles = ", ".join(r for r in g["roles"] if r != "unknown") or short(g["hosts"][0])
    return f"{g['id']} ({roles})"


def _tier_text(g: dict) -> dict:
    """The group's care tier, as a sentence fragment (scanner/plan/messages.py)."""
    return message("wave.tier", tier=g["care_tier"]) if g["care_tier"] else message("wave.tier-unknown")


def _note(seen: dict, key: str, kind: str, msg: str, **params) -> None:
    """``seen[key]``: the first reason of its cause only (later ones are not even built)."""
    if key not in seen:
        seen[key] = reason(kind, msg, **params)


def _exceeds(label: str, servers: int, data_bytes, cap_servers: int, cap_bytes) -> dict:
    """Why a group bigger than a wave moves alone."""
    return reason("exceeds-capacity", "wave.exceeds", group=label, servers=servers,
                  volume=message("wave.bytes", bytes=data_bytes) if data_bytes is not None
                  else message("wave.bytes-unknown"), limit=cap_servers,
                  limit_bytes=message("wave.limit-bytes", bytes=cap_bytes) if cap_bytes else None)


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
            return reason("capacity", "wave.new-servers", group=_label(g), wave=w["number"],
                          servers=w["servers"], limit=cfg.wave_servers, size=g["servers"])
        if cfg.wave_data_bytes and g["data_bytes"] and \
                (w["data_bytes"] or 0) + g["data_bytes"] > cfg.wave_data_bytes:
            return reason("capacity", "wave.new-bytes", group=_label(g), bytes=g["data_bytes"],
                          limit=cfg.wave_data_bytes)
        if g["care_tier"] == 1 and w["tier1"] >= cfg.max_tier1_groups_per_wave:
            return reason("tier1-limit", "wave.new-tier1", group=_label(g), wave=w["number"],
                          count=w["tier1"], limit=cfg.max_tier1_groups_per_wave)
        early = sorted(p for p in predecessors if self.wave_of.get(p) == w["number"])
        if early:
            return reason("ordering", "wave.new-ordering", group=_label(g), after=early)
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
            pre.append(_exceeds(_label(g), g["servers"], g["data_bytes"], cfg.wave_servers,
                                cfg.wave_data_bytes))
        placed_near = [o for o in self.coupling.strong.neighbors(g["id"])
                       if self.wave_of.get(o) in (w["number"], w["number"] - 1)]
        for o in sorted(placed_near):
            pre.append(reason("care-chain", "wave.care-chain-same" if self.wave_of[o] == w["number"]
                              else "wave.care-chain-previous", group=_label(g),
                              interface=self.coupling.interface(g["id"], o), other=o))
        w["groups"].append(g["id"])
        w["servers"] += g["servers"]
        if g["data_bytes"] is not None:
            w["data_bytes"] = (w["data_bytes"] or 0) + g["data_bytes"]
        w["tier1"] += 1 if g["care_tier"] == 1 else 0
        w["reasons"].extend(pre + why)
        self.wave_of[g["id"]] = w["number"]


def _precedence(groups: list, group_of: dict, config, staying: set, hosts: set,
                follows=()) -> nx.DiGraph:
    """Configured orderings (strict) and warehouse links (same wave or later) as edges
    between groups; impossible ones raise PlanError."""
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
        dag.add_edge(a, b, ordering=i, reason=o.reason, strict=True)
    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        names = sorted(f"orderings[{dag.edges[u, v]['ordering']}]" for u, v in cycle)
        raise PlanError(f"{', '.join(names)} form a cycle between move groups "
                        f"{', '.join(sorted({u for u, _ in cycle}))}: no wave order satisfies them",
                        config.where(config.orderings[int(names[0][10:-1])].line))
    for reader, source, why in sorted(follows, key=lambda f: (f[0], f[1])):
        a, b = group_of[source], group_of[reader]
        if a == b:
            continue
        if dag.has_edge(a, b):
            dag.edges[a, b]["follows"] = why
            continue
        if nx.has_path(dag, b, a):
            path = nx.shortest_path(dag, b, a)
            hit = [dag.edges[u, v]["ordering"] for u, v in zip(path, path[1:])
                   if dag.edges[u, v].get("ordering") is not None]
            if hit:
                o = config.orderings[hit[0]]
                raise PlanError(f"orderings[{hit[0]}] ({o.reason}) makes {short(reader)} move before "
                                f"{short(source)}, but {short(reader)} reads {short(source)} through "
                                "a database link: it moves in the same wave or later",
                                config.where(o.line))
            continue                      # two warehouses reading each other: no order
        dag.add_edge(a, b, strict=False, follows=why)
    return dag


def _pilot(groups: list, coupling: Coupling, dag: nx.DiGraph, config, sites=None,
           wave: int = 0) -> list:
    by_id = {g["id"]: g for g in groups}
    eligible = [g for g in groups if g["care_tier"] not in (1, 2)
                and not any(True for _ in dag.predecessors(g["id"]))
                and (sites is None or (sites.pilot_ok(g["id"]) and sites.allowed(g["id"], wave)))
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
        if sites is not None and sites.wave_problems([x["id"] for x in chosen] + [g["id"]]):
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


class _Packer:
    """Main-phase waves filled from the last one backwards (module docstring): the
    starting plan of the local search.  ``bins[0]`` is the last wave.  The reasons are
    written from the final plan (``_placement_notes``), not from here."""

    def __init__(self, config, coupling: Coupling, dag: nx.DiGraph, limit: int | None = None,
                 sites=None, last: int | None = None, first: int = 0):
        self.config, self.coupling, self.dag = config, coupling, dag
        self.limit = limit or config.wave_servers
        # site constraints; ``last``: the wave number of bins[0] when sites are bound to
        # wave numbers (freeze, not_before_wave), waves ``first``… available
        self.sites, self.last, self.first = sites, last, first
        self.by_id: dict = {}
        self.bins: list[dict] = []
        self.rev: dict = {}
        self.why: dict = {}

    def _oversize(self, g: dict) -> bool:
        cfg = self.config
        return g["servers"] > cfg.wave_servers or bool(
            cfg.wave_data_bytes and g["data_bytes"] and g["data_bytes"] > cfg.wave_data_bytes)

    def _blocked(self, i: int, g: dict) -> bool:
        """Bin ``i`` cannot take ``g`` (a group alone, servers, bytes, tier-1 limit)."""
        b, cfg = self.bins[i], self.config
        return bool(
            b["alone"]
            or (b["groups"] and b["servers"] + g["servers"] > self.limit)
            or (cfg.wave_data_bytes and g["data_bytes"]
                and (b["data_bytes"] or 0) + g["data_bytes"] > cfg.wave_data_bytes)
            or (g["care_tier"] == 1 and b["tier1"] >= cfg.max_tier1_groups_per_wave)
            or self._site_blocked(i, g))

    def fill(self, count: int) -> bool:
        return _fill(self, count)

    def _order_ok(self, gid: str, i: int) -> bool:
        """Bin ``i`` keeps ``gid`` after its predecessors and before its successors."""
        for p in self.dag.predecessors(gid):
            if p in self.rev and (self.rev[p] < i or (self.rev[p] == i
                                                      and self.dag.edges[p, gid].get("strict"))):
                return False
        for s in self.dag.successors(gid):
            if s in self.rev and (self.rev[s] > i or (self.rev[s] == i
                                                      and self.dag.edges[gid, s].get("strict"))):
                return False
        return True

    def _take(self, gid: str, j: int) -> None:
        g, b = self.by_id[gid], self.bins[j]
        b["groups"].remove(gid)
        b["servers"] -= g["servers"]
        if g["data_bytes"] is not None:
            b["data_bytes"] -= g["data_bytes"]
        b["tier1"] -= 1 if g["care_tier"] == 1 else 0
        b["alone"] = False
        del self.rev[gid]

    def _put(self, g: dict, i: int) -> None:
        b = self.bins[i]
        b["groups"].append(g["id"])
        b["servers"] += g["servers"]
        b["alone"] = self._oversize(g)
        if g["data_bytes"] is not None:
            b["data_bytes"] = (b["data_bytes"] or 0) + g["data_bytes"]
        b["tier1"] += 1 if g["care_tier"] == 1 else 0
        self.rev[g["id"]] = i

    def _site_blocked(self, i: int, g: dict) -> bool:
        sites = self.sites
        if sites is None:
            return False
        if self.last is not None and not sites.allowed(g["id"], self.last - i):
            return True
        return bool(sites.wave_problems(self.bins[i]["groups"] + [g["id"]]))

    def place(self, g: dict, why: list) -> None:
        gid, lo = g["id"], 0
        for s in sorted(self.dag.successors(gid)):
            e = self.dag.edges[gid, s]
            if s in self.rev:
                lo = max(lo, self.rev[s] + (1 if e.get("strict") else 0))
        partners = [self.rev[o] for o in self.coupling.strong.neighbors(gid) if o in self.rev]
        if partners:
            lo = max(lo, min(partners) - 1)
        oversize, i = self._oversize(g), lo
        while True:
            if self.last is not None and self.last - i < self.first:
                raise _NoRoom(gid)
            if i == len(self.bins):
                self.bins.append({"groups": [], "servers": 0, "data_bytes": None, "tier1": 0,
                                  "alone": False})
            if oversize:
                if not self.bins[i]["groups"] and not self._site_blocked(i, g):
                    break
            elif not self._blocked(i, g):
                break
            i += 1
        b = self.bins[i]
        b["groups"].append(gid)
        b["servers"] += g["servers"]
        b["alone"] = oversize
        if g["data_bytes"] is not None:
            b["data_bytes"] = (b["data_bytes"] or 0) + g["data_bytes"]
        b["tier1"] += 1 if g["care_tier"] == 1 else 0
        self.rev[gid] = i
        self.why[gid] = why
        self.by_id[gid] = g


def _fill(self, count: int) -> bool:
    """Give every one of ``count`` bins a group, moving groups out of bins of several
    (nearest bins first) wherever their site freezes, site limits, capacity and
    precedence allow; True when no bin is left empty."""
    while len(self.bins) < count:
        self.bins.append({"groups": [], "servers": 0, "data_bytes": None, "tier1": 0,
                          "alone": False})
    by_id = self.by_id
    for i in reversed(range(count)):
        if self.bins[i]["groups"]:
            continue
        done = False
        for j in sorted(range(count), key=lambda j: (abs(j - i), j)):
            if len(self.bins[j]["groups"]) < 2:
                continue
            for gid in sorted(self.bins[j]["groups"]):
                g = by_id[gid]
                if self._site_blocked(i, g) or not self._order_ok(gid, i):
                    continue
                self._take(gid, j)
                self._put(g, i)
                done = True
                break
            if done:
                break
        if not done:
            return False
    return True


def _schedule(bins: list, start: int, sites, dag: nx.DiGraph) -> dict | None:
    """{group: wave}: packed waves (``bins``, earliest first) given wave numbers from
    ``start`` so that no group lands where its site is frozen.  Wave after wave, a ready
    bin (its predecessors placed) allowed there is taken whole — the one whose site can
    wait least (earliest last allowed wave) —; when none is, one allowed group is taken
    out of a bin of several.  None when neither is possible."""
    pending = [sorted(b) for b in bins]
    total = sum(len(b) for b in pending)
    out: dict = {}
    slot = start

    def ready(g: str, mates) -> bool:
        for p in dag.predecessors(g):
            if p in out:
                continue
            if p in mates and not dag.edges[p, g].get("strict"):
                continue
            if any(p in b for b in pending):
                return False
        return True

    def deadline(b) -> int:
        horizon = start + total
        last = max((w for w in range(slot, horizon) if all(sites.allowed(g, w) for g in b)),
                   default=slot)
        return last

    while any(pending):
        cands = [k for k, b in enumerate(pending) if b and all(ready(g, b) for g in b)
                 and all(sites.allowed(g, slot) for g in b)]
        if cands:
            k = min(cands, key=lambda k: (deadline(pending[k]), k))
            for g in pending[k]:
                out[g] = slot
            pending[k] = []
        else:
            single = [(k, g) for k, b in enumerate(pending) if len(b) > 1 for g in b
                      if ready(g, ()) and sites.allowed(g, slot)]
            if not single:
                return None
            k, g = single[0]
            pending[k].remove(g)
            out[g] = slot
        slot += 1
    return out


def _number_waves(packers: list, start: int, sites, dag: nx.DiGraph):
    """The first of ``packers`` whose waves ``_schedule`` can number, re-binned in that
    order (bins[0] the last wave); None when none can."""
    for packer in packers:
        bins = [b["groups"] for b in reversed(packer.bins)]
        wave_of = _schedule(bins, start, sites, dag)
        if wave_of is None:
            continue
        last = max(wave_of.values())
        by_id = dict(packer.by_id)
        packer.bins, packer.rev = [], {}
        for _ in range(last - start + 1):
            packer.bins.append({"groups": [], "servers": 0, "data_bytes": None, "tier1": 0,
                                "alone": False})
        for g, w in sorted(wave_of.items()):
            packer._put(by_id[g], last - w)
        return packer
    return None


class _NoRoom(Exception):
    """A packing bound to wave numbers (site freezes) ran out of waves."""


def _pack_by_number(pack, start: int, groups: int, cap: int, fewest: int, sites, config):
    """Site freezes and not_before_wave bind wave numbers: pack with bins[0] = wave
    ``last`` for last = the fewest waves onwards (and, per last, with fewer servers per
    wave to spread the groups), keeping the first packing that fills every wave from
    ``start`` to ``last``.  PlanError when none does (waves are numbered densely: a frozen
    wave needs other sites' groups)."""
    for last in range(start + max(fewest, 1) - 1, start + groups):
        for limit in range(cap, 0, -1):
            try:
                trial = pack(limit, last)
            except _NoRoom:
                break                     # fewer servers per wave only needs more waves
            if trial.fill(last - start + 1):
                return trial
    return None


def _exact_start(p: Problem, packer, time_limit: float | None):
    """When the greedy numbering finds no plan, the exact model (when SciPy is installed)
    either gives one — re-binned into ``packer`` — or proves there is none.
    Returns (packer or None, proven)."""
    if not exact.available():
        return None, False
    limit = exact.DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    res = exact.solve(p, limit)
    if res["status"] != "optimal":
        return None, res["status"] == "infeasible"
    by_id, last = dict(packer.by_id), max(res["wave_of"].values())
    packer.bins, packer.rev = [], {}
    for _ in range(last - p.start + 1):
        packer.bins.append({"groups": [], "servers": 0, "data_bytes": None, "tier1": 0,
                            "alone": False})
    for g, w in sorted(res["wave_of"].items()):
        packer._put(by_id[g], last - w)
    return packer, False


def _no_numbered_plan(sites, config, start: int, proven: bool) -> PlanError:
    rules = [r for _s, r in sorted(sites.cfg.rules.items()) if r.not_before is not None or r.freeze]
    return PlanError(f"the freezes and not_before_wave of "
                     f"{', '.join('sites.per_site.' + r.site for r in rules)} leave no plan of "
                     f"consecutive waves from wave {start}"
                     + (" (the exact solver proves none exists)" if proven else "")
                     + ": other sites' groups cannot fill the waves those sites must not be "
                       "touched in", config.where(rules[0].line))


def _site_precedence(dag: nx.DiGraph, sites, config) -> None:
    """Site orderings as strict precedence between the groups of the two sites; a cycle
    (with each other or with the host orderings) is a PlanError naming them."""
    for a, b, i in sites.precedence(dag.nodes):
        if dag.has_edge(a, b):
            dag.edges[a, b]["strict"] = True
            dag.edges[a, b].setdefault("site_ordering", i)
        else:
            dag.add_edge(a, b, strict=True, site_ordering=i)
    try:
        cycle = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        return
    names, line = [], None
    for u, v in ((e[0], e[1]) for e in cycle):
        e = dag.edges[u, v]
        if e.get("site_ordering") is not None:
            names.append(f"sites.orderings[{e['site_ordering']}]")
            line = line or config.sites.orderings[e["site_ordering"]].line
        elif e.get("ordering") is not None:
            names.append(f"orderings[{e['ordering']}]")
        else:
            names.append(f"a warehouse link ({u} → {v})")
    raise PlanError(f"{', '.join(sorted(set(names)))} form a cycle between move groups "
                    f"{', '.join(sorted({e[0] for e in cycle}))}: no wave order satisfies them",
                    config.where(line))


def _problem(order: list, fixed: dict, start: int, deps: list, dag: nx.DiGraph, config,
             packer: "_Packer") -> Problem:
    """The main phase as a ``cost.Problem`` (both solvers read the same instance)."""
    ids_ = [g["id"] for g in order]
    main = set(ids_)
    touched = {x for d in deps for x in (d.a, d.b)}
    prec = [(a, b, bool(e.get("strict"))) for a, b, e in sorted(dag.edges(data=True))
            if a in main and b in main]
    return Problem(
        ids=ids_, servers={g["id"]: g["servers"] for g in order},
        data={g["id"]: g["data_bytes"] or 0 for g in order},
        tier1={g["id"] for g in order if g["care_tier"] == 1},
        oversize={g["id"] for g in order if packer._oversize(g)},
        fixed={k: v for k, v in fixed.items() if k in touched}, start=start, deps=deps,
        prec=prec, cap_servers=config.wave_servers, cap_bytes=config.wave_data_bytes,
        tier1_limit=config.max_tier1_groups_per_wave,
        sites=packer.sites if packer.sites is not None and packer.sites.active else None)


def _solve(p: Problem, packed: dict, solver: str, time_limit: float | None) -> tuple[dict, dict]:
    """The final main assignment and the solver record (see ``plan_waves_solved``)."""
    if solver not in ("auto", "exact", "heuristic"):
        raise ValueError(f"unknown solver {solver!r}")
    heuristic = improve(p, packed)
    info = {"name": "heuristic", "status": "feasible", "bound": None, "gap": None,
            "groups": len(p.ids), "packed_cost": p.cost(packed) if packed else 0}
    use_exact = solver == "exact" or (solver == "auto" and len(p.ids) <= exact.AUTO_MAX_GROUPS
                                      and exact.available())
    if solver == "exact" and not exact.available():
        info["exact"] = "SciPy is not installed (pip install 'hdscan[exact]'): heuristic used"
        return heuristic, info
    if not use_exact:
        return heuristic, info
    limit = exact.DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    res = exact.solve(p, limit, upper=p.cost(heuristic))
    if res["status"] != "optimal":
        info["exact"] = (f"no proven optimum within {limit:g} s: heuristic used"
                         if res["status"] == "time-limit" else "the exact model is infeasible")
        return heuristic, info
    h_cost = p.cost(heuristic)
    if h_cost <= res["cost"] and len(set(heuristic.values())) <= len(set(res["wave_of"].values())):
        final = heuristic                 # same cost, no more waves: keep the explained order
    else:
        final = res["wave_of"]
    return final, {"name": "exact", "status": "optimal", "bound": res["bound"], "gap": 0.0,
                   "groups": len(p.ids), "packed_cost": info["packed_cost"],
                   "heuristic_cost": h_cost}


def _site_notes(sites, g: str, j: int, others: list, label: str, here: int, seen: dict) -> bool:
    """Site constraints refusing group ``g`` in later wave ``j`` (recorded once per cause
    in ``seen``); True when one does."""
    blocked = False
    hit = sites.frozen(g, j)
    if hit:
        seen.setdefault("site-freeze", reason("site-freeze", "sites.freeze-later", group=label,
                                              wave=here, later=j, why=sites.freeze_text(*hit)))
        blocked = True
    own = sites.servers.get(g, {})
    for kind, site, load, limit in sites.wave_problems(others + [g]):
        if kind == "site-capacity":
            seen.setdefault(f"site-capacity {site}", reason(
                "site-capacity", "sites.capacity-later", group=label, wave=here, later=j,
                load=load - own.get(site, 0), site=site, servers=own.get(site, 0), limit=limit,
                key=f"sites.per_site.{site}.max_servers_per_wave"))
        else:
            there = sorted({s for x in others for s in sites.servers.get(x, {})})
            seen.setdefault("site-limit", reason(
                "site-limit", "sites.limit-later", group=label, wave=here, later=j, sites=there,
                own=sorted(set(own) - set(there)) or sorted(own), limit=limit,
                key="sites.max_sites_per_wave"))
        blocked = True
    return blocked


def _placement_notes(p: Problem, final: dict, by_id: dict, balanced: int, deps: list) -> dict:
    """Per main group, why it is not in a later wave: per cause (a wave moving a group
    alone, servers, bytes, tier-1 limit, hybrid cost) the nearest later wave that refuses
    it in the final plan.  Scanning stops at the first later wave no constraint refuses."""
    lay = Layout(p, final)
    last = max(final.values()) if final else 0
    cap = p.cap_servers
    out: dict = {}
    for g in p.ids:
        label, here, seen = _label(by_id[g]), final[g], {}
        for j in range(here + 1, min(last, here + NOTE_SCAN) + 1):
            others = sorted(lay.members[j])
            blocked = p.sites is not None and _site_notes(p.sites, g, j, others, label, here, seen)
            if g in p.oversize and others:
                _note(seen, "alone", "capacity", "wave.later-alone-self", group=label,
                      wave=here, later=j)
                blocked = True
            elif any(x in p.oversize for x in others):
                _note(seen, "alone", "capacity", "wave.later-alone-other", group=label,
                      wave=here, later=j)
                blocked = True
            else:
                load = sum(p.servers[x] for x in others)
                if load + p.servers[g] > cap or (load + p.servers[g] > balanced
                                                 and balanced < cap):
                    if "servers" not in seen:
                        why = (message("wave.capacity", cap=cap)
                               if load + p.servers[g] > cap or balanced >= cap
                               else message("wave.capacity-balanced", cap=cap, balanced=balanced))
                        _note(seen, "servers", "capacity", "wave.later-servers", group=label,
                              wave=here, later=j, servers=p.servers[g], why=why)
                    blocked = True
                data = sum(p.data[x] for x in others)
                if p.cap_bytes and p.data[g] and data + p.data[g] > p.cap_bytes:
                    _note(seen, "bytes", "capacity", "wave.later-bytes", group=label, wave=here,
                          later=j, bytes=p.data[g], limit=p.cap_bytes)
                    blocked = True
                t1 = sum(x in p.tier1 for x in others)
                if g in p.tier1 and t1 >= p.tier1_limit:
                    _note(seen, "tier1", "tier1-limit", "wave.later-tier1", group=label,
                          wave=here, later=j, count=t1, limit=p.tier1_limit)
                    blocked = True
            if not lay.order_fits(g, j):
                break                     # orderings and warehouse links say why (below)
            if blocked:
                continue
            d = lay.delta(g, j)
            if d > 0:
                partners = sorted({o for o, _ in lay.adj[g]})
                _note(seen, "cost", "hybrid-cost", "wave.later-cost", group=label, wave=here,
                      later=j, partners=partners[:4], more=" …" if len(partners) > 4 else "",
                      delta=d)
            break
        out[g] = list(seen.values())
        if g in p.oversize:
            x = by_id[g]
            out[g].append(_exceeds(label, x["servers"], x["data_bytes"], p.cap_servers,
                                   p.cap_bytes))
    return out


def _site_order_notes(dag: nx.DiGraph, g: dict, by_id: dict, wave_of: dict, config) -> list:
    """One ``site-order`` reason per site ordering placing group ``g`` after others,
    naming the latest of the groups it waits for."""
    latest: dict = {}
    for p in sorted(dag.predecessors(g["id"])):
        i = dag.edges[p, g["id"]].get("site_ordering")
        if i is not None and (i not in latest or wave_of.get(p, -1) > wave_of.get(latest[i], -1)):
            latest[i] = p
    out = []
    for i, p in sorted(latest.items()):
        o = config.sites.orderings[i]
        out.append(reason("site-order", "sites.order", group=_label(g), other=_label(by_id[p]),
                          other_wave=wave_of.get(p), before=o.before, after=o.after, why=o.reason,
                          key=f"sites.orderings[{i}]"))
    return out


def _ordering_notes(dag: nx.DiGraph, g: dict, by_id: dict, wave_of: dict) -> list:
    """Reasons for the configured orderings and warehouse links that touch group ``g``."""
    out = []
    for p in sorted(dag.predecessors(g["id"])):
        e = dag.edges[p, g["id"]]
        if e.get("ordering") is not None:
            out.append(reason("ordering", "wave.ordering", group=_label(g),
                              before=_label(by_id[p]), wave=wave_of.get(p), why=e["reason"]))
        if e.get("follows"):
            f = e["follows"]
            link = {"msg": f["msg"], "params": f["params"]} if "msg" in f else f["text"]
            out.append(reason("follows", "wave.follows", f.get("evidence"), group=_label(g),
                              wave=wave_of.get(g["id"]), source=_label(by_id[p]),
                              source_wave=wave_of.get(p), link=link))
    return out


def plan_waves(graph, groups: list, config, staying: set, hosts: set,
               follows=()) -> tuple[list, dict]:
    """Waves as plan.json dicts, and {group id: wave number}, with the default solver."""
    waves, wave_of, _info = plan_waves_solved(graph, groups, config, staying, hosts, follows)
    return waves, wave_of


def plan_waves_solved(graph, groups: list, config, staying: set, hosts: set, follows=(),
                      solver: str = "auto",
                      time_limit: float | None = None) -> tuple[list, dict, dict]:
    """Waves as plan.json dicts, {group id: wave number}, and the solver record.

    ``solver``: ``heuristic`` (packing + local search), ``exact`` (the MILP of
    ``scanner.plan.exact``, falling back to the heuristic's plan when it cannot prove the
    optimum within ``time_limit``), or ``auto`` (exact when SciPy is installed and the main
    phase has at most ``exact.AUTO_MAX_GROUPS`` groups, heuristic otherwise).  The record:
    ``{"name", "status", "cost", "bound", "gap", ...}`` (docs/planner.md).

    ``follows`` lists (reader, source, reason) warehouse database links: the reader's group
    moves in the source's wave or later.

    Raises
    ------
    PlanError
        A configured ordering names an unknown or staying host, two hosts of one group,
        forms a cycle, or contradicts a warehouse link.
    """
    group_of = {h: g["id"] for g in groups for h in g["hosts"]}
    by_id = {g["id"]: g for g in groups}
    coupling = Coupling(graph, groups, group_of)
    dag = _precedence(groups, group_of, config, staying, hosts, follows)
    site_of = host_sites(graph)
    sites = SiteModel(config, site_of, groups) if config.sites is not None else None
    if sites is not None:
        _site_precedence(dag, sites, config)
    replicate = config.shared_infrastructure == "replicate-first"
    foundation = [g for g in groups if g["shared_infrastructure"]]
    for g in foundation:
        for p in sorted(dag.predecessors(g["id"])):
            i = dag.edges[p, g["id"]].get("ordering")
            if i is None:
                continue
            raise PlanError(f"orderings[{i}] ({config.orderings[i].reason}) puts {_label(g)} after "
                            f"{p}, but shared infrastructure goes first "
                            f"({config.shared_infrastructure})", config.where(config.orderings[i].line))
    filler = _Filler(config, coupling, 0 if foundation else 1)
    for g in foundation:
        text = reason("foundation", "wave.foundation-replicate" if replicate
                      else "wave.foundation-move", group=_label(g))
        if replicate:
            filler.current = filler.current or filler.open("foundation")
            w = filler.current
            w["groups"].append(g["id"])
            w["servers"] += g["servers"]
            if g["data_bytes"] is not None:
                w["data_bytes"] = (w["data_bytes"] or 0) + g["data_bytes"]
            w["reasons"].append(text)
            filler.wave_of[g["id"]] = w["number"]
        else:
            filler.place(g, "foundation", [text])
    rest = [g for g in groups if not g["shared_infrastructure"]]
    filler.close()
    pilot = _pilot(rest, coupling, dag, config, sites, filler.number) if config.pilot_enabled else []
    pilot_site = sites.cfg.pilot_site if sites is not None else None
    for g in pilot:
        filler.place(g, "pilot", [reason("pilot", "wave.pilot", group=_label(g), tier=_tier_text(g),
                                         data=g["data_class"], degree=coupling.degree(g["id"]))]
                     + ([reason("pilot-site", "sites.pilot-site", group=_label(g), site=pilot_site,
                                key="sites.pilot_site")] if pilot_site else []))
    filler.close()
    chosen = {g["id"] for g in pilot}
    order = _main_order([g for g in rest if g["id"] not in chosen], coupling, dag, replicate)
    rank = {g["id"]: k for k, g in enumerate(order)}
    # groups tied to others (care chain, ordering, warehouse link) keep the risk order;
    # free groups then fill the gaps, largest first (first-fit decreasing), so a big
    # low-risk application is not left without a wave that has room for it
    tied = [g for g in order if coupling.strong.degree(g["id"]) or dag.degree(g["id"])]
    free = sorted((g for g in order if not (coupling.strong.degree(g["id"]) or dag.degree(g["id"]))),
                  key=lambda g: (-g["servers"], -(g["data_bytes"] or 0), -rank[g["id"]]))

    def pack(limit: int | None = None, last: int | None = None) -> _Packer:
        packer = _Packer(config, coupling, dag, limit, sites, last, filler.number)
        for g in list(reversed(tied)) + free:
            chain = sorted(coupling.strong.neighbors(g["id"]))
            tail = (message("wave.risk-chain-leaves" if replicate else "wave.risk-chain-hubs",
                            chain=chain) if chain else None)
            packer.place(g, [reason("risk-order", "wave.risk-order", group=_label(g),
                                    tier=_tier_text(g), chain=tail)])
        return packer

    packer = pack()
    # the fewest waves are known: spread the load evenly over them when that keeps the count
    total, fewest = sum(g["servers"] for g in order), len(packer.bins)
    for limit in range(-(-total // max(fewest, 1)), config.wave_servers):
        trial = pack(limit)
        if len(trial.bins) <= fewest:
            packer = trial
            break
    if sites is not None and sites.absolute and order:
        # site freezes bind wave numbers: order the packed waves so that they hold
        sites.check_reachable(rank, filler.number, len(order))
        numbered = _number_waves([packer, pack()], filler.number, sites, dag) or _pack_by_number(
            pack, filler.number, len(order), config.wave_servers, fewest, sites, config)
        if numbered is None:
            deps = dependencies(coupling, groups, set(filler.wave_of) & {g["id"] for g in foundation}
                                if replicate else set())
            numbered, proven = _exact_start(_problem(order, filler.wave_of, filler.number, deps,
                                                     dag, config, packer), packer, time_limit)
            if numbered is None:
                raise _no_numbered_plan(sites, config, filler.number, proven)
        packer = numbered
    start, count = filler.number, len(packer.bins)
    packed = {gid: start + count - 1 - i for gid, i in packer.rev.items()}
    never_split = set(filler.wave_of) & {g["id"] for g in foundation} if replicate else set()
    deps = dependencies(coupling, groups, never_split)
    problem = _problem(order, filler.wave_of, start, deps, dag, config, packer)
    final, info = _solve(problem, packed, solver, time_limit)
    count = len(set(final.values()))

    def number(i: int) -> int:
        return start + count - 1 - i

    wave_of = dict(filler.wave_of)
    wave_of.update(final)
    info["cost"] = hybrid_cost(deps, wave_of)
    notes = _placement_notes(problem, final, by_id, packer.limit, deps)
    bins_groups: dict = defaultdict(list)
    for gid, w in final.items():
        bins_groups[start + count - 1 - w].append(gid)
    main = []
    for i in reversed(range(count)):
        members = sorted(bins_groups[i], key=rank.get)
        n, rs = number(i), []
        for gid in members:
            g = by_id[gid]
            rs += notes[gid]
            for o in sorted(coupling.strong.neighbors(gid)):
                w = wave_of.get(o)
                if w == n - 1 or (w == n and rank.get(o, -1) < rank[gid]):
                    rs.append(reason("care-chain", "wave.care-chain-same" if w == n
                                     else "wave.care-chain-previous", group=_label(g),
                                     interface=coupling.interface(gid, o), other=o))
            rs += _ordering_notes(dag, g, by_id, wave_of)
            rs += _site_order_notes(dag, g, by_id, wave_of, config)
            rs += packer.why[gid]
        sizes = [by_id[x]["data_bytes"] for x in members if by_id[x]["data_bytes"] is not None]
        main.append({"number": n, "phase": "main", "groups": members,
                     "servers": sum(by_id[x]["servers"] for x in members),
                     "data_bytes": sum(sizes) if sizes else None, "reasons": rs})
    waves = []
    for w in filler.waves + main:
        gs = [by_id[x] for x in w["groups"]]
        tiers = [x["care_tier"] for x in gs if x["care_tier"]]
        tier = min(tiers) if tiers else None
        roles = sorted({r for x in gs for r in x["roles"] if r != "unknown"})
        named = None                 # a name in words (both languages); roles are vocabulary
        if w["phase"] == "foundation":
            named = message("wave.name-foundation-replicate" if replicate
                            else "wave.name-foundation-move")
        elif w["phase"] == "pilot":
            named = message("wave.name-pilot")
        elif not roles:
            named = message("wave.name-servers")
        name = (render(named["msg"]) if named
                else ", ".join(roles[:4]) + (" …" if len(roles) > 4 else ""))
        waves.append({
            "number": w["number"], "id": ids.wave_id(w["number"]), "name": name,
            **({"name_msg": named} if named else {}),
            "action": "replicate" if w["phase"] == "foundation" and replicate else "move",
            "groups": sorted(w["groups"]),
            "hosts": sorted(h for x in gs for h in x["hosts"]),
            "servers": w["servers"], "data_bytes": w["data_bytes"],
            "care_tier": tier, "window": config.window(tier),
            "reasons": w["reasons"]})
        if sites is not None or len({s for s in site_of.values() if s is not None}) > 1:
            waves[-1]["sites"] = wave_sites(waves[-1]["hosts"], site_of)
    return waves, wave_of, info
