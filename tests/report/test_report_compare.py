"""`hdscan run … --compare PREVIOUS` / `hdscan report --compare PREVIOUS`: the report's
"changes since the previous collection" section lists exactly the changes the evolve
generator made, line for line the same as `hdscan diff`'s JSON, text and page; a report
without --compare has no such section; the report stage re-renders when PREVIOUS changes."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys

import pytest

from sample_estates.gen.evolve import evolve
from scanner import pipeline
from scanner.diff import render
from tests.conftest import ROOT, SAMPLE
from tests.diff.diff_helpers import SEED_FOR_TESTS, expected, observed, run_all
from tests.report.report_cli import run_cli


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("hH4-compare")
    estate_a = base / "estate-a"
    shutil.copytree(SAMPLE, estate_a)
    out_a = run_all(estate_a, base / "out-a")
    estate_b = base / "estate-b"
    changes = evolve(estate_a, estate_b, SEED_FOR_TESTS, out_a)
    rules = estate_b / changes["rules"]
    out_b = base / "out-b"
    run_cli("run", estate_b, "-o", out_b, "--rules", rules, "--compare", out_a, "-q")
    return {"base": base, "out_a": out_a, "out_b": out_b, "rules": rules, "changes": changes}


def _diff(a, b, folder) -> dict:
    """`hdscan diff A B --json … -o FOLDER` (exit 1: differences found); the JSON document."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "scanner", "diff", str(a), str(b), "--json",
                           str(folder / "diff.json"), "-o", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 1, done.stderr
    return json.loads((folder / "diff.json").read_text(encoding="utf-8"))


def _lines(page: str, prefix: str) -> dict[str, list[tuple[str, str, str]]]:
    """{section key: [(mark, text, why)]} of every diff table whose section id starts with prefix."""
    out = {}
    for key, body in re.findall(rf'<section id="{prefix}([a-z_]+)">\s*<h[23]>[^<]*</h[23]>(.*?)</section>',
                                page, re.S):
        rows = re.findall(r'<td class="diff-mark">([^<]*)</td><td>([^<]*)</td><td class="because">([^<]*)</td>',
                          body)
        out[key] = [tuple(html.unescape(x) for x in r) for r in rows]
    return out


def test_section_lists_exactly_the_generated_changes(pair):
    out_a, out_b = pair["out_a"], pair["out_b"]
    page = (out_b / "report" / "index.html").read_text(encoding="utf-8")
    assert '<section id="changes">' in page and 'href="#changes"' in page
    doc = _diff(out_a, out_b, pair["base"] / "diff")
    # the generator's changes, derived from A alone (tests/diff/diff_helpers.py)
    exp, got = expected(pair["changes"], out_a), observed(doc)
    for section in ("hosts", "services", "databases", "endpoints", "dependencies", "site_moves",
                    "waves", "unclosed_flows", "classifications"):
        assert got[section] == exp[section], section
    # the report's section holds the same lines as `hdscan diff`'s document and its page
    section = _lines(page, "changes-")
    wanted = {s["key"]: [(x["mark"], x["text"], x["why"]) for x in s["lines"]]
              for s in render.sections(doc, "fr")}
    assert section == wanted
    standalone = _lines((pair["base"] / "diff" / "diff.html").read_text(encoding="utf-8"), "diff-")
    assert section == standalone
    assert sum(len(v) for v in section.values()) == doc["differences"]
    total = re.search(r'<section id="changes">.*?<span class="n">(\d+)</span>', page, re.S).group(1)
    assert int(total) == doc["differences"]
    removed = [c for c in pair["changes"]["changes"] if c["kind"] == "remove_host"][0]["host"]
    assert ("-", f"disparu {removed}", "") in section["hosts"]


def test_stage_cache_follows_previous_and_no_compare_means_no_section(pair):
    out_a, out_b, rules = pair["out_a"], pair["out_b"], [pair["rules"]]
    index = out_b / "report" / "index.html"
    # same PREVIOUS as the CLI run: the report is kept
    kept = pipeline.run_stages(out_b, rules, previous=out_a).kept
    assert "report" in kept and "plan" in kept
    # another PREVIOUS (A's export instead of its folder): the report is rebuilt and names it
    export = out_a / "export" / "hdscan.json"
    assert "report" not in pipeline.run_stages(out_b, rules, previous=export).kept
    assert f"<code>{export}</code>" in index.read_text(encoding="utf-8")
    assert "report" in pipeline.run_stages(out_b, rules, previous=export).kept
    # PREVIOUS's content changes (same path): rebuilt again
    data = json.loads(export.read_text(encoding="utf-8"))
    export.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "report" not in pipeline.run_stages(out_b, rules, previous=export).kept
    # no --compare: rebuilt, and no section
    assert "report" not in pipeline.run_stages(out_b, rules).kept
    page = index.read_text(encoding="utf-8")
    assert 'id="changes"' not in page and 'href="#changes"' not in page
    assert "diff-mark" not in page.split("<style>")[1].split("</style>")[1]
    # `hdscan report --compare` renders the section too; --redact refuses it
    run_cli("report", "-o", out_b, "--compare", out_a, "--lang", "en")
    assert '<h2>Changes since the previous collection</h2>' in index.read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "scanner", "report", "-o", str(out_b), "--compare",
                           str(out_a), "--redact"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode != 0 and "--compare cannot be combined with --redact" in done.stderr
