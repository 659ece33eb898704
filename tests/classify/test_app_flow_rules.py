"""Application and flow rules (docs/rules.md §2.1): match/no-match on hand-built graphs,
their test cases in the pack self-test, lint validators for fields and relations on the
wrong kind, load errors from ``classify`` worded like lint (``[error] R0xx``), and the
worked example of docs/rules.md run on the sample estate: tags on the application and its
hosts (explain shows they came through it), on a flow and, by propagation, on what the
flow reaches — while the default pack alone writes no flow or application entity."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from classify_helpers import PACK_HEAD, G, rule_text, write_pack
from sample_run import ROOT, classify_sample, cli, reclassify
from scanner.classify.engine import classify
from scanner.classify.lint import lint
from scanner.classify.loader import load_packs
from scanner.classify.selftest import run_tests

DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
APP_RULE = "care_tier/finance_application.yml"
FLOW_RULE = "data_class/insi_teleservice_flow.yml"
INSI_FLOW = "flow:host:dmp-gw01->ext:teleservices-insi.sante.fr"


def _example(name: str) -> str:
    m = re.search(rf"<!-- example:{re.escape(name)} -->\n```yaml\n(.*?)```", DOC, re.S)
    assert m, f"docs/rules.md has no example block {name}"
    return m.group(1)


def _site(root):
    for rel in ("pack.yml", APP_RULE, FLOW_RULE):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(_example(f"app-flow/{rel}"), encoding="utf-8")
    return root


# -- the engine on a hand-built graph ------------------------------------------------------

PROPAGATE = """\
propagation:
  - id: t.propagate.flow-health
    dimension: data_class
    values: [health]
    flow: to_server
    protocols: [hl7v2-mllp]
    origins: [flow]
    targets: [service]
    because: receives {protocol} from {origin}
