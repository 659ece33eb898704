"""Owns ``report/index.html``: one self-contained, offline HTML file with the maps inlined.

Everything is computed in memory first (view rows, map data, DOT, SVG, HTML); files are
written only once all of it succeeded, each through ``write_atomic``, ``index.html`` last,
so a failure leaves the previous report intact.  The template, CSS and map script live in
the top-level ``reports/`` folder; Jinja2 runs with autoescaping and ``StrictUndefined``,
and the only markup passed through unescaped is the SVG Graphviz produced from quoted DOT
text, the map script, and the map data made safe by ``mapdata.script_json``.

Besides the two overview maps, one map per application and two per wave (before and
after it moves) are drawn in two Graphviz runs.  Each is written once: inlined (in a
``<template>`` element the page shows on demand) while their total stays under
``INLINE_BUDGET`` bytes, else a file under ``report/maps/`` the page links to; so the
sample estate's report is one file, and a 5,000-server report folder stays near 15 MB
(docs/report.md, "Scale").
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..fileio import write_atomic
from ..plan.messages import localize_plan
from ..resources import data_dir
from . import dot, model
from .i18n import DEFAULT_LANG, catalogue
from .mapdata import map_data, script_json
from .sites import site_view
from .svg import render_many, render_svg
from .tables import firewall_table, inputs_table, systems_table, waves_table

TEMPLATE = "report.html.j2"
SCRIPT = "map.js"
TABLES_SCRIPT = "tables.js"
MAPS = "maps"
INLINE_BUDGET = 4_000_000


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "x"


def focus_sources(g, tags: dict, plan: dict, text: dict) -> dict[str, list[dict]]:
    """The DOT source of every application map and of every wave's before/after maps, with
    the file name each is written to (``maps/app-01-DPI.svg``, ``maps/wave-003-after.svg``).
    Every wave with a host in the graph is drawn: at 5,000 servers (514 waves, 1,028 wave
    maps) ``dot`` takes about 20 s on two cores (docs/report.md, "Scale")."""
    index = dot.edge_index(g)
    where = model.placement(plan)
    apps = []
    for i, (app, hosts) in enumerate(dot.applications(g, tags).items()):
        apps.append({"name": app, "hosts": len(hosts), "file": f"{MAPS}/app-{i:02d}-{_slug(app)}.svg",
                     "dot": dot.app_dot(g, tags, plan, text, app, hosts, index, where)})
    waves = []
    drawn = [w for w in model.waves(plan)
             if isinstance(w.get("number"), int) and any(h in g for h in w.get("hosts", []) or [])]
    for w in drawn:
        n = w["number"]
        for after in (False, True):
            stage = "after" if after else "before"
            waves.append({"number": str(n), "name": str(w.get("name") or ""), "stage": stage,
                          "file": f"{MAPS}/wave-{n:03d}-{stage}.svg",
                          "dot": dot.wave_dot(g, tags, plan, text, n, after, index, where)})
    return {"apps": apps, "waves": waves}


def _inline(maps: list[dict], budget: int) -> int:
    """Mark maps ``inline`` in order while their SVGs fit in ``budget``; returns what is left."""
    for m in maps:
        m["inline"] = len(m["svg"]) <= budget
        if m["inline"]:
            budget -= len(m["svg"])
    return budget


def _pairs(waves: list[dict]) -> list[dict]:
    """Wave maps paired: one entry per wave with its ``before`` and ``after`` map."""
    out: dict[str, dict] = {}
    for m in waves:
        out.setdefault(m["number"], {"number": m["number"], "name": m["name"]})[m["stage"]] = m
    return list(out.values())


def report_model(g, tags: dict, plan: dict, meta: dict, lang: str = DEFAULT_LANG,
                 focus: dict | None = None, changes: dict | None = None) -> dict:
    """The data the template renders, JSON-ready (no markup): what the golden files pin.
    ``focus`` is ``focus_sources`` (file names and DOT only are kept here); ``changes`` is
    the ``hdscan-diff/1`` document against a previous collection (``--compare``), or None."""
    focus = focus or {"apps": [], "waves": []}
    plan = localize_plan(plan, lang)        # the planner's sentences in the report's language
    return {
        "summary": model.summary(g, tags, plan, lang),
        "sites": site_view(g, tags, plan, lang),
        "changes": changes,
        "timeline": model.timeline(plan, lang),
        "systems": model.systems(g, tags, plan, lang),
        "findings": model.findings(tags, lang),
        "waves": model.wave_rows(plan, lang),
        "stays": model.stay_rows(plan),
        "hybrid": model.firewall_view(plan, lang),
        "external": model.external_rows(plan),
        "meta": model.provenance(meta),
        "collapsed": len(model.host_ids(g)) > dot.COLLAPSE_ABOVE,
        "collapse_limit": dot.COLLAPSE_ABOVE,
        "map": map_data(g, tags, plan, meta, catalogue(lang), lang),
        "app_maps": [{k: m[k] for k in ("name", "hosts", "file", "dot")} for m in focus["apps"]],
        "wave_maps": [{k: m[k] for k in ("number", "name", "stage", "file", "dot")} for m in focus["waves"]],
    }


def _changes_view(doc: dict | None, lang: str) -> dict | None:
    """The diff document as the shared partial (``reports/diff_sections.html.j2``) renders
    it: the same ``sections`` and words as ``hdscan diff``'s page."""
    if doc is None:
        return None
    from ..diff import i18n as diff_i18n, render as diff_render

    return {"doc": doc, "sections": diff_render.sections(doc, lang), "words": diff_i18n.catalogue(lang)}


