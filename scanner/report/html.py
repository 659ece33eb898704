"""Owns ``report/index.html``: one self-contained, offline HTML file with the maps inlined.

Everything is computed in memory first (view rows, DOT, SVG, HTML); files are written only
once all of it succeeded, each through ``write_atomic``, ``index.html`` last, so a failure
leaves the previous report intact.  The template and CSS live in the top-level
``reports/`` folder; Jinja2 runs with autoescaping and ``StrictUndefined``, and the only
markup passed through unescaped is the SVG Graphviz produced from quoted DOT text.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from ..fileio import write_atomic
from ..resources import data_dir
from . import dot, model
from .i18n import DEFAULT_LANG, catalogue
from .svg import render_svg

TEMPLATE = "report.html.j2"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_html(g, tags: dict, plan: dict, meta: dict, estate_svg: str, waves_svg: str,
                lang: str = DEFAULT_LANG) -> str:
    """The report page as text (nothing written)."""
    text = catalogue(lang)
    view = {
        "t": text,
        "summary": model.summary(g, tags, plan, lang),
        "systems": model.systems(g, tags, plan, lang),
        "findings": model.findings(tags, lang),
        "waves": model.wave_rows(plan, lang),
        "stays": model.stay_rows(plan),
        "hybrid": model.hybrid_rows(plan),
        "external": model.external_rows(plan),
        "meta": model.provenance(meta),
        "collapsed": len(model.host_ids(g)) > dot.COLLAPSE_ABOVE,
        "collapse_limit": dot.COLLAPSE_ABOVE,
        "estate_svg": Markup(estate_svg),
        "waves_svg": Markup(waves_svg),
    }
    return _environment().get_template(TEMPLATE).render(**view)


def write_report(out: Path, g, tags: dict, plan: dict, meta: dict, lang: str = DEFAULT_LANG) -> Path:
    """Write ``out/report/index.html`` and the maps beside it (``estate``/``waves`` .dot, .svg).

    Returns the path of ``index.html``.

    Raises
    ------
    ScannerError
        If Graphviz is missing or fails; no file is written then.
    """
    folder = Path(out) / "report"
    text = catalogue(lang)
    sources = {"estate": dot.estate_dot(g, tags, plan, text), "waves": dot.waves_dot(g, tags, plan, text)}
    svgs = {name: render_svg(src) for name, src in sources.items()}
    page = render_html(g, tags, plan, meta, svgs["estate"], svgs["waves"], lang)
    for name in sorted(sources):
        write_atomic(folder / f"{name}.dot", sources[name])
        write_atomic(folder / f"{name}.svg", svgs[name])
    return write_atomic(folder / "index.html", page)
