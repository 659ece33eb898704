"""`hdscan explain` on the sample estate: every tag of every host goes back to a rule or
a manual assertion, and to evidence in a real source file of the estate; propagated tags
show the whole path that carried them, hop by hop with the edge, back to the rule that
started it."""

from __future__ import annotations

import pytest

from sample_run import SAMPLE, classify_sample, cli
from scanner.report.explain import explain, explain_data


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("hC-explain") / "out"
    classify_sample(out)
    return out


@pytest.fixture(scope="module")
def tags(out):
    import json
    return json.loads((out / "tags.json").read_text(encoding="utf-8"))


def _walk(item):
    yield item
    for o in item.get("origin_tags", []):
        yield from _walk(o)


def _reaches_a_source_file(item) -> bool:
    for t in _walk(item):
        for e in t["evidence"]:
            if e.get("source") and (SAMPLE / e["source"]).is_file():
                return True
    return False


def test_every_resolved_tag_of_every_host_reaches_a_source_file_or_an_assertion(out, tags):
    """'Why is this server HDS?' — and why every other resolved value — for every host."""
    hosts = sorted(e for e in tags["resolved"] if e.startswith("host:"))
    assert len(hosts) >= 40
    checked = 0
    for host in hosts:
        data = explain_data(out, host)
        for dim, value in data["resolved"].items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if v is None or (dim == "exposure" and v == "none"):   # defaults set no tag
                    continue
                carriers = [t for t in data["tags"] if t["dimension"] == dim and str(t["value"]) == str(v)]
                assert carriers, (host, dim, v)
                ok = [t for t in carriers if t["rule"] == "manual" or _reaches_a_source_file(t)]
                assert ok, (host, dim, v, [t["rule"] for t in carriers])
                checked += 1
    hosting = [h for h in hosts if tags["resolved"][h]["hosting"] in ("hds", "secnumcloud")]
    assert len(hosting) >= 25 and checked > 150


def test_propagated_tag_shows_every_hop_and_the_rule_that_started_it(out):
    data = explain_data(out, "bkp-repo01")
    (health,) = [t for t in data["tags"] if t["dimension"] == "data_class" and t["value"] == "health"]
    assert health["rule"] == "core.propagate.data-to-backup-repositories"
    (hop,) = health["path"]
    assert (hop["from"], hop["to"]) == ("host:bkp01", "svc:bkp-repo01:tcp/2500")
    assert hop["direction"] == "forward" and "flow :2500" in hop["relation"] and hop["edges"]
    chain = list(_walk(health))
    assert [t["rule"].split("@")[0] for t in chain] == [
        "core.propagate.data-to-backup-repositories", "core.propagate.data-to-backup-servers",
        "core.data_class.clinical-role"]
    assert chain[-1]["entity"] == "host:dpi-db01" and not chain[-1]["path"]
    text = explain(out, "host:bkp-repo01")
    assert "path: host:bkp01\n      -[unknown flow :2500]-> svc:bkp-repo01:tcp/2500" in text
    assert "[core.data_class.clinical-role@1]: has clinical role DPI-DB" in text


def test_exposure_path_names_the_protocol_and_the_endpoint_rule(out):
    text = explain(out, "bkp01")
    assert "path: ext:chsa-backup.blob.core.windows.net\n      <-[tls flow :443]- host:bkp01" in text
    assert "from core.exposure.hyperscaler-dns-suffix@1" not in text   # shown as [rule]
    assert "[core.exposure.hyperscaler-dns-suffix@1]" in text


def test_manual_assertion_shown_with_author_and_reason(out):
    text = explain(out, "host:sql01")
    assert ("role = pharmacy  [manual assertion by DSI, équipe bases de données: SQL Server "
            "mutualisé : bases PHARMA (PUI) et DIANE (bloc), confidence high]") in text
    assert "a manual assertion: it wins over every rule for this dimension" in text


def test_cli_explain(out):
    proc = cli("explain", "pacs01", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("host:pacs01\n") and "evidence obs:" in proc.stdout
    proc = cli("explain", "pacs99", "-o", out)
    assert proc.returncode == 1 and "no entity 'host:pacs99' in tags.json" in proc.stderr


def test_a_database_origin_is_reached_through_its_service_flow_not_a_config_reference(out):
    data = explain_data(out, "eds-etl01")
    (health,) = [t for t in data["tags"] if t["dimension"] == "data_class" and t["value"] == "health"]
    (hop,) = health["path"]
    assert hop["from"] == "db:postgresql://dpi-db01:5432/dpi" and hop["to"] == "host:eds-etl01"
    assert (hop["relation"], hop["direction"]) == ("postgresql flow :5432", "backward")
    assert {o["rule"].split("@")[0] for o in health["origin_tags"]} >= {
        "core.data_class.health-schema-columns"}
