"""Owns the exact wave solver: a mixed-integer program solved by HiGHS (SciPy ``milp``).

It places the main-phase groups of a ``cost.Problem`` (foundation and pilot are policy,
fixed before either solver runs) and proves the result optimal:

1. minimise the hybrid cost (``scanner.plan.cost``);
2. with the cost held at that optimum, minimise the number of waves, then keep the most
   critical groups as late as possible (the risk order of the heuristic).

Model, with H = number of groups (no optimal plan needs more waves): ``y[g,i]`` = 1 when
group g moves in main wave i or earlier (monotone in i, 1 at the last wave); g is *in*
wave i when ``y[g,i] − y[g,i−1]`` = 1.  A dependency (a, b) is split at step i when
``y[a,i] ≠ y[b,i]`` (``z[e,i] ≥ |y[a,i] − y[b,i]|``), so Σ_i z[e,i] = |wave(a) − wave(b)|:
the cut formulation, whose linear relaxation is much tighter than one on wave numbers.
Capacity, bytes and the tier-1 limit are sums over the groups in a wave; a group bigger
than a wave excludes every other group from its wave; a strict precedence a → b is
``y[b,i] ≤ y[a,i−1]``, a warehouse link ``y[b,i] ≤ y[a,i]``.  Site constraints (when
configured): ``x[g,i] = 0`` in a wave g's site must not be touched in, a site's servers per
wave as a capacity row, sites per wave through binaries ``v[s,i] ≥ x[g,i]`` with
Σ_s v[s,i] ≤ N, and no empty wave before the last one when sites are bound to wave numbers.

SciPy is an optional dependency (extra ``exact``): ``available()`` says whether it is
installed; the heuristic never needs it.  HiGHS is deterministic for a given model; a run
stopped by the time limit returns no assignment (the caller keeps the heuristic's plan), so
only an estate near the limit can plan differently on a slower machine.
"""

from __future__ import annotations

import time

from .cost import Problem

DEFAULT_TIME_LIMIT = 30.0
AUTO_MAX_GROUPS = 10


def available() -> bool:
    """True when SciPy (with HiGHS) is importable."""
    try:
        from scipy.optimize import milp  # noqa: F401
    except ImportError:
        return False
    return True


