"""Owns per-dimension resolution, manual assertions and the ``resolved`` roll-up.

``max`` takes the highest value in the dimension's declared order (``none < personal <
health``; ``4 < 3 < 2 < 1``); ``union`` keeps every value, in declared order.  A host's
entry includes its services' and databases' tags; a service or database inherits its
host's own tags.  A manual assertion on the entity itself wins for its dimension.
"""

from __future__ import annotations

from ..errors import InputError, SourceLocation
from .views import rollup_members

MANUAL = "manual"


def order_key(dimension, value) -> int:
    """Index of ``value`` in the dimension's declared order (unknown values last)."""
    values = [str(v) for v in dimension.values]
    return values.index(str(value)) if str(value) in values else len(values)


def combine(dimension, values):
    """Resolve a set of values for one dimension; None/[] when there are none."""
    values = sorted(set(values), key=lambda v: order_key(dimension, v))
    if dimension.resolve == "union":
        return values
    return values[-1] if values else None


def resolve_entity(g, entity: str, dims: dict, own: dict) -> dict:
    """The resolved entry of one entity from ``own[entity][dimension] -> {value: is_manual}``."""
    members = rollup_members(g, entity)
    out = {}
    for name in sorted(dims):
        dim = dims[name]
        mine = own.get(entity, {}).get(name, {})
        manual = [v for v, is_manual in mine.items() if is_manual]
        if manual:
            out[name] = combine(dim, manual)
            continue
        values = [v for m in members for v in own.get(m, {}).get(name, {})]
        got = combine(dim, values)
        if got is None or got == []:
            got = list(dim.default) if isinstance(dim.default, list) else dim.default
        out[name] = got
    return out


def manual_tags(assertions, g, dims: dict) -> tuple[list, list]:
    """Tags (rule ``manual``) from estate.yml assertions, and entity ids not in the graph.

    Raises
    ------
    InputError
        An assertion sets an undeclared dimension or value.
    """
    tags, unknown = [], []
    for i, a in enumerate(assertions or ()):
        where = SourceLocation("estate.yml", f"assertions[{i}]")
        entity = str(a.get("entity", ""))
        for key in ("entity", "set", "author", "reason"):
            if not a.get(key):
                raise InputError(f"a manual assertion needs '{key}'", where)
        if entity not in g:
            unknown.append((entity, a))
            continue
        for name in sorted(a["set"]):
            if name not in dims:
                raise InputError(f"assertion sets unknown dimension '{name}'", where)
            values = a["set"][name] if isinstance(a["set"][name], list) else [a["set"][name]]
            for value in values:
                declared = {str(v): v for v in dims[name].values}
                if str(value) not in declared:
                    raise InputError(f"assertion sets unknown value '{value}' for '{name}'", where)
                tags.append({"entity": entity, "dimension": name, "value": declared[str(value)],
                             "rule": MANUAL, "confidence": "high",
                             "because": f"asserted by {a['author']}: {a['reason']}",
                             "author": str(a["author"]), "reason": str(a["reason"]),
                             "evidence": [], "via": None})
    return tags, unknown
