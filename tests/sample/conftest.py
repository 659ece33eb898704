"""Shared fixtures of the sample-estate tests: one fresh generation per session."""

from __future__ import annotations

import pytest

from sample_estates.generate import generate


@pytest.fixture(scope="session")
def fresh(tmp_path_factory):
    """The default estate generated into a temporary folder."""
    out = tmp_path_factory.mktemp("fresh") / "ch-saint-aurelien"
    generate(out)
    return out
