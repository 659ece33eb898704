"""French and English: both catalogues hold the same keys, the template and the report
modules carry no user-facing words of their own, and an English report has no French left."""

from __future__ import annotations

import ast
import json
import re

import pytest

from report_helpers import estate, meta, plan
from scanner.report import csv_out, markdown_out
from scanner.report.html import render_html
from scanner.report.i18n import CATALOGUES, catalogue, value_keys
from tests.conftest import ROOT

TEMPLATE = ROOT / "reports" / "report.html.j2"
# modules that produce user-facing text; i18n.py holds the words, explain.py is the CLI's
MODULES = ["html.py", "model.py", "dot.py", "csv_out.py", "markdown_out.py", "exports.py",
           "graphml_out.py", "gexf_out.py", "flat.py", "json_out.py", "svg.py", "mapdata.py", "layout.py",
           "evidence.py", "tables.py"]
SCRIPT = ROOT / "reports" / "map.js"
SCRIPTS = [SCRIPT, ROOT / "reports" / "tables.js"]
# words that only a French page contains (none of them occurs in the test estate's data)
FRENCH_ONLY = ["Synthèse", "Constats", "Hébergement", "Criticité", "Vagues", "Machines", "Aucun",
               "Sommaire", "Légende", "Fenêtre", "Établissement", "santé", "Flux hybrides", "Vague "]


def test_both_catalogues_hold_the_same_keys():
    assert set(CATALOGUES["fr"]) == set(CATALOGUES["en"])
    keys = value_keys()
    assert keys["fr"] == keys["en"]
    for lang in ("fr", "en"):
        assert all(isinstance(v, str) and v for v in CATALOGUES[lang].values())
    with pytest.raises(ValueError, match="no report catalogue"):
        catalogue("de")


def test_template_has_no_words_outside_the_catalogue():
    text = TEMPLATE.read_text(encoding="utf-8")
    for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}", r"<script>.*?</script>",
                    r"<style>.*?</style>", r"<!DOCTYPE[^>]*>", r"<[^>]+>", r"&[a-z]+;"):
        text = re.sub(pattern, " ", text, flags=re.S)
    leftover = re.findall(r"[^\W\d_]+", text)
    assert leftover == [], leftover


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_have_no_words_of_their_own(script):
    """The page's scripts (the map, the long tables) show only the data's words (``T.*``):
    no string literal with a letter outside element ids, event and property names, CSS
    selectors, colours and CSS fonts."""
    code = re.sub(r"/\*.*?\*/", " ", script.read_text(encoding="utf-8"), flags=re.S)
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"', code)
    allowed = re.compile(r"^(|use strict|[a-z][a-zA-Z0-9_-]*|#[0-9a-f]{6}|rgba\([0-9., ]+\)|px sans-serif|[ ()=:—,]+"
                         r"|\{n\}|\{total\}|\{first\}|\{last\}|details\.focus|2d|\*|[0-9]+(\.[0-9]+)?"
                         r'|[a-z]*\.[a-z-]+(\[data-table=\\")?|\\"\])$')
    bad = [x for x in literals if not allowed.match(x)]
    assert bad == [], bad


def _literals(path):
    """String constants of a module, docstrings excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_report_modules_hard_code_no_catalogue_words():
    words = set()
    for lang in ("fr", "en"):
        for text in CATALOGUES[lang].values():
            words |= {w for w in re.findall(r"[^\W\d_]{5,}", text)}
    words -= {"hdscan", "SecNumCloud", "Source", "Transport", "Total"}  # also technical names
    for name in MODULES:
        for literal in _literals(ROOT / "scanner" / "report" / name):
            assert not re.search(r"[À-ÿ]", literal), (name, literal)  # no French text in code
            found = [w for w in re.findall(r"[^\W\d_]{5,}", literal) if w in words and w[0].isupper()]
            assert not found, (name, literal, found)


@pytest.fixture(scope="module")
def english():
    g, tags = estate()
    page = render_html(g, tags, plan(), meta(), "<svg></svg>", "<svg></svg>", "en")
    csvs = csv_out.render_csvs(g, tags, plan(), "en")
    md = markdown_out.render_markdown(g, tags, plan(), meta(), "en")
    return page, csvs, md


def test_english_outputs_have_no_french_and_no_bare_keys(english):
    page, csvs, md = english
    # the plan's own reasons are data (French in the test estate): drop them before looking
    data = [r["text"] for w in plan()["waves"] for r in w["reasons"]]
    data += [s["reason"] for s in plan()["stays"]] + [e["reason"] for e in plan()["external"]]
    data += [f["reason"] for f in plan()["hybrid_flows"]] + ["Imagerie"]
    [raw] = re.findall(r'<script type="application/json" id="imap-data">(.*?)</script>', page, re.S)
    document = json.loads(raw)  # the interactive map's words: the English catalogue's only
    assert document["t"] == {k: CATALOGUES["en"][k] for k in document["t"]}
    labels = [label for pairs in document["filters"].values() for _, label in pairs]
    assert "Wave 1" in labels and "health" in labels
    for word in FRENCH_ONLY:
        assert not any(word in label for label in labels), word
    page = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    texts = [re.sub(r"<[^>]+>", " ", page), md] + [c.split("\r\n", 1)[0] for c in csvs.values()]
    # the rules column shows tags as stored (``data_class = health``): dimension names are data
    keys = [k for k in CATALOGUES["en"] if "_" in k and k not in ("data_class", "care_tier")]
    for text in texts:
        for d in data:
            text = text.replace(d, " ").replace(d.replace("'", "&#39;"), " ")
        for word in FRENCH_ONLY:
            assert word not in text, word
        for key in keys:
            assert not re.search(r"(?<![\w.-])" + re.escape(key) + r"(?![\w-])", text), key


def test_french_outputs_use_the_french_catalogue():
    g, tags = estate()
    header = csv_out.render_csvs(g, tags, plan(), "fr")["systems.csv"].split("\r\n", 1)[0]
    assert header == "\ufeff" + ";".join(CATALOGUES["fr"][k] for k, _ in csv_out.COLUMNS["systems.csv"])
    md = markdown_out.render_markdown(g, tags, plan(), meta(), "fr")
    assert "## Vagues de migration" in md and "Volume de données" in md
