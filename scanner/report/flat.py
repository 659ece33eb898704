"""Owns flattening graph attributes into typed scalar columns for the GraphML and GEXF exports.

Graph tools want one scalar per attribute: lists are joined with ``"; "``, ``facts`` become
one column per fact (``facts.hl7.message_types``), a node's resolved classification from
``tags.json`` becomes ``tag.role``, ``tag.data_class``…, and ``label`` is the node's name.
Each column gets one type for the whole file: ``boolean`` when every value is a bool,
``long`` when every value is an integer, ``double`` when numbers mix, else ``string``.
Control characters (not allowed in XML 1.0) are replaced by spaces.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

JOIN = "; "
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _XML_BAD.sub(" ", text)


@lru_cache(maxsize=1 << 16)
def xml_attr(text: str) -> str:
    """``text`` cleaned and quoted as an XML attribute value (cached: ids, kinds and
    values repeat across the hundreds of thousands of rows of a 5,000-server graph)."""
    return quoteattr(clean(text))


@lru_cache(maxsize=1 << 16)
def xml_text(text: str) -> str:
    """``text`` cleaned and escaped as XML character data (cached, as ``xml_attr``)."""
    return escape(clean(text))


def _scalar(value):
    if isinstance(value, (list, tuple, set)):
        return JOIN.join(str(v) for v in value)
    if isinstance(value, dict):
        return JOIN.join(f"{k}={_scalar(v)}" for k, v in sorted(value.items()))
    return value


def flatten(attrs: dict, resolved: dict | None = None) -> dict:
    """Scalar columns of one node or edge (``None`` values dropped)."""
    out = {}
    for key, value in attrs.items():
        if key == "facts" and isinstance(value, dict):
            for fact, values in value.items():
                out[f"facts.{fact}"] = _scalar(values)
        else:
            out[key] = _scalar(value)
    for dim, value in (resolved or {}).items():
        out[f"tag.{dim}"] = _scalar(value)
    return {k: v for k, v in out.items() if v is not None}


def column_types(rows: list[dict]) -> dict[str, str]:
    """Column name → ``boolean`` | ``long`` | ``double`` | ``string``, sorted by name."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        for k, v in row.items():
            t = ("boolean" if isinstance(v, bool) else "long" if isinstance(v, int)
                 else "double" if isinstance(v, float) else "string")
            seen.setdefault(k, set()).add(t)
    types = {}
    for k in sorted(seen):
        kinds = seen[k]
        if len(kinds) == 1:
            types[k] = kinds.pop()
        elif kinds <= {"long", "double"}:
            types[k] = "double"
        else:
            types[k] = "string"
    return types


def text_of(value, kind: str) -> str:
    """The text of a value in a column of type ``kind``."""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    return clean(str(value))


def node_rows(g, tags: dict) -> list[tuple[str, dict]]:
    """(node id, columns) for every node, sorted by id; ``label`` is the node's name."""
    resolved = tags.get("resolved", {}) or {}
    rows = []
    for node in sorted(g.nodes):
        attrs = dict(g.nodes[node])
        cols = flatten(attrs, resolved.get(node))
        cols["label"] = str(attrs.get("name") or node.split(":", 1)[-1])
        rows.append((node, cols))
    return rows


def edge_rows(g) -> list[tuple[str, str, dict]]:
    """(source, target, columns) for every edge, sorted (source, target, kind, columns)."""
    rows = [(u, v, flatten(dict(attrs) | {"kind": attrs.get("kind", key)}))
            for u, v, key, attrs in g.edges(keys=True, data=True)]
    return sorted(rows, key=lambda r: (r[0], r[1], str(r[2].get("kind")), sorted(map(str, r[2].items()))))


def tables(g, tags: dict):
    """``(node rows, edge rows, node column types, edge column types)`` of a graph."""
    nodes = node_rows(g, tags)
    edges = edge_rows(g)
    return nodes, edges, column_types([c for _, c in nodes]), column_types([c for _, _, c in edges])
