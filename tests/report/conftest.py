"""Shared fixture of the report tests: the bundled sample estate run once through the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"


def run_cli(*args) -> subprocess.CompletedProcess:
    """``python -m scanner ARGS`` from the repository root; fails the test on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory):
    """OUT of ``hdscan run`` on the sample estate (graph, tags, plan, store, report, export)."""
    out = tmp_path_factory.mktemp("sample") / "out"
    run_cli("run", SAMPLE, "-o", out, "-q")
    return out