def render_html(g, tags: dict, plan: dict, meta: dict, estate_svg: str, waves_svg: str,
                lang: str = DEFAULT_LANG, focus: dict | None = None, changes: dict | None = None) -> str:
    """The report page as text (nothing written).  ``focus`` is ``focus_sources`` with each
    map's ``svg`` and ``inline`` filled in (none when omitted); ``changes`` the diff
    document against a previous collection (no section when None)."""
    focus = focus or {"apps": [], "waves": []}
    view = report_model(g, tags, plan, meta, lang, focus, changes)
    script = (data_dir("reports") / SCRIPT).read_text(encoding="utf-8")
    tables_script = (data_dir("reports") / TABLES_SCRIPT).read_text(encoding="utf-8")
    words = catalogue(lang)
    view |= {
        "t": words,
        "systems_json": Markup(script_json(systems_table(view["systems"], words))),
        "firewall_json": Markup(script_json(firewall_table(view["hybrid"]))),
        "inputs_json": Markup(script_json(inputs_table(view["meta"]["inputs"]))),
        "waves_json": Markup(script_json(waves_table(view["waves"]))),
        "tables_words": Markup(script_json({k: words[k] for k in ("table_page", "colon")})),
        "tables_script": Markup(tables_script.replace("</", "<\\/")),
        "estate_svg": Markup(estate_svg),
        "waves_svg": Markup(waves_svg),
        "map_filters": view["map"]["filters"],
        "changes": _changes_view(view["changes"], lang),
        "map_json": Markup(script_json(view.pop("map"))),
        "map_script": Markup(script.replace("</", "<\\/")),
        "app_maps": [m | {"svg": Markup(m["svg"]) if m.get("inline") else ""} for m in focus["apps"]],
        "wave_maps": _pairs([m | {"svg": Markup(m["svg"]) if m.get("inline") else ""} for m in focus["waves"]]),
    }
    return _environment().get_template(TEMPLATE).render(**view)


def write_report(out: Path, g, tags: dict, plan: dict, meta: dict, lang: str = DEFAULT_LANG,
                 changes: dict | None = None) -> Path:
    """Write ``out/report/index.html``, the overview maps beside it (``estate``/``waves``
    .dot, .svg) and the focused maps not inlined under ``out/report/maps/``; ``changes`` (the
    ``hdscan-diff/1`` document against a previous collection) adds its section.

    Returns the path of ``index.html``.

    Raises
    ------
    ScannerError
        If Graphviz is missing or fails; no file is written then.
    """
    folder = Path(out) / "report"
    text = catalogue(lang)
    plan = localize_plan(plan, lang)        # wave names on the maps in the report's language
    sources = {"estate": dot.estate_dot(g, tags, plan, text), "waves": dot.waves_dot(g, tags, plan, text)}
    svgs = {name: render_svg(src) for name, src in sources.items()}
    focus = focus_sources(g, tags, plan, text)
    for kind in ("apps", "waves"):
        for m, svg in zip(focus[kind], render_many([m["dot"] for m in focus[kind]])):
            m["svg"] = svg
    _inline(focus["waves"], _inline(focus["apps"], INLINE_BUDGET))
    page = render_html(g, tags, plan, meta, svgs["estate"], svgs["waves"], lang, focus, changes)
    for name in sorted(sources):
        write_atomic(folder / f"{name}.dot", sources[name])
        write_atomic(folder / f"{name}.svg", svgs[name])
    linked = {write_atomic(folder / m["file"], m["svg"])
              for m in focus["apps"] + focus["waves"] if not m["inline"]}
    index = write_atomic(folder / "index.html", page)
    _remove_other_maps(folder / MAPS, linked)
    return index


def _remove_other_maps(maps: Path, linked: set[Path]) -> None:
    """Remove the files under ``maps/`` the new page does not link to (maps inlined now, or
    of waves and applications gone since), and the folder itself when it is left empty."""
    for old in sorted(maps.glob("*.svg")):
        if old not in linked:
            old.unlink()
    if maps.is_dir() and not any(maps.iterdir()):
        maps.rmdir()
