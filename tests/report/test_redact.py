"""--redact on the sample estate: no host name, address, DNS name, application, database,
AE title or user name of the graph survives in any redacted file; pseudonyms are consistent
within a run and across runs (salt in OUT); roles, data classes and rule ids stay readable."""

from __future__ import annotations

import json
import re

import pytest

from tests.report.report_cli import run_cli
from minischema import validate
from scanner.errors import ScannerError
from scanner.report import redact
from tests.conftest import ROOT
CATEGORY_FACTS = {"hl7.sending_applications", "hl7.receiving_applications", "hl7.sending_facilitys",
                  "hl7.receiving_facilitys", "postgresql.application_names", "dicom.called_aes",
                  "dicom.calling_aes", "tls.snis", "http.hosts", "postgresql.databases",
                  "mysql.databases", "oracle.service_names", "postgresql.users"}


def _cli(*args):
    return run_cli(*args)


@pytest.fixture(scope="module")
def out(sample_out):
    _cli("report", "-o", sample_out, "--redact", "--lang", "en")
    _cli("export", "-o", sample_out, "--redact")
    return sample_out


def _graph(out):
    return json.loads((out / "graph.json").read_text(encoding="utf-8"))


def _names(graph) -> tuple[set[str], set[str]]:
    """(names compared case-blind: hosts, addresses, DNS; names compared exactly: the rest)."""
    blind, exact = set(), set()
    for n in graph["nodes"]:
        if n.get("kind") == "host":
            blind |= {n.get("name"), n.get("fqdn")} | set(n.get("addresses") or [])
            blind.add(n["id"].split(":", 1)[1])
        elif n.get("kind") == "endpoint":
            blind |= {n.get("name")} | set(n.get("names") or []) | set(n.get("addresses") or [])
        elif n.get("kind") == "database":
            exact.add(n.get("name"))
        elif n.get("kind") == "volume":
            exact.add(n.get("export"))
        for key, values in (n.get("facts") or {}).items():
            if key in CATEGORY_FACTS:
                (blind if key in ("tls.snis", "http.hosts") else exact).update(values)
    for e in graph.get("links", graph.get("edges", [])):
        exact |= set(e.get("applications") or [])
        exact |= set(e.get("mount_points") or [])
        for key, values in (e.get("facts") or {}).items():
            if key in CATEGORY_FACTS:
                (blind if key in ("tls.snis", "http.hosts") else exact).update(values)
    return {x for x in blind if x}, {x for x in exact if x}


def _vocabulary(out, graph) -> set[str]:
    tags = json.loads((out / "tags.json").read_text(encoding="utf-8"))
    words = {str(t["value"]) for t in tags["tags"]}
    for r in tags["resolved"].values():
        words |= set(r.get("role") or [])
    for item in graph["nodes"] + graph.get("links", graph.get("edges", [])):
        for key in ("protocol", "scheme", "engine"):
            if item.get(key):
                words.add(item[key])
        words |= set(item.get("mechanisms") or [])
    return words


def test_volume_paths_are_in_the_names_checked(out):
    """The sample's shared NFS export and its mount points are among the names to hide."""
    graph = _graph(out)
    volumes = [n for n in graph["nodes"] if n.get("kind") == "volume"]
    assert volumes and all(n.get("export") for n in volumes)
    _, exact = _names(graph)
    assert {n["export"] for n in volumes} <= exact
    mounts = [e for e in graph.get("links", graph.get("edges", [])) if e.get("mount_points")]
    assert mounts and all(set(e["mount_points"]) <= exact for e in mounts)


def test_every_output_is_written_redacted(out):
    report = sorted(p.name for p in (out / "redacted" / "report").iterdir())
    assert report == ["estate.dot", "estate.svg", "index.html", "waves.dot", "waves.svg"]
    pages = [(o / "report" / "index.html").read_text(encoding="utf-8") for o in (out, out / "redacted")]
    focused = [re.findall(r'<template><svg|href="maps/[^"]+"', page) for page in pages]  # inlined or linked
    assert len(focused[0]) > 20 and focused[1] == focused[0]
    export = sorted(p.name for p in (out / "redacted" / "export").iterdir())
    assert export == ["findings.csv", "firewall-matrix.csv", "flows.csv", "hdscan.dot", "hdscan.gexf",
                      "hdscan.graphml", "hdscan.json", "summary.md", "systems.csv", "waves.csv"]
    assert re.fullmatch(r"[0-9a-f]{64}\n", (out / redact.SALT_FILE).read_text(encoding="utf-8"))


