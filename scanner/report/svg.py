"""Owns turning DOT source into an SVG fragment by running Graphviz's ``dot``, and making
that SVG compact.

The source goes to ``dot -Tsvg`` on stdin; ``render_many`` runs a few ``dot`` at once for
the focused maps.  The XML prolog, doctype and every comment
(Graphviz writes its version and node names in comments) are removed, so the SVG can be
inlined in HTML and the output does not change with the installed Graphviz release.

``compact_svg`` then rewrites Graphviz's SVG into a smaller one that draws the same
(a 5,000-server report has about 800 maps, issue #8): no element ids; Graphviz's own
``<title>`` elements (DOT node ids such as ``n12`` or ``n0->n3``) dropped and each
tooltip (``xlink:title`` on a wrapping ``<a>``) turned into the ``<title>`` of its node or
edge, which browsers show on hover; the font family, size and anchor most labels share
said once on the ``<svg>`` element, and the stroke an unlabelled edge's line and
arrowhead share once on its group (they are inherited); coordinates to 0.1 pt (Graphviz
writes 0.01 pt), path data in relative form, polygons without their repeated first point.
Every ``node``, ``edge`` and ``cluster`` group, every label and every colour is kept
(``tests/report/test_report_size.py`` compares both forms, also in Chromium).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

from ..errors import ScannerError

TIMEOUT_SECONDS = 120
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_S = "{%s}" % SVG_NS
_XLINK = "{%s}" % XLINK_NS
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_BEZIER = re.compile(r"M([^MC]+)C([^MC]+)")
_ROUNDED = ("x", "y", "cx", "cy", "rx", "ry", "viewBox", "font-size", "stroke-width")
_INHERITED = ("font-family", "font-size", "text-anchor")   # said once on <svg> when shared
_NO_TURN = "scale(1 1) rotate(0) "
_SHAPES = ("path", "polygon", "polyline", "ellipse")
_STROKE = ("stroke", "stroke-width", "stroke-dasharray")   # said once on an unlabelled edge
_ATTR_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def clean_svg(svg: str) -> str:
    """The ``<svg>`` element only: no prolog, doctype or comments."""
    svg = _COMMENT.sub("", _PROLOG.sub("", svg))
    return svg.strip() + "\n"


def _tenths(text: str) -> int:
    return round(float(text) * 10)


def _number(tenths: int) -> str:
    """A coordinate in tenths of a point written as short as it reads: ``-12.5``, ``.5``, ``3``."""
    whole, tenth = divmod(abs(tenths), 10)
    text = (str(whole) if whole or not tenth else "") + (f".{tenth}" if tenth else "")
    return "-" + text if tenths < 0 else text


def _joined(values: list[int]) -> str:
    """Numbers one after another, a space between them unless the next one's minus sign
    already separates them (SVG path syntax)."""
    out = ""
    for v in values:
        text = _number(v)
        out += text if not out or text.startswith("-") else " " + text
    return out


def _round_all(value: str) -> str:
    """Every number in ``value`` to 0.1."""
    return _NUMBER.sub(lambda m: _number(_tenths(m.group())), value)


def _path(d: str) -> str:
    """Graphviz's ``M x,y C x1,y1 x2,y2 x,y …`` (its only path form) with the curve's points
    relative to the one before, to 0.1 pt; rounding is done on absolute positions, so it
    does not add up along the path.  Any other path is only rounded."""
    match = _BEZIER.fullmatch(d.strip())
    start = [_tenths(v) for v in _NUMBER.findall(match.group(1))] if match else []
    curve = [_tenths(v) for v in _NUMBER.findall(match.group(2))] if match else []
    if len(start) != 2 or not curve or len(curve) % 6:
        return _round_all(d)
    x, y = start
    moves = []
    for i in range(0, len(curve), 6):
        moves += [v - (x if j % 2 == 0 else y) for j, v in enumerate(curve[i:i + 6])]
        x, y = curve[i + 4], curve[i + 5]
    return f"M{_joined(start)}c{_joined(moves)}"


def _points(points: str, closed: bool) -> str:
    """Points to 0.1; a polygon's (``closed``) without the last one when it repeats the
    first (Graphviz closes its polygons that way; a polygon is closed anyway)."""
    pairs = _round_all(points).split()
    return " ".join(pairs[:-1] if closed and len(pairs) > 3 and pairs[0] == pairs[-1] else pairs)


def _numbers(el: ET.Element) -> None:
    for key in _ROUNDED:
        if key in el.attrib:
            el.set(key, _round_all(el.get(key)))
    if "points" in el.attrib:
        el.set("points", _points(el.get("points"), el.tag == _S + "polygon"))
    if "d" in el.attrib:
        el.set("d", _path(el.get("d")))
    if el.get("transform", "").startswith(_NO_TURN):
        el.set("transform", el.get("transform")[len(_NO_TURN):])


def _tooltips(group: ET.Element) -> None:
    """Replace ``group``'s Graphviz ``<title>`` (a DOT id) by its tooltip, if it has one:
    the ``xlink:title`` of a ``<g><a>`` wrapper, whose children take the wrapper's place."""
    tips, kids = [], []
    for child in list(group):
        if child.tag == _S + "title":
            continue
        anchor = child[0] if child.tag == _S + "g" and len(child) == 1 and not child.attrib else None
        if anchor is not None and anchor.tag == _S + "a" and set(anchor.attrib) <= {_XLINK + "title"}:
            tips += [anchor.get(_XLINK + "title")] if anchor.get(_XLINK + "title") else []
            kids += list(anchor)
        else:
            kids.append(child)
    group[:] = kids
    if tips:
        title = ET.Element(_S + "title")
        title.text = tips[0]
        group.insert(0, title)


