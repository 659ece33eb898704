"""Owns ``hdscan plan check``: a plan — possibly edited by hand — against every hard constraint.

``read_plan_file(path)`` reads a plan in one of its three forms: ``plan.json``, the
export's ``waves.csv`` (one row per wave, hosts in one cell; French or English headers,
``;`` or ``,``) or a host table (``host`` and ``wave`` columns, e.g. the export's
``systems.csv``).  A file that cannot be read that way is an ``InputError`` naming the
place.  ``Constraints(graph, tags, config)`` recomputes, from the graph and the plan
configuration, what the plan must respect: which hosts move and which stay, the move
groups, the orderings and warehouse links, the care tiers, the windows and the site
constraints of a ``sites:`` section (``scanner.plan.sites``).
``check(plan_file, constraints)`` returns ``(violations, warnings)``: each a located,
one-line ``Violation`` of a kind listed in ``VIOLATION_KINDS`` (docs/planner.md §7).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, PlanError, SourceLocation
from ..graph import queries as q
from ..model import ids
from .config import read_text
from .groups import build_groups
from .hosts import decide_stays, host_facts, short
from .joins import find_links
from .messages import DEFAULT_LANG, LANGS, message, render
from .sites import SiteModel, host_sites
from .transfer import assess

VIOLATION_KINDS = {
    "unknown-host": "the plan names a host the estate does not have",
    "duplicate": "a host is planned in two waves (or twice in one)",
    "missing": "a moving host is in no wave",
    "stays": "a host that stays on site (device, workstation, exclusion…) is planned to move",
    "split-group": "a move group's hosts are in different waves",
    "ordering": "a configured ordering is not honoured (before must move strictly earlier)",
    "follows": "a warehouse moves before the database it reads",
    "foundation": "shared infrastructure is not placed as shared_infrastructure says",
    "replicate": "a replicated (foundation) wave holds a host that is not shared infrastructure",
    "pilot": "the pilot holds a tier-1/2 group, or more servers than pilot.max_servers",
    "tier1-limit": "a wave moves more tier-1 groups than max_tier1_groups_per_wave",
    "capacity": "a wave of several groups exceeds the wave capacity (servers or bytes)",
    "window": "a wave's window is not the one configured for its most critical tier",
    "transfer": "a wave's data does not fit its window and the plan pre-seeds less than needed",
    "wave-number": "two waves carry the same number",
    "site-capacity": "a wave moves more servers of a site than its max_servers_per_wave (several groups)",
    "site-limit": "a wave of several groups touches more sites than max_sites_per_wave",
    "site-freeze": "a group moves in a wave its site must not be touched in (not_before_wave, freeze)",
    "site-order": "a configured site ordering is not honoured (a host of the later site moves too early)",
    "pilot-site": "the pilot holds a host that is not on the configured pilot site",
}
INTERFACE_PROTOCOLS = ("hl7v2-mllp", "hprim", "astm", "dicom", "dicomweb", "fhir")


@dataclass(frozen=True)
class Violation:
    """One broken constraint (or a warning), with where the plan file says it.  ``message``
    is English; ``said`` (``{"msg", "params"}``, scanner/plan/messages.py), when set, gives
    it in another language (``render(lang)``)."""
    kind: str
    message: str
    location: SourceLocation
    said: dict | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.kind}: {self.message}"

    def render(self, lang: str = DEFAULT_LANG) -> str:
        """The violation's line in ``lang``."""
        if self.said is None or lang == DEFAULT_LANG:
            return str(self)
        return f"{self.location}: {self.kind}: {render(self.said['msg'], self.said['params'], lang)}"


def _violation(kind: str, said, location: SourceLocation) -> Violation:
    """A violation from a message (``{"msg", "params"}``) or an English text."""
    if isinstance(said, dict):
        return Violation(kind, render(said["msg"], said["params"]), location, said)
    return Violation(kind, said, location)


def _said(r):
    """A reason as a sentence parameter: its message, or its text (an older plan)."""
    return {"msg": r["msg"], "params": r["params"]} if isinstance(r, dict) and "msg" in r else (
        r.get("text", "") if isinstance(r, dict) else str(r))


@dataclass
class WaveEntry:
    number: int
    place: str
    name: str | None = None
    action: str | None = None          # "move", "replicate" or None (not said)
    window: str | None = None
    preseed_bytes: int | None = None   # None: the plan file says nothing about pre-seeding
    hosts: list = field(default_factory=list)   # [(host id, place)]


