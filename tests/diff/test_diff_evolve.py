"""`hdscan diff` between two generated collections reports exactly the changes the
generator made (issue #9, done-when), in every output form."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from diff_helpers import SEED_FOR_TESTS, expected, observed

from sample_estates.gen.evolve import EvolveError, evolve
from scanner.cli import main
from scanner.diff import compare, load


def test_changes_yml_lists_every_change(runs):
    written = yaml.safe_load((runs["estate_b"] / "changes.yml").read_text(encoding="utf-8"))
    assert written == runs["changes"]
    assert [c["kind"] for c in written["changes"]] == ["add_flow", "remove_host", "migrate_wave", "add_rule"]


def test_diff_reports_exactly_the_generated_changes(runs):
    doc = compare.compare(load.load(runs["out_a"]), load.load(runs["out_b"]))
    exp = expected(runs["changes"], runs["out_a"])
    got = observed(doc)
    for section in ("hosts", "services", "databases", "endpoints", "dependencies", "site_moves",
                    "waves", "unclosed_flows", "classifications"):
        assert got[section] == exp[section], section
    assert exp["unclosed_flows"], "the migrated wave should leave a hybrid flow crossing sites"
    rule = [c for c in runs["changes"]["changes"] if c["kind"] == "add_rule"][0]
    (change,) = doc["classifications"]
    assert change["after"] == sorted(change["before"] + [rule["value"]])
    assert change["rules_removed"] == [] and change["evidence"] == "files"
    assert change["inherited"] and set(change["inherited"]) <= exp["rule_family"]
    wave = [c for c in runs["changes"]["changes"] if c["kind"] == "migrate_wave"][0]
    (w,) = doc["waves"]
    assert (w["moved"], w["hosts"], w["sites"], w["not_moved"]) == (len(wave["hosts"]), len(wave["hosts"]),
                                                                    [wave["site"]], [])


def test_text_has_one_line_per_change_and_exit_code_1(runs):
    result = CliRunner().invoke(main, ["diff", str(runs["out_a"]), str(runs["out_b"]), "--lang", "en"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    changes = [ln for ln in lines if ln[:2] in ("+ ", "- ", "~ ", "> ", "= ", "! ")]
    doc = compare.compare(load.load(runs["out_a"]), load.load(runs["out_b"]))
    assert len(changes) == doc["differences"]
    assert lines[-1] == f"{doc['differences']} difference(s)"
    removed = [c for c in runs["changes"]["changes"] if c["kind"] == "remove_host"][0]["host"]
    assert f"- vanished {removed}" in lines
    flow = [c for c in runs["changes"]["changes"] if c["kind"] == "add_flow"][0]
    assert any(ln.startswith(f"+ new flow {flow['client']} → {flow['server']}") for ln in lines)


def test_json_and_html_outputs_are_deterministic(runs, tmp_path):
    args = ["diff", str(runs["out_a"]), str(runs["out_b"])]
    first = CliRunner().invoke(main, args + ["--json", str(tmp_path / "1.json"), "-o", str(tmp_path / "h1")])
    second = CliRunner().invoke(main, args + ["--json", str(tmp_path / "2.json"), "-o", str(tmp_path / "h2")])
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()
    doc = json.loads((tmp_path / "1.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "hdscan-diff/1" and doc["differences"] > 0
    html1 = (tmp_path / "h1" / "diff.html").read_text(encoding="utf-8")
    assert html1 == (tmp_path / "h2" / "diff.html").read_text(encoding="utf-8")
    assert "<style>" in html1 and "--accent" in html1          # the report's CSS, inlined
    assert "http://" not in html1 and "https://" not in html1 and "<script" not in html1
    assert "Vagues migrées" in html1 and "Flux qui auraient dû être fermés" in html1


def test_export_against_folder_gives_the_same_changes(runs):
    folders = compare.compare(load.load(runs["out_a"]), load.load(runs["out_b"]))
    mixed = compare.compare(load.load(runs["out_a"] / "export" / "hdscan.json"), load.load(runs["out_b"]))
    exports = compare.compare(load.load(runs["out_a"] / "export" / "hdscan.json"),
                              load.load(runs["out_b"] / "export" / "hdscan.json"))
    assert observed(folders) == observed(mixed) == observed(exports)
    assert folders["differences"] == mixed["differences"] == exports["differences"]
    assert mixed["a"]["form"] == "export" and mixed["classifications"][0]["evidence"] == "observations"


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_evolve_is_deterministic_and_refuses_to_overwrite(runs, tmp_path):
    again = tmp_path / "again"
    evolve(runs["estate_a"], again, SEED_FOR_TESTS, runs["out_a"])
    assert _tree(again) == _tree(runs["estate_b"])
    with pytest.raises(EvolveError, match="not empty"):
        evolve(runs["estate_a"], again, SEED_FOR_TESTS, runs["out_a"])
    with pytest.raises(EvolveError, match="no plan.json"):
        evolve(runs["estate_a"], tmp_path / "other", SEED_FOR_TESTS, tmp_path)
