"""Shared test helpers: paths, and a quick way to build observations."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model.evidence import Evidence
from scanner.privacy import observation

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"


def obs(kind: str, source: str = "test.txt", place: str | None = "line 1",
        collector: str = "test", ev_host: str | None = None, **fields):
    """An observation through the privacy door, as a collector would build it."""
    return observation(kind, Evidence(collector, "1", source, place, ev_host), **fields)


@pytest.fixture
def root() -> Path:
    return ROOT