def test_no_original_name_survives_anywhere(out):
    graph = _graph(out)
    blind, exact = _names(graph)
    vocabulary = _vocabulary(out, graph)
    lower_vocab = {w.lower() for w in vocabulary}
    blind = {n for n in blind if n.lower() not in lower_vocab and len(n) >= 3}
    exact = {n for n in exact if n not in vocabulary and len(n) >= 3}
    assert len(blind) > 100 and len(exact) > 10  # the sample has many names to hide
    salt = (out / redact.SALT_FILE).read_text(encoding="utf-8").strip()
    files = sorted(p for p in (out / "redacted").rglob("*") if p.is_file())
    page = (out / "redacted" / "report" / "index.html").read_text(encoding="utf-8")
    assert page.count("<template><svg") > 20 and len(files) == 15   # the focused maps are in the page
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert salt not in text
        lowered = text.lower()
        for name in blind:
            assert not _standalone(name.lower(), lowered), (path.name, name)
        for name in exact:
            assert not _standalone(name, text), (path.name, name)


def _standalone(name: str, text: str) -> bool:
    """``name`` occurs in ``text`` not as part of a longer word (``dpi`` in ``dpi_patient``)."""
    start = text.find(name)
    while start >= 0:
        before = text[start - 1] if start else " "
        end = start + len(name)
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-"):
            return True
        start = text.find(name, start + 1)
    return False


def test_map_data_and_evidence_are_redacted_too(out):
    """The interactive map's JSON (names, addresses, tags, evidence places) is built from the
    redacted inputs: it holds pseudonyms, and its evidence still points at input files."""
    page = (out / "redacted" / "report" / "index.html").read_text(encoding="utf-8")
    [raw] = re.findall(r'<script type="application/json" id="imap-data">(.*?)</script>', page, re.S)
    doc = json.loads(raw)
    hosts = [n for n in doc["nodes"] if n["kind"] == "host"]
    named = {n["id"] for n in _graph(out)["nodes"] if n.get("kind") == "host"}
    assert hosts and not named & {n["id"] for n in hosts}
    evidence = [ev for n in hosts for t in n["tags"] for ev in t[5] if doc["strings"][ev[1]]]
    assert len(evidence) > 100
    blind, exact = _names(_graph(out))
    vocabulary = {w.lower() for w in _vocabulary(out, _graph(out))}
    text = json.dumps(doc, ensure_ascii=False)
    for name in blind:
        if name.lower() not in vocabulary and len(name) >= 3:
            assert not _standalone(name.lower(), text.lower()), name


def test_classification_stays_readable(out):
    systems = (out / "redacted" / "export" / "systems.csv").read_text(encoding="utf-8-sig")
    assert "PACS" in systems and "santé" in systems and "1 (vital)" in systems
    assert re.search(r"^host:host-[0-9a-f]{6};host-[0-9a-f]{6};", systems, re.M)
    page = (out / "redacted" / "report" / "index.html").read_text(encoding="utf-8")
    tags = json.loads((out / "tags.json").read_text(encoding="utf-8"))
    for f in tags["findings"]:
        assert f["rule"] in page
    assert '<html lang="en">' in page


