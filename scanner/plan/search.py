"""Owns the heuristic's local search: improving a feasible wave assignment against the
hybrid cost (``scanner.plan.cost``) without breaking a hard constraint.

``improve(problem, wave_of)`` takes the packed plan of ``scanner.plan.waves`` and returns a
better one.  Moves: one group to another wave, two groups swapped, a group with its
heaviest partner, a group into a new wave inserted between two others, whole waves
re-ordered (how widely each is tried depends on the plan's size); then waves closed when their groups fit elsewhere at no extra cost (the
secondary objective).  Small plans also get perturbations (fixed seed).  Every loop is
bounded and every visit order sorted: the result is deterministic.  ``Layout`` keeps the
per-wave loads that make each feasibility check O(1).  Site constraints
(``scanner.plan.sites``, when configured) are checked on every move: the limits of the
waves it changes and, when sites are bound to wave numbers, the whole plan renumbered.
"""

from __future__ import annotations

import random
from collections import defaultdict

from .cost import Problem

IMPROVE_ROUNDS = 30
SMALL_PLAN = 40          # groups: every wave is a candidate, new waves, perturbations
KICKS = 150             # perturbations, at most, and at most KICK_WORK / groups
KICK_WORK = 1500
LARGE_ROUNDS = 12        # descent passes on larger plans, stopped early when a pass
LARGE_MIN_GAIN = 0.002   # gains less than this share of the cost
LARGE_MERGE_TRIES = 10
EVERY_WAVE_WORK = 100_000   # groups × waves: try every wave for every group
INSERT_WORK = 200_000       # groups × dependencies: try a new wave anywhere
REORDER_WORK = 2_000_000    # waves² × dependencies: move a wave anywhere in the order


class Layout:
    """A main-phase assignment with per-wave loads, for moves that keep it feasible."""

    def __init__(self, p: Problem, wave_of: dict):
        self.p, self.w = p, dict(wave_of)
        self.shifted: set = set()                      # groups moved by a wave swap
        self.adj: dict = defaultdict(list)
        for d in p.deps:
            self.adj[d.a].append((d.b, d.weight))
            self.adj[d.b].append((d.a, d.weight))
        self.before: dict = defaultdict(list)          # g -> [(predecessor, strict)]
        self.after: dict = defaultdict(list)           # g -> [(successor, strict)]
        for a, b, strict in p.prec:
            self.before[b].append((a, strict))
            self.after[a].append((b, strict))
        self._index()

    def _index(self) -> None:
        p = self.p
        self.at = {**p.fixed, **self.w}                  # wave of every placed group
        self.members: dict = defaultdict(set)
        self.load: dict = defaultdict(lambda: [0, 0, 0, 0])   # servers, bytes, tier-1, oversize
        for g, w in self.w.items():
            self.members[w].add(g)
            self._add(g, w, 1)

    def _add(self, g: str, w: int, sign: int) -> None:
        p, ld = self.p, self.load[w]
        ld[0] += sign * p.servers[g]
        ld[1] += sign * p.data[g]
        ld[2] += sign * (g in p.tier1)
        ld[3] += sign * (g in p.oversize)

    def pos(self, g):
        return self.at.get(g)

    def delta(self, g: str, j: int, moved: dict = None) -> int:
        """Change of cost when ``g`` moves to wave ``j`` (others as in ``moved`` or now)."""
        out, here, at = 0, self.w[g], self.at
        if moved:
            for o, wt in self.adj[g]:
                po = at.get(o)
                if po is not None:
                    out += wt * (abs(j - moved.get(o, po)) - abs(here - po))
            return out
        for o, wt in self.adj[g]:
            po = at.get(o)
            if po is not None:
                out += wt * (abs(j - po) - abs(here - po))
        return out

    def order_fits(self, g: str, j: int, moved: dict = None) -> bool:
        moved = moved or {}
        for a, strict in self.before[g]:
            pa = moved.get(a, self.pos(a))
            if pa is not None and j < pa + (1 if strict else 0):
                return False
        for b, strict in self.after[g]:
            pb = moved.get(b, self.pos(b))
            if pb is not None and pb < j + (1 if strict else 0):
                return False
        return True

    def move(self, g: str, j: int) -> None:
        old = self.w[g]
        self.members[old].discard(g)
        self._add(g, old, -1)
        self.w[g] = j
        self.at[g] = j
        self.members[j].add(g)
        self._add(g, j, 1)

    def compact(self) -> None:
        used = sorted(w for w, m in self.members.items() if m)
        dense = {w: self.p.start + k for k, w in enumerate(used)}
        self.w = {g: dense[w] for g, w in self.w.items()}
        self._index()

    def last(self) -> int:
        return max(w for w, m in self.members.items() if m)

    def count(self) -> int:
        return sum(1 for m in self.members.values() if m)


