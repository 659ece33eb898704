"""CSV exports: Excel/LibreOffice-ready bytes (BOM, locale separator, CRLF), headers from the
catalogue, every row present, formula injection neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from report_helpers import estate, plan
from scanner.report import csv_out, model
from scanner.report.i18n import catalogue


@pytest.fixture(scope="module")
def classified():
    return estate()


def _parse(text: str, lang: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=csv_out.SEPARATOR[lang]))


def test_bytes_are_excel_ready(classified):
    g, tags = classified
    for lang, sep in (("fr", b";"), ("en", b",")):
        files = csv_out.render_csvs(g, tags, plan(), lang)
        assert sorted(files) == ["findings.csv", "firewall-matrix.csv", "flows.csv", "systems.csv",
                                 "waves.csv"]
        for name, text in files.items():
            blob = text.encode("utf-8")
            assert blob.startswith(b"\xef\xbb\xbf"), name
            lines = blob[3:].split(b"\r\n")
            assert lines[-1] == b"" and all(b"\n" not in line for line in lines), name
            assert sep in lines[0], name


def test_headers_come_from_the_catalogue(classified):
    g, tags = classified
    for lang in ("fr", "en"):
        text = catalogue(lang)
        for name, body in csv_out.render_csvs(g, tags, plan(), lang).items():
            header = _parse(body, lang)[0]
            assert header == [text[key] for key, _ in csv_out.COLUMNS[name]], (lang, name)
    fr = _parse(csv_out.render_csvs(g, tags, plan(), "fr")["systems.csv"], "fr")[0]
    assert "Classe de données" in fr and "Criticité" in fr


def test_accents_round_trip_through_the_bom(tmp_path, classified):
    g, tags = classified
    body = csv_out.render_csvs(g, tags, plan(), "fr")["firewall-matrix.csv"]
    path = tmp_path / "m.csv"
    path.write_bytes(body.encode("utf-8"))
    with open(path, encoding="utf-8-sig", newline="") as f:  # what LibreOffice/Excel decode
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][6] == "À partir de la vague"
    assert rows[1][-1] == "la modalité reste sur site"
    assert rows[1][:5] == ["host:10.20.3.7", "host:pacs01", "4242", "", "dicom"]


def test_every_row_is_present(classified):
    g, tags = classified
    files = csv_out.render_csvs(g, tags, plan(), "en")
    systems = _parse(files["systems.csv"], "en")[1:]
    assert [r[0] for r in systems] == model.host_ids(g)
    flows = _parse(files["flows.csv"], "en")[1:]
    graph_flows = sorted((u, v) for u, v, k in g.edges(keys=True) if k == "flow")
    assert sorted((r[0], r[1]) for r in flows) == graph_flows and len(flows) >= 3
    assert len(_parse(files["findings.csv"], "en")) - 1 == len(tags["findings"])
    waves = _parse(files["waves.csv"], "en")[1:]
    assert [(w[0], w[1], w[4]) for w in waves] == [("1", "Imagerie", "123456789"), ("2", "DPI", "1800")]
    assert waves[1][3] == "host:dpi-app01, host:dpi-db01"


def test_formula_injection_is_neutralised(classified):
    g, tags = classified
    evil = plan()
    evil["waves"][0]["name"] = "=HYPERLINK(\"http://x\";\"y\")"
    evil["waves"][1]["window"] = "+SUM(A1)"
    evil["hybrid_flows"][0]["reason"] = "@cmd"
    evil["hybrid_flows"][0]["protocol"] = "-2+3"
    files = csv_out.render_csvs(g, tags, evil, "fr")
    waves = _parse(files["waves.csv"], "fr")
    assert waves[2][1] == "'=HYPERLINK(\"http://x\";\"y\")"
    assert waves[1][5] == "'+SUM(A1)"
    matrix = _parse(files["firewall-matrix.csv"], "fr")[1]
    assert matrix[4] == "'-2+3" and matrix[-1] == "'@cmd"
    # RFC 4180: the separator and the quote inside a cell are quoted, not split
    assert '"\'=HYPERLINK(""http://x"";""y"")"' in files["waves.csv"]
    for cell in ("=1", "+1", "-1", "@1", "\t1", "\r1"):
        assert csv_out.safe_cell(cell) == "'" + cell
    assert csv_out.safe_cell("1-2") == "1-2" and csv_out.safe_cell(None) == ""


def test_line_breaks_inside_a_cell_are_quoted(classified):
    g, tags = classified
    p = plan()
    p["hybrid_flows"][0]["reason"] = "ligne 1\nligne 2; suite"
    body = csv_out.render_csvs(g, tags, p, "fr")["firewall-matrix.csv"]
    assert _parse(body, "fr")[1][-1] == "ligne 1\nligne 2; suite"


def test_deterministic(classified):
    g, tags = classified
    again, tags_again = estate()
    assert csv_out.render_csvs(g, tags, plan(), "fr") == csv_out.render_csvs(again, tags_again, plan(), "fr")


def test_firewall_matrix_comes_from_the_planners_rules(classified):
    """plan["firewall"] (one rule per source/destination/port) wins over the hybrid flows:
    kind in words, observed volume, flows covered and evidence ids, in both languages."""
    g, tags = classified
    p = plan()
    p["firewall"] = [{"source": "host:10.20.3.7", "destination": "host:pacs01", "port": 4242, "transport": "tcp",
                      "protocol": "dicom", "from_wave": 1, "until_wave": None, "kind": "permanent",
                      "connections": 12, "bytes": 5_000_000, "flows": 2, "evidence": ["obs:a1", "obs:b2"],
                      "reason": "la modalité reste sur site"}]
    for lang, kind in (("fr", "permanente"), ("en", "permanent")):
        rows = _parse(csv_out.render_csvs(g, tags, p, lang)["firewall-matrix.csv"], lang)
        head = dict(zip([k for k, _ in csv_out.COLUMNS["firewall-matrix.csv"]], range(99)))
        assert len(rows) == 2
        row = rows[1]
        assert row[head["kind"]] == kind and row[head["until_wave"]] == ""
        assert row[head["bytes"]] == "5000000" and row[head["flows_count"]] == "2"
        assert row[head["evidence"]] == "obs:a1, obs:b2" and row[head["connections"]] == "12"
    p["firewall"] = []  # an empty matrix falls back to the hybrid flows
    rows = _parse(csv_out.render_csvs(g, tags, p, "fr")["firewall-matrix.csv"], "fr")
    assert len(rows) - 1 == len(p["hybrid_flows"])


def test_waves_csv_carries_transfer_and_preseed(classified):
    g, tags = classified
    p = plan()
    p["waves"][0]["transfer"] = {"data_bytes": 123456789, "seconds": 7200, "fits": False,
                                 "preseed_bytes": 99_000_000, "window_seconds": 3600, "text": "x"}
    for lang, no in (("fr", "non"), ("en", "no")):
        rows = _parse(csv_out.render_csvs(g, tags, p, lang)["waves.csv"], lang)
        head = dict(zip([k for k, _ in csv_out.COLUMNS["waves.csv"]], range(99)))
        second, first = rows[1], rows[2]  # p["waves"][0] is wave 2, the second row
        assert first[head["transfer_seconds"]] == "7200" and first[head["fit"]] == no
        assert first[head["preseed_bytes"]] == "99000000"
        assert second[head["transfer_seconds"]] == "" and second[head["preseed_bytes"]] == ""
