"""Owns the positions of the interactive map: a deterministic, linear-time cluster layout.

Hosts are grouped by site, then by application (their main role, as on the Graphviz maps);
inside an application the hosts sit on a sunflower spiral, applications are packed in
rows inside their site's box, and sites in rows on the page, the external endpoints last.
No randomness and no iteration: the same hosts give the same coordinates, and 5,000 hosts
are placed in milliseconds (a force layout would be quadratic and seed-dependent).
"""

from __future__ import annotations

import math

SPACING = 14.0          # distance between neighbouring hosts on a spiral
PAD = 18.0              # inside a cluster, around its content
LABEL = 16.0            # room above a cluster for its label
_GOLDEN = math.pi * (3 - math.sqrt(5))


def spiral(n: int) -> tuple[list[tuple[float, float]], float]:
    """``n`` points on a sunflower spiral around (0, 0) and the radius that holds them."""
    points = []
    for k in range(n):
        r = SPACING * math.sqrt(k + 0.5) * 0.62
        a = k * _GOLDEN
        points.append((r * math.cos(a), r * math.sin(a)))
    radius = SPACING * math.sqrt(n + 0.5) * 0.62 + SPACING * 0.6
    return points, radius


def shelf(sizes: list[tuple[float, float]], max_width: float) -> tuple[list[tuple[float, float]], float, float]:
    """Top-left corners placing boxes of ``sizes`` in rows no wider than ``max_width``
    (a box wider than that gets a row of its own); returns (corners, width, height)."""
    corners, x, y, row_h, width = [], 0.0, 0.0, 0.0, 0.0
    for w, h in sizes:
        if x > 0 and x + w > max_width:
            x, y, row_h = 0.0, y + row_h + PAD, 0.0
        corners.append((x, y))
        x += w + PAD
        row_h = max(row_h, h)
        width = max(width, x - PAD)
    return corners, width, y + row_h


def layout(clusters: dict[str, dict[str, list[str]]]) -> tuple[dict[str, tuple[float, float]], list[dict]]:
    """Positions for ``{site: {application: [node ids]}}`` (every level sorted here).

    Returns ``(positions, boxes)``: node id → (x, y), and one box per site
    (``{"kind": "site", "label", "x", "y", "w", "h"}``) and per application
    (``{"kind": "app", "label", "site", "x", "y", "r"}``, a circle).
    """
    site_parts = []
    for site in sorted(clusters):
        apps = []
        for app in sorted(clusters[site]):
            members = sorted(clusters[site][app])
            points, radius = spiral(len(members))
            apps.append((app, members, points, radius))
        sizes = [(2 * r, 2 * r + LABEL) for _, _, _, r in apps]
        total = sum(w * h for w, h in sizes)
        corners, w, h = shelf(sizes, max(math.sqrt(total) * 1.6, max((s[0] for s in sizes), default=0)))
        site_parts.append((site, apps, corners, w + 2 * PAD, h + 2 * PAD + LABEL))
    total = sum(w * h for *_, w, h in site_parts)
    widest = max((w for *_, w, _ in site_parts), default=0.0)
    site_corners, _, _ = shelf([(w, h) for *_, w, h in site_parts], max(math.sqrt(total) * 1.8, widest))
    positions: dict[str, tuple[float, float]] = {}
    boxes: list[dict] = []
    for (site, apps, corners, w, h), (sx, sy) in zip(site_parts, site_corners):
        boxes.append({"kind": "site", "label": site, "x": _r(sx), "y": _r(sy), "w": _r(w), "h": _r(h)})
        for (app, members, points, radius), (ax, ay) in zip(apps, corners):
            cx = sx + PAD + ax + radius
            cy = sy + PAD + LABEL + ay + LABEL + radius
            boxes.append({"kind": "app", "label": app, "site": site, "x": _r(cx), "y": _r(cy), "r": _r(radius)})
            for node, (px, py) in zip(members, points):
                positions[node] = (_r(cx + px), _r(cy + py))
    return positions, boxes


def _r(v: float) -> float:
    return round(v, 1)
