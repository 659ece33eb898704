"""The worked example of docs/rules.md §11, run as written: a consultant adds a rule for a
local product in one file with its tests, in a site pack; lints it, tests it, classifies
the sample estate with it and sees the classification, the explanation and the exported
systems table change. A typo is caught by lint with its place, and a broken site pack
stops classify without touching what was written before."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest

from sample_run import ROOT, classify_sample, cli, reclassify

DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
RULE = "roles/ged_sante_by_product.yml"


def _example(name: str) -> str:
    m = re.search(rf"<!-- example:{re.escape(name)} -->\n```yaml\n(.*?)```", DOC, re.S)
    assert m, f"docs/rules.md has no example block {name}"
    return m.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hC-site") / "site-chsa"
    (root / "roles").mkdir(parents=True)
    (root / "pack.yml").write_text(_example("pack.yml"), encoding="utf-8")
    (root / RULE).write_text(_example(RULE), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("hC-workflow") / "out"
    classify_sample(out)
    return out


def _systems(out) -> dict:
    proc = cli("plan", "-o", out)
    assert proc.returncode == 0, proc.stderr
    proc = cli("export", "-o", out, "--format", "csv", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    with open(out / "export" / "systems.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=","))
    head = rows[0]
    return {r[0]: dict(zip(head, r)) for r in rows[1:]}


def test_lint_and_test_the_site_pack(site):
    proc = cli("rules", "lint", site)
    assert (proc.returncode, proc.stdout) == (0, "no issues\n"), proc.stdout + proc.stderr
    proc = cli("rules", "test", site)
    assert (proc.returncode, proc.stdout) == (0, "all rule tests pass\n"), proc.stdout


def test_the_rule_changes_the_classification_the_explanation_and_the_export(site, out):
    before = json.loads((out / "tags.json").read_text(encoding="utf-8"))
    assert before["resolved"]["host:ged01"]["role"] == ["unknown"]
    assert _systems(out)["host:ged01"]["Roles"] == "unknown"

    after = reclassify(out, [site])
    assert after["packs"] == ["hdscan-core@2026.1", "site-chsa@2026.1"]
    assert after["resolved"]["host:ged01"]["role"] == ["document-management"]
    changed = {e for e in after["resolved"] if after["resolved"][e] != before["resolved"].get(e)}
    assert "host:ged01" in changed
    assert not {e for e in changed if e.startswith("host:")} - {"host:ged01"}   # nothing else moved

    proc = cli("explain", "ged01", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert ("role = document-management  [chsa.role.ged-sante-by-product@1, confidence high]\n"
            "    runs GED Santé (document management server)\n    evidence obs:") in proc.stdout
    assert _systems(out)["host:ged01"]["Roles"] == "document-management"


def test_a_typo_is_located_and_a_broken_pack_changes_nothing(site, out, tmp_path):
    broken = tmp_path / "site-chsa"
    shutil.copytree(site, broken)
    rule = broken / RULE
    rule.write_text(rule.read_text(encoding="utf-8").replace("host.processes:", "host.proceses:"),
                    encoding="utf-8")
    proc = cli("rules", "lint", broken)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == (
        f"{rule}:14:5: [error] R001 unknown field 'host.proceses'; did you mean 'host.processes'?")
    tags = (out / "tags.json").read_bytes()
    proc = cli("classify", "-o", out, "--rules", broken)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"hdscan: error: {rule}: line 14 col 5: [error] R001 unknown field")
    assert (out / "tags.json").read_bytes() == tags


@pytest.mark.skipif(shutil.which("dot") is None, reason="the HTML report needs Graphviz dot")
def test_the_html_report_shows_the_new_role(site, out):
    reclassify(out, [site])
    assert cli("plan", "-o", out).returncode == 0
    proc = cli("report", "-o", out, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "document-management" in html