@dataclass
class PlanFile:
    source: str
    form: str
    waves: list


def _host(name: str) -> str:
    name = name.strip()
    name = name[len("host:"):] if name.lower().startswith("host:") else name
    return ids.host_id(name)


def _where(path: str, place: str | None) -> SourceLocation:
    return SourceLocation(path, place)


def parse_plan_json(text: str, source: str) -> PlanFile:
    """The waves of a plan.json (hand-edited or not)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", _where(source, f"line {exc.lineno}")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("waves"), list):
        raise InputError("not a plan: expected an object with a list 'waves'", _where(source, None))
    out = []
    for i, w in enumerate(doc["waves"]):
        place = f"waves[{i}]"
        if not isinstance(w, dict):
            raise InputError("expected an object", _where(source, place))
        n = w.get("number")
        if isinstance(n, bool) or not isinstance(n, int):
            raise InputError(f"number: expected an integer, got {n!r}", _where(source, place))
        hosts = w.get("hosts")
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            raise InputError("hosts: expected a list of host names", _where(source, place))
        entry = WaveEntry(n, f"{place} (wave {n})", w.get("name") if isinstance(w.get("name"), str) else None,
                          w.get("action") if w.get("action") in ("move", "replicate") else None,
                          w.get("window") if isinstance(w.get("window"), str) else None)
        t = w.get("transfer")
        if isinstance(t, dict) and isinstance(t.get("preseed_bytes"), int):
            entry.preseed_bytes = t["preseed_bytes"]
        elif isinstance(t, dict):
            entry.preseed_bytes = 0
        for j, h in enumerate(hosts):
            try:
                entry.hosts.append((_host(h), f"{place}.hosts[{j}] (wave {n})"))
            except ValueError:
                raise InputError(f"not a usable host name: {h!r}",
                                 _where(source, f"{place}.hosts[{j}]")) from None
        out.append(entry)
    return PlanFile(source, "json", out)


_HEADERS = {"number": ("number", "n°", "no.", "no"), "hosts": ("hosts", "machines"),
            "host": ("host", "machine"), "wave": ("wave", "vague"), "name": ("name", "nom"),
            "window": ("window", "fenêtre", "fenetre"), "action": ("action",),
            "preseed": ("preseed_bytes", "pre-seed", "préamorçage",
                        # the headers of the export's waves.csv (scanner/report/i18n.py)
                        "pre-seed (bytes)", "pré-chargement (octets)")}


def _cell(text: str) -> str:
    text = (text or "").strip()
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def parse_plan_csv(text: str, source: str) -> PlanFile:
    """The waves of a CSV plan: the export's waves.csv, or a host → wave table."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    if not rows:
        raise InputError("empty CSV", _where(source, "line 1"))
    header = [h.strip().lower() for h in rows[0]]
    col = {}
    for key, names in _HEADERS.items():
        for k, h in enumerate(header):
            if h in names and key not in col:
                col[key] = k
    per_wave = "hosts" in col and "number" in col
    per_host = "host" in col and "wave" in col
    if not (per_wave or per_host):
        raise InputError("not a plan: expected columns number and hosts (waves.csv) or host and "
                         f"wave (a host table); found {', '.join(rows[0])}", _where(source, "line 1"))
    waves: dict[int, WaveEntry] = {}

    def wave(n_text: str, line: int) -> WaveEntry | None:
        n_text = _cell(n_text)
        if not n_text:
            return None
        try:
            n = int(n_text)
        except ValueError:
            raise InputError(f"wave number: expected an integer, got {n_text!r}",
                             _where(source, f"line {line}")) from None
        return waves.setdefault(n, WaveEntry(n, f"line {line} (wave {n})"))

    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        get = (lambda key: _cell(row[col[key]]) if key in col and col[key] < len(row) else "")
        if per_wave:
            w = wave(get("number"), line)
            if w is None:
                raise InputError("wave number missing", _where(source, f"line {line}"))
            if w.place != f"line {line} (wave {w.number})":
                raise InputError(f"wave {w.number} appears twice (first at {w.place})",
                                 _where(source, f"line {line}"))
            names = [h for h in get("hosts").split(",") if h.strip()]
        else:
            w = wave(get("wave"), line)
            if w is None:
                continue                  # a host that stays (empty wave cell)
            names = [get("host")]
        w.name = w.name or get("name") or None
        w.window = w.window or get("window") or None
        if get("action") in ("move", "replicate"):
            w.action = get("action")
        if get("preseed"):
            try:
                w.preseed_bytes = int(get("preseed"))
            except ValueError:
                raise InputError(f"pre-seed bytes: expected an integer, got {get('preseed')!r}",
                                 _where(source, f"line {line}")) from None
        for h in names:
            try:
                w.hosts.append((_host(h), f"line {line} (wave {w.number})"))
            except ValueError:
                raise InputError(f"not a usable host name: {h!r}", _where(source, f"line {line}")) from None
    return PlanFile(source, "csv", sorted(waves.values(), key=lambda w: w.number))


