"""The default pack's accuracy on the sample estate, per dimension, against truth.yml:
precision and recall ≥ 0.95, printed, and equal to the table published in
docs/rules-accuracy.md (so the doc cannot drift from what the pack does)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from sample_run import ROOT, SAMPLE, classify_sample
from scanner.classify.accuracy import DIMENSIONS, markdown_table, measure

DOC = ROOT / "docs" / "rules-accuracy.md"
FLOOR = 0.95


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("hC-accuracy") / "out"
    tags = classify_sample(out)
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text(encoding="utf-8"))
    figures = measure(tags["resolved"], truth["hosts"])
    (out / "accuracy.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print("\n" + markdown_table(figures))
    return figures


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_precision_and_recall_at_least_floor(figures, dim):
    f = figures[dim]
    assert f["precision"] >= FLOOR, (dim, f["wrong"])
    assert f["recall"] >= FLOOR, (dim, f["missed"])


def test_published_table_is_the_measured_one(figures):
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- accuracy:begin -->\n(.*?)\n<!-- accuracy:end -->", text, re.S)
    assert m, f"{DOC}: no <!-- accuracy:begin/end --> block"
    assert m.group(1) == markdown_table(figures), \
        f"{DOC} is stale; the table should read:\n{markdown_table(figures)}"


def test_measure_counts_wrong_and_missed_pairs():
    truth = {"a": {"roles": ["DPI"], "data_class": "health", "care_tier": 1, "hosting": "hds",
                   "exposure": "none"},
             "b": {"roles": ["GAM", "EAI"], "data_class": "personal", "care_tier": None,
                   "hosting": "any", "exposure": "none"}}
    resolved = {"host:a": {"role": ["DPI", "PACS"], "data_class": "health", "care_tier": 2,
                           "hosting": None, "exposure": "none"},
                "host:b": {"role": ["unknown"], "data_class": "personal", "care_tier": 4,
                           "hosting": "any", "exposure": "none"}}
    f = measure(resolved, truth)
    assert (f["role"]["precision"], f["role"]["recall"]) == (0.5, 1 / 3)
    assert f["role"]["wrong"] == [("a", "PACS")] and f["role"]["missed"] == [("b", "EAI"), ("b", "GAM")]
    assert (f["care_tier"]["precision"], f["care_tier"]["recall"]) == (0.0, 0.0)
    assert (f["hosting"]["precision"], f["hosting"]["recall"]) == (1.0, 0.5)
    assert f["data_class"]["precision"] == f["data_class"]["recall"] == 1.0
    assert measure({}, truth)["data_class"]["recall"] == 0.0      # unseen hosts are misses