def test_pseudonyms_are_consistent_within_and_across_runs(out, tmp_path):
    export = json.loads((out / "redacted" / "export" / "hdscan.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "reports" / "hdscan-export.schema.json").read_text(encoding="utf-8"))
    assert validate(export, schema) == []
    ids = {n["id"] for n in export["nodes"]}
    for e in export["edges"]:  # the same host gets the same pseudonym everywhere
        assert e["source"] in ids and e["target"] in ids
    for w in export["waves"]:
        assert set(w["hosts"]) <= ids
    for f in export["hybrid_flows"]:
        assert f["source"] in ids and f["destination"] in ids
    before = {p.name: p.read_bytes() for p in (out / "redacted" / "export").iterdir()}
    _cli("export", "-o", str(out), "--redact")
    after = {p.name: p.read_bytes() for p in (out / "redacted" / "export").iterdir()}
    assert before == after


def test_pseudonyms_depend_on_the_salt_and_collisions_are_told_apart():
    a = redact.Pseudonyms(b"a" * 32)
    b = redact.Pseudonyms(b"b" * 32)
    for p in (a, b):
        for name in ("pacs01", "dpi-app01"):
            p.add("host", name)
        p.add("address", "10.20.1.11")
        p.add("address", "fe80::1")
        p.freeze(set())
    assert a.get("host", "PACS01") == a.get("host", "pacs01") != b.get("host", "pacs01")
    assert re.fullmatch(r"host-[0-9a-f]{6}", a.get("host", "pacs01"))
    v4 = a.get("address", "10.20.1.11")
    assert 240 <= int(v4.split(".")[0]) <= 255
    assert a.get("address", "fe80::1").startswith("fdff:")
    assert a.scrub("dpi-app01 lit pacs01.ch.local; PACS01.") == (
        f"{a.get('host', 'dpi-app01')} lit {a.get('host', 'pacs01')}.ch.local; {a.get('host', 'pacs01')}.")

    class Clash(redact.Pseudonyms):
        def _shape(self, category, value, d):
            return "host-000000" if d == self._digest(category, value, 0) else super()._shape(category, value, d)

    c = Clash(b"c" * 32)
    c.add("host", "x1")
    c.add("host", "x2")
    c.freeze(set())
    assert c.get("host", "x1") == "host-000000" != c.get("host", "x2")


def test_a_damaged_salt_file_is_one_clear_error(tmp_path):
    (tmp_path / redact.SALT_FILE).write_text("not hex\n", encoding="utf-8")
    with pytest.raises(ScannerError, match="redaction.salt"):
        redact.load_salt(tmp_path)
    (tmp_path / redact.SALT_FILE).unlink()
    salt = redact.load_salt(tmp_path)
    assert redact.load_salt(tmp_path) == salt and len(salt) == 32


def test_ids_in_free_text_get_the_same_pseudonym_as_the_graph():
    from report_helpers import estate, meta, plan

    g, tags = estate()
    r = redact.Redactor(g, tags, b"s" * 32)
    red_tags = r.value(None, tags)
    finding = red_tags["findings"][0]
    assert finding["entity"] == r.id_map["host:10.20.1.50"]
    assert finding["because"].startswith(finding["entity"] + " sends data to ext:name-")
    red_plan = r.value(None, plan())
    reason = red_plan["groups"][0]["reasons"][0]["text"]
    assert reason == (f"{r.names.get('host', 'dpi-app01')} utilise la base {r.names.get('database', 'dpi')} "
                      f"de {r.names.get('host', 'dpi-db01')}")
    assert red_plan["hybrid_flows"][0]["source"] == r.id_map["host:10.20.3.7"]
    assert r.value(None, meta())["inputs"] == meta()["inputs"]  # no name in these paths
    assert set(red_tags["resolved"]) == {r.id_map[e] for e in tags["resolved"]}
    h = r.graph(g)
    assert sorted(h.nodes) == sorted(r.id_map.values())
    assert h.number_of_edges() == g.number_of_edges()


def test_checklist_firewall_and_preseed_texts_are_redacted(out):
    """The planner's sentences name hosts ("a restore of dpi-db01 from bkp01 tested"): in the
    redacted JSON export, summary.md and page they carry pseudonyms, with their structure kept."""
    named = json.loads((out / "export" / "hdscan.json").read_text(encoding="utf-8"))
    red = json.loads((out / "redacted" / "export" / "hdscan.json").read_text(encoding="utf-8"))
    vocabulary = {w.lower() for w in _vocabulary(out, _graph(out))}
    hosts = {n["name"].lower() for n in named["nodes"]
             if n["kind"] == "host" and n.get("name") and len(n["name"]) >= 3 and n["name"].lower() not in vocabulary}
    texts = [c["text"] for w in named["waves"] for c in w.get("checklist", [])]
    red_texts = [c["text"] for w in red["waves"] for c in w.get("checklist", [])]
    assert len(texts) == len(red_texts) > 20
    assert sum(1 for t in texts if any(_standalone(h, t.lower()) for h in hosts)) > 10  # names to hide
    assert [c["kind"] for w in named["waves"] for c in w["checklist"]] == \
        [c["kind"] for w in red["waves"] for c in w["checklist"]]
    red_rules = red["firewall"]
    assert len(red_rules) == len(named["firewall"]) > 10
    assert all(r["source"].startswith(("host:host-", "ext:")) for r in red_rules)
    preseed = [w["transfer"]["text"] for w in red["waves"] if w["transfer"]["fits"] is False]
    assert preseed and all("pre-seed or replicate" in t for t in preseed)
    sentences = red_texts + [r["reason"] for r in red_rules] + preseed
    assert sum(1 for t in sentences if re.search(r"\bhost-[0-9a-f]{6}\b", t)) > 10
    summary = (out / "redacted" / "export" / "summary.md").read_text(encoding="utf-8").lower()
    page = (out / "redacted" / "report" / "index.html").read_text(encoding="utf-8").lower()
    for text in [t.lower() for t in sentences] + [summary, page]:
        for h in hosts:
            assert not _standalone(h, text), (h, text[:200])
