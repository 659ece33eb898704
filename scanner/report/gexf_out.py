"""Owns ``export/hdscan.gexf``: the dependency graph for Gephi (GEXF 1.3, static, directed).

Namespace ``http://gexf.net/1.3``; node and edge attributes are declared once in
``<attributes>`` with their type (``flat``), values given in ``<attvalues>``; parallel
edges (a flow and a configuration reference between the same two nodes) are told apart by
the edge ``kind``, which GEXF 1.3 allows.  No ``lastmodifieddate``: the file does not carry
the time of the run.
"""

from __future__ import annotations

from . import flat

NS = "http://gexf.net/1.3"
_SCHEMA = "http://gexf.net/1.3/gexf.xsd"
_TYPES = {"boolean": "boolean", "long": "long", "double": "double", "string": "string"}


def _declare(cls: str, types: dict[str, str], skip: set[str]) -> tuple[list[str], dict[str, str]]:
    lines, ids = [f'    <attributes class="{cls}" mode="static">'], {}
    for name, kind in types.items():
        if name in skip:
            continue
        ids[name] = str(len(ids))
        lines.append(f'      <attribute id="{ids[name]}" title={flat.xml_attr(name)} type="{_TYPES[kind]}"/>')
    lines.append("    </attributes>")
    return lines, ids


def _values(cols: dict, ids: dict, types: dict, indent: str) -> list[str]:
    present = [k for k in ids if k in cols]
    if not present:
        return []
    out = [f"{indent}<attvalues>"]
    out += [f'{indent}  <attvalue for="{ids[k]}" value={flat.xml_attr(flat.text_of(cols[k], types[k]))}/>'
            for k in present]
    out.append(f"{indent}</attvalues>")
    return out


def render_gexf(g, tags: dict, description: str = "", tables=None) -> str:
    """The GEXF document as text (``tables``: ``flat.tables(g, tags)`` if already made)."""
    nodes, edges, ntypes, etypes = tables or flat.tables(g, tags)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<gexf xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             f'xsi:schemaLocation="{NS} {_SCHEMA}" version="1.3">',
             "  <meta>", "    <creator>hdscan</creator>",
             f"    <description>{flat.xml_text(description)}</description>", "  </meta>",
             '  <graph defaultedgetype="directed" mode="static">']
    decl, nids = _declare("node", ntypes, {"label"})
    lines += decl
    decl, eids = _declare("edge", etypes, set())
    lines += decl
    lines.append("    <nodes>")
    for node, cols in nodes:
        lines.append(f"      <node id={flat.xml_attr(node)} label={flat.xml_attr(cols['label'])}>")
        lines += _values(cols, nids, ntypes, "        ")
        lines.append("      </node>")
    lines += ["    </nodes>", "    <edges>"]
    for i, (u, v, cols) in enumerate(edges):
        lines.append(f'      <edge id="{i}" source={flat.xml_attr(u)} target={flat.xml_attr(v)} '
                     f'kind={flat.xml_attr(str(cols.get("kind")))}>')
        lines += _values(cols, eids, etypes, "        ")
        lines.append("      </edge>")
    lines += ["    </edges>", "  </graph>", "</gexf>"]
    return "\n".join(lines) + "\n"
