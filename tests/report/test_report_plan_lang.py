"""The planner's sentences in the report's language (issue #8): the sample estate's report
model, CSVs and Markdown rendered in French carry no English planner sentence, and in
English no French one; the word lists come from the catalogue itself
(scanner/plan/messages.py).  A plan.json written before the catalogue still renders, and
``hdscan plan --explain`` / ``plan check`` speak the language asked."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest

from scanner import pipeline
from scanner.plan.messages import MESSAGES, fixed_words, localized, render
from scanner.report import csv_out, markdown_out
from scanner.report.html import report_model
from tests.conftest import ROOT
from tests.plan.plan_edits import moved_to_pilot
from tests.report.report_cli import run_cli

OTHER = {"fr": "en", "en": "fr"}


def _chunks(lang: str) -> set[str]:
    """The fixed stretches of text of every ``lang`` template (placeholders cut out) that
    say something in that language: three words or more, found in no template of the other
    language."""
    other = " ".join(t[OTHER[lang]] for t in MESSAGES.values())
    out = set()
    for texts in MESSAGES.values():
        for piece in re.split(r"\{[^{}]*\}", texts[lang]):
            piece = piece.strip(" ;:,.()")
            if len(re.findall(r"[^\W\d_]{2,}", piece)) >= 3 and piece not in other:
                out.add(piece)
    return out


def _words(lang: str) -> set[str]:
    """The words of ``lang``'s templates (placeholders cut out) no template of the other
    language uses."""
    def words(of):
        return {w.lower() for k in MESSAGES for w in fixed_words(k, of) if len(w) >= 3}
    return words(lang) - words(OTHER[lang])


def _planner_cells(model: dict) -> list[str]:
    """Every planner-derived text the report model shows."""
    cells = []
    for w in model["waves"]:
        cells += w["reasons"]
        cells += [c["text"] for c in w["checklist"]]
        cells.append(w["transfer"]["text"])
    cells += [s["reason"] for s in model["stays"]] + [e["reason"] for e in model["external"]]
    cells += [f["reason"] for f in model["hybrid"]]
    cells += [s["stays"] for s in model["systems"] if s.get("stays")]
    return [c for c in cells if c]


@pytest.fixture(scope="module")
def inputs(sample_out):
    return pipeline._report_inputs(sample_out, False, evidence=True)


@pytest.fixture(scope="module")
def rendered(inputs):
    g, tags, plan, meta = inputs
    out = {}
    for lang in ("fr", "en"):
        model = report_model(g, tags, plan, meta, lang)
        out[lang] = {"model": model, "csvs": csv_out.render_csvs(g, tags, plan, lang),
                     "md": markdown_out.render_markdown(g, tags, plan, meta, lang)}
    return out


def test_the_sample_plan_carries_messages_for_every_planner_text(inputs):
    plan = inputs[2]
    reasons = [r for g in plan["groups"] for r in g["reasons"]] + \
              [r for w in plan["waves"] for r in w["reasons"]]
    items = [c for w in plan["waves"] for c in w["checklist"]] + [w["transfer"] for w in plan["waves"]]
    assert reasons and items and plan["stays"] and plan["hybrid_flows"]
    for obj in reasons + items:
        assert obj["msg"] in MESSAGES and obj["text"] == render(obj["msg"], obj["params"], "en")
    assert isinstance(plan["firewall"], list) and plan["firewall"]
    for obj in plan["stays"] + plan["external"] + plan["hybrid_flows"] + plan["firewall"]:
        said = obj["reason_msg"]
        assert obj["reason"] == render(said["msg"], said["params"], "en")
    used = {o["msg"] for o in reasons + items} | {o["reason_msg"]["msg"] for o in plan["stays"]}
    assert len(used) >= 15, sorted(used)       # the sample exercises a good part of the catalogue


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_planner_sentence_in_the_other_language(rendered, lang):
    foreign = _chunks(OTHER[lang])
    own = _chunks(lang)
    assert len(foreign) > 100 and len(own) > 100
    r = rendered[lang]
    cells = _planner_cells(r["model"])
    assert len(cells) > 50
    # every planner cell reads in ``lang``: it holds a word only ``lang``'s templates use …
    mine = _words(lang)
    unsaid = [c for c in cells if not mine & {w.lower() for w in re.findall(r"[^\W\d_]+", c)}]
    assert not unsaid, unsaid[:5]
    # … and none of the other language's, nor does any whole output
    texts = cells + [r["md"]] + list(r["csvs"].values()) + \
        [json.dumps(r["model"]["waves"], ensure_ascii=False)]
    leaks = sorted({p for t in texts for p in foreign if p in t})
    assert not leaks, leaks[:10]


def test_french_cells_are_the_catalogues_french(rendered, inputs):
    plan = inputs[2]
    fr = rendered["fr"]["model"]
    by_number = {w["number"]: w for w in fr["waves"]}
    for w in plan["waves"]:
        shown = by_number[str(w["number"])]
        assert shown["reasons"] == [localized(r, "text", "fr") for r in w["reasons"]]
        assert [c["text"] for c in shown["checklist"]] == [localized(c, "text", "fr") for c in w["checklist"]]
        assert shown["name"] == localized(w, "name", "fr")    # "pilote", "fondation : …"
    names = {w["name"] for w in fr["waves"]}
    assert "pilote" in names and "fondation : répliquer l'annuaire et le DNS" in names
    stays = {s["host"]: s["reason"] for s in fr["stays"]}
    for s in plan["stays"]:
        assert stays[s["host"]] == localized(s, "reason", "fr") != s["reason"]
    waves_csv = rendered["fr"]["csvs"]["waves.csv"]
    assert "ouvre une nouvelle vague" in waves_csv or "migre en vague" in waves_csv
    assert "groups move from the least" not in waves_csv


def test_a_plan_json_of_an_older_hdscan_still_renders(inputs):
    g, tags, plan, meta = inputs
    old = copy.deepcopy(plan)

    def strip(value):
        if isinstance(value, dict):
            for key in [k for k in value if k in ("msg", "params") or k.endswith("_msg")]:
                del value[key]
            for v in value.values():
                strip(v)
        elif isinstance(value, list):
            for v in value:
                strip(v)

    strip(old)
    model = report_model(g, tags, old, meta, "fr")
    cells = _planner_cells(model)
    assert cells and all(isinstance(c, str) for c in cells)
    # nothing to translate from: the English texts as written
    assert model["waves"][0]["reasons"] == [r["text"] for r in plan["waves"][0]["reasons"]]
    csvs = csv_out.render_csvs(g, tags, old, "fr")
    assert plan["hybrid_flows"][0]["reason"].split(":")[0] in csvs["firewall-matrix.csv"]


def test_explain_and_check_speak_the_language_asked(sample_out, tmp_path):
    fr = run_cli("plan", "-o", sample_out, "--explain", "host:dpi-db01").stdout.splitlines()
    en = run_cli("plan", "-o", sample_out, "--explain", "host:dpi-db01", "--lang", "en").stdout.splitlines()
    head_fr = next(x for x in fr if x.startswith("dpi-db01 migre en vague"))
    head_en = next(x for x in en if x.startswith("dpi-db01 moves in wave"))
    assert head_fr.split()[4] == head_en.split()[4]                  # the same wave number
    assert "pourquoi ces machines migrent ensemble :" in fr and "why these hosts move together:" in en
    explain_fr = "\n".join(fr[fr.index("pourquoi ces machines migrent ensemble :"):])
    assert not sorted(p for p in _chunks("en") if p in explain_fr)
    assert any(x.startswith("  vague ") for x in fr)
    edited, _ = moved_to_pilot(sample_out, tmp_path)
    done = {lang: subprocess.run([sys.executable, "-m", "scanner", "plan", "check", str(edited), "-o",
                                  str(sample_out), "--lang", lang], capture_output=True, text=True,
                                 cwd=ROOT, timeout=600) for lang in ("fr", "en")}
    assert done["fr"].returncode == done["en"].returncode == 1
    lines = {lang: [x for x in d.stderr.splitlines() if x.startswith("hdscan: violation:")]
             for lang, d in done.items()}
    assert len(lines["fr"]) == len(lines["en"]) > 0
    assert any("split-group: dpi-db01 (vague" in x and "forment un seul groupe de déplacement" in x
               for x in lines["fr"]), lines["fr"]
    assert any("le pilote contient" in x for x in lines["fr"])
    assert not sorted(p for p in _chunks("en") for x in lines["fr"] if p in x)
    assert any("are one move group" in x for x in lines["en"])
