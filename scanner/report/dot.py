"""Owns the Graphviz DOT source of the two report maps: the estate and the migration waves.

DOT is written by hand with one quoting function (``quote``) rather than through the
``graphviz`` package, whose ``quote()`` passes any ``<…>`` string through as an HTML-like
label: names here come from traffic and must always be plain text.  Node ids are short
(``n0``, ``c0``) and given in sorted order, so the same inputs give the same source.

Over ``COLLAPSE_ABOVE`` hosts the estate map draws each site's hosts of one main role as
one node (with its count) and the waves map one node per wave, edges counted between
them, so a 5,000-host estate still gives a readable, quickly laid-out map.
"""

from __future__ import annotations

import re

from . import model

COLLAPSE_ABOVE = 300
MAX_WAVE_EDGES = 60   # collapsed waves map: the heaviest crossings drawn
MAX_WAVE_NODES = 40   # collapsed waves map: past this many waves, runs of waves share a node
LABEL_EDGES_UP_TO = 30  # above, an edge's protocols/ports go to its tooltip, not on the map

FILL = {"health": "#f4a3a3", "personal": "#f9d38c", "none": "#c9def5", None: "#e2e2e2"}
_CLASS_RANK = {"health": 3, "personal": 2, "none": 1, None: 0}
EDGE_STYLE = {
    "flow": 'color="#8a8a8a"',
    "db_link": 'color="#1f5fbf", style=dashed, penwidth=2',
    "config_ref": 'color="#7a3fb0", style=dotted, penwidth=1.5',
}
_CTRL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")  # and what XML does not allow
_MAX_LABELS = 3


def quote(*lines: str) -> str:
    """A DOT double-quoted string showing ``lines`` as plain text, one per line (``&`` is
    written ``&amp;``: Graphviz reads ``&eacute;`` or ``&#1;`` in a label as a character)."""
    parts = []
    for line in lines:
        text = _CTRL.sub(" ", str(line)).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
        parts.append(text)
    return '"' + "\\n".join(parts) + '"'


def _tier_style(tier) -> str:
    if tier == 1:
        return 'shape=doubleoctagon, style=filled, penwidth=2'
    if tier == 2:
        return 'shape=box, style=filled, penwidth=2.5'
    if tier == 3:
        return 'shape=box, style=filled, penwidth=1'
    if tier == 4:
        return 'shape=box, style="filled,dashed", penwidth=1'
    return 'shape=box, style="filled,dotted", penwidth=1'


def _header(name: str, rankdir: str = "LR") -> list[str]:
    return [f"digraph {name} {{",
            f'  graph [rankdir={rankdir}, fontname="Helvetica", fontsize=11, newrank=true, '
            'nodesep=0.25, ranksep=0.6];',
            '  node [fontname="Helvetica", fontsize=9];',
            '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];']


def _edge_label(labels: list[str]) -> str:
    shown = labels[:_MAX_LABELS] + (["…"] if len(labels) > _MAX_LABELS else [])
    return ", ".join(shown)


def _resolved(tags: dict, entity: str) -> dict:
    return (tags.get("resolved", {}) or {}).get(entity, {}) or {}


def _class(tags, entity):
    c = _resolved(tags, entity).get("data_class")
    return c if c in FILL else None


def _endpoint_lines(g, tags, text, ext_ids, ids_of) -> list[str]:
    out = [f"  subgraph cluster_ext {{ label={quote(text['external'])}; style=dashed; "
           'color="#999999"; rank=sink;']
    for e in ext_ids:
        exposed = _resolved(tags, e).get("exposure") == "extraterritorial_cloud"
        colour = 'color="#d00000", fontcolor="#d00000", penwidth=2.5' if exposed else 'color="#777777"'
        name = g.nodes[e].get("name") or e.split(":", 1)[-1]
        out.append(f"    {ids_of[e]} [label={quote(name)}, shape=ellipse, style=filled, "
                   f'fillcolor="#ffffff", {colour}, tooltip={quote(e)}];')
    out.append("  }")
    return out