class _Model:
    """Variables and constraints of the MILP, built row by row."""

    def __init__(self, p: Problem):
        import numpy as np
        self.np, self.p = np, p
        self.n, self.H = len(p.ids), max(1, len(p.ids))
        self.col = {}
        self.lb, self.ub, self.integral = [], [], []
        for g in p.ids:
            for i in range(self.H):
                self._var(("y", g, i), 0.0, 1.0, True)
        # y[g, H-1] = 1: every group is placed
        for g in p.ids:
            self.lb[self.col[("y", g, self.H - 1)]] = 1.0
        ids = set(p.ids)
        self.main_deps = [d for d in p.deps if d.a in ids and d.b in ids]
        for k, _d in enumerate(self.main_deps):
            for i in range(self.H - 1):
                self._var(("z", k, i), 0.0, 1.0, False)
        for i in range(1, self.H):
            self._var(("u", i), 0.0, 1.0, True)
        self.rows, self.rlo, self.rhi = [], [], []

    def _var(self, key, lo, hi, integral):
        self.col[key] = len(self.lb)
        self.lb.append(lo)
        self.ub.append(hi)
        self.integral.append(1 if integral else 0)

    def y(self, g, i):
        """{column: coefficient} of y[g,i]; y[g,-1] is the constant 0."""
        return {} if i < 0 else {self.col[("y", g, i)]: 1.0}

    def x(self, g, i):
        """{column: coefficient} of 'g moves in wave i' = y[g,i] − y[g,i−1]."""
        out = dict(self.y(g, i))
        for c, v in self.y(g, i - 1).items():
            out[c] = out.get(c, 0.0) - v
        return out

    def row(self, coefs: dict, lo: float, hi: float) -> None:
        self.rows.append(coefs)
        self.rlo.append(lo)
        self.rhi.append(hi)

    def build(self) -> None:
        p, H, inf = self.p, self.H, float("inf")
        for g in p.ids:
            for i in range(1, H):
                self.row({self.col[("y", g, i - 1)]: 1.0, self.col[("y", g, i)]: -1.0}, -inf, 0.0)
        for k, d in enumerate(self.main_deps):
            for i in range(H - 1):
                ya, yb, z = self.col[("y", d.a, i)], self.col[("y", d.b, i)], self.col[("z", k, i)]
                self.row({z: 1.0, ya: -1.0, yb: 1.0}, 0.0, inf)
                self.row({z: 1.0, ya: 1.0, yb: -1.0}, 0.0, inf)
        # u[i] = 1 when some group moves in wave i or later (i ≥ 1): the waves used
        for i in range(1, H):
            for g in p.ids:
                self.row({self.col[("u", i)]: 1.0, self.col[("y", g, i - 1)]: 1.0}, 1.0, inf)
        normal = [g for g in p.ids if g not in p.oversize]
        for i in range(H):
            for weights, cap in ((p.servers, p.cap_servers),
                                 (p.data, p.cap_bytes if p.cap_bytes else None)):
                if cap is None:
                    continue
                coefs: dict = {}
                for g in normal:
                    for c, v in self.x(g, i).items():
                        coefs[c] = coefs.get(c, 0.0) + v * weights[g]
                if coefs and sum(weights[g] for g in normal) > cap:
                    self.row(coefs, -inf, float(cap))
            if sum(1 for g in p.ids if g in p.tier1) > p.tier1_limit:
                coefs = {}
                for g in p.tier1:
                    for c, v in self.x(g, i).items():
                        coefs[c] = coefs.get(c, 0.0) + v
                self.row(coefs, -inf, float(p.tier1_limit))
            for g in sorted(p.oversize):
                # Σ_{h≠g} x[h,i] + (n−1)·x[g,i] ≤ n−1
                coefs = {}
                for h in p.ids:
                    for c, v in self.x(h, i).items():
                        coefs[c] = coefs.get(c, 0.0) + v * ((self.n - 1) if h == g else 1.0)
                self.row(coefs, -inf, float(self.n - 1))
        for a, b, strict in p.prec:
            if a not in self.p.servers or b not in self.p.servers:
                continue
            for i in range(H):
                coefs = dict(self.y(b, i))
                for c, v in self.y(a, i - 1 if strict else i).items():
                    coefs[c] = coefs.get(c, 0.0) - v
                self.row(coefs, -inf, 0.0)
        if p.sites is not None:
            self._sites()

    def _sum(self, terms) -> dict:
        """Σ coefficient × x[g,i] over ``terms`` [(g, i, coefficient)]."""
        out: dict = {}
        for g, i, k in terms:
            for c, v in self.x(g, i).items():
                out[c] = out.get(c, 0.0) + v * k
        return out

    def _alone(self, g, members, i) -> None:
        """Group ``g`` shares wave i with no other group of ``members``:
        Σ_{h≠g} x[h,i] + (m−1)·x[g,i] ≤ m−1."""
        m = len(members)
        self.row(self._sum([(h, i, (m - 1) if h == g else 1.0) for h in members]),
                 -float("inf"), float(m - 1))

    def _sites(self) -> None:
        """Site constraints (``scanner.plan.sites``): waves a site must not be touched in,
        each site's servers per wave, sites per wave; a group over a site limit moves
        without other groups of those sites.  When sites are bound to wave numbers, no
        wave before the last one used is empty (the plan's waves are numbered densely)."""
        p, H, inf, sites = self.p, self.H, float("inf"), self.p.sites
        sited = [g for g in p.ids if g in sites.servers]
        for g in sited:
            for i in range(H):
                if not sites.allowed(g, p.start + i):
                    self.row(self.x(g, i), -inf, 0.0)
        for site, rule in sorted(sites.cfg.rules.items()):
            members = [g for g in sited if site in sites.servers[g]]
            if not rule.max_servers or len(members) < 2:
                continue
            big = [g for g in members if sites.servers[g][site] > rule.max_servers]
            normal = [g for g in members if g not in big]
            for i in range(H):
                if sum(sites.servers[g][site] for g in normal) > rule.max_servers:
                    self.row(self._sum([(g, i, sites.servers[g][site]) for g in normal]),
                             -inf, float(rule.max_servers))
                for g in big:
                    self._alone(g, members, i)
        limit = sites.cfg.max_sites_per_wave
        every = sorted({s for g in sited for s in sites.servers[g]})
        if limit and len(every) > limit and len(sited) > 1:
            wide = [g for g in sited if len(sites.servers[g]) > limit]
            narrow = [g for g in sited if g not in wide]
            for i in range(H):
                for s in every:
                    self._var(("v", s, i), 0.0, 1.0, True)
                for g in narrow:
                    for s in sites.servers[g]:
                        coefs = {self.col[("v", s, i)]: 1.0}
                        for c, v in self.x(g, i).items():
                            coefs[c] = coefs.get(c, 0.0) - v
                        self.row(coefs, 0.0, inf)
                self.row({self.col[("v", s, i)]: 1.0 for s in every}, -inf, float(limit))
                for g in wide:
                    self._alone(g, sited, i)
        if sites.absolute:
            self.row(self._sum([(g, 0, 1.0) for g in p.ids]), 1.0, inf)
            for i in range(1, H):
                coefs = self._sum([(g, i - 1, 1.0) for g in p.ids])
                coefs[self.col[("u", i)]] = coefs.get(self.col[("u", i)], 0.0) - 1.0
                self.row(coefs, 0.0, inf)

    def cost_vector(self):
        """Objective coefficients of the hybrid cost, and its constant part."""
        p, H = self.p, self.H
        c = self.np.zeros(len(self.lb))
        const = 0.0
        for k, d in enumerate(self.main_deps):
            for i in range(H - 1):
                c[self.col[("z", k, i)]] += d.weight
        ids = set(p.ids)
        for d in p.deps:
            if (d.a in ids) == (d.b in ids):
                if d.a not in ids:
                    const += d.weight * abs(p.fixed[d.a] - p.fixed[d.b]) \
                        if d.a in p.fixed and d.b in p.fixed else 0
                continue
            g, f = (d.a, d.b) if d.a in ids else (d.b, d.a)
            if f not in p.fixed:
                continue
            # fixed waves come before the main ones: weight × (start + pos(g) − wave(f)),
            # pos(g) = (H − 1) − Σ_{i<H−1} y[g,i]
            const += d.weight * (p.start + H - 1 - p.fixed[f])
            for i in range(H - 1):
                c[self.col[("y", g, i)]] -= d.weight
        return c, const

    def order_vector(self):
        """Waves used, then the criticality-weighted positions (critical groups late)."""
        p, H = self.p, self.H
        rank = {g: (4 if g in p.tier1 else 0) for g in p.ids}
        c = self.np.zeros(len(self.lb))
        big = 1.0 + sum(rank.values()) * H
        for i in range(1, H):
            c[self.col[("u", i)]] = big
        for g in p.ids:
            for i in range(H - 1):
                c[self.col[("y", g, i)]] += rank[g]     # y high = early: penalise critical early
        return c

    def solve(self, c, extra, time_limit: float):
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import lil_matrix
        np = self.np
        rows = self.rows + [r for r, _, _ in extra]
        lo = self.rlo + [x for _, x, _ in extra]
        hi = self.rhi + [x for _, _, x in extra]
        A = lil_matrix((len(rows), len(self.lb)))
        for r, coefs in enumerate(rows):
            for col, v in coefs.items():
                if v:
                    A[r, col] = v
        cons = [LinearConstraint(A.tocsr(), np.array(lo), np.array(hi))] if rows else []
        return milp(c, constraints=cons, integrality=np.array(self.integral),
                    bounds=Bounds(np.array(self.lb), np.array(self.ub)),
                    options={"time_limit": max(0.1, time_limit), "mip_rel_gap": 0.0,
                             "presolve": True})


