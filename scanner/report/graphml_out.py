"""Owns ``export/hdscan.graphml``: the dependency graph for yEd and Gephi.

GraphML 1.0 (namespace ``http://graphml.graphdrawing.org/xmlns``), one directed graph with
parallel edges; every node and edge attribute is declared as a typed ``<key>`` (see
``flat``), keys and nodes sorted so the file is deterministic.  Written by hand with XML
escaping rather than through networkx, whose writer refuses lists and dicts.
"""

from __future__ import annotations

from . import flat

NS = "http://graphml.graphdrawing.org/xmlns"
_SCHEMA = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"


def _keys(domain: str, prefix: str, types: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    lines, ids = [], {}
    for i, (name, kind) in enumerate(types.items()):
        ids[name] = f"{prefix}{i}"
        lines.append(f'  <key id="{prefix}{i}" for="{domain}" attr.name={flat.xml_attr(name)} '
                     f'attr.type="{kind}"/>')
    return lines, ids


def _data(cols: dict, ids: dict, types: dict, indent: str) -> list[str]:
    return [f'{indent}<data key="{ids[k]}">{flat.xml_text(flat.text_of(cols[k], types[k]))}</data>'
            for k in types if k in cols]


def render_graphml(g, tags: dict, tables=None) -> str:
    """The GraphML document as text (``tables``: ``flat.tables(g, tags)`` if already made)."""
    nodes, edges, ntypes, etypes = tables or flat.tables(g, tags)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<graphml xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             f'xsi:schemaLocation="{NS} {_SCHEMA}">']
    key_lines, nids = _keys("node", "n", ntypes)
    lines += key_lines
    key_lines, eids = _keys("edge", "e", etypes)
    lines += key_lines
    lines.append('  <graph id="hdscan" edgedefault="directed">')
    for node, cols in nodes:
        lines.append(f"    <node id={flat.xml_attr(node)}>")
        lines += _data(cols, nids, ntypes, "      ")
        lines.append("    </node>")
    for i, (u, v, cols) in enumerate(edges):
        lines.append(f'    <edge id="e{i}" source={flat.xml_attr(u)} target={flat.xml_attr(v)}>')
        lines += _data(cols, eids, etypes, "      ")
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