def _change(lay: "Layout", moves: dict) -> int:
    """Change of hybrid cost when the groups of ``moves`` {group: wave} move together."""
    out, pos, w = 0, lay.pos, lay.w
    for x, j in moves.items():
        px = w[x]
        for o, wt in lay.adj[x]:
            if o in moves and o < x:
                continue                  # counted once, from the other end
            po = pos(o)
            if po is None:
                continue
            out += wt * (abs(j - moves.get(o, po)) - abs(px - po))
    return out


def _fits(lay: "Layout", moves: dict) -> bool:
    """Every hard constraint still holds after ``moves`` (loads and precedences)."""
    p = lay.p
    delta: dict = {}
    for x, j in moves.items():
        old = lay.w[x]
        if old == j:
            continue
        for w, sign in ((old, -1), (j, 1)):
            d = delta.setdefault(w, [0, 0, 0, 0, 0])
            d[0] += sign * p.servers[x]
            d[1] += sign * p.data[x]
            d[2] += sign * (x in p.tier1)
            d[3] += sign * (x in p.oversize)
            d[4] += sign
    for w, d in delta.items():
        ld = lay.load[w]
        count = len(lay.members[w]) + d[4]
        if ld[3] + d[3] > 0:
            if count > 1:
                return False
            continue
        if ld[0] + d[0] > p.cap_servers:
            return False
        if p.cap_bytes and ld[1] + d[1] > p.cap_bytes:
            return False
        if ld[2] + d[2] > p.tier1_limit:
            return False
    return all(lay.order_fits(x, j, moves) for x, j in moves.items()) and _site_fits(lay, moves)


def _site_fits(lay: "Layout", moves: dict) -> bool:
    """The site constraints (``scanner.plan.sites``) still hold after ``moves``: the
    limits of every wave whose groups change, and, when sites are bound to wave numbers,
    every group's wave once the plan is compacted."""
    sites = lay.p.sites
    if sites is None:
        return True
    changed: dict = {}
    for x, j in moves.items():
        old = lay.w[x]
        if old != j:
            changed.setdefault(old, set(lay.members[old])).discard(x)
            changed.setdefault(j, set(lay.members[j])).add(x)
    if any(sites.wave_problems(sorted(ms)) for ms in changed.values()):
        return False
    return not sites.absolute or _numbers_ok(lay.p, {**lay.w, **moves})


def _numbers_ok(p: Problem, wave_of: dict) -> bool:
    """No group lands in a wave its site must not be touched in, once ``wave_of`` is
    numbered densely from ``p.start`` (as ``Layout.compact`` does)."""
    if p.sites is None or not p.sites.absolute:
        return True
    dense = {w: p.start + k for k, w in enumerate(sorted(set(wave_of.values())))}
    return all(p.sites.allowed(g, dense[w]) for g, w in wave_of.items())


def _candidates(lay: "Layout", g: str, every_wave: bool, last: int) -> list:
    """Waves worth trying for ``g``: every wave, or its partners' waves ± 1."""
    if every_wave:
        return list(range(lay.p.start, last + 1))
    targets = set()
    for o, _wt in lay.adj[g]:
        po = lay.pos(o)
        if po is not None:
            targets.update((po - 1, po, po + 1))
    return sorted(t for t in targets if lay.p.start <= t <= last)