"""

RULES = {
    "roles/dpi.yml": rule_text("t.role.dpi", "host", "s:\n  host.processes: dxcare", "{role: DPI}"),
    "care_tier/dpi_app.yml": rule_text(
        "t.care_tier.dpi-app", "application",
        "name:\n  application.name: DPI\nbig:\n  application.size|gte: 2", "{care_tier: 1}",
        condition="name and big", because="'{application.size} hosts'"),
    "data_class/results.yml": rule_text(
        "t.data_class.results-flow", "flow",
        "oru:\n  hl7.message_types|startswith: ORU\nclient_dpi:\n  graph.client|any: {tags.role: DPI}",
        "{data_class: health}", condition="oru and client_dpi"),
}


@pytest.fixture()
def hand(tmp_path):
    g = G()
    for name in ("dpi1", "dpi2", "dpi3-standby"):
        g.host(name, processes=["dxcare"] if name != "dpi3-standby" else ["other"])
    g.host("lab")
    g.service("lab", 2575, "hl7v2-mllp")
    g.service("lab", 80, "http")
    g.flow("dpi1", "svc:lab:tcp/2575", "hl7v2-mllp", 2575, {"hl7.message_types": ["ORU^R01"]})
    g.flow("dpi2", "svc:lab:tcp/2575", "hl7v2-mllp", 2575, {"hl7.message_types": ["ADT^A01"]})
    g.flow("dpi2", "svc:lab:tcp/80", "http", 80, {"hl7.message_types": ["ORU^R01"]})
    g.flow("lab", "svc:lab:tcp/80", "http", 80, {"hl7.message_types": ["ORU^R01"]})
    pack = write_pack(tmp_path / "p", RULES, extra=PROPAGATE)
    return g.g, classify(g.g, load_packs([pack]))


def _tags(out, entity, dim):
    return [t for t in out["tags"] if t["entity"] == entity and t["dimension"] == dim]


def test_application_rule_tags_the_application_and_each_member(hand):
    g, out = hand
    (app,) = _tags(out, "app:DPI", "care_tier")
    assert (app["value"], app["rule"], app["because"], app["via"]) == (1, "t.care_tier.dpi-app@1", "2 hosts", None)
    for h in ("host:dpi1", "host:dpi2"):
        (t,) = _tags(out, h, "care_tier")
        assert t["via"] == ["app:DPI", h] and t["because"] == "member of app:DPI: 2 hosts"
        assert t["evidence"] == [f"obs:{h[5:]}"]      # what gave the host its role
        assert out["resolved"][h]["care_tier"] == 1
    assert out["resolved"]["host:dpi3-standby"]["care_tier"] is None    # not a member
    assert out["resolved"]["app:DPI"]["care_tier"] == 1
    assert "app:unknown" not in out["resolved"]                         # unknown makes no application


def test_application_rule_no_match_leaves_no_application_entity(tmp_path):
    g = G()
    g.host("dpi1", processes=["dxcare"])                             # one host: size 1 < 2
    out = classify(g.g, load_packs([write_pack(tmp_path / "p", RULES)]))
    assert not [t for t in out["tags"] if t["dimension"] == "care_tier"]
    assert not [e for e in out["resolved"] if e.startswith(("app:", "flow:"))]


def test_flow_rule_tags_only_matching_flows_and_propagation_follows_them(hand):
    g, out = hand
    tagged = sorted(t["entity"] for t in out["tags"] if t["rule"] == "t.data_class.results-flow@1")
    # ORU from a DPI client: yes (both protocols); ADT from a DPI: no; ORU from the lab: no
    assert tagged == ["flow:host:dpi1->svc:lab:tcp/2575", "flow:host:dpi2->svc:lab:tcp/80"]
    (t,) = _tags(out, "flow:host:dpi1->svc:lab:tcp/2575", "data_class")
    assert t["evidence"] and all(e.startswith("obs:") for e in t["evidence"])
    # propagation from flows, restricted to HL7: the MLLP service only
    (p,) = _tags(out, "svc:lab:tcp/2575", "data_class")
    assert p["rule"] == "t.propagate.flow-health"
    assert p["via"] == ["flow:host:dpi1->svc:lab:tcp/2575", "svc:lab:tcp/2575"]
    assert p["evidence"] == ["obs:flow-dpi1-svc:lab:tcp/2575"]
    assert out["resolved"]["svc:lab:tcp/80"]["data_class"] is None
    assert out["resolved"]["flow:host:dpi2->svc:lab:tcp/80"]["data_class"] == "health"


# -- test cases and lint ------------------------------------------------------------------

def test_examples_lint_clean_and_their_cases_pass(tmp_path):
    site = _site(tmp_path / "site")
    proc = cli("rules", "lint", site)
    assert (proc.returncode, proc.stdout) == (0, "no issues\n"), proc.stdout + proc.stderr
    proc = cli("rules", "test", site)
    assert (proc.returncode, proc.stdout) == (0, "all rule tests pass\n"), proc.stdout + proc.stderr


@pytest.mark.parametrize("rel,case", [(APP_RULE, "the HR application"),
                                      (FLOW_RULE, "gateway to another national service")])
def test_a_wrong_case_of_either_kind_fails_the_selftest(tmp_path, rel, case):
    site = _site(tmp_path / "site")
    text = (site / rel).read_text(encoding="utf-8")
    head, _, tail = text.partition(f"- name: {case}\n")
    (site / rel).write_text(head + f"- name: {case}\n" + tail.replace("expect: no_match", "expect: match", 1),
                            encoding="utf-8")
    from scanner.classify.loader import default_pack_path
    failures = run_tests(load_packs([default_pack_path(), site], selftest=False))
    assert [(f.test, f.message.split(" (")[0]) for f in failures] == [
        (case, "expected match, rule did not match")]


WRONG_KIND = {
    "a/app_flow_field.yml": rule_text("t.care_tier.app-flow-field", "application",
                                      "s:\n  flow.protocol: hl7v2-mllp", "{care_tier: 2}"),
    "a/app_typo.yml": rule_text("t.care_tier.app-typo", "application",
                                "s:\n  application.nmae: DPI", "{care_tier: 2}"),
    "a/app_sets_role.yml": rule_text("t.role.app-sets-role", "application",
                                     "s:\n  application.name: DPI", "{role: EAI}"),
    "f/flow_members.yml": rule_text("t.data_class.flow-members", "flow",
                                    "s:\n  graph.members|any: {host.agent: true}", "{data_class: health}"),
    "f/flow_host_field.yml": rule_text("t.data_class.flow-host-field", "flow",
                                       "s:\n  host.name: pacs01", "{data_class: health}"),
    "f/host_client_rel.yml": rule_text("t.data_class.host-client-rel", "host",
                                       "s:\n  graph.client|any: {host.agent: true}", "{data_class: health}"),
}


def test_lint_finds_fields_and_relations_on_the_wrong_kind(tmp_path):
    bad_prop = PROPAGATE.replace("targets: [service]", "targets: [flow]")
    pack = write_pack(tmp_path / "p", WRONG_KIND, extra=bad_prop)
    lines = [line.split(str(pack) + "/", 1)[1] for line in lint([pack])]
    want = [
        ("a/app_flow_field.yml:8:5", "R015", "field 'flow.protocol' has no value on application rules (it exists on: flow)"),
        ("a/app_sets_role.yml:9:7", "R009", "an application rule cannot set 'role'"),
        ("a/app_typo.yml:8:5", "R001", "unknown field 'application.nmae'; did you mean 'application.name'?"),
        ("f/flow_host_field.yml:8:5", "R015", "field 'host.name' has no value on flow rules"),
        ("f/flow_members.yml:8:5", "R015", "relation 'graph.members' has no value on flow rules (it exists on: application)"),
        ("f/host_client_rel.yml:8:5", "R015", "relation 'graph.client' has no value on host rules (it exists on: flow)"),
        ("pack.yml:", "R009", "targets must be among host, service, database, endpoint, not 'flow'"),
    ]
    for where, vid, text in want:
        assert any(line.startswith(where) and f"[error] {vid} {text}" in line for line in lines), \
            (where, vid, text, lines)


# -- the sample estate ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    base = tmp_path_factory.mktemp("hC2-app-flow")
    out = base / "out"
    default = classify_sample(out)
    site = _site(base / "site-chsa")
    return out, site, default


def test_default_pack_writes_no_flow_or_application_entity(sample):
    _, _, default = sample
    ents = {t["entity"] for t in default["tags"]} | set(default["resolved"])
    assert not [e for e in ents if e.startswith(("app:", "flow:"))]


def test_site_pack_on_the_sample_changes_what_the_rules_say(sample):
    out, site, default = sample
    tags = reclassify(out, [site])
    try:
        res = tags["resolved"]
        assert res["app:finance"]["care_tier"] == 3
        for h in ("host:gef-app01", "host:gef-db01"):
            assert default["resolved"][h]["care_tier"] == 4 and res[h]["care_tier"] == 3
            (t,) = [t for t in tags["tags"] if t["entity"] == h and t["rule"] == "chsa.care_tier.finance-application@1"]
            assert t["via"] == ["app:finance", h]
        assert res[INSI_FLOW]["data_class"] == "health"
        assert default["resolved"]["ext:teleservices-insi.sante.fr"]["data_class"] is None
        assert res["ext:teleservices-insi.sante.fr"]["data_class"] == "health"
        changed = {e for e in res if res[e] != default["resolved"].get(e)}
        # only the application, its hosts (and what rolls up to them), the flow and its endpoint
        assert {"app:finance", "host:gef-app01", "host:gef-db01", INSI_FLOW,
                "ext:teleservices-insi.sante.fr"} <= changed
        assert all(e.startswith(("svc:gef-", "db:mysql://gef-")) for e in changed - {
            "app:finance", "host:gef-app01", "host:gef-db01", INSI_FLOW,
            "ext:teleservices-insi.sante.fr"}), sorted(changed)

        proc = cli("explain", "host:gef-app01", "-o", out)
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout
        assert "care_tier = 3  [chsa.care_tier.finance-application@1, confidence high]" in text
        assert "path: app:finance\n" in text and "(has member) host:gef-app01" in text
        assert "app:finance has care_tier = 3 [chsa.care_tier.finance-application@1]" in text
        assert re.search(r"evidence obs:\w+ \(\w+ from [\w-]+\): inputs/agents/gef-", text)

        proc = cli("explain", "ext:teleservices-insi.sante.fr", "-o", out)
        assert proc.returncode == 0, proc.stderr
        assert f"path: {INSI_FLOW}\n" in proc.stdout
        assert "(carried to its server) ext:teleservices-insi.sante.fr" in proc.stdout
        assert "inputs/captures/core-switch.pcap" in proc.stdout

        proc = cli("explain", INSI_FLOW, "-o", out)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"{INSI_FLOW}\n")
        assert "[chsa.data_class.insi-teleservice-flow@1, confidence high]" in proc.stdout
        assert "tls flow from dmp-gw01 to teleservices-insi.sante.fr: INS identity look-ups" in proc.stdout
    finally:
        reclassify(out)


def test_classify_refuses_a_broken_pack_with_validator_ids_and_keeps_tags(sample, tmp_path):
    out, site, _ = sample
    before = (out / "tags.json").read_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    rule = broken / FLOW_RULE
    rule.write_text(rule.read_text(encoding="utf-8").replace("flow.protocol: tls", "flow.protocl: tls"),
                    encoding="utf-8")
    proc = cli("classify", "-o", out, "--rules", broken)
    assert proc.returncode == 1
    first, *rest = proc.stderr.splitlines()
    assert first.startswith(f"hdscan: error: {rule}: line 17 col 5: [error] R001 unknown field "
                            "'flow.protocl'; did you mean 'flow.protocol'?")
    assert f"  {rule}:17:5: [error] R001 unknown field 'flow.protocl'; did you mean 'flow.protocol'?" in rest
    assert (out / "tags.json").read_bytes() == before
    assert json.loads(before)["schema"] == "hdscan-tags/1"


def test_redaction_replaces_the_hosts_inside_flow_ids(hand):
    from scanner.report.redact import Redactor
    g, out = hand
    r = Redactor(g, out, b"hC2-salt")
    flow = "flow:host:dpi1->svc:lab:tcp/2575"
    new = r.value("entity", flow)
    assert new.startswith("flow:host:") and "->svc:" in new
    assert "dpi1" not in new and "lab" not in new.split("->", 1)[1].split(":")[1]
