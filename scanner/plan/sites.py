"""Owns the site-level constraints of the plan: the ``sites:`` section of the plan
configuration and what it means for move groups and waves.

In a GHT several hospitals migrate together; each host belongs to a site (the graph's
``site`` attribute, from the subnets of estate.yml).  ``parse_sites`` validates the
configuration section (located errors, like the rest of ``scanner.plan.config``);
``SiteModel`` binds it to an estate — unknown site ids are a ``PlanError`` naming the
line and the sites the graph knows — and answers the planner, the solvers and the checker:

- ``max_sites_per_wave``: a wave touches hosts of at most N sites (``site-limit``);
- ``per_site.<site>.max_servers_per_wave``: that site's team capacity (``site-capacity``);
- ``per_site.<site>.not_before_wave`` and ``freeze``: waves the site must not be touched in
  (``site-freeze``);
- ``orderings``: every group of site ``before`` moves strictly before every group of site
  ``after`` (``site-order``, applied as precedence between groups);
- ``pilot_site``: the pilot wave only takes groups all of whose hosts are on that site
  (``pilot-site``).

A group whose hosts span several sites counts for each of them (its servers on that site
for a site's capacity; all its sites for ``max_sites_per_wave``).  Like the wave capacity,
a wave's site limits bind only waves of several groups: a group bigger than its site's
capacity, or spanning more sites than the limit, moves without other groups of those
sites.  Shared infrastructure (directory/DNS, the foundation) and hosts on no declared
site are outside the site constraints.  Wave numbers are the plan's own (waves are
numbered densely, so a freeze needs other sites' groups to fill the frozen waves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..errors import PlanError
from .config import Ordering, _line

ALLOWED = ("max_sites_per_wave", "pilot_site", "per_site", "orderings")
SITE_KEYS = ("max_servers_per_wave", "not_before_wave", "freeze", "reason")


@dataclass(frozen=True)
class Freeze:
    """Waves ``first``…``last`` (``last`` None: to the end of the plan) the site is frozen in."""
    first: int
    last: int | None
    reason: str | None = None

    def covers(self, wave: int) -> bool:
        return wave >= self.first and (self.last is None or wave <= self.last)


@dataclass(frozen=True)
class SiteRule:
    site: str
    max_servers: int | None = None
    not_before: int | None = None
    freeze: tuple = ()
    reason: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class SitesConfig:
    max_sites_per_wave: int | None = None
    max_sites_line: int | None = None
    pilot_site: str | None = None
    pilot_line: int | None = None
    rules: dict = field(default_factory=dict)        # site id → SiteRule
    orderings: tuple[Ordering, ...] = ()
    line: int | None = None

    @property
    def absolute(self) -> bool:
        """Some site is bound to wave numbers (not_before_wave, freeze)."""
        return any(r.not_before is not None or r.freeze for r in self.rules.values())


def _wave(r, node, path: str) -> int:
    value = r.scalar(node, path)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        r.fail(node, f"{path}: expected a wave number (an integer ≥ 0), got {value!r}")
    return value


def _freeze(r, node, path: str) -> tuple:
    items = list(node.value) if isinstance(node, yaml.SequenceNode) else [node]
    out = []
    for i, item in enumerate(items):
        p = f"{path}[{i}]" if isinstance(node, yaml.SequenceNode) else path
        if isinstance(item, yaml.MappingNode):
            m = r.mapping(item, p, ("from", "to", "reason"))
            if "from" not in m:
                r.fail(item, f"{p}: needs from (and optionally to, reason)")
            first = _wave(r, m["from"][1], f"{p}.from")
            last = _wave(r, m["to"][1], f"{p}.to") if "to" in m else None
            if last is not None and last < first:
                r.fail(m["to"][1], f"{p}: to ({last}) is before from ({first})")
            why = r.text(m["reason"][1], f"{p}.reason") if "reason" in m else None
            out.append(Freeze(first, last, why))
        else:
            n = _wave(r, item, p)
            out.append(Freeze(n, n))
    return tuple(out)


def _site_id(r, node, path: str) -> str:
    value = r.scalar(node, path)
    if isinstance(value, bool) or value is None or not str(value).strip():
        r.fail(node, f"{path}: expected a site id, got {value!r}")
    return str(value).strip()


def parse_sites(r, node) -> SitesConfig:
    """The ``sites:`` section (``r``: the configuration's node reader)."""
    top = r.mapping(node, "sites", ALLOWED)
    kw: dict = {"line": _line(node)}
    if "max_sites_per_wave" in top:
        kw["max_sites_per_wave"] = r.positive_int(top["max_sites_per_wave"][1],
                                                  "sites.max_sites_per_wave")
        kw["max_sites_line"] = _line(top["max_sites_per_wave"][1])
    if "pilot_site" in top:
        kw["pilot_site"] = _site_id(r, top["pilot_site"][1], "sites.pilot_site")
        kw["pilot_line"] = _line(top["pilot_site"][1])
    rules = {}
    if "per_site" in top:
        per = top["per_site"][1]
        if not isinstance(per, yaml.MappingNode):
            r.fail(per, "sites.per_site: expected a mapping of site id → constraints")
        for k, v in per.value:
            site = _site_id(r, k, "sites.per_site")
            path = f"sites.per_site.{site}"
            if site in rules:
                r.fail(k, f"{path}: duplicate site")
            m = r.mapping(v, path, SITE_KEYS)
            if not m:
                r.fail(v, f"{path}: no constraint (allowed: {', '.join(SITE_KEYS)})")
            rules[site] = SiteRule(
                site,
                max_servers=(r.positive_int(m["max_servers_per_wave"][1],
                                            f"{path}.max_servers_per_wave")
                             if "max_servers_per_wave" in m else None),
                not_before=(_wave(r, m["not_before_wave"][1], f"{path}.not_before_wave")
                            if "not_before_wave" in m else None),
                freeze=_freeze(r, m["freeze"][1], f"{path}.freeze") if "freeze" in m else (),
                reason=r.text(m["reason"][1], f"{path}.reason") if "reason" in m else None,
                line=_line(k))
    kw["rules"] = rules
    if "orderings" in top:
        kw["orderings"] = r.orderings(top["orderings"][1], "sites.orderings",
                                      lambda n, path: _site_id(r, n, path), "site")
    return SitesConfig(**kw)


def host_sites(graph) -> dict:
    """{host id: site id or None} for every host node of the graph."""
    return {n: d.get("site") for n, d in graph.nodes(data=True) if d.get("kind") == "host"}


def wave_sites(hosts, site_of: dict) -> dict:
    """{site: servers} of a wave's hosts (hosts on no declared site are not counted)."""
    out: dict = {}
    for h in hosts:
        s = site_of.get(h)
        if s is not None:
            out[s] = out.get(s, 0) + 1
    return dict(sorted(out.items()))


class SiteModel:
    """The ``sites:`` configuration bound to an estate's hosts and move groups.

    ``servers[g]`` = {site: servers of group g on that site} (shared-infrastructure groups
    and unsited hosts excluded).  Raises ``PlanError`` when the configuration names a site
    the estate does not have.
    """

    def __init__(self, config, site_of: dict, groups: list):
        self.config, self.cfg, self.site_of = config, config.sites or SitesConfig(), site_of
        self.known = sorted({s for s in site_of.values() if s is not None})
        self.servers: dict = {}
        for g in groups:
            if g.get("shared_infrastructure"):
                continue
            per = wave_sites(g["hosts"], site_of)
            if per:
                self.servers[g["id"]] = per
        self._validate()

    # -- configuration against the estate ---------------------------------------------
    def _unknown(self, site: str, what: str, line):
        known = ", ".join(self.known) or "none declared in estate.yml"
        raise PlanError(f"{what} names site {site}, which the estate does not have "
                        f"(its sites: {known})", self.config.where(line))

    def _validate(self) -> None:
        c = self.cfg
        for site, rule in sorted(c.rules.items()):
            if site not in self.known:
                self._unknown(site, f"sites.per_site.{site}", rule.line)
        if c.pilot_site is not None and c.pilot_site not in self.known:
            self._unknown(c.pilot_site, "sites.pilot_site", c.pilot_line)
        for i, o in enumerate(c.orderings):
            for s in (o.before, o.after):
                if s not in self.known:
                    self._unknown(s, f"sites.orderings[{i}]", o.line)

    @property
    def active(self) -> bool:
        c = self.cfg
        return bool(c.max_sites_per_wave or any(r.max_servers for r in c.rules.values())
                    or c.absolute)

    @property
    def absolute(self) -> bool:
        return self.cfg.absolute

    # -- constraints -------------------------------------------------------------------
    def frozen(self, gid: str, wave: int):
        """(site, rule, freeze or None) forbidding group ``gid`` in ``wave``, or None
        (freeze None: the site's not_before_wave)."""
        for site in sorted(self.servers.get(gid, {})):
            rule = self.cfg.rules.get(site)
            if rule is None:
                continue
            if rule.not_before is not None and wave < rule.not_before:
                return site, rule, None
            for f in rule.freeze:
                if f.covers(wave):
                    return site, rule, f
        return None

    def allowed(self, gid: str, wave: int) -> bool:
        return self.frozen(gid, wave) is None

    def wave_problems(self, gids) -> list:
        """Site limits a wave of groups ``gids`` breaks: [(kind, site or sites, load, limit)].

        ``site-capacity``: more servers of a site than its max_servers_per_wave, from
        several groups; ``site-limit``: more sites than max_sites_per_wave, from several
        groups."""
        sited = [g for g in gids if g in self.servers]
        if len(sited) < 2:
            return []
        out = []
        load: dict = {}
        touching: dict = {}
        for g in sited:
            for s, n in self.servers[g].items():
                load[s] = load.get(s, 0) + n
                touching[s] = touching.get(s, 0) + 1
        for s in sorted(load):
            rule = self.cfg.rules.get(s)
            if rule and rule.max_servers and load[s] > rule.max_servers and touching[s] > 1:
                out.append(("site-capacity", s, load[s], rule.max_servers))
        limit = self.cfg.max_sites_per_wave
        if limit and len(load) > limit:
            out.append(("site-limit", sorted(load), len(load), limit))
        return out

    def pilot_ok(self, gid: str) -> bool:
        """The group may be in the pilot under ``pilot_site`` (all its sited hosts there)."""
        p = self.cfg.pilot_site
        return p is None or set(self.servers.get(gid, {})) == {p}

    def precedence(self, group_ids) -> list:
        """(before group, after group, ordering index) for every site ordering.

        Raises PlanError when one group has hosts on both sites of an ordering."""
        out = []
        ids_ = sorted(g for g in group_ids if g in self.servers)
        for i, o in enumerate(self.cfg.orderings):
            first = [g for g in ids_ if o.before in self.servers[g]]
            then = [g for g in ids_ if o.after in self.servers[g]]
            both = sorted(set(first) & set(then))
            if both:
                raise PlanError(f"sites.orderings[{i}] ({o.reason}) puts site {o.after} after "
                                f"site {o.before}, but move group {both[0]} has hosts on both: "
                                "no wave order satisfies it", self.config.where(o.line))
            out += [(a, b, i) for a in first for b in then]
        return out

    def check_reachable(self, group_ids, start: int, count: int) -> None:
        """PlanError when a site's freezes and not_before_wave leave none of the waves
        ``start``…``start + count − 1`` (the most a plan of ``count`` groups can use) to a
        group of that site."""
        waves = range(start, start + max(count, 1))
        for g in sorted(group_ids):
            if g not in self.servers or any(self.allowed(g, w) for w in waves):
                continue
            sites = sorted(s for s in self.servers[g] if s in self.cfg.rules)
            site = sites[0]
            rule = self.cfg.rules[site]
            raise PlanError(f"sites.per_site.{site}: its not_before_wave and freeze leave no wave "
                            f"for move group {g} among waves {start} to {waves[-1]} (a plan of "
                            f"{count} group(s) after the foundation and pilot has no more)",
                            self.config.where(rule.line))

    def violations(self, wave_of: dict, fixed=frozenset(), orders: bool = True) -> list:
        """One line per broken site constraint of assignment {group: wave} (``fixed``:
        groups placed by policy, whose freezes are not checked; ``orders``: check the site
        orderings too)."""
        out, waves = [], {}
        for g, w in sorted(wave_of.items()):
            waves.setdefault(w, []).append(g)
            if g not in fixed:
                hit = self.frozen(g, w)
                if hit:
                    out.append(f"{g} in wave {w}: site {hit[0]} is frozen there")
        for w, gs in sorted(waves.items()):
            for kind, site, load, limit in self.wave_problems(gs):
                out.append(f"wave {w}: {kind} {site} ({load} > {limit})")
        for a, b, i in (self.precedence(wave_of) if orders else ()):
            if a in wave_of and b in wave_of and wave_of[b] <= wave_of[a]:
                out.append(f"{b} (wave {wave_of[b]}) must move after {a} (wave {wave_of[a]}): "
                           f"sites.orderings[{i}]")
        return out

    def freeze_text(self, site: str, rule, f) -> dict:
        """The message (``{"msg", "params"}``) saying why ``site`` is frozen."""
        from .messages import message
        if f is None:
            return message("sites.not-before", site=site, wave=rule.not_before,
                           key=f"sites.per_site.{site}.not_before_wave")
        why = f.reason or rule.reason or "plan configuration"
        if f.last is None:
            return message("sites.freeze-from", site=site, first=f.first, why=why)
        return message("sites.freeze-range", site=site, first=f.first, last=f.last, why=why)


def summary(waves: list, site_of: dict) -> dict:
    """{site: {first_wave, last_wave, servers}} over the waves that move (replicated
    foundation waves excluded)."""
    out: dict = {}
    for w in sorted(waves, key=lambda w: w["number"]):
        if w.get("action") == "replicate":
            continue
        for s, n in wave_sites(w["hosts"], site_of).items():
            row = out.setdefault(s, {"first_wave": w["number"], "last_wave": w["number"],
                                     "servers": 0})
            row["last_wave"] = w["number"]
            row["servers"] += n
    return dict(sorted(out.items()))


