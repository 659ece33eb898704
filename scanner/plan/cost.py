"""Owns the planner's objective: the hybrid-period cost of a wave assignment.

A **dependency** is a pair of move groups that exchange flows or configuration
references (``waves.Coupling``).  While its two groups sit on different sites it is a
cross-site link, and it stays one for ``|wave(a) − wave(b)|`` waves.  Its **weight** is

    traffic × criticality

``traffic``: the connections of its flows and configuration references (at least 1 each);
``criticality``: ``TIER_FACTOR`` of the most critical group of the care chain(s) its two
groups belong to (a care chain is a connected component of the clinical-interface
coupling; a group in no chain is its own chain).  So an HL7 link of the emergency care
chain split for one wave costs four times a finance link of the same traffic.

    hybrid cost = Σ over dependencies of weight × |wave(a) − wave(b)|

Dependencies touching a group that is never split (replicated shared infrastructure, which
serves both sites) are left out, and so are flows to hosts that stay: they are
permanent, no wave order shortens them.  The same function scores the heuristic, the
exact solver, the benchmark and the plan summary.  Integer arithmetic throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

TIER_FACTOR = {1: 8, 2: 4, 3: 2, 4: 1}
UNKNOWN_TIER_FACTOR = 2


def tier_factor(tier: int | None) -> int:
    """Criticality weight of a care tier (1 = vital): 8, 4, 2, 1; unknown counts as tier 3."""
    return TIER_FACTOR.get(tier, UNKNOWN_TIER_FACTOR)


@dataclass(frozen=True)
class Dependency:
    """Two move groups coupled by flows; ``weight`` = ``traffic`` × ``factor``."""
    a: str
    b: str
    traffic: int
    factor: int
    chain: tuple[str, ...]

    @property
    def weight(self) -> int:
        return self.traffic * self.factor


def dependencies(coupling, groups: list, never_split=frozenset()) -> list[Dependency]:
    """The weighted dependencies between groups (module docstring), sorted by pair.

    ``coupling`` has ``weight`` ({(a, b): traffic}, a < b) and ``strong`` (the graph of
    clinical-interface couplings); ``never_split`` lists groups replicated at both sites.
    """
    by_id = {g["id"]: g for g in groups}
    chain_of: dict = {}
    for comp in nx.connected_components(coupling.strong):
        members = tuple(sorted(comp))
        for x in members:
            chain_of[x] = members
    out = []
    for (a, b), traffic in sorted(coupling.weight.items()):
        if a in never_split or b in never_split or a not in by_id or b not in by_id:
            continue
        ca, cb = chain_of.get(a, (a,)), chain_of.get(b, (b,))
        chain = tuple(sorted(set(ca) | set(cb)))
        factor = max(tier_factor(by_id[x]["care_tier"]) for x in chain)
        out.append(Dependency(a, b, max(1, int(traffic)), factor, chain))
    return out


def hybrid_cost(deps: list[Dependency], wave_of: dict) -> int:
    """Σ weight × waves split over ``deps`` for the assignment ``wave_of`` {group: wave}."""
    return sum(d.weight * abs(wave_of[d.a] - wave_of[d.b]) for d in deps)


def split_dependencies(deps: list[Dependency], wave_of: dict) -> list[dict]:
    """The dependencies the assignment splits, costliest first, for the plan and report."""
    rows = [{"groups": [d.a, d.b], "traffic": d.traffic, "criticality": d.factor,
             "waves_split": abs(wave_of[d.a] - wave_of[d.b]),
             "cost": d.weight * abs(wave_of[d.a] - wave_of[d.b])}
            for d in deps if wave_of[d.a] != wave_of[d.b]]
    rows.sort(key=lambda r: (-r["cost"], r["groups"]))
    return rows


@dataclass
class Problem:
    """The main phase of a plan as an optimisation instance, shared by both solvers.

    ``ids``: the groups to place (risk order); ``fixed``: {group: wave} of the groups
    already placed (foundation, pilot) that main groups depend on; main waves are numbered
    from ``start``.  Hard constraints: a wave holds at most ``cap_servers`` servers and
    ``cap_bytes`` bytes (when set) and ``tier1_limit`` tier-1 groups; an ``oversize`` group
    (bigger than a wave) moves alone; ``prec`` lists (before, after, strict): strict means
    an earlier wave, otherwise the same wave or later.  ``sites`` (a
    ``scanner.plan.sites.SiteModel``, when the configuration has ``sites:``) adds the site
    limits per wave and the waves each site must not be touched in.
    """
    ids: list
    servers: dict
    data: dict
    tier1: set
    oversize: set
    fixed: dict
    start: int
    deps: list
    prec: list
    cap_servers: int
    cap_bytes: int | None
    tier1_limit: int
    sites: object = None          # scanner.plan.sites.SiteModel when sites: is configured

    def cost(self, wave_of: dict) -> int:
        """The hybrid cost of main assignment ``wave_of`` (plus the fixed groups)."""
        return hybrid_cost(self.deps, {**self.fixed, **wave_of})

    def violations(self, wave_of: dict) -> list[str]:
        """Every hard constraint ``wave_of`` breaks, one line each (empty: feasible)."""
        out = []
        missing = sorted(set(self.ids) - set(wave_of))
        if missing:
            return [f"unplaced groups: {', '.join(missing)}"]
        waves: dict = {}
        for g in self.ids:
            if wave_of[g] < self.start:
                out.append(f"{g} in wave {wave_of[g]}, before the main waves ({self.start})")
            waves.setdefault(wave_of[g], []).append(g)
        for w, gs in sorted(waves.items()):
            if any(g in self.oversize for g in gs) and len(gs) > 1:
                out.append(f"wave {w}: an oversize group does not move alone ({', '.join(gs)})")
                continue
            if len(gs) == 1 and gs[0] in self.oversize:
                continue
            if sum(self.servers[g] for g in gs) > self.cap_servers:
                out.append(f"wave {w}: more than {self.cap_servers} servers")
            if self.cap_bytes and sum(self.data[g] for g in gs) > self.cap_bytes:
                out.append(f"wave {w}: more than {self.cap_bytes} bytes")
            if sum(g in self.tier1 for g in gs) > self.tier1_limit:
                out.append(f"wave {w}: more than {self.tier1_limit} tier-1 groups")
        for a, b, strict in self.prec:
            wa, wb = {**self.fixed, **wave_of}.get(a), {**self.fixed, **wave_of}.get(b)
            if wa is None or wb is None:
                continue
            if wb < wa + (1 if strict else 0):
                out.append(f"{b} (wave {wb}) must move {'after' if strict else 'with or after'} "
                           f"{a} (wave {wa})")
        if self.sites is not None:        # site limits and freezes (orderings are in prec)
            out += self.sites.violations(wave_of, orders=False)
        return out
