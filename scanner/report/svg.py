"""Owns turning DOT source into an SVG fragment by running Graphviz's ``dot``.

The source goes to ``dot -Tsvg`` on stdin; ``render_many`` runs a few ``dot`` at once for
the focused maps.  The XML prolog, doctype and every comment
(Graphviz writes its version and node names in comments) are removed, so the SVG can be
inlined in HTML and the output does not change with the installed Graphviz release.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from ..errors import ScannerError

TIMEOUT_SECONDS = 120
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def clean_svg(svg: str) -> str:
    """The ``<svg>`` element only: no prolog, doctype or comments."""
    svg = _COMMENT.sub("", _PROLOG.sub("", svg))
    return svg.strip() + "\n"


_ID = re.compile(r' id="[^"]*"')
WORKERS = 4  # dot processes at once: most of a small map's time is process start-up


def render_many(sources: list[str]) -> list[str]:
    """Lay out several DOT graphs, one ``dot`` process each, a few at a time; returns the
    cleaned SVGs in order, without element ids (they would repeat between maps inlined in
    one page, and nothing refers to them).  One ``dot`` run reading several graphs would
    be quicker, but Graphviz then lays out the later graphs differently from run to run.

    Raises
    ------
    ScannerError
        As ``render_svg``, for the first graph that fails.
    """
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return [_ID.sub("", svg) for svg in pool.map(render_svg, sources)]


def render_svg(dot_source: str) -> str:
    """Lay out ``dot_source`` with Graphviz and return the cleaned SVG text.

    Raises
    ------
    ScannerError
        If ``dot`` is not installed, fails on the source, or runs past the timeout.
    """
    return clean_svg(_run(dot_source))


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
    return done.stdout.decode("utf-8")
