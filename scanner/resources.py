"""Owns finding hdscan's shipped data: the default rule pack and the report templates.

An installed hdscan carries them as package data under ``scanner/_data/``; a source
checkout reads the top-level ``rules/`` and ``reports/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``rules`` or ``reports``: the installed copy if there is one, else the checkout's."""
    installed = _PKG / "_data" / name
    if installed.is_dir() and any(installed.iterdir()):
        return installed
    return _PKG.parent / name
