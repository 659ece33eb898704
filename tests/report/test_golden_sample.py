"""Golden files of the bundled sample estate (ch-saint-aurelien): the report's data (the
JSON model the template renders, interactive map included) and every export, byte for
byte.  They change only on purpose: after a deliberate change to the rules, the planner or
the report, regenerate with ``HDSCAN_UPDATE_GOLDEN=1 python3 -m pytest
tests/report/test_golden_sample.py`` and review the diff (docs/report.md, "Golden files")."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.report.report_cli import run_cli
from scanner import pipeline
from scanner.report.html import focus_sources, report_model
from scanner.report.i18n import catalogue

GOLDEN = Path(__file__).parent / "golden" / "sample"
EXPORTS = ["findings.csv", "firewall-matrix.csv", "flows.csv", "hdscan.dot", "hdscan.gexf", "hdscan.graphml",
           "hdscan.json", "summary.md", "systems.csv", "waves.csv"]
UPDATE = os.environ.get("HDSCAN_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def produced(sample_out) -> dict[str, bytes]:
    """name → bytes of everything pinned, produced from the sample estate's OUT."""
    run_cli("export", "-o", sample_out)
    files = {name: (sample_out / "export" / name).read_bytes() for name in EXPORTS}
    g, tags, plan, meta = pipeline._report_inputs(sample_out, False, evidence=True)
    model = report_model(g, tags, plan, meta, "fr", focus_sources(g, tags, plan, catalogue("fr")))
    files["report-model.json"] = (json.dumps(model, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, blob in files.items():
            (GOLDEN / name).write_bytes(blob)
    return files


@pytest.mark.parametrize("name", EXPORTS + ["report-model.json"])
def test_matches_golden_file(produced, name):
    golden = GOLDEN / name
    assert golden.is_file(), f"no golden {name}: run once with HDSCAN_UPDATE_GOLDEN=1 and review it"
    assert produced[name] == golden.read_bytes(), (
        f"{name} differs from tests/report/golden/sample/{name}; if the change is on purpose, "
        "regenerate with HDSCAN_UPDATE_GOLDEN=1 and review the diff")


def test_golden_folder_holds_nothing_else():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(EXPORTS + ["report-model.json"])


def test_report_model_carries_the_map_and_the_evidence(produced):
    model = json.loads(produced["report-model.json"])
    doc = model["map"]
    hosts = [n for n in doc["nodes"] if n["kind"] == "host"]
    assert len(hosts) == model["summary"]["hosts"] == len(model["systems"])
    # every tag shown in the panel names its rule, and evidence with a source file
    with_evidence = [ev for n in hosts for t in n["tags"] for ev in t[5] if doc["strings"][ev[1]]]
    assert len(with_evidence) > 100
    assert all(doc["strings"][ev[1]].startswith("inputs/") or "/" in doc["strings"][ev[1]]
               for ev in with_evidence)
    assert model["timeline"]["hybrid_waves"] > 0 and model["wave_maps"] and model["app_maps"]
