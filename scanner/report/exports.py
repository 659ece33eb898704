"""Owns ``OUT/export/``: which export formats exist and writing the chosen ones together.

Every file is rendered in memory first; only when all succeeded are they written, each
atomically (``write_atomic``), so a failure leaves the previous exports intact.

========  ==========================================================================
format    files
========  ==========================================================================
json      ``hdscan.json`` (``json_out``)
csv       ``systems.csv``, ``flows.csv``, ``findings.csv``, ``waves.csv``,
          ``firewall-matrix.csv`` (``csv_out``)
graphml   ``hdscan.graphml`` (``graphml_out``)
gexf      ``hdscan.gexf`` (``gexf_out``)
dot       ``hdscan.dot``: the estate map's Graphviz source (``dot``)
md        ``summary.md`` (``markdown_out``)
========  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ScannerError
from ..fileio import write_atomic
from . import csv_out, dot, flat, json_out
from .gexf_out import render_gexf
from .graphml_out import render_graphml
from .i18n import DEFAULT_LANG, catalogue
from .markdown_out import render_markdown

FORMATS = ("json", "csv", "graphml", "gexf", "dot", "md")


def parse_formats(text: str | None) -> list[str]:
    """``"json,csv"`` → ``["json", "csv"]`` (in ``FORMATS`` order); None or empty → all."""
    if not text:
        return list(FORMATS)
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ScannerError(f"unknown export format {', '.join(unknown)} (have: {', '.join(FORMATS)})")
    return [f for f in FORMATS if f in wanted]


def render_exports(g, tags: dict, plan: dict, meta: dict, formats=FORMATS,
                   lang: str = DEFAULT_LANG) -> dict[str, str]:
    """file name → text, for every chosen format (nothing written)."""
    text = catalogue(lang)
    files: dict[str, str] = {}
    tables = flat.tables(g, tags) if {"graphml", "gexf"} & set(formats) else None
    for fmt in formats:
        if fmt == "json":
            files["hdscan.json"] = json_out.dumps(json_out.export(g, tags, plan, meta))
        elif fmt == "csv":
            files |= csv_out.render_csvs(g, tags, plan, lang)
        elif fmt == "graphml":
            files["hdscan.graphml"] = render_graphml(g, tags, tables)
        elif fmt == "gexf":
            files["hdscan.gexf"] = render_gexf(g, tags, f"{text['title']} — {meta.get('estate') or text['unnamed_estate']}", tables)
        elif fmt == "dot":
            files["hdscan.dot"] = dot.estate_dot(g, tags, plan, text)
        elif fmt == "md":
            files["summary.md"] = render_markdown(g, tags, plan, meta, lang)
        else:
            raise ScannerError(f"unknown export format {fmt} (have: {', '.join(FORMATS)})")
    return files


def write_exports(folder: Path, g, tags: dict, plan: dict, meta: dict, formats=FORMATS,
                  lang: str = DEFAULT_LANG) -> list[Path]:
    """Write the chosen exports into ``folder``; returns the paths written, sorted."""
    files = render_exports(g, tags, plan, meta, formats, lang)
    return [write_atomic(Path(folder) / name, files[name]) for name in sorted(files)]