def read_plan_file(path) -> PlanFile:
    """A plan file in any of its forms (by suffix: .json, else CSV)."""
    p = Path(path)
    text = read_text(p, "plan file", encoding="utf-8-sig")    # a spreadsheet's BOM too
    if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return parse_plan_json(text, str(p))
    return parse_plan_csv(text, str(p))


class Constraints:
    """What any plan of this estate must respect, recomputed from graph, tags and config."""

    def __init__(self, graph, tags: dict, config):
        self.graph, self.config = graph, config
        self.facts = host_facts(graph, tags)
        stays, _external, self.staying = decide_stays(graph, self.facts, tags, config.exclusions)
        self.stay_reason = {s["host"]: s["reason"] for s in stays}
        self.stay_said = {s["host"]: s.get("reason_msg") or s["reason"] for s in stays}
        self.moving = set(self.facts) - self.staying
        for i, o in enumerate(config.orderings):
            for h in (o.before, o.after):
                if h not in self.facts or h in self.staying:
                    raise PlanError(f"orderings[{i}] ({o.reason}) names {h}, which "
                                    + ("is not a host of the estate" if h not in self.facts
                                       else "never moves (see stays)"), config.where(o.line))
        self.links = find_links(graph, self.facts, self.moving)
        self.groups = build_groups(graph, self.facts, self.moving, self.staying, config, self.links)
        self.group_of = {h: g for g in self.groups for h in g["hosts"]}
        self.group_by_id = {g["id"]: g for g in self.groups}
        self.partners = self._care_chains()
        # site constraints (None without a sites: section); unknown site ids: PlanError
        self.sites = (SiteModel(config, host_sites(graph), self.groups)
                      if getattr(config, "sites", None) is not None else None)

    def _care_chains(self) -> dict:
        """group id → {partner group id: interface protocols} over clinical interface flows."""
        out: dict = defaultdict(lambda: defaultdict(set))
        g = self.graph
        for u, v, k, d in g.edges(keys=True, data=True):
            if (d.get("kind") or k) != "flow" or q.kind(g, u) != "host":
                continue
            a, b = self.group_of.get(u), self.group_of.get(q.host(g, v))
            if a is None or b is None or a["id"] == b["id"]:
                continue
            svc = v if q.kind(g, v) == "service" else q.service_of(g, v)
            proto = d.get("protocol") or (g.nodes[svc].get("protocol") if svc else None)
            if proto in INTERFACE_PROTOCOLS:
                out[a["id"]][b["id"]].add(proto)
                out[b["id"]][a["id"]].add(proto)
        return out

    def wave_tier(self, hosts) -> int | None:
        tiers = [self.facts[h].care_tier for h in hosts if h in self.facts and self.facts[h].care_tier]
        return min(tiers) if tiers else None

    def wave_bytes(self, hosts) -> int | None:
        sizes = [self.facts[h].data_bytes for h in hosts
                 if h in self.facts and self.facts[h].data_bytes is not None]
        return sum(sizes) if sizes else None


def _named(w: WaveEntry, msg_id: str) -> bool:
    """Whether the wave's name is ``msg_id``'s, in any language (a waves.csv exported in
    French names the pilot "pilote")."""
    name = (w.name or "").strip().lower()
    return bool(name) and any(name == render(msg_id, None, lang).lower() for lang in LANGS)


def _is_replicate(w: WaveEntry, c: Constraints, first: int) -> bool:
    if w.action is not None:
        return w.action == "replicate"
    if _named(w, "wave.name-foundation-replicate"):
        return True
    # a host table says nothing: under replicate-first, a first wave of shared
    # infrastructure only is the replicated foundation
    return (c.config.shared_infrastructure == "replicate-first" and w.number == first
            and bool(w.hosts) and all(h in c.facts and c.facts[h].shared for h, _ in w.hosts))


