"""Owns turning DOT source into an SVG fragment by running Graphviz's ``dot``.

The source goes to ``dot -Tsvg`` on stdin.  The XML prolog, doctype and every comment
(Graphviz writes its version and node names in comments) are removed, so the SVG can be
inlined in HTML and the output does not change with the installed Graphviz release.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from ..errors import ScannerError

TIMEOUT_SECONDS = 120
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def clean_svg(svg: str) -> str:
    """The ``<svg>`` element only: no prolog, doctype or comments."""
    svg = _COMMENT.sub("", _PROLOG.sub("", svg))
    return svg.strip() + "\n"


def render_svg(dot_source: str) -> str:
    """Lay out ``dot_source`` with Graphviz and return the cleaned SVG text.

    Raises
    ------
    ScannerError
        If ``dot`` is not installed, fails on the source, or runs past the timeout.
    """
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
    return clean_svg(done.stdout.decode("utf-8"))
