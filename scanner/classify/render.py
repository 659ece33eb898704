"""Owns rendering a rule's ``because:`` sentence from the entity it matched.

Placeholders are ``{field}``, ``{field|count}`` and ``{graph.<relation>|count}``; the
loader has already refused anything outside the field vocabulary, so a sentence can
never carry a value the privacy allow-list does not know.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_VALUES = 5


def _join(values: list) -> str:
    if not values:
        return "none"
    shown = [str(v) for v in values[:MAX_VALUES]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def render_because(template: str, view) -> str:
    """Fill ``template`` from ``view``; one line, whitespace collapsed."""
    def fill(m):
        parts = [p.strip() for p in m.group(1).split("|")]
        name, count = parts[0], "count" in parts[1:]
        if name.startswith("graph."):
            return str(len(view.neighbours(name[len("graph."):])))
        values = view.get(name)
        return str(len(values)) if count else _join(values)
    return " ".join(_PLACEHOLDER.sub(fill, template).split())