def check(plan: PlanFile, c: Constraints) -> tuple[list, list]:
    """(violations, warnings) of a plan file against the constraints, in file order."""
    cfg, src = c.config, plan.source
    bad, warn = [], []

    def v(kind, message, place=None, where=None):
        bad.append(_violation(kind, message, where or _where(src, place)))

    wave_of: dict = {}
    seen_numbers: dict = {}
    for w in plan.waves:
        if w.number in seen_numbers:
            v("wave-number", message("check.wave-number", wave=w.number,
                                     place=seen_numbers[w.number]), w.place)
        seen_numbers.setdefault(w.number, w.place)
        for h, place in w.hosts:
            if h not in c.facts:
                v("unknown-host", message("check.unknown-host", host=h), place)
                continue
            if h in c.staying:
                v("stays", message("check.stays", host=h, reason=c.stay_said[h]), place)
                continue
            if h in wave_of:
                v("duplicate", message("check.duplicate", host=h, wave=wave_of[h][0],
                                       place=wave_of[h][1]), place)
                continue
            wave_of[h] = (w.number, place)
    for h in sorted(c.moving - set(wave_of)):
        v("missing", message("check.missing", host=h))
    # move groups
    for g in c.groups:
        placed = {h: wave_of[h] for h in g["hosts"] if h in wave_of}
        numbers = sorted({n for n, _ in placed.values()})
        if len(numbers) > 1:
            # the wave holding most of the group is taken as meant; on a tie every host is named
            why = [_said(r) for r in g["reasons"][:2]]
            count = {n: sum(1 for x, _ in placed.values() if x == n) for n in numbers}
            top = max(count.values())
            main = [n for n in numbers if count[n] == top]
            keep = main[0] if len(main) == 1 else None
            for h, (n, place) in sorted(placed.items()):
                if n == keep:
                    continue
                others = [message("check.host-wave", host=x, wave=w_)
                          for _, w_, x in sorted((short(x), placed[x][0], x) for x in placed
                                                 if placed[x][0] != n)]
                v("split-group", message("check.split-group", host=h, wave=n, others=others,
                                         group=g["id"], why=why), place)
    # orderings and warehouse links
    for i, o in enumerate(cfg.orderings):
        if o.before in wave_of and o.after in wave_of and wave_of[o.before][0] >= wave_of[o.after][0]:
            v("ordering", message("check.ordering", before=o.before, before_wave=wave_of[o.before][0],
                                  after=o.after, after_wave=wave_of[o.after][0], index=i,
                                  why=o.reason, where=str(cfg.where(o.line))), wave_of[o.after][1])
    for reader, source_, r in c.links.follows:
        if reader in wave_of and source_ in wave_of and wave_of[reader][0] < wave_of[source_][0]:
            v("follows", message("check.follows", reader=reader, reader_wave=wave_of[reader][0],
                                 source=source_, source_wave=wave_of[source_][0], link=_said(r)),
              wave_of[reader][1])
    # per wave
    first = min((w.number for w in plan.waves), default=0)
    moved_waves = [w.number for w in plan.waves
                   if not _is_replicate(w, c, first)
                   and any(h in c.facts and not c.facts[h].shared for h, _ in w.hosts)]
    for w in plan.waves:
        hosts = [h for h, _ in w.hosts if h in c.facts and h not in c.staying]
        groups = sorted({c.group_of[h]["id"] for h in hosts if h in c.group_of})
        by_id = c.group_by_id
        replicate = _is_replicate(w, c, first)
        if replicate:
            for h, place in w.hosts:
                if h in c.facts and not c.facts[h].shared:
                    v("replicate", message("check.replicate", host=h), place)
        if any(c.facts[h].shared for h in hosts):
            if cfg.shared_infrastructure == "replicate-first" and not replicate:
                v("foundation", message("check.foundation-replicate",
                                        hosts=[h for h in hosts if c.facts[h].shared]), w.place)
            elif cfg.shared_infrastructure == "move-first" and any(n < w.number for n in moved_waves):
                v("foundation", message("check.foundation-move",
                                        hosts=[h for h in hosts if c.facts[h].shared],
                                        wave=min(moved_waves)), w.place)
        tier1 = [g for g in groups if by_id[g]["care_tier"] == 1]
        if not replicate and len(tier1) > cfg.max_tier1_groups_per_wave:
            v("tier1-limit", message("check.tier1", count=len(tier1), groups=tier1,
                                     limit=cfg.max_tier1_groups_per_wave), w.place)
        if _named(w, "wave.name-pilot"):
            risky = [g for g in groups if by_id[g]["care_tier"] in (1, 2)]
            if risky:
                named = [message("check.group-tier", group=g, tier=by_id[g]["care_tier"])
                         for g in risky]
                v("pilot", message("check.pilot-risky", groups=named), w.place)
            if len(hosts) > cfg.pilot_max_servers:
                v("pilot", message("check.pilot-size", servers=len(hosts),
                                   limit=cfg.pilot_max_servers), w.place)
        if c.sites is not None and not replicate:
            _check_sites(c, w, groups, v)
        data = c.wave_bytes(hosts)
        if not replicate and len(groups) > 1 and len(hosts) > cfg.wave_servers:
            v("capacity", message("check.capacity-servers", servers=len(hosts), groups=len(groups),
                                  limit=cfg.wave_servers), w.place)
        if not replicate and len(groups) > 1 and cfg.wave_data_bytes and data \
                and data > cfg.wave_data_bytes:
            v("capacity", message("check.capacity-bytes", bytes=data, groups=len(groups),
                                  limit=cfg.wave_data_bytes), w.place)
        tier = c.wave_tier(hosts)
        if w.window is not None and hosts and w.window != cfg.window(tier):
            v("window", message("check.window", window=w.window, configured=cfg.window(tier),
                                tier=message("wave.tier", tier=tier) if tier
                                else message("wave.tier-unknown")), w.place)
        t = assess(data, tier, cfg)
        if t["fits"] is False:
            if w.preseed_bytes is None:
                warn.append(_violation("transfer", message("check.transfer-unsaid", transfer=_said(t)),
                                       _where(src, w.place)))
            elif w.preseed_bytes < t["preseed_bytes"]:
                v("transfer", message("check.transfer", transfer=_said(t), preseed=w.preseed_bytes,
                                      needed=t["preseed_bytes"]), w.place)
    if c.sites is not None:
        _check_site_orderings(c, wave_of, v)
    return bad, warn


