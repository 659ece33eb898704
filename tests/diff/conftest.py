"""One pipeline run of the sample estate (A) and of an evolved copy (B), shared by the
diff tests: A is copied first, so a concurrent regeneration cannot change it mid-run."""

from __future__ import annotations

import shutil

import pytest
from diff_helpers import SAMPLE, SEED_FOR_TESTS, run_all

from sample_estates.gen.evolve import evolve


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict:
    """{"estate_a", "out_a", "estate_b", "out_b", "changes"} for the evolved pair."""
    base = tmp_path_factory.mktemp("hE2-diff")
    estate_a = base / "estate-a"
    shutil.copytree(SAMPLE, estate_a)
    out_a = run_all(estate_a, base / "out-a")
    estate_b = base / "estate-b"
    changes = evolve(estate_a, estate_b, SEED_FOR_TESTS, out_a)
    out_b = run_all(estate_b, base / "out-b", [estate_b / changes["rules"]])
    return {"estate_a": estate_a, "out_a": out_a, "estate_b": estate_b, "out_b": out_b,
            "changes": changes, "base": base}
