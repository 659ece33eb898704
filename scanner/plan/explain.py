"""Owns ``hdscan plan --explain HOST``: why a host is in its wave and not in an earlier one.

``explain(plan, constraints, name)`` answers from the plan as built and the constraints
recomputed from the graph and the configuration (``scanner.plan.check.Constraints``):
the host's move group and why its hosts move together, the reasons recorded for its
wave, and, for **every earlier wave**, each hard constraint that forbids moving the
group there (foundation, pilot, capacity, tier-1 limit, configured ordering, warehouse
link, care chain) — or, when none does, the cost: how much longer its cross-site flows
would stay open (the split cost of docs/planner.md §4) and the risk order.
``render(explanation)`` gives the lines the command prints.
"""

from __future__ import annotations

from ..errors import InputError
from ..graph import queries as q
from ..model import ids
from .hosts import short


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


def explain(plan: dict, c, name: str) -> dict:
    """The explanation of one host (see module docstring)."""
    h = _resolve(plan, c, name)
    if h in c.staying:
        perm = [f for f in plan.get("hybrid_flows", [])
                if f["source"] == h or _dst_host(c, f["destination"]) == h]
        return {"host": h, "wave": None, "stays": c.stay_reason[h], "permanent_flows": len(perm)}
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
            blockers.append(("foundation", f"wave {m} only builds replicas of shared "
                                           "infrastructure (directory/DNS)"))
        elif w.get("name") == "pilot":
            if group["care_tier"] in (1, 2):
                blockers.append(("pilot", f"wave {m} is the pilot, which never takes a tier-"
                                          f"{group['care_tier']} group"))
            else:
                risky = sorted(p for p in c.partners.get(gid, {})
                               if c.group_by_id[p]["care_tier"] in (1, 2))
                if risky:
                    blockers.append(("pilot", f"wave {m} is the pilot; {gid} exchanges clinical "
                                              f"interface flows with tier-1/2 {', '.join(risky)}"))
                if len(others) + len(hosts) > min(cfg.pilot_max_servers, cfg.wave_servers):
                    blockers.append(("pilot", f"the pilot holds {len(others)} server(s); with "
                                              f"{len(hosts)} more it exceeds pilot.max_servers "
                                              f"{cfg.pilot_max_servers}"))
        if len(others) + len(hosts) > cfg.wave_servers and w.get("action") != "replicate":
            blockers.append(("capacity", f"wave {m} holds {len(others)} server(s); the group's "
                                         f"{len(hosts)} would exceed wave_capacity.servers "
                                         f"{cfg.wave_servers}"))
        if cfg.wave_data_bytes and group["data_bytes"]:
            load = c.wave_bytes(others) or 0
            if load + group["data_bytes"] > cfg.wave_data_bytes:
                blockers.append(("capacity", f"wave {m} holds {load} bytes; the group's "
                                             f"{group['data_bytes']} would exceed "
                                             f"wave_capacity.data_bytes {cfg.wave_data_bytes}"))
        if group["care_tier"] == 1 and w.get("action") != "replicate":
            t1 = sorted({c.group_of[x]["id"] for x in others if x in c.group_of
                         and c.group_of[x]["care_tier"] == 1})
            if len(t1) >= cfg.max_tier1_groups_per_wave:
                blockers.append(("tier1-limit", f"wave {m} already moves tier-1 "
                                                f"{', '.join(t1)} (max_tier1_groups_per_wave "
                                                f"{cfg.max_tier1_groups_per_wave})"))
        for i, o in enumerate(cfg.orderings):
            if o.after in hosts and wave_of.get(o.before, -1) >= m:
                blockers.append(("ordering", f"orderings[{i}] ({o.reason}): {short(o.before)} "
                                             f"moves first, in wave {wave_of[o.before]}"))
        for reader, src, r in c.links.follows:
            if reader in hosts and wave_of.get(src, -1) > m:
                blockers.append(("follows", f"{short(reader)} reads {short(src)} (wave "
                                            f"{wave_of[src]}) through a database link: "
                                            "same wave or later"))
        stretched = []
        for p, protos in sorted(c.partners.get(gid, {}).items()):
            k = group_wave.get(p)
            if k is not None and abs(k - m) > max(1, abs(k - n)):
                stretched.append(f"{p} ({', '.join(sorted(protos))}, wave {k}: {abs(k - m)} "
                                 f"waves cross-site instead of {abs(k - n)})")
        if stretched:
            blockers.append(("care-chain", "its care chain would stay split longer: "
                                           + "; ".join(stretched)))
        if not blockers:
            delta, longer = _flow_delta(plan, c, hosts, n, m)
            if delta > 0:
                blockers.append(("cost", f"no hard constraint; {len(longer)} cross-site flow(s) "
                                         f"would stay open longer: split cost +{delta} "
                                         "(connections × waves)"))
            else:
                blockers.append(("risk-order", "no hard constraint and no extra split cost: "
                                               "the heuristic's choice (groups move from the least "
                                               "to the most critical, waves filled from the last "
                                               "backwards with an even load; see why its wave)"))
        earlier.append({"wave": m, "name": w.get("name"),
                        "blockers": [{"kind": k, "text": t} for k, t in blockers]})
    return {"host": h, "wave": n, "wave_name": wave.get("name"), "window": wave.get("window"),
            "action": wave.get("action") or "move",
            "group": gid, "group_hosts": sorted(hosts), "care_tier": group["care_tier"],
            "together": group["reasons"], "placed": placed, "earlier": earlier,
            "transfer": (wave.get("transfer") or {}).get("text")}


def render(e: dict) -> list[str]:
    """The lines ``hdscan plan --explain`` prints."""
    if e["wave"] is None:
        return [f"{short(e['host'])} stays on site: {e['stays']}",
                f"  {e['permanent_flows']} of its flows cross sites for good once their other end "
                "moves (see the firewall matrix)"]
    verb = "is replicated" if e.get("action") == "replicate" else "moves"
    out = [f"{short(e['host'])} {verb} in wave {e['wave']} ({e['wave_name']}, window {e['window']}) "
           f"with {e['group']}: {', '.join(short(x) for x in e['group_hosts'])} "
           f"(tier {e['care_tier'] or 'unknown'})"]
    out.append("why these hosts move together:")
    out += [f"  [{r['kind']}] {r['text']}" for r in e["together"]]
    out.append(f"why wave {e['wave']}:")
    out += [f"  [{r['kind']}] {r['text']}" for r in e["placed"]] or ["  (no recorded reason)"]
    if e.get("transfer"):
        out.append(f"  [transfer] {e['transfer']}")
    if e["earlier"]:
        out.append("why not an earlier wave:")
    for x in e["earlier"]:
        for b in x["blockers"]:
            out.append(f"  wave {x['wave']}: [{b['kind']}] {b['text']}")
    return out
