"""Owns the plan room: classified graph → move groups → waves → hybrid flows (plan.json).

``build_plan(graph, tags, config)`` is the only entry point (``config`` None means the
defaults of ``scanner.plan.config.PlanConfig``).  The output is deterministic: lists are
sorted, ids come from ``scanner.model.ids``, and nothing depends on the current time.
The algorithm and every reason kind are described in docs/planner.md.
"""

from __future__ import annotations

from ..errors import PlanError
from .config import PlanConfig
from .groups import build_groups
from .hosts import decide_stays, host_facts
from .hybrid import hybrid_flows, split_cost
from .joins import find_links
from .waves import plan_waves

SCHEMA = "hdscan-plan/1"


def build_plan(graph, tags: dict, config: PlanConfig | None = None) -> dict:
    """The plan.json dict for a classified graph.

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
    waves, wave_of_group = plan_waves(graph, groups, config, staying, set(facts), links.follows)
    wave_of_host = {h: wave_of_group[g["id"]] for g in groups for h in g["hosts"]}
    replicated = {h for w in waves if w["action"] == "replicate" for h in w["hosts"]}
    flows = hybrid_flows(graph, wave_of_host, replicated)
    return {
        "schema": SCHEMA,
        "config": {"source": config.source, "shared_infrastructure": config.shared_infrastructure,
                   "wave_capacity": {"servers": config.wave_servers,
                                     "data_bytes": config.wave_data_bytes},
                   "max_tier1_groups_per_wave": config.max_tier1_groups_per_wave,
                   "pilot": {"enabled": config.pilot_enabled,
                             "max_servers": config.pilot_max_servers}},
        "groups": groups,
        "stays": stays,
        "external": external,
        "waves": waves,
        "hybrid_flows": flows,
        "summary": {"groups": len(groups), "waves": len(waves),
                    "moving_hosts": len(moving - replicated),
                    "replicated_hosts": len(replicated),
                    "staying_hosts": len(staying), "external_endpoints": len(external),
                    "hybrid_flows": len(flows), "split_cost": split_cost(flows)},
    }
