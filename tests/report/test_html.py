"""The offline HTML report: self-contained, escaped, deterministic, atomic."""

from __future__ import annotations

import json
import re

import pytest

from report_helpers import estate, meta, plan
from scanner.errors import ScannerError
from scanner.report import html as report_html
from scanner.report import svg as report_svg
from scanner.report import model
from scanner.report.dot import main_role
from scanner.report.html import write_report


@pytest.fixture(scope="module")
def classified():
    return estate()


def _write(tmp_path, classified, **kw):
    g, tags = classified
    return write_report(tmp_path, g, tags, plan(), meta(), **kw)


def test_writes_index_and_maps_beside_it(tmp_path, classified, monkeypatch):
    index = _write(tmp_path, classified)
    assert index == tmp_path / "report" / "index.html"
    for name in ("estate.dot", "estate.svg", "waves.dot", "waves.svg"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    assert not (tmp_path / "report" / "maps").exists()  # every focused map is in the page
    inlined = re.findall(r"<template>(<svg.*?)</template>", index.read_text(encoding="utf-8"), re.S)
    monkeypatch.setattr(report_html, "INLINE_BUDGET", 0)
    _write(tmp_path, classified)
    maps = sorted(p.name for p in (tmp_path / "report" / "maps").iterdir())
    assert "wave-001-before.svg" in maps and "wave-002-after.svg" in maps
    assert any(m.startswith("app-") and m.endswith("-PACS.svg") for m in maps)
    # each file is the drawing the page inlined while it fitted
    assert sorted((tmp_path / "report" / "maps" / m).read_text(encoding="utf-8") for m in maps) == sorted(inlined)


def test_maps_of_a_wave_gone_since_are_removed(tmp_path, classified, monkeypatch):
    g, tags = classified
    monkeypatch.setattr(report_html, "INLINE_BUDGET", 0)
    _write(tmp_path, classified)
    assert (tmp_path / "report" / "maps" / "wave-002-before.svg").is_file()
    shorter = plan()
    shorter["waves"] = [w for w in shorter["waves"] if w["number"] == 1]
    write_report(tmp_path, g, tags, shorter, meta())
    maps = sorted(p.name for p in (tmp_path / "report" / "maps").iterdir())
    assert "wave-001-after.svg" in maps and not any(m.startswith("wave-002") for m in maps)
    monkeypatch.setattr(report_html, "INLINE_BUDGET", 10**9)   # now all inlined: no file left
    write_report(tmp_path, g, tags, shorter, meta())
    assert not (tmp_path / "report" / "maps").exists()


def test_large_maps_are_linked_not_inlined(tmp_path, classified, monkeypatch):
    monkeypatch.setattr(report_html, "INLINE_BUDGET", 0)
    page = _write(tmp_path, classified).read_text(encoding="utf-8")
    assert "<template><svg" not in page
    assert 'href="maps/wave-001-before.svg"' in page
    assert (tmp_path / "report" / "maps" / "wave-001-before.svg").is_file()
    assert (tmp_path / "report" / "estate.svg").read_text(encoding="utf-8").startswith("<svg")


def test_report_is_offline(tmp_path, classified):
    page = _write(tmp_path, classified).read_text(encoding="utf-8")
    lowered = page.lower()
    for needle in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http",
                   "url(//", 'src="//', 'href="//', "<link", "<iframe", "<img"):
        assert needle not in lowered, needle
    # the CSS is inlined, the two maps are inline SVG
    assert "<style>" in page and "--health" in page
    outside = re.sub(r"<template>.*?</template>", " ", page, flags=re.S)
    assert len(re.findall(r"<svg\b", outside)) == 2
    # every application map and both maps of every wave wait, inlined, in a <template>
    g, tags = classified
    apps = {main_role(tags, h) for h in model.host_ids(g)}
    assert len(re.findall(r"<template><svg\b", page)) == len(apps) + 2 * len(plan()["waves"])
    assert "<?xml" not in page and "<!--" not in page


def test_report_names_every_host_and_plan_item(tmp_path, classified):
    g, tags = classified
    page = _write(tmp_path, classified).read_text(encoding="utf-8")
    hosts = [d["name"] for _, d in g.nodes(data=True) if d.get("kind") == "host"]
    assert len(hosts) >= 5
    for name in hosts:
        assert name in page, name
    for f in tags["findings"]:
        assert f["entity"] in page and f["rule"] in page
    waves = _table(page, "waves-table")  # the waves table is drawn from its data
    for w in plan()["waves"]:
        [row] = [r for r in waves["rows"] if r[1] == str(w["number"])]
        assert row[2] == w["name"] and row[4] == sorted(w["hosts"])
        assert row[9] == [r["text"] for r in w["reasons"]]
    assert "la modalité reste sur site" in page
    assert "ouverture à prévoir depuis la cible" in page
    assert meta()["store_fingerprint"] in page
    for i in meta()["inputs"]:
        assert i["source"] in page


def test_report_is_byte_identical_across_runs(tmp_path, classified):
    a = _write(tmp_path / "a", classified).read_bytes()
    b = _write(tmp_path / "b", classified).read_bytes()
    assert a == b
    g, tags = estate()  # a graph built again from the observations
    c = write_report(tmp_path / "c", g, tags, plan(), meta()).read_bytes()
    assert a == c