def _descend(lay: "Layout", rounds: int, small: bool) -> None:
    """Best-improvement descent: per group, the best of moving it, swapping it with a group
    of another wave, moving it with its heaviest partner, or moving it into a new wave
    inserted between two others; then whole waves re-ordered; until no move lowers the
    cost.  What is tried depends on the size (``*_WORK``): small and mid-size plans try
    every wave, every insertion and every re-ordering; big ones the waves of a group's
    partners ± 1 and swaps of neighbouring waves, revisiting only groups near a change."""
    p = lay.p
    cost, dirty = p.cost(lay.w), set(p.ids)
    every = small or len(p.ids) * lay.count() <= EVERY_WAVE_WORK
    inserting = small or len(p.ids) * len(p.deps) <= INSERT_WORK
    reordering = small or lay.count() ** 2 * len(p.deps) <= REORDER_WORK
    for _ in range(rounds if small else min(rounds, LARGE_ROUNDS)):
        improved, touched = False, set()
        last = lay.last()
        first, cross = _crossing(lay) if not inserting else (0, [])
        for g in sorted(p.ids if small else dirty):
            if g not in lay.w or not lay.adj[g] or g in p.oversize:
                continue                  # (a partner placed by policy is never moved)
            here = lay.w[g]
            weight_to = defaultdict(int)
            for o, wt in lay.adj[g]:
                weight_to[o] += wt
            mate = max(((wt, o) for o, wt in weight_to.items() if o in lay.w
                        and o not in p.oversize), default=(0, None))[1]
            best = (0, None)
            for j in _candidates(lay, g, every, last):
                if j == here:
                    continue
                dg = lay.delta(g, j)
                if dg < best[0] and _fits(lay, {g: j}):
                    best = (dg, {g: j})
                if dg < 0:                # a swap only helps when g gains by moving
                    for h in sorted(lay.members[j]):
                        if h in p.oversize:
                            continue
                        d = dg + lay.delta(h, here) + 2 * weight_to.get(h, 0) * abs(j - here)
                        if d < best[0] and _fits(lay, {g: j, h: here}):
                            best = (d, {g: j, h: here})
                if mate is not None and lay.w[mate] != j:
                    moves = {g: j, mate: j}
                    d = _change(lay, moves)
                    if d < best[0] and _fits(lay, moves):
                        best = (d, moves)
            if inserting:
                for k, d in sorted(_insert_changes(lay, g).items()):
                    if d < best[0] and _insert_fits(lay, g, k):
                        best = (d, ("insert", k))
            else:                         # big plans: next to a partner, scored from ``cross``
                guesses = _insert_guesses(lay, g, first, cross, best[0])
                changes = _insert_changes(lay, g) if guesses else {}
                for k in guesses:
                    d = changes[k]
                    if d < best[0] and _insert_fits(lay, g, k):
                        best = (d, ("insert", k))
            if best[1] is None:
                continue
            if isinstance(best[1], tuple):
                _insert(lay, g, best[1][1])
                touched.add(g)
                touched.update(o for o, _ in lay.adj[g])
                if not inserting:
                    first, cross = _crossing(lay)
            else:
                for x, j in best[1].items():
                    lay.move(x, j)
                    touched.add(x)
                    touched.update(o for o, _ in lay.adj[x])
            improved = True
            last = max(last, max(x for x in best[1].values())) if isinstance(best[1], dict) \
                else lay.last()
        lay.compact()
        lay.shifted = set()
        if _reorder(lay, reordering):
            improved = True
            touched |= set(p.ids) if small else {
                y for x in lay.shifted for y in [x] + [o for o, _ in lay.adj[x]]}
        dirty = touched if not small else dirty
        new = p.cost(lay.w)
        if not improved or (not small and cost - new < cost * LARGE_MIN_GAIN):
            break
        cost = new
    _merge(lay, None if small else LARGE_MERGE_TRIES)