def _shared_stroke(edge: ET.Element) -> None:
    """Say the stroke its line and arrowhead share once on an edge without a label (on a
    labelled one the label would inherit it)."""
    shapes = [c for c in edge if c.tag.replace(_S, "") in _SHAPES]
    if not shapes or len(shapes) != len(edge) - (edge[0].tag == _S + "title"):
        return
    for key in _STROKE:
        values = {c.get(key) for c in shapes}
        if len(values) == 1 and None not in values:
            edge.set(key, values.pop())
            for c in shapes:
                del c.attrib[key]


def _shared_fonts(root: ET.Element) -> None:
    """Say the most common font family, size and anchor of the labels once on ``root``."""
    texts = list(root.iter(_S + "text"))
    for key in _INHERITED:
        values = Counter(t.get(key) for t in texts if t.get(key))
        if not values:
            continue
        common = values.most_common(1)[0][0]
        root.set(key, common)
        for t in texts:
            if t.get(key) == common:
                del t.attrib[key]


def _name(key: str) -> str:
    return key.replace(_S, "").replace(_XLINK, "xlink:")


def _write(el: ET.Element, out: list[str]) -> None:
    attrs = "".join(f' {_name(k)}="{escape(v, _ATTR_ESCAPES)}"' for k, v in el.attrib.items())
    tag = _name(el.tag)
    if len(el) or el.text:
        out.append(f"<{tag}{attrs}>{escape(el.text or '')}")
        for child in el:
            _write(child, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}{attrs}/>")
    out.append(el.tail or "")


def compact_svg(svg: str) -> str:
    """Graphviz's SVG (prolog and comments already removed) rewritten smaller: see the
    module's docstring for what changes; it draws the same and stays valid SVG."""
    root = ET.fromstring(svg)
    for el in root.iter():
        el.attrib.pop("id", None)
        _numbers(el)
        el.tail = None
        if el.tag != _S + "text" and el.text is not None and not el.text.strip():
            el.text = None
    for group in list(root.iter(_S + "g")):
        if group.get("class") in ("graph", "cluster", "node", "edge"):
            _tooltips(group)
            if group.get("class") == "edge":
                _shared_stroke(group)
            for child in group:
                child.tail = "\n" if child.tag == _S + "g" else None
    _shared_fonts(root)
    root.set("xmlns", SVG_NS)
    if any(k.startswith(_XLINK) for el in root.iter() for k in el.attrib):
        root.set("xmlns:xlink", XLINK_NS)
    out: list[str] = []
    _write(root, out)
    return "".join(out) + "\n"


WORKERS = 4  # dot processes at once: most of a small map's time is process start-up


def render_many(sources: list[str]) -> list[str]:
    """Lay out several DOT graphs, one ``dot`` process each, a few at a time; returns the
    compact SVGs in order.  One ``dot`` run reading several graphs would be quicker, but
    Graphviz then lays out the later graphs differently from run to run.

    Raises
    ------
    ScannerError
        As ``render_svg``, for the first graph that fails.
    """
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(render_svg, sources))


def render_svg(dot_source: str) -> str:
    """Lay out ``dot_source`` with Graphviz and return the cleaned, compact SVG text.

    Raises
    ------
    ScannerError
        If ``dot`` is not installed, fails on the source, or runs past the timeout.
    """
    return compact_svg(clean_svg(_run(dot_source)))


def _run(dot_source: str) -> str:
    """``dot -Tsvg`` on ``dot_source``; its raw output."""
    exe = shutil.which("dot")
    if exe is None:
        raise ScannerError("Graphviz 'dot' not found: install graphviz (apt-get install graphviz)")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise ScannerError(f"Graphviz 'dot' ran longer than {TIMEOUT_SECONDS} s laying out the map") from None
    if done.returncode != 0:
        first = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[0]
        raise ScannerError(f"Graphviz 'dot' failed (exit {done.returncode}): {first}")
    return done.stdout.decode("utf-8", "replace")