def test_french_by_default_english_on_request(tmp_path, classified):
    fr = _write(tmp_path / "fr", classified).read_text(encoding="utf-8")
    en = _write(tmp_path / "en", classified, lang="en").read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr and "Carte des dépendances" in fr and "Vague 1" in fr
    assert '<html lang="en">' in en and "Dependency map" in en and "Wave 1" in en
    assert "Carte des dépendances" not in en


def test_names_from_traffic_are_escaped(tmp_path):
    g, tags = estate()
    evil = "<script>alert(1)</script>"
    g.nodes["host:dpi-app01"]["name"] = evil
    g.nodes["ext:backup.blob.core.windows.net"]["name"] = '"><img src=x onerror=alert(2)>'
    g.nodes["host:pacs01"]["name"] = 'back\\slash "quoted" \\N'
    page = write_report(tmp_path, g, tags, plan(), meta()).read_text(encoding="utf-8")
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    svg = (tmp_path / "report" / "estate.svg").read_text(encoding="utf-8")
    assert evil not in svg and "&lt;script&gt;" in svg
    assert "\\N" in svg  # the escape stays text, Graphviz does not expand it to the node id
    # the interactive map's data cannot close its <script> element or open a comment
    [data] = re.findall(r'<script type="application/json" id="imap-data">(.*?)</script>', page, re.S)
    assert "<" not in data and ">" not in data
    assert any(n["name"] == evil for n in json.loads(data)["nodes"])


def test_failure_midway_keeps_previous_report(tmp_path, classified, monkeypatch):
    index = _write(tmp_path, classified)
    before = index.read_bytes()
    before_svg = (tmp_path / "report" / "estate.svg").read_bytes()

    def broken(*args, **kwargs):
        raise ScannerError("template broke")

    monkeypatch.setattr(report_html, "render_html", broken)
    g, tags = classified
    other = plan() | {"waves": []}
    with pytest.raises(ScannerError, match="template broke"):
        write_report(tmp_path, g, tags, other, meta())
    assert index.read_bytes() == before
    assert (tmp_path / "report" / "estate.svg").read_bytes() == before_svg
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [
        "estate.dot", "estate.svg", "index.html", "waves.dot", "waves.svg"]


def test_missing_graphviz_is_one_clear_error(tmp_path, classified, monkeypatch):
    monkeypatch.setattr(report_svg.shutil, "which", lambda name: None)
    g, tags = classified
    with pytest.raises(ScannerError) as exc:
        write_report(tmp_path, g, tags, plan(), meta())
    assert str(exc.value) == "Graphviz 'dot' not found: install graphviz (apt-get install graphviz)"
    assert not (tmp_path / "report").exists()


def test_dot_syntax_error_is_reported():
    with pytest.raises(ScannerError, match=r"Graphviz 'dot' failed \(exit 1\)"):
        report_svg.render_svg("digraph { a -> ; }")


def test_clean_svg_drops_prolog_and_comments():
    raw = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
           ' "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- Generated by graphviz version 2.43.0 -->\n'
           '<svg><!-- n0 --><g/></svg>\n')
    assert report_svg.clean_svg(raw) == "<svg><g/></svg>\n"


def test_page_shows_transfer_checklist_firewall_and_solver(tmp_path, classified):
    from test_model import _planned
    g, tags = classified
    page = report_html.render_html(g, tags, _planned(), meta(), "<svg></svg>", "<svg></svg>", "fr")
    assert "ne tient pas dans la fenêtre : pré-charger ou répliquer 99,0 Mo" in page
    waves = {r[1]: r for r in _table(page, "waves-table")["rows"]}
    assert waves["1"][5:9] == ["saturday-night (sam. 22:00 8,0 h)", "123,5 Mo", "2,3 j / 4,0 h",
                               ["preseed", waves["1"][8][1]]]
    assert waves["2"][10] == [["Sauvegarde", "a restore of dpi-db01 from bkp01 tested"],
                              ["Mode dégradé", "degraded-mode procedure of DPI briefed"]]
    assert "Coût hybride — Solveur : exact · borne 586 · écart à l&#39;optimum prouvé 0,0 %" in page
    assert "Vagues à pré-charger : 1" in page
    [rule] = _table(page, "firewall-table")["rows"]
    assert rule[1:8] == ["host:10.20.3.7", "host:pacs01", "4242", "dicom", "permanente", "1", "fin de la migration"]
    assert rule[10] == ["obs:1", "obs:2"]
    en = report_html.render_html(g, tags, _planned(), meta(), "<svg></svg>", "<svg></svg>", "en")
    assert "Go / no-go checklist" in en
    assert _table(en, "waves-table")["rows"][1][10][0] == ["Backup", "a restore of dpi-db01 from bkp01 tested"]


def _table(page: str, table: str) -> dict:
    """The data of one of the page's long tables (drawn by reports/tables.js)."""
    found = [json.loads(raw) for raw in
             re.findall(r'<script type="application/json" class="table-data">(.*?)</script>', page, re.S)]
    [doc] = [d for d in found if d["id"] == table]
    return doc
