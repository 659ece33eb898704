"""Owns the plan room: classified graph → move groups → waves → hybrid flows (plan.json).

``build_plan(graph, tags, config)`` is the only entry point (``config`` None means the
defaults of ``scanner.plan.config.PlanConfig``).  The output is deterministic: lists are
sorted, ids come from ``scanner.model.ids``, and nothing depends on the current time.
The algorithm and every reason kind are described in docs/planner.md.
"""

from __future__ import annotations

from ..errors import PlanError
from .checklist import build_checklists
from .config import PlanConfig
from .firewall import firewall_matrix
from .groups import build_groups
from .hosts import decide_stays, host_facts
from .hybrid import hybrid_flows, split_cost
from .sites import host_sites, summary as site_summary
from .joins import find_links
from .transfer import wave_transfers
from .waves import plan_waves_solved

SCHEMA = "hdscan-plan/1"


def build_plan(graph, tags: dict, config: PlanConfig | None = None, solver: str = "auto",
               time_limit: float | None = None) -> dict:
    """The plan.json dict for a classified graph.

    ``solver``: ``auto``, ``exact`` or ``heuristic`` (``scanner.plan.waves.plan_waves_solved``);
    ``time_limit``: seconds the exact solver may take.

    Raises
    ------
    scanner.errors.PlanError
        The configuration's pins, exclusions or orderings cannot all hold; the message
        names the conflicting constraints and the configuration line.
    """
    config = config or PlanConfig()
    facts = host_facts(graph, tags)
    stays, external, staying = decide_stays(graph, facts, tags, config.exclusions)
    for h in config.exclusions:
        if h not in facts:
            raise PlanError(f"exclusions names {h}, which is not a host of the estate",
                            config.where(config.exclusion_lines.get(h)))
    moving = set(facts) - staying
    links = find_links(graph, facts, moving)
    groups = build_groups(graph, facts, moving, staying, config, links)
    waves, wave_of_group, solver_info = plan_waves_solved(graph, groups, config, staying, set(facts),
                                                          links.follows, solver, time_limit)
    wave_of_host = {h: wave_of_group[g["id"]] for g in groups for h in g["hosts"]}
    replicated = {h for w in waves if w["action"] == "replicate" for h in w["hosts"]}
    flows = hybrid_flows(graph, wave_of_host, replicated)
    # post-passes over the waves as built: transfer fit, firewall matrix, go/no-go checklist
    transfers = wave_transfers(waves, config)
    matrix = firewall_matrix(graph, flows)
    checklists = build_checklists(graph, facts, groups, waves, transfers, matrix)
    for w in waves:
        w["transfer"] = transfers[w["number"]]
        w["checklist"] = checklists[w["number"]]
    return {
        "schema": SCHEMA,
        "config": {"source": config.source, "shared_infrastructure": config.shared_infrastructure,
                   "wave_capacity": {"servers": config.wave_servers,
                                     "data_bytes": config.wave_data_bytes},
                   "max_tier1_groups_per_wave": config.max_tier1_groups_per_wave,
                   "pilot": {"enabled": config.pilot_enabled,
                             "max_servers": config.pilot_max_servers},
                   "windows": {k: config.window_spec(None if k == "unknown" else int(k)).to_dict()
                               for k in sorted(config.windows)},
                   "transfer": {"bandwidth_mbps": config.bandwidth_mbps,
                                "efficiency": config.efficiency,
                                "window_share": config.window_share}},
        "groups": groups,
        "stays": stays,
        "external": external,
        "waves": waves,
        "hybrid_flows": flows,
        "firewall": matrix,
        "summary": {"groups": len(groups), "waves": len(waves),
                    "moving_hosts": len(moving - replicated),
                    "replicated_hosts": len(replicated),
                    "staying_hosts": len(staying), "external_endpoints": len(external),
                    "hybrid_flows": len(flows), "split_cost": split_cost(flows),
                    "cost": solver_info["cost"], "solver": solver_info,
                    "gap": solver_info["gap"],
                    "firewall_rules": len(matrix),
                    "preseed_waves": sum(1 for t in transfers.values() if t["fits"] is False),
                    # per site: first and last wave, servers moved (multi-site estates)
                    **({"sites": site_summary(waves, host_sites(graph))}
                       if any("sites" in w for w in waves) else {})},
    }
