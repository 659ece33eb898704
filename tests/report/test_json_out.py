"""export/hdscan.json: golden file, schema, determinism, atomic write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from minischema import validate
from report_helpers import CONFIG, estate, meta, observations, plan
from tests.conftest import ROOT
from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.graph.build import build_graph
from scanner.report import json_out
from scanner.report.json_out import write_json_export

GOLDEN = Path(__file__).parent / "golden" / "export.json"


@pytest.fixture(scope="module")
def classified():
    return estate()


@pytest.fixture(scope="module")
def schema():
    return json.loads((ROOT / "reports" / "hdscan-export.schema.json").read_text(encoding="utf-8"))


def test_export_matches_golden(tmp_path, classified):
    g, tags = classified
    path = tmp_path / "export" / "hdscan.json"
    write_json_export(path, g, tags, plan(), meta())
    text = path.read_text(encoding="utf-8")
    if os.environ.get("HDSCAN_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.is_file(), "no golden file: run once with HDSCAN_UPDATE_GOLDEN=1 and review it"
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_export_validates_against_schema(classified, schema):
    g, tags = classified
    doc = json.loads(json_out.dumps(json_out.export(g, tags, plan(), meta())))
    assert validate(doc, schema) == []


def test_schema_check_can_fail(classified, schema):
    g, tags = classified
    doc = json.loads(json_out.dumps(json_out.export(g, tags, plan(), meta())))
    doc["nodes"][0]["kind"] = "router"
    del doc["edges"][0]["target"]
    doc["surprise"] = 1
    errors = validate(doc, schema)
    assert any("$.nodes[0].kind" in e for e in errors)
    assert any("$.edges[0]: missing 'target'" in e for e in errors)
    assert any("unexpected 'surprise'" in e for e in errors)


def test_export_carries_every_node_edge_and_tag(classified):
    g, tags = classified
    doc = json_out.export(g, tags, plan(), meta())
    assert [n["id"] for n in doc["nodes"]] == sorted(g.nodes)
    assert len(doc["edges"]) == g.number_of_edges()
    assert len(doc["tags"]) == len(tags["tags"]) and len(doc["findings"]) == len(tags["findings"])
    for n in doc["nodes"]:
        assert n["tags"] == tags["resolved"].get(n["id"], {})
        assert n["kind"] == g.nodes[n["id"]]["kind"]
    assert [w["number"] for w in doc["waves"]] == [1, 2]
    assert doc["meta"]["packs"] == tags["packs"]
    assert [i["source"] for i in doc["meta"]["inputs"]] == sorted(i["source"] for i in meta()["inputs"])


def test_export_does_not_depend_on_input_order(classified):
    g, tags = classified
    g2 = build_graph(list(reversed(observations())), CONFIG)
    tags2 = classify(g2, load_packs([default_pack_path()]))
    p = plan()
    p["groups"].reverse()
    p["hybrid_flows"].reverse()
    assert json_out.dumps(json_out.export(g, tags, plan(), meta())) == \
        json_out.dumps(json_out.export(g2, tags2, p, meta()))


def test_failed_export_keeps_previous_file(tmp_path, classified, monkeypatch):
    g, tags = classified
    path = tmp_path / "hdscan.json"
    write_json_export(path, g, tags, plan(), meta())
    before = path.read_bytes()

    def broken(document):
        raise OSError("disk full")

    monkeypatch.setattr(json_out, "dumps", broken)
    with pytest.raises(OSError):
        write_json_export(path, g, tags, {}, meta())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["hdscan.json"]


def test_docs_name_every_exported_field(classified, schema):
    g, tags = classified
    doc = json_out.export(g, tags, plan(), meta())
    text = (ROOT / "docs" / "json-export.md").read_text(encoding="utf-8")
    for key in list(doc) + list(doc["meta"]):
        assert f"| `{key}` |" in text, key
    assert set(doc) == set(schema["required"]) == set(schema["properties"])