def estate_dot(g, tags: dict, plan: dict, text: dict) -> str:
    """The dependency map: hosts by site and, inside a site, by application (main role);
    external endpoints at the edge."""
    hosts = model.host_ids(g)
    if len(hosts) > COLLAPSE_ABOVE:
        return _estate_collapsed(g, tags, plan, text, hosts)
    exts = model.endpoint_ids(g)
    ids_of = {n: f"n{i}" for i, n in enumerate(hosts + exts)}
    lines = _header("estate")
    by_site: dict[str, list[str]] = {}
    for h in hosts:
        by_site.setdefault(str(g.nodes[h].get("site") or ""), []).append(h)
    for i, site in enumerate(sorted(by_site)):
        label = site if site else text["site_none"]
        lines.append(f"  subgraph cluster_s{i} {{ label={quote(label)}; style=rounded; "
                     'color="#5b7083";')
        by_app: dict[str, list[str]] = {}
        for h in by_site[site]:
            by_app.setdefault(main_role(tags, h), []).append(h)
        for j, app in enumerate(sorted(by_app)):  # one cluster per application inside the site
            lines.append(f"    subgraph cluster_s{i}_a{j} {{ label={quote(app)}; style=\"rounded,dashed\"; "
                         'color="#b8c2cf"; fontsize=9;')
            for h in by_app[app]:
                r = _resolved(tags, h)
                name = g.nodes[h].get("name") or h.split(":", 1)[-1]
                roles = ", ".join(sorted(str(x) for x in (r.get("role") or []) if x != "unknown"))
                label = quote(name, roles) if roles else quote(name)
                lines.append(f"      {ids_of[h]} [label={label}, {_tier_style(r.get('care_tier'))}, "
                             f'fillcolor="{FILL[_class(tags, h)]}", tooltip={quote(h)}];')
            lines.append("    }")
        lines.append("  }")
    if exts:
        lines += _endpoint_lines(g, tags, text, exts, ids_of)
    where = "label" if len(hosts) <= LABEL_EDGES_UP_TO else "tooltip"
    for e in model.host_edges(g):
        if e["source"] in ids_of and e["target"] in ids_of:
            lines.append(f"  {ids_of[e['source']]} -> {ids_of[e['target']]} "
                         f"[{EDGE_STYLE[e['kind']]}, {where}={quote(_edge_label(e['labels']))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# At scale a host is drawn as its site's share of one role: the first of these it carries
# (care applications first), else its first role, else "other".
ROLE_ORDER = ("DPI", "DPI-DB", "PACS", "RIS", "LIS", "lab-middleware", "EAI", "GAM", "identity",
              "pharmacy", "OR-scheduling", "emergency", "warehouse", "finance", "HR", "backup",
              "directory", "DNS", "file-print", "modality", "lab-analyzer", "workstation")


def main_role(tags: dict, host: str) -> str:
    """The application a host is drawn in at scale and on the interactive map: its first
    role in ``ROLE_ORDER`` (care applications first), else its first role, else ``other``."""
    roles = [str(r) for r in (_resolved(tags, host).get("role") or []) if r != "unknown"]
    for r in ROLE_ORDER:
        if r in roles:
            return r
    return sorted(roles)[0] if roles else "other"


def _estate_collapsed(g, tags, plan, text, hosts) -> str:
    """One node per (site, main role) with its host count; edges counted between them."""
    bucket = {h: (str(g.nodes[h].get("site") or text["site_none"]), main_role(tags, h))
              for h in hosts}
    members: dict[tuple, list[str]] = {}
    for h in hosts:
        members.setdefault(bucket[h], []).append(h)
    exposed = [e for e in model.endpoint_ids(g)
               if _resolved(tags, e).get("exposure") == "extraterritorial_cloud"]
    ids_of = {b: f"c{i}" for i, b in enumerate(sorted(members))}
    ids_of |= {e: f"n{i}" for i, e in enumerate(exposed)}
    lines = _header("estate")
    lines.append(f"  label={quote(text['map_collapsed'].format(limit=COLLAPSE_ABOVE))}; labelloc=t;")
    sites = sorted({b[0] for b in members})
    for i, site in enumerate(sites):
        lines.append(f"  subgraph cluster_s{i} {{ label={quote(site)}; style=rounded; "
                     'color="#5b7083";')
        for b in sorted(x for x in members if x[0] == site):
            worst = max((_class(tags, h) for h in members[b]), key=lambda c: _CLASS_RANK[c])
            tier = min((t for t in (_resolved(tags, h).get("care_tier") for h in members[b])
                        if isinstance(t, int)), default=None)
            lines.append(f"    {ids_of[b]} [label={quote(b[1], f'{len(members[b])} ' + text['hosts_word'])}, "
                         f'{_tier_style(tier)}, fillcolor="{FILL[worst]}"];')
        lines.append("  }")
    if exposed:
        lines += _endpoint_lines(g, tags, text, exposed, ids_of)
    counts: dict[tuple[str, str, str], int] = {}
    for e in model.host_edges(g):
        src = ids_of.get(bucket[e["source"]] if e["source"] in bucket else e["source"])
        dst = ids_of.get(bucket[e["target"]] if e["target"] in bucket else e["target"])
        if src and dst and src != dst:
            counts[(src, dst, e["kind"])] = counts.get((src, dst, e["kind"]), 0) + 1
    for (src, dst, kind), n in sorted(counts.items()):
        lines.append(f"  {src} -> {dst} [{EDGE_STYLE[kind]}, tooltip={quote(str(n))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _waves_collapsed(g, plan, text, hosts) -> str:
    """One node per wave (and one for the hosts that stay), edges counted between them;
    past ``MAX_WAVE_NODES`` waves, one node per run of consecutive waves (dot takes minutes
    to lay out hundreds of chained nodes, and no one reads them in one row)."""
    where = model.placement(plan)
    numbers = sorted({where[h]["wave"] for h in hosts if where.get(h, {}).get("wave") is not None})
    size = -(-len(numbers) // MAX_WAVE_NODES) if numbers else 1
    block = {n: i // size for i, n in enumerate(numbers)}
    span = {}
    for n in numbers:
        span.setdefault(block[n], []).append(n)
    unit = {}
    for h in hosts:
        place = where.get(h, {})
        if place.get("wave") is not None:
            unit[h] = ("w", block[place["wave"]])
        elif place.get("stays") is not None:
            unit[h] = ("stay", 0)
        else:
            unit[h] = ("none", 0)
    order = sorted({u for u in unit.values() if u[0] == "w"}, key=lambda u: u[1])
    order += [u for u in (("stay", 0), ("none", 0)) if u in set(unit.values())]
    ids_of = {u: f"n{i}" for i, u in enumerate(order)}
    names = {w.get("number"): w.get("name") for w in model.waves(plan)}
    sizes: dict[tuple, int] = {}
    for h in hosts:
        sizes[unit[h]] = sizes.get(unit[h], 0) + 1
    lines = _header("waves")
    lines.append(f"  label={quote(text['map_collapsed'].format(limit=COLLAPSE_ABOVE))}; labelloc=t;")
    for u in order:
        count = sizes[u]
        if u[0] == "w" and len(span[u[1]]) > 1:
            label = f"{text['wave']} {span[u[1]][0]}–{span[u[1]][-1]}"
        elif u[0] == "w":
            n = span[u[1]][0]
            label = f"{text['wave']} {n}" + (f" — {names[n]}" if names.get(n) else "")
        if u[0] == "w":
            style = 'shape=box, style="rounded,filled", fillcolor="#e4f1e8", color="#2b6a3f"'
        else:
            label = text["stays_cluster"] if u[0] == "stay" else text["unplanned"]
            style = 'shape=box, style="rounded,dashed", color="#888888"'
        lines.append(f"  {ids_of[u]} [label={quote(label, f'{count} ' + text['hosts_word'])}, {style}];")
    for a, b in zip(order, order[1:]):
        lines.append(f"  {ids_of[a]} -> {ids_of[b]} [style=invis, weight=10];")
    counts: dict[tuple, int] = {}
    for e in model.host_edges(g):
        if e["source"] in unit and e["target"] in unit and unit[e["source"]] != unit[e["target"]]:
            key = (unit[e["source"]], unit[e["target"]])
            counts[key] = counts.get(key, 0) + 1
    # Dot's layout time grows steeply with non-constraining edges: draw the heaviest
    # crossings only; the tables of the report list every hybrid flow.
    heaviest = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_WAVE_EDGES]
    for (a, b), n in sorted(heaviest):
        lines.append(f"  {ids_of[a]} -> {ids_of[b]} [color=\"#d00000\", penwidth=1.5, "
                     f"constraint=false, tooltip={quote(str(n))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def waves_dot(g, tags: dict, plan: dict, text: dict) -> str:
    """The waves map: one cluster per wave in order, staying hosts apart, crossings in red."""
    hosts = model.host_ids(g)
    if len(hosts) > COLLAPSE_ABOVE:
        return _waves_collapsed(g, plan, text, hosts)
    where = model.placement(plan)
    unit = {h: h for h in hosts}

    def column(h):
        place = where.get(h, {})
        if place.get("wave") is not None:
            return ("w", place["wave"])
        if place.get("stays") is not None:
            return ("stay", 0)
        return ("none", 0)

    units: dict[str, tuple] = {}
    for h in hosts:
        units.setdefault(unit[h], column(h))
    ids_of = {u: f"n{i}" for i, u in enumerate(sorted(units))}
    columns: dict[tuple, list[str]] = {}
    for u, col in units.items():
        columns.setdefault(col, []).append(u)
    names = {w.get("number"): w.get("name") for w in model.waves(plan)}
    order = sorted((c for c in columns if c[0] == "w"), key=lambda c: c[1])
    order += [c for c in (("stay", 0), ("none", 0)) if c in columns]
    lines = _header("waves")
    for i, col in enumerate(order):
        if col[0] == "w":
            label = f"{text['wave']} {col[1]}" + (f" — {names[col[1]]}" if names.get(col[1]) else "")
            style = 'style=rounded; color="#2b6a3f"'
        else:
            label = text["stays_cluster"] if col[0] == "stay" else text["unplanned"]
            style = 'style="rounded,dashed"; color="#888888"'
        lines.append(f"  subgraph cluster_w{i} {{ label={quote(label)}; {style}; rank=same;")
        for u in sorted(columns[col]):
            r = _resolved(tags, u)
            name = g.nodes[u].get("name") or u.split(":", 1)[-1]
            lines.append(f"    {ids_of[u]} [label={quote(name)}, {_tier_style(r.get('care_tier'))}, "
                         f'fillcolor="{FILL[_class(tags, u)]}", tooltip={quote(u)}];')
        lines.append("  }")
    # invisible chain: one column per wave (rank=same), left to right in plan order
    firsts = [ids_of[sorted(columns[col])[0]] for col in order]
    for a, b in zip(firsts, firsts[1:]):
        lines.append(f"  {a} -> {b} [style=invis, weight=10];")
    seen = set()
    for e in model.host_edges(g):
        if e["source"] not in unit or e["target"] not in unit:
            continue
        a, b = unit[e["source"]], unit[e["target"]]
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        crossing = units[a] != units[b]
        style = 'color="#d00000", penwidth=2' if crossing else 'color="#b0b0b0"'
        lines.append(f"  {ids_of[a]} -> {ids_of[b]} [{style}, constraint=false];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- one map per application and per wave (drawn in one batch, see svg.render_many) -------

DETAIL_UP_TO = 40   # on a focused map, up to this many hosts drawn one by one, above per group
GROUPS_UP_TO = 60   # ... and up to this many (place, group) nodes, above one node per place
NEIGHBOURS_UP_TO = 25  # neighbours drawn one by one up to this, above one node per application
CROSSING = 'color="#d00000", penwidth=2.2'


def applications(g, tags: dict) -> dict[str, list[str]]:
    """application (main role) → its hosts, sorted."""
    apps: dict[str, list[str]] = {}
    for h in model.host_ids(g):
        apps.setdefault(main_role(tags, h), []).append(h)
    return dict(sorted(apps.items()))


def _host_node(g, tags, node_id, h, extra="") -> str:
    r = _resolved(tags, h)
    name = g.nodes[h].get("name") or h.split(":", 1)[-1]
    return (f"    {node_id} [label={quote(name)}, {_tier_style(r.get('care_tier'))}, "
            f'fillcolor="{FILL[_class(tags, h)]}", tooltip={quote(h)}{extra}];')


def edge_index(g) -> dict[str, list[dict]]:
    """node → the host-level edges touching it (``model.host_edges`` computed once)."""
    index: dict[str, list[dict]] = {}
    for e in model.host_edges(g):
        index.setdefault(e["source"], []).append(e)
        index.setdefault(e["target"], []).append(e)
    return index


def _focus_dot(name, g, tags, text, focus: list[str], place_of, cluster_label, crossing_between,
               group_of, index, whole: str) -> str:
    """A map of ``focus`` hosts and their direct neighbours.

    ``place_of(node)`` gives each node's cluster key; ``cluster_label(key)`` its label;
    ``crossing_between(a, b)`` says whether an edge between two cluster keys is drawn red;
    ``group_of(host)`` names the node a focus host is drawn in when they are many.
    Above ``DETAIL_UP_TO`` focus hosts they are drawn one node per (cluster, group), and
    past ``GROUPS_UP_TO`` such nodes one per cluster, labelled ``whole`` (the "other"
    application of a 5,000-server estate: 4,690 hosts in 1,080 move groups, a map 19 m
    tall); above ``NEIGHBOURS_UP_TO`` neighbours, one node per (cluster, application).
    """
    focus_set = set(focus)
    per_place = len(focus) > DETAIL_UP_TO and len({(place_of(h), group_of(h)) for h in focus}) > GROUPS_UP_TO
    index = edge_index(g) if index is None else index
    picked = {(e["source"], e["target"], e["kind"]): e for h in focus for e in index.get(h, [])}
    edges = [picked[k] for k in sorted(picked)]
    neighbours = sorted({n for e in edges for n in (e["source"], e["target"])} - focus_set)
    unit: dict[str, tuple] = {}
    for h in focus:
        if len(focus) <= DETAIL_UP_TO:
            unit[h] = (place_of(h), h)
        else:
            unit[h] = (place_of(h), "group", whole if per_place else group_of(h))
    for n in neighbours:
        if len(neighbours) <= NEIGHBOURS_UP_TO or g.nodes[n].get("kind") != "host":
            unit[n] = (place_of(n), n)
        else:
            unit[n] = (place_of(n), "app", main_role(tags, n))
    members: dict[tuple, list[str]] = {}
    for n, u in unit.items():
        members.setdefault(u, []).append(n)
    ids_of = {u: f"n{i}" for i, u in enumerate(sorted(members, key=str))}
    lines = _header(name)
    for i, key in enumerate(sorted({u[0] for u in members}, key=str)):
        lines.append(f"  subgraph cluster_{i} {{ label={quote(cluster_label(key))}; style=rounded; "
                     'color="#5b7083";')
        for u in sorted((u for u in members if u[0] == key), key=str):
            nodes = members[u]
            if len(u) == 2 and u[1] in g:
                node = u[1]
                extra = ", penwidth=3" if node in focus_set else ""
                if g.nodes[node].get("kind") == "host":
                    lines.append(_host_node(g, tags, ids_of[u], node, extra))
                else:
                    label = g.nodes[node].get("name") or node.split(":", 1)[-1]
                    lines.append(f"    {ids_of[u]} [label={quote(label)}, shape=ellipse, tooltip={quote(node)}];")
            else:
                worst = max((_class(tags, h) for h in nodes), key=lambda c: _CLASS_RANK[c])
                lines.append(f"    {ids_of[u]} [label={quote(u[2], f'{len(nodes)} ' + text['hosts_word'])}, "
                             f'shape=box, style="rounded,filled", fillcolor="{FILL[worst]}"];')
        lines.append("  }")
    seen: dict[tuple, int] = {}
    for e in edges:
        a, b = unit.get(e["source"]), unit.get(e["target"])
        if a is None or b is None or a == b:
            continue
        seen[(a, b)] = seen.get((a, b), 0) + 1
    for (a, b), n in sorted(seen.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        style = CROSSING if crossing_between(a[0], b[0]) else 'color="#8a8a8a"'
        lines.append(f"  {ids_of[a]} -> {ids_of[b]} [{style}, tooltip={quote(str(n))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def app_dot(g, tags: dict, plan: dict, text: dict, app: str, hosts: list[str], index=None, where=None) -> str:
    """One application's hosts by site, with the hosts they depend on or serve."""
    where = model.placement(plan) if where is None else where

    def site(n):
        if g.nodes[n].get("kind") == "endpoint":
            return text["external"]
        return str(g.nodes[n].get("site") or text["site_none"])

    return _focus_dot("app", g, tags, text, hosts, site, lambda key: key, lambda a, b: a != b,
                      lambda h: str(where.get(h, {}).get("group") or app), index, app)


def wave_dot(g, tags: dict, plan: dict, text: dict, number: int, after: bool, index=None, where=None) -> str:
    """One wave's hosts and neighbours before (``after`` False) or after the wave moves:
    on site, at the target or outside; dependencies between two places in red."""
    where = model.placement(plan) if where is None else where
    wave = next(w for w in model.waves(plan) if w.get("number") == number)
    hosts = sorted(h for h in wave.get("hosts", []) or [] if h in g)

    def place(n):
        if g.nodes[n].get("kind") == "endpoint":
            return "ext"
        w = where.get(n, {}).get("wave")
        if w is None:
            return "site"
        return "target" if (w < number or (after and w == number)) else "site"

    labels = {"site": text["map_on_site"], "target": text["map_target"], "ext": text["external"]}
    return _focus_dot("wave", g, tags, text, hosts, place, lambda key: labels[key],
                      lambda a, b: {a, b} == {"site", "target"},
                      lambda h: str(where.get(h, {}).get("group") or ""), index,
                      f"{text['wave']} {number}")
