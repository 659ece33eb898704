"""The report's size at scale (issue #8): the compact SVG draws what Graphviz drew (same
groups, labels, tooltips, styles and coordinates to 0.05 pt, the same boxes in Chromium),
each focused map is written once (inlined in the page, or a file the page links to), and an
application of very many move groups is drawn one node per site."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from cdp_client import Browser, find_browser
from report_helpers import estate, meta, plan
from scanner.report import dot, html, i18n, model
from scanner.report.svg import _run, clean_svg, compact_svg

S = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
GROUPS = ("node", "edge", "cluster")
SHAPES = ("path", "polygon", "polyline", "ellipse", "text")
FONT = ("font-family", "font-size", "text-anchor")     # inherited: what a label gets
STROKE = ("stroke", "stroke-width", "stroke-dasharray")  # inherited: what every shape gets
TOLERANCE = 0.05 + 1e-6   # coordinates are rounded to 0.1 pt
T = i18n.catalogue("fr")


@pytest.fixture(scope="module")
def drawn():
    """(Graphviz's SVG without prolog and comments, its compact form) for every map of the
    small estate: both overview maps, each application's and each wave's."""
    g, tags = estate()
    focus = html.focus_sources(g, tags, plan(), T)
    sources = [dot.estate_dot(g, tags, plan(), T), dot.waves_dot(g, tags, plan(), T)]
    sources += [m["dot"] for m in focus["apps"] + focus["waves"]]
    pairs = []
    for src in sources:
        raw = clean_svg(_run(src))
        pairs.append((raw, compact_svg(raw)))
    return pairs


def _groups(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(S + "g") if el.get("class") in GROUPS]


def _effective(parents: dict, el: ET.Element, key: str):
    """``key`` as ``el`` gets it, from itself or an ancestor; a number as a number."""
    while el is not None and el.get(key) is None:
        el = parents.get(el)
    value = None if el is None else el.get(key)
    return float(value) if value and re.fullmatch(r"[\d.]+", value) else value


def _shapes(root: ET.Element, group: ET.Element) -> list[tuple]:
    """Each shape and label of ``group``: its tag, text, fill and the stroke (and for a
    label the font) it gets from itself or its ancestors."""
    parents = {child: parent for parent in root.iter() for child in parent}
    return [(el.tag, el.text, el.get("fill"))
            + tuple(_effective(parents, el, k) for k in STROKE + (FONT if el.tag == S + "text" else ()))
            for el in group.iter() if el.tag.replace(S, "") in SHAPES]


def _tooltip(group: ET.Element, compact: bool) -> str | None:
    """The compact group's ``<title>``, or Graphviz's tooltip (``xlink:title`` of its
    ``<a>``; its own ``<title>`` is the DOT id)."""
    if compact:
        return next((t.text for t in group.findall(S + "title")), None)
    return next((a.get(XLINK_TITLE) for a in group.iter(S + "a") if a.get(XLINK_TITLE)), None)


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?(?:\d+(?:\.\d+)?|\.\d+)", text)]


def _absolute(d: str) -> list[float]:
    """The compact ``M x y c dx1 dy1 dx2 dy2 dx dy …`` back in absolute coordinates."""
    if "c" not in d:
        return _numbers(d)
    move, curve = d[1:].split("c")
    x, y = _numbers(move)
    out = [x, y]
    deltas = _numbers(curve)
    for i in range(0, len(deltas), 6):
        points = [v + (x if j % 2 == 0 else y) for j, v in enumerate(deltas[i:i + 6])]
        out += points
        x, y = points[4], points[5]
    return out


def _geometry(el: ET.Element, compact: bool) -> list[float]:
    values = []
    for key in ("points", "d", "x", "y", "cx", "cy", "rx", "ry"):
        if key not in el.attrib:
            continue
        numbers = _absolute(el.get(key)) if key == "d" and compact else _numbers(el.get(key))
        if key == "points" and not compact and numbers[:2] == numbers[-2:] and len(numbers) > 6:
            numbers = numbers[:-2]   # Graphviz repeats a polygon's first point at its end
        values += numbers
    return values


def test_compact_svg_keeps_every_group_label_tooltip_and_style(drawn):
    for raw, compact in drawn:
        assert compact.startswith("<svg") and "<!--" not in compact and ' id="' not in compact
        before, after = ET.fromstring(raw), ET.fromstring(compact)
        old, new = _groups(before), _groups(after)
        assert [g.get("class") for g in new] == [g.get("class") for g in old]
        assert sum(g.get("class") == "node" for g in new) > 0
        for a, b in zip(old, new):
            assert _tooltip(b, True) == _tooltip(a, False)
            assert _shapes(after, b) == _shapes(before, a)
        assert [t.text for t in after.iter(S + "text")] == [t.text for t in before.iter(S + "text")]


def test_compact_svg_moves_no_point_by_more_than_rounding(drawn):
    for raw, compact in drawn:
        old = [el for el in ET.fromstring(raw).iter() if el.tag.replace(S, "") in SHAPES]
        new = [el for el in ET.fromstring(compact).iter() if el.tag.replace(S, "") in SHAPES]
        assert len(new) == len(old)
        for a, b in zip(old, new):
            exact, rounded = _geometry(a, False), _geometry(b, True)
            assert len(rounded) == len(exact), (a.attrib, b.attrib)
            assert all(abs(p - q) <= TOLERANCE for p, q in zip(exact, rounded)), (a.attrib, b.attrib)


def test_compact_svg_is_smaller_and_repeatable(drawn):
    for raw, compact in drawn:
        assert len(compact) < len(raw)
        assert compact_svg(raw) == compact


@pytest.mark.parametrize("name", ["<b>x&y", 'a<"b', "AT&amp;T", "a&#1;b", "caf&eacute;", "a\uffffb\x01c"])
def test_names_are_drawn_as_plain_text(name):
    """Whatever a name from traffic holds, the compact map shows it as written (characters
    XML does not allow as spaces), as its label and its hover title."""
    src = f"digraph x {{ n0 [label={dot.quote(name)}, tooltip={dot.quote(name)}]; }}"
    [node] = _groups(ET.fromstring(compact_svg(clean_svg(_run(src)))))
    shown = re.sub("[\x01\uffff]", " ", name)
    assert node.find(S + "title").text == shown and node.find(S + "text").text == shown


def _write(tmp_path, budget, monkeypatch):
    g, tags = estate()
    monkeypatch.setattr(html, "INLINE_BUDGET", budget)
    index = html.write_report(tmp_path, g, tags, plan(), meta())
    return index.read_text(encoding="utf-8"), len(dot.applications(g, tags)) + 2 * len(plan()["waves"])


def test_each_focused_map_is_written_once(tmp_path, monkeypatch):
    page, count = _write(tmp_path, 10**9, monkeypatch)
    whole = sum(len(svg) for svg in re.findall(r"<template>(<svg.*?)</template>", page, re.S))
    page, count = _write(tmp_path, whole // 2, monkeypatch)   # about half inlined, half files
    inlined = re.findall(r"<template>(<svg.*?)</template>", page, re.S)
    linked = re.findall(r'<a href="(maps/[^"]+\.svg)">', page)
    assert inlined and linked and len(inlined) + len(linked) == count
    files = sorted(p.relative_to(tmp_path / "report").as_posix() for p in (tmp_path / "report" / "maps").iterdir())
    assert files == sorted(linked)
    for svg in inlined + [(tmp_path / "report" / name).read_text(encoding="utf-8") for name in linked]:
        assert _groups(ET.fromstring(svg))


def test_sample_report_is_one_file(sample_out):
    folder = sample_out / "report"
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert not (folder / "maps").exists() and 'href="maps/' not in page
    assert page.count("<template><svg") > 20


def test_an_application_of_many_move_groups_is_drawn_per_site(monkeypatch):
    g, tags = estate()
    hosts = dot.applications(g, tags)["other"]
    where = model.placement(plan())
    units = {(g.nodes[h].get("site"), str(where.get(h, {}).get("group") or "other")) for h in hosts}
    sites = {site for site, _ in units}
    assert len(hosts) > len(units) > len(sites) > 1
    monkeypatch.setattr(dot, "DETAIL_UP_TO", 1)
    monkeypatch.setattr(dot, "GROUPS_UP_TO", len(units))
    per_group = dot.app_dot(g, tags, plan(), T, "other", hosts)
    labels = re.findall(r'label="([^"\\]*)\\n(\d+) ', per_group)
    assert sorted(name for name, _ in labels) == sorted(group for _, group in units)
    monkeypatch.setattr(dot, "GROUPS_UP_TO", len(units) - 1)
    per_site = dot.app_dot(g, tags, plan(), T, "other", hosts)
    labels = re.findall(r'label="([^"\\]*)\\n(\d+) ', per_site)
    assert [name for name, _ in labels] == ["other"] * len(sites)
    assert sum(int(n) for _, n in labels) == len(hosts)
    assert not any(f"tooltip={dot.quote(h)}" in per_site for h in hosts)


EXE = find_browser()


@pytest.mark.skipif(EXE is None and os.environ.get("CI", "").lower() != "true",
                    reason="chromium is not installed (apt-get install chromium); required in CI")
def test_chromium_draws_the_compact_svg_where_it_drew_graphviz_s(drawn, tmp_path):
    """Both forms of every map in one page: each node, edge and cluster has the same box
    (to 0.2 pt) and its shapes the same computed fill, stroke and font."""
    assert EXE is not None, "chromium is required in CI (.ci/setup installs it)"
    body = "".join(f'<div class="raw">{raw}</div><div class="compact">{compact}</div>' for raw, compact in drawn)
    page = tmp_path / "maps.html"
    page.write_text(f"<!DOCTYPE html><meta charset=utf-8><body>{body}</body>", encoding="utf-8")
    script = """(function () {
      function describe(svg) {
        return Array.from(svg.querySelectorAll("g.node, g.edge, g.cluster")).map(function (g) {
          var b = g.getBBox();
          return {box: [b.x, b.y, b.width, b.height],
                  shapes: Array.from(g.querySelectorAll("path, polygon, ellipse, text")).map(function (s) {
                    var c = getComputedStyle(s), font = s.tagName === "text";
                    return [s.tagName, c.fill, c.stroke, c.strokeWidth, c.strokeDasharray, s.textContent,
                            font ? c.fontFamily : "", font ? c.fontSize : "", font ? c.textAnchor : ""];
                  })};
        });
      }
      return Array.from(document.querySelectorAll("div.raw")).map(function (raw) {
        return [describe(raw.firstElementChild), describe(raw.nextElementSibling.firstElementChild)];
      });
    }())"""
    browser = Browser(EXE, tmp_path / "hD-chromium-profile", deadline_s=60)
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_event("Page.loadEventFired")
        maps = browser.evaluate(script)
    finally:
        browser.close()
    assert len(maps) == len(drawn)
    for old, new in maps:
        assert len(new) == len(old) > 0
        for a, b in zip(old, new):
            assert b["shapes"] == a["shapes"], json.dumps([a, b])[:500]
            assert all(abs(p - q) <= 0.2 for p, q in zip(a["box"], b["box"])), (a["box"], b["box"])
