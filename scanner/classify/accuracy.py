"""Owns measuring a classification against a truth file: precision and recall per dimension.

A classification is a set of (host, value) pairs per dimension: one pair per host for the
single-valued dimensions (data_class, care_tier, hosting, exposure), one per role for
``role``.  A null value is no pair (nothing claimed, nothing to find), ``role: unknown``
claims nothing.  Precision is the share of claimed pairs the truth holds, recall the share
of true pairs claimed.  Nothing is excused: a role the truth calls undetectable still
counts as missed.  Used by the accuracy test, which publishes the figures in
docs/rules-accuracy.md.
"""

from __future__ import annotations

from ..model import ids

DIMENSIONS = ("role", "data_class", "care_tier", "hosting", "exposure")


def _pairs(entries: dict, dim: str) -> set:
    out = set()
    for host, entry in entries.items():
        value = entry.get("roles" if dim == "role" and "roles" in entry else dim)
        values = value if isinstance(value, list) else [value]
        out |= {(host, str(v)) for v in values if v is not None and not (dim == "role" and v == "unknown")}
    return out


def measure(resolved: dict, truth_hosts: dict) -> dict:
    """Precision and recall per dimension of ``resolved`` (tags.json) against truth.yml hosts.

    Returns
    -------
    dict
        ``{dimension: {"precision", "recall", "claimed", "true", "correct", "missed": [..],
        "wrong": [..]}}``; hosts hdscan did not see count as missed.
    """
    got = {h: resolved.get(ids.host_id(h), {}) for h in truth_hosts}
    out = {}
    for dim in DIMENSIONS:
        claimed, true = _pairs(got, dim), _pairs(truth_hosts, dim)
        correct = claimed & true
        out[dim] = {"precision": len(correct) / len(claimed) if claimed else 1.0,
                    "recall": len(correct) / len(true) if true else 1.0,
                    "claimed": len(claimed), "true": len(true), "correct": len(correct),
                    "missed": sorted(true - claimed), "wrong": sorted(claimed - true)}
    return out


def markdown_table(figures: dict) -> str:
    """The figures as the Markdown table docs/rules-accuracy.md carries."""
    lines = ["| dimension | precision | recall | claimed | true | correct |",
             "|---|---|---|---|---|---|"]
    for dim in DIMENSIONS:
        f = figures[dim]
        lines.append(f"| {dim} | {f['precision']:.3f} | {f['recall']:.3f} | {f['claimed']} | "
                     f"{f['true']} | {f['correct']} |")
    return "\n".join(lines)
