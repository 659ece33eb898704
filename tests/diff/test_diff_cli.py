"""`hdscan diff` on identical runs, on broken inputs, and its privacy."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from diff_helpers import SAMPLE

from scanner.cli import main


def test_identical_runs_have_no_differences_exit_0(runs):
    out = runs["out_a"]
    for b in (out, out / "export" / "hdscan.json"):
        result = CliRunner().invoke(main, ["diff", str(out), str(b), "--lang", "en"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1] == "no differences"
        assert len(result.output.splitlines()) == 3


def test_missing_input_is_a_located_error_exit_2(runs, tmp_path):
    result = CliRunner().invoke(main, ["diff", str(runs["out_a"]), str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.output == f"hdscan: error: {tmp_path / 'nowhere'}: no such file or folder\n"


def test_corrupt_export_names_file_and_line(runs, tmp_path):
    bad = tmp_path / "hdscan.json"
    bad.write_text('{"schema": "hdscan-export/1",\n "nodes": [,]}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(bad), str(runs["out_a"])])
    assert result.exit_code == 2
    assert result.output.startswith(f"hdscan: error: {bad}: line 2: not valid JSON")
    assert len(result.output.splitlines()) == 1


def test_folder_without_tags_names_the_missing_file(runs, tmp_path):
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(runs["out_a"] / "graph.json", half / "graph.json")
    result = CliRunner().invoke(main, ["diff", str(half), str(runs["out_a"])])
    assert result.exit_code == 2
    assert f"{half / 'tags.json'}: missing" in result.output


def test_wrong_schema_is_refused(runs, tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"schema": "hdscan-plan/1"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(runs["out_a"]), str(other)])
    assert result.exit_code == 2 and "not an hdscan-export/1 export" in result.output


def test_no_canary_in_any_output(runs, tmp_path):
    canaries = [c.strip() for c in (SAMPLE / "canaries.txt").read_text(encoding="utf-8").splitlines()
                if c.strip() and not c.startswith("#")]
    assert canaries
    texts = []
    for lang in ("fr", "en"):
        out = tmp_path / lang
        result = CliRunner().invoke(main, ["diff", str(runs["out_a"]), str(runs["out_b"]), "--lang", lang,
                                           "--json", str(out / "d.json"), "-o", str(out)])
        assert result.exit_code == 1
        texts += [result.output, (out / "d.json").read_text(encoding="utf-8"),
                  (out / "diff.html").read_text(encoding="utf-8")]
    for text in texts:
        low = text.lower()
        for canary in canaries:
            assert canary.lower() not in low, canary
