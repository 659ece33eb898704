"""The rule index (scanner/classify/candidates.py) changes no tag: classification with it
equals evaluating every rule on every entity every round, on the sample estate, on a
generated multi-site estate and on a pack of rules written to hit every branch of the
condition language; every entity a rule matches is among its candidates; and the lazy
``holds`` gives ``evaluate_rule``'s answer on every (rule, entity)."""

from __future__ import annotations

import json

import pytest

from classify_helpers import rule_text, write_pack
from sample_run import SAMPLE, cli
from sample_estates.generate import generate
from scanner.classify.candidates import FieldIndex, requirement, static_rule
from scanner.classify.conditions import evaluate_rule, holds
from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.classify.views import GraphViews, TagIndex
from scanner.pipeline import load_graph
from test_engine import estate

CORE = load_packs([default_pack_path()])


def _graph(estate_dir, out):
    for args in (("import", estate_dir, "-o", out, "--quiet"), ("graph", "-o", out)):
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return load_graph(out)


@pytest.fixture(scope="module")
def sample_graph(tmp_path_factory):
    return _graph(SAMPLE, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def generated_graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen") / "estate"
    generate(folder, servers=160, sites=3, flow_records=4000)
    return _graph(folder, tmp_path_factory.mktemp("gen-out"))


def _same(g, packs):
    fast = classify(g, packs, indexed=True)
    slow = classify(g, packs, indexed=False)
    for key in slow:            # compared piecewise: a diff of the whole files is too slow
        a, b = fast[key], slow[key]
        if isinstance(b, list):
            ja = {json.dumps(x, sort_keys=True) for x in a}
            jb = {json.dumps(x, sort_keys=True) for x in b}
            assert ja == jb, (key, sorted(ja - jb)[:3], sorted(jb - ja)[:3])
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True), key
    return fast


def _every_match_is_a_candidate(g, packs, result):
    """With the final tags in place, every (rule, entity) that evaluates true is among
    the rule's candidates (the index only drops entities the rule cannot match), and
    ``holds`` agrees with ``evaluate_rule`` everywhere."""
    index = TagIndex()
    for t in result["tags"]:
        index.add(t["entity"], t["dimension"], t["value"], t["evidence"])
    views = GraphViews(g, index, packs.settings)
    kinds: dict = {}
    for node in sorted(g.nodes):
        kinds.setdefault(g.nodes[node].get("kind"), []).append(node)
    kinds["flow"] = sorted({e for e in (t["entity"] for t in result["tags"]) if e.startswith("flow:")}
                           | {f"flow:{u}->{v}" for u, v, k in g.edges(keys=True) if k == "flow"})
    checked = 0
    for rule in packs.rules:
        if rule.applies_to == "application":
            continue
        entities = kinds.get(rule.applies_to, [])
        allowed = set(FieldIndex(entities, views.static).candidates(requirement(rule, packs.lists)))
        for e in entities:
            matched = evaluate_rule(rule, views.view(e), packs.lists)[0]
            assert holds(rule, views.view(e), packs.lists) == matched, (rule.id, e)
            if matched:
                assert e in allowed, (rule.id, e)
                checked += 1
    return checked


def test_sample_estate_same_tags_and_sound_candidates(sample_graph):
    result = _same(sample_graph, CORE)
    assert len(result["tags"]) > 200
    assert _every_match_is_a_candidate(sample_graph, CORE, result) > 100


def test_generated_estate_same_tags_and_sound_candidates(generated_graph):
    result = _same(generated_graph, CORE)
    assert _every_match_is_a_candidate(generated_graph, CORE, result) > 300