def _check_sites(c: Constraints, w: WaveEntry, groups: list, v) -> None:
    """Site limits, freezes and the pilot site of one (moving) wave."""
    sites, cfg = c.sites, c.config
    for kind, site, load, limit in sites.wave_problems(groups):
        if kind == "site-capacity":
            v(kind, message("check.site-capacity", load=load, site=site, limit=limit), w.place)
        else:
            v(kind, message("check.site-limit", count=load, sites=list(site), limit=limit),
              w.place)
    place_of = {h: place for h, place in w.hosts}
    for gid in groups:
        hit = sites.frozen(gid, w.number)
        if hit:
            why = sites.freeze_text(*hit)
            mine = [h for h in c.group_by_id[gid]["hosts"] if h in place_of
                    and sites.site_of.get(h) == hit[0]]
            v("site-freeze", message("check.site-freeze", hosts=mine, group=gid, wave=w.number,
                                     why=why, where=str(cfg.where(hit[1].line))),
              place_of[mine[0]] if mine else w.place)
    if _named(w, "wave.name-pilot") and sites.cfg.pilot_site:
        for gid in groups:
            if not sites.pilot_ok(gid):
                off = [h for h in c.group_by_id[gid]["hosts"] if h in place_of
                       and sites.site_of.get(h) != sites.cfg.pilot_site]
                v("pilot-site", message("check.pilot-site",
                                        who=", ".join(short(h) for h in off) or gid, group=gid,
                                        site=sites.cfg.pilot_site,
                                        where=str(cfg.where(sites.cfg.pilot_line))),
                  place_of[off[0]] if off else w.place)


def _check_site_orderings(c: Constraints, wave_of: dict, v) -> None:
    """Every host of site ``after`` moves strictly after every host of site ``before``
    (shared-infrastructure groups are outside the site constraints)."""
    sites, cfg = c.sites, c.config
    on = {}
    for h, (n, place) in wave_of.items():
        g = c.group_of.get(h)
        s = sites.site_of.get(h)
        if g is not None and not g["shared_infrastructure"] and s is not None:
            on.setdefault(s, []).append((n, h, place))
    for i, o in enumerate(cfg.sites.orderings):
        if not on.get(o.before) or not on.get(o.after):
            continue
        last, lh, _ = max(on[o.before])
        for n, h, place in sorted(on[o.after]):
            if n <= last:
                v("site-order", message("check.site-order", host=h, after=o.after, wave=n,
                                        before=o.before, last_host=lh, last=last, index=i,
                                        why=o.reason, where=str(cfg.where(o.line))), place)