def _reorder(lay: "Layout", anywhere: bool, rounds: int = 10) -> bool:
    """Move whole waves: take a wave out and put it back at another place of the order
    (``anywhere``: every place; else next to its neighbours), whenever the hybrid cost
    drops and every ordering still holds.  True when something moved."""
    p, moved = lay.p, False
    if not anywhere:                      # swap neighbouring waves, scored locally
        for _ in range(rounds):
            order, again = sorted(w for w, m in lay.members.items() if m), False
            for w1, w2 in zip(order, order[1:]):
                moves = {g: w2 for g in lay.members[w1]}
                moves.update({g: w1 for g in lay.members[w2]})
                if _change(lay, moves) < 0 and _fits(lay, moves):
                    for g, j in sorted(moves.items()):
                        lay.move(g, j)
                        lay.shifted.add(g)
                    again = moved = True
            if not again:
                break
        return moved
    for _ in range(rounds):
        order = sorted(w for w, m in lay.members.items() if m)
        base, best = p.cost(lay.w), (0, None)
        for bi in range(len(order)):
            targets = range(len(order))
            for t in targets:
                if t == bi or not 0 <= t < len(order):
                    continue
                new = order[:bi] + order[bi + 1:]
                new.insert(t, order[bi])
                number = {w: p.start + k for k, w in enumerate(new)}
                trial = {g: number[w] for g, w in lay.w.items()}
                d = p.cost(trial) - base
                if d < best[0] and all(trial.get(b, p.fixed.get(b, 0)) >=
                                       trial.get(a, p.fixed.get(a, 0)) + (1 if strict else 0)
                                       for a, b, strict in p.prec) and _numbers_ok(p, trial):
                    best = (d, trial)
        if best[1] is None:
            break
        lay.w = best[1]
        lay._index()
        moved = True
    return moved


def _merge(lay: "Layout", tries: int | None = None) -> None:
    """Close waves whose groups all fit elsewhere at no extra hybrid cost (fewest-group
    waves first, the ``tries`` lightest ones when given): the secondary objective, fewer
    waves."""
    p = lay.p
    order = sorted((w for w, m in lay.members.items() if m),
                   key=lambda w: (lay.load[w][0], len(lay.members[w]), w))
    for w in order[:tries]:
        if lay.count() <= 1 or not lay.members[w]:
            continue
        free = sum(max(0, p.cap_servers - lay.load[j][0]) for j, m in lay.members.items()
                   if m and j != w and not lay.load[j][3])
        if free < lay.load[w][0] or lay.load[w][3]:
            continue                      # the other waves cannot hold its servers
        before, done, total = dict(lay.w), True, 0
        for x in sorted(lay.members[w]):
            best = None
            for j in sorted(lay.members):
                if j == w or not lay.members[j]:
                    continue
                d = _change(lay, {x: j})
                if (best is None or d < best[0]) and _fits(lay, {x: j}):
                    best = (d, j)
            if best is None:
                done = False
                break
            total += best[0]
            lay.move(x, best[1])
        if not done or total > 0:
            for x, j in before.items():
                if lay.w[x] != j:
                    lay.move(x, j)
    lay.compact()


def _insert_changes(lay: "Layout", g: str) -> dict:
    """{k: cost change} of opening a new wave after wave ``k`` (main waves after ``k``
    shift by one) and moving ``g`` into it, for every k from ``start − 1`` to the last
    wave.  The dependencies not touching ``g`` that cross the boundary after ``k`` each
    lengthen by one wave: a prefix sum gives them for every k at once."""
    p, first, last = lay.p, lay.p.start - 1, lay.last()
    diff = [0] * (last - first + 2)
    for d in p.deps:
        if g == d.a or g == d.b:
            continue
        pa, pb = lay.pos(d.a), lay.pos(d.b)
        if pa is None or pb is None or pa == pb:
            continue
        lo, hi = (pa, pb) if pa < pb else (pb, pa)
        if hi < p.start:
            continue                      # both fixed: nothing shifts between them
        diff[max(lo, first) - first] += d.weight
        diff[hi - first] -= d.weight
    out, crossing, here = {}, 0, lay.w[g]
    for k in range(first, last + 1):
        crossing += diff[k - first]
        own = 0
        for o, wt in lay.adj[g]:
            po = lay.pos(o)
            if po is None:
                continue
            shifted = po + 1 if (o in lay.w and po > k) else po
            own += wt * (abs(k + 1 - shifted) - abs(here - po))
        out[k] = crossing + own
    return out


