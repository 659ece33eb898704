"""Owns ``hdscan plan --explain HOST``: why a host is in its wave and not in an earlier one.

``explain(plan, constraints, name)`` answers from the plan as built and the constraints
recomputed from the graph and the configuration (``scanner.plan.check.Constraints``):
the host's move group and why its hosts move together, the reasons recorded for its
wave, and, for **every earlier wave**, each hard constraint that forbids moving the
group there (foundation, pilot, capacity, tier-1 limit, configured ordering, warehouse
link, care chain) — or, when none does, the cost: how much longer its cross-site flows
would stay open (the split cost of docs/planner.md §4) and the risk order.
``render(explanation, lang)`` gives the lines the command prints, in English or French
(scanner/plan/messages.py); the explanation keeps each sentence as ``msg`` + ``params`` and
its English ``text``.
"""

from __future__ import annotations

from ..errors import InputError
from ..graph import queries as q
from ..model import ids
from .hosts import short
from .messages import DEFAULT_LANG, localized, message, render as render_msg


def _resolve(plan: dict, c, name: str) -> str:
    raw = name.strip()
    raw = raw[len("host:"):] if raw.lower().startswith("host:") else raw
    try:
        h = ids.host_id(raw)
    except ValueError:
        raise InputError(f"--explain: not a usable host name: {name!r}") from None
    if h not in c.facts:
        near = sorted(x for x in c.facts if raw.lower() in x)[:5]
        raise InputError(f"--explain: {raw} is not a host of the estate"
                         + (f" (did you mean {', '.join(short(x) for x in near)}?)" if near else ""))
    return h


def _dst_host(c, dst: str) -> str:
    return (q.host(c.graph, dst) or dst) if dst in c.graph else dst


def _flow_delta(plan: dict, c, hosts: set, now: int, then: int) -> tuple[int, list]:
    """Extra split cost (connections × waves) of moving ``hosts`` from wave ``now`` to
    ``then``, and the flows that would stay cross-site longer."""
    delta, longer = 0, []
    for f in plan.get("hybrid_flows", []):
        src, dst = f["source"], f["destination"]
        mine = src in hosts or _dst_host(c, dst) in hosts
        if not mine:
            continue
        weight = max(1, int(f.get("connections") or 0))
        if f["until_wave"] is None:
            extra = now - then          # a permanent path opens earlier
        else:
            other = f["until_wave"] if f["from_wave"] == now else f["from_wave"]
            extra = abs(then - other) - abs(now - other)
        if extra > 0:
            delta += extra * weight
            longer.append(f)
    return delta, longer


def _site_blockers(c, group: dict, w: dict, others: list, wave_of: dict) -> list:
    """The site constraints (scanner/plan/sites.py) forbidding ``group`` in wave ``w``."""
    sites, gid, m, out = c.sites, group["id"], w["number"], []
    if gid not in sites.servers:
        return out
    hit = sites.frozen(gid, m)
    if hit:
        out.append(("site-freeze", sites.freeze_text(*hit)))
    if w.get("name") == "pilot" and not sites.pilot_ok(gid):
        out.append(("pilot-site", message("explain.pilot-site", wave=m, site=sites.cfg.pilot_site)))
    there = sorted({c.group_of[x]["id"] for x in others if x in c.group_of})
    for kind, site, load, limit in sites.wave_problems(there + [gid]):
        if kind == "site-capacity":
            own = sites.servers[gid].get(site, 0)
            out.append((kind, message("explain.site-capacity", wave=m, load=load - own, site=site,
                                      size=own, limit=limit)))
        else:
            out.append((kind, message("explain.site-limit", wave=m, count=load, sites=list(site),
                                      limit=limit)))
    for i, o in enumerate(sites.cfg.orderings):
        if o.after not in sites.servers[gid]:
            continue
        late = sorted((wave_of[h], h) for h, s in sites.site_of.items()
                      if s == o.before and h in wave_of and wave_of[h] >= m
                      and not c.group_of.get(h, {}).get("shared_infrastructure", True))
        if late:
            out.append(("site-order", message("explain.site-order", index=i, why=o.reason,
                                              after=o.after, before=o.before, host=late[-1][1],
                                              wave=late[-1][0])))
    return out


def _blocker(kind: str, said) -> dict:
    """``{kind, msg, params, text}`` of a blocker (a message, or an English text as is)."""
    if isinstance(said, dict):
        return {"kind": kind, **said, "text": render_msg(said["msg"], said["params"])}
    return {"kind": kind, "text": str(said)}