def solve(p: Problem, time_limit: float = DEFAULT_TIME_LIMIT, upper: int | None = None) -> dict:
    """Solve ``p`` exactly.

    Returns ``{"status": "optimal" | "time-limit" | "infeasible", "wave_of": {group:
    wave} or None, "cost": proven optimum or None, "bound": best lower bound or None,
    "seconds": float}``.  ``status`` is ``time-limit`` when HiGHS could not prove the
    optimum in ``time_limit`` seconds (then ``wave_of`` is None: the caller keeps the
    heuristic's plan).  ``upper``, a cost some feasible plan achieves (the heuristic's),
    cuts the search: no plan above it is explored.
    """
    t0 = time.perf_counter()
    if not p.ids:
        return {"status": "optimal", "wave_of": {}, "cost": p.cost({}), "bound": p.cost({}),
                "seconds": 0.0}
    m = _Model(p)
    m.build()
    c, const = m.cost_vector()
    cost_row = {i: float(v) for i, v in enumerate(c) if v}
    cut = [(cost_row, -float("inf"), upper - const + 0.5)] if upper is not None and cost_row else []
    res = m.solve(c, cut, time_limit)
    bound = getattr(res, "mip_dual_bound", None)
    bound = None if bound is None else round(float(bound) + const, 6)
    if res.status == 2 or (res.x is None and res.status != 1):
        return {"status": "infeasible", "wave_of": None, "cost": None, "bound": None,
                "seconds": time.perf_counter() - t0}
    if res.status != 0:
        return {"status": "time-limit", "wave_of": None, "cost": None, "bound": bound,
                "seconds": time.perf_counter() - t0}
    best = int(round(res.fun + const))
    x = res.x
    # second stage: the cost held at its optimum, fewest waves then critical groups late
    left = time_limit - (time.perf_counter() - t0)
    res2 = m.solve(m.order_vector(), [(cost_row, -float("inf"), best - const + 0.5)], left) \
        if left > 0.1 else None
    if res2 is not None and res2.status == 0:
        x = res2.x
    wave_of = {}
    for g in p.ids:
        ys = [x[m.col[("y", g, i)]] for i in range(m.H)]
        wave_of[g] = p.start + next(i for i, v in enumerate(ys) if v > 0.5)
    # close gaps left by empty waves (never optimal, but keep the numbering dense)
    used = sorted(set(wave_of.values()))
    dense = {w: p.start + k for k, w in enumerate(used)}
    wave_of = {g: dense[w] for g, w in wave_of.items()}
    return {"status": "optimal", "wave_of": wave_of, "cost": p.cost(wave_of),
            "bound": best, "seconds": time.perf_counter() - t0}