def _crossing(lay: "Layout") -> tuple[int, list]:
    """(first, cross): cross[k − first] = Σ weight of the dependencies that span the
    boundary after wave k (first = start − 1 … last wave)."""
    p, first, last = lay.p, lay.p.start - 1, lay.last()
    diff = [0] * (last - first + 2)
    for d in p.deps:
        pa, pb = lay.at.get(d.a), lay.at.get(d.b)
        if pa is None or pb is None or pa == pb:
            continue
        lo, hi = (pa, pb) if pa < pb else (pb, pa)
        if hi < p.start:
            continue
        diff[max(lo, first) - first] += d.weight
        diff[hi - first] -= d.weight
    cross, c = [], 0
    for k in range(first, last + 1):
        c += diff[k - first]
        cross.append(c)
    return first, cross


def _insert_guesses(lay: "Layout", g: str, first: int, cross: list, bar: int) -> list:
    """Boundaries next to ``g``'s partners where a new wave for ``g`` looks better than
    ``bar``, estimated from ``cross`` (which may lag the moves of this pass: each guess is
    scored exactly before use)."""
    here, out = lay.w[g], []
    ks = sorted({k for o, _ in lay.adj[g] if lay.at.get(o) is not None
                 for k in (lay.at[o] - 1, lay.at[o]) if 0 <= k - first < len(cross)})
    for k in ks:
        mine = own = 0
        for o, wt in lay.adj[g]:
            po = lay.at.get(o)
            if po is None:
                continue
            if min(here, po) <= k < max(here, po):
                mine += wt
            shifted = po + 1 if (o in lay.w and po > k) else po
            own += wt * (abs(k + 1 - shifted) - abs(here - po))
        if cross[k - first] - mine + own < bar:
            out.append(k)
    return out


def _insert_fits(lay: "Layout", g: str, k: int) -> bool:
    moved = {x: w + 1 for x, w in lay.w.items() if w > k and x != g}
    moved[g] = k + 1
    others = [x for x in lay.members[lay.w[g]] if x != g]
    return lay.order_fits(g, k + 1, moved) and all(
        lay.order_fits(x, moved.get(x, lay.w[x]), moved) for x in others + list(moved)) \
        and _numbers_ok(lay.p, {**lay.w, **moved})


def _insert(lay: "Layout", g: str, k: int) -> None:
    for x in sorted(lay.w):
        if lay.w[x] > k and x != g:
            lay.move(x, lay.w[x] + 1)
    lay.move(g, k + 1)


def improve(p: Problem, wave_of: dict, rounds: int = IMPROVE_ROUNDS) -> dict:
    """Local search on the packed plan (``_descend``), then, for plans of at most
    ``SMALL_PLAN`` groups, up to ``KICKS`` perturbations (two groups moved to random feasible
    waves, then descent again), keeping the best (cost, waves).  Deterministic: a fixed
    seed, groups and waves visited in sorted order, bounded rounds."""
    if not wave_of:
        return {}
    small = len(p.ids) <= SMALL_PLAN
    lay = Layout(p, wave_of)
    _descend(lay, rounds, small)
    best = (p.cost(lay.w), lay.count(), dict(lay.w))
    if not small:
        return best[2]
    rnd = random.Random(0)
    movable = sorted(g for g in p.ids if lay.adj[g] and g not in p.oversize)
    for _ in range(min(KICKS, KICK_WORK // len(p.ids)) if movable else 0):
        trial = Layout(p, best[2])
        for g in rnd.sample(movable, min(2, len(movable))):
            last = trial.last()
            waves = [j for j in range(p.start, last + 2) if j != trial.w[g]]
            rnd.shuffle(waves)
            for j in waves:
                if _fits(trial, {g: j}):
                    trial.move(g, j)
                    break
        trial.compact()
        _descend(trial, rounds, small)
        score = (p.cost(trial.w), trial.count())
        if score < best[:2]:
            best = (score[0], score[1], dict(trial.w))
    return best[2]