TRICKY = {
    "r/not.yml": rule_text("t.not", "host", "agent:\n  host.agent: true", "{role: unknown}",
                           condition="not agent"),
    "r/or.yml": rule_text("t.or", "service",
                          "dicom:\n  service.protocol: dicom\nora:\n  service.port: 1521",
                          "{role: PACS}", condition="dicom or ora"),
    "r/of.yml": rule_text("t.of", "host",
                          "sel_java:\n  host.processes|contains: jav\nsel_ct:\n"
                          "  host.device_class: medical_device",
                          "{role: modality}", condition="1 of sel_*"),
    "r/all.yml": rule_text("t.allof", "database",
                           "cols:\n  db.columns|all: [ipp, diagnostic]\neng:\n  db.engine: ORACLE",
                           "{data_class: health}", condition="all of them"),
    "r/count.yml": rule_text("t.count", "host", "lonely:\n  host.processes|count: 0",
                             "{care_tier: 4}"),
    "r/lte.yml": rule_text("t.lte", "service", "low:\n  service.port|lte: 200", "{care_tier: 3}"),
    "r/list.yml": rule_text("t.list", "endpoint", "cloud:\n  endpoint.name|endswith: windows.net\n"
                            "listed:\n  endpoint.names|in_list: cloud",
                            "{exposure: extraterritorial_cloud}", condition="cloud and not listed"),
    "r/tag.yml": rule_text("t.tag", "host", "pacs:\n  tags.role: PACS", "{data_class: health}"),
    "r/rel.yml": rule_text("t.rel", "service", "fed:\n  graph.clients|any:\n"
                           "    host.device_class: medical_device",
                           "{role: EAI}"),
    "r/flow.yml": rule_text("t.flow", "flow", "dicom:\n  flow.protocol: DICOM\nport:\n"
                            "  flow.port|gte: 100", "{care_tier: 2}", condition="dicom and port"),
}


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    root = write_pack(tmp_path_factory.mktemp("tricky") / "pack", TRICKY)
    return load_packs([root])


def test_every_branch_of_the_condition_language_same_tags(tricky):
    g = estate().g
    result = _same(g, tricky)
    fired = {(t["rule"].split("@")[0], t["entity"]) for t in result["tags"]}
    assert ("t.not", "host:ct01") in fired and ("t.not", "host:pacs01") not in fired
    assert ("t.or", "svc:pacs01:tcp/104") in fired and ("t.or", "svc:dpidb:tcp/1521") in fired
    assert ("t.of", "host:pacs01") in fired and ("t.of", "host:ct01") in fired
    assert ("t.allof", "db:oracle://dpidb:1521/dpi") in fired
    assert ("t.count", "host:ct01") in fired and ("t.count", "host:pacs01") not in fired
    assert ("t.lte", "svc:pacs01:tcp/104") in fired and ("t.lte", "svc:dpi01:tcp/443") not in fired
    assert ("t.tag", "host:pacs01") in fired            # set by t.or through its service
    assert ("t.rel", "svc:pacs01:tcp/104") in fired
    assert ("t.flow", "flow:host:ct01->svc:pacs01:tcp/104") in fired
    assert any(r == "t.list" for r, _ in fired)
    assert _every_match_is_a_candidate(g, tricky, result) >= 10


def test_requirements_and_static_rules(tricky):
    rules = {r.id: r for r in tricky.rules}
    lists = tricky.lists
    assert requirement(rules["t.not"], lists) == [frozenset()]          # anything may match
    assert requirement(rules["t.count"], lists) == [frozenset()]
    assert requirement(rules["t.tag"], lists) == [frozenset()]
    assert requirement(rules["t.rel"], lists) == [frozenset()]
    assert sorted(requirement(rules["t.or"], lists), key=sorted) == sorted(
        [frozenset({("service.protocol", frozenset({"dicom"}))}),
         frozenset({("service.port", frozenset({"1521"}))})], key=sorted)
    assert requirement(rules["t.allof"], lists) == [frozenset(
        {("db.columns", frozenset({"ipp", "diagnostic"})), ("db.engine", frozenset({"oracle"}))})]
    assert requirement(rules["t.lte"], lists) == [frozenset({("service.port", None)})]
    assert requirement(rules["t.list"], lists) == [frozenset({("endpoint.name", None)})]
    assert static_rule(rules["t.or"]) and static_rule(rules["t.rel"])
    assert not static_rule(rules["t.tag"])
    core = {r.id: r for r in CORE.rules}
    nested_tag = [r for r in core.values() if r.applies_to != "application" and any(
        m.nested is not None and any(n.field.startswith("tags.") for n in m.nested.matchers)
        for s in r.selections.values() for m in s.matchers)]
    assert nested_tag and not any(static_rule(r) for r in nested_tag)
