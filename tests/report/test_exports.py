"""OUT/export/: the chosen formats written together, pinned by golden files, atomically,
and the ``hdscan export`` command's options."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from report_helpers import estate, meta, plan
from scanner.cli import main
from scanner.errors import ScannerError
from scanner.report import exports
from scanner.report.exports import FORMATS, parse_formats, render_exports, write_exports

GOLDEN = Path(__file__).parent / "golden" / "exports"
# hdscan.json has its own golden (export.json); hdscan.dot is the estate map's source, pinned by test_maps
PINNED = ["findings.csv", "firewall-matrix.csv", "flows.csv", "hdscan.gexf", "hdscan.graphml",
          "summary.md", "systems.csv", "waves.csv"]


@pytest.fixture(scope="module")
def classified():
    return estate()


def test_exports_match_golden_files(tmp_path, classified):
    g, tags = classified
    write_exports(tmp_path, g, tags, plan(), meta())
    if os.environ.get("HDSCAN_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name in PINNED:
            (GOLDEN / name).write_bytes((tmp_path / name).read_bytes())
    for name in PINNED:
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_all_formats_by_default_and_only_those_asked(tmp_path, classified):
    g, tags = classified
    written = write_exports(tmp_path / "all", g, tags, plan(), meta())
    assert [p.name for p in written] == sorted(PINNED + ["hdscan.dot", "hdscan.json"])
    some = render_exports(g, tags, plan(), meta(), parse_formats("md, GraphML"))
    assert sorted(some) == ["hdscan.graphml", "summary.md"]
    assert parse_formats("") == list(FORMATS) == parse_formats(None)
    with pytest.raises(ScannerError, match="unknown export format pdf, xls"):
        parse_formats("json,xls,pdf")


def test_deterministic_and_language_dependent(classified):
    g, tags = classified
    again, tags_again = estate()
    a = render_exports(g, tags, plan(), meta())
    assert a == render_exports(again, tags_again, plan(), meta())
    en = render_exports(g, tags, plan(), meta(), lang="en")
    assert en["hdscan.json"] == a["hdscan.json"] and en["hdscan.graphml"] == a["hdscan.graphml"]
    assert en["systems.csv"] != a["systems.csv"] and en["summary.md"] != a["summary.md"]


def test_a_failing_format_writes_nothing(tmp_path, classified, monkeypatch):
    g, tags = classified
    write_exports(tmp_path, g, tags, plan(), meta())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(*args, **kwargs):
        raise ScannerError("gexf broke")

    monkeypatch.setattr(exports, "render_gexf", broken)
    with pytest.raises(ScannerError, match="gexf broke"):
        write_exports(tmp_path, g, tags, plan() | {"waves": []}, meta())
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_export_command_formats_and_language(sample_out):
    target = sample_out / "export"
    for p in target.iterdir():
        p.unlink()
    done = CliRunner().invoke(main, ["export", "-o", str(sample_out), "--format", "csv,md", "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"export: {target}"
    assert sorted(p.name for p in target.iterdir()) == ["findings.csv", "firewall-matrix.csv", "flows.csv",
                                                        "summary.md", "systems.csv", "waves.csv"]
    systems = (target / "systems.csv").read_text(encoding="utf-8-sig")
    assert systems.startswith("Id,Host,Site,Addresses,Roles,Data class,")
    assert "## Migration waves" in (target / "summary.md").read_text(encoding="utf-8")


def test_export_command_refuses_an_unknown_format(sample_out):
    done = CliRunner().invoke(main, ["export", "-o", str(sample_out), "--format", "json,pdf"])
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == [
        "hdscan: error: unknown export format pdf (have: json, csv, graphml, gexf, dot, md)"]


def test_report_command_in_english(sample_out):
    done = CliRunner().invoke(main, ["report", "-o", str(sample_out), "--lang", "en"])
    assert done.exit_code == 0, done.output
    page = (sample_out / "report" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Dependency map" in page
    assert "Carte des dépendances" not in page