def explain(plan: dict, c, name: str) -> dict:
    """The explanation of one host (see module docstring)."""
    h = _resolve(plan, c, name)
    if h in c.staying:
        perm = [f for f in plan.get("hybrid_flows", [])
                if f["source"] == h or _dst_host(c, f["destination"]) == h]
        stay = next((s for s in plan.get("stays", []) if s.get("host") == h), {})
        return {"host": h, "wave": None, "stays": c.stay_reason[h],
                "stays_msg": stay.get("reason_msg"), "permanent_flows": len(perm)}
    waves = sorted(plan["waves"], key=lambda w: w["number"])
    wave = next((w for w in waves if h in w["hosts"]), None)
    if wave is None:
        raise InputError(f"--explain: {short(h)} is in no wave of this plan")
    group = c.group_of[h]
    gid, hosts, n = group["id"], set(group["hosts"]), wave["number"]
    wave_of = {x: w["number"] for w in waves for x in w["hosts"]}
    group_wave = {}
    for g in c.groups:
        ns = [wave_of[x] for x in g["hosts"] if x in wave_of]
        if ns:
            group_wave[g["id"]] = max(ns)
    placed = [r for r in wave.get("reasons", []) if r.get("text", "").startswith(f"{gid} ")]
    earlier = []
    cfg = c.config
    for w in waves:
        m = w["number"]
        if m >= n:
            break
        blockers = []
        others = [x for x in w["hosts"] if x not in hosts]
        if w.get("action") == "replicate" and not group["shared_infrastructure"]:
            blockers.append(("foundation", message("explain.foundation", wave=m)))
        elif w.get("name") == "pilot":
            if group["care_tier"] in (1, 2):
                blockers.append(("pilot", message("explain.pilot-tier", wave=m,
                                                  tier=group["care_tier"])))
            else:
                risky = sorted(p for p in c.partners.get(gid, {})
                               if c.group_by_id[p]["care_tier"] in (1, 2))
                if risky:
                    blockers.append(("pilot", message("explain.pilot-partners", wave=m, group=gid,
                                                      partners=risky)))
                if len(others) + len(hosts) > min(cfg.pilot_max_servers, cfg.wave_servers):
                    blockers.append(("pilot", message("explain.pilot-size", servers=len(others),
                                                      size=len(hosts),
                                                      limit=cfg.pilot_max_servers)))
        if len(others) + len(hosts) > cfg.wave_servers and w.get("action") != "replicate":
            blockers.append(("capacity", message("explain.capacity-servers", wave=m,
                                                 servers=len(others), size=len(hosts),
                                                 limit=cfg.wave_servers)))
        if cfg.wave_data_bytes and group["data_bytes"]:
            load = c.wave_bytes(others) or 0
            if load + group["data_bytes"] > cfg.wave_data_bytes:
                blockers.append(("capacity", message("explain.capacity-bytes", wave=m, load=load,
                                                     bytes=group["data_bytes"],
                                                     limit=cfg.wave_data_bytes)))
        if group["care_tier"] == 1 and w.get("action") != "replicate":
            t1 = sorted({c.group_of[x]["id"] for x in others if x in c.group_of
                         and c.group_of[x]["care_tier"] == 1})
            if len(t1) >= cfg.max_tier1_groups_per_wave:
                blockers.append(("tier1-limit", message("explain.tier1", wave=m, groups=t1,
                                                        limit=cfg.max_tier1_groups_per_wave)))
        for i, o in enumerate(cfg.orderings):
            if o.after in hosts and wave_of.get(o.before, -1) >= m:
                blockers.append(("ordering", message("explain.ordering", index=i, why=o.reason,
                                                     before=o.before, wave=wave_of[o.before])))
        for reader, src, r in c.links.follows:
            if reader in hosts and wave_of.get(src, -1) > m:
                blockers.append(("follows", message("explain.follows", reader=reader, source=src,
                                                    wave=wave_of[src])))
        if getattr(c, "sites", None) is not None and w.get("action") != "replicate":
            blockers += _site_blockers(c, group, w, others, wave_of)
        stretched = []
        for p, protos in sorted(c.partners.get(gid, {}).items()):
            k = group_wave.get(p)
            if k is not None and abs(k - m) > max(1, abs(k - n)):
                stretched.append(message("explain.stretched", partner=p, protocols=sorted(protos),
                                         wave=k, then=abs(k - m), now=abs(k - n)))
        if stretched:
            blockers.append(("care-chain", message("explain.care-chain", partners=stretched)))
        if not blockers:
            delta, longer = _flow_delta(plan, c, hosts, n, m)
            if delta > 0:
                blockers.append(("cost", message("explain.cost", flows=len(longer), delta=delta)))
            else:
                blockers.append(("risk-order", message("explain.risk-order")))
        earlier.append({"wave": m, "name": w.get("name"),
                        "blockers": [_blocker(k, t) for k, t in blockers]})
    return {"host": h, "wave": n, "wave_name": wave.get("name"), "window": wave.get("window"),
            "action": wave.get("action") or "move",
            "group": gid, "group_hosts": sorted(hosts), "care_tier": group["care_tier"],
            "together": group["reasons"], "placed": placed, "earlier": earlier,
            "transfer": (wave.get("transfer") or {}).get("text"),
            "transfer_msg": {k: (wave.get("transfer") or {})[k] for k in ("msg", "params")}
            if (wave.get("transfer") or {}).get("msg") else None}


def render(e: dict, lang: str = DEFAULT_LANG) -> list[str]:
    """The lines ``hdscan plan --explain`` prints, in ``lang`` (``en`` or ``fr``)."""
    def say(msg_id, **params):
        return render_msg(msg_id, message(msg_id, **params)["params"], lang)

    if e["wave"] is None:
        return [say("explain.stays", host=e["host"], reason=localized(e, "stays", lang)),
                say("explain.permanent", count=e["permanent_flows"])]
    tier = (message("wave.tier", tier=e["care_tier"]) if e["care_tier"]
            else message("wave.tier-unknown"))
    out = [say("explain.replicated" if e.get("action") == "replicate" else "explain.moves",
               host=e["host"], wave=e["wave"], name=e["wave_name"], window=e["window"],
               group=e["group"], hosts=e["group_hosts"], tier=tier)]
    out.append(say("explain.together"))
    out += [f"  [{r['kind']}] {localized(r, 'text', lang)}" for r in e["together"]]
    out.append(say("explain.why-wave", wave=e["wave"]))
    out += ([f"  [{r['kind']}] {localized(r, 'text', lang)}" for r in e["placed"]]
            or [say("explain.no-reason")])
    if e.get("transfer"):
        out.append(f"  [transfer] {localized(e, 'transfer', lang)}")
    if e["earlier"]:
        out.append(say("explain.earlier"))
    for x in e["earlier"]:
        for b in x["blockers"]:
            out.append(say("explain.blocker", wave=x["wave"], kind=b["kind"],
                           text=localized(b, "text", lang)))
    return out
