"""Shared fixture of the report tests: the bundled sample estate run once through the CLI."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.report.report_cli import run_cli

SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory):
    """OUT of ``hdscan run`` on the sample estate (graph, tags, plan, store, report, export)."""
    out = tmp_path_factory.mktemp("sample") / "out"
    run_cli("run", SAMPLE, "-o", out, "-q")
    return out
