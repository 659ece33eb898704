"""The report's "Sites" section on a generated three-site estate: every number it shows
(hosts by data class × care tier, waves touching each site, exposure findings, the site ×
site flow matrix) equals a count made here from graph.json, tags.json and plan.json alone;
the interactive map gets a site filter; with one site the section is one line."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict

import pytest

from scanner.report.i18n import catalogue

from sample_estates.generate import generate
from tests.report.report_cli import run_cli

CLASSES = ["health", "personal", "none", None]
TIERS = [1, 2, 3, 4, None]


@pytest.fixture(scope="module")
def multisite(tmp_path_factory):
    base = tmp_path_factory.mktemp("hH4-sites")
    estate = base / "estate"
    generate(estate, servers=150, sites=3, seed=7, flow_records=3000)
    out = base / "out"
    run_cli("run", estate, "-o", out, "-q")
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    tags = json.loads((out / "tags.json").read_text(encoding="utf-8"))
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    return graph, tags, plan, page


def _expected(graph: dict, tags: dict, plan: dict) -> dict:
    """Per-site figures counted from the stage files, without hdscan's code."""
    nodes = {n["id"]: n for n in graph["nodes"]}
    site = {n["id"]: n.get("site") for n in graph["nodes"] if n["kind"] == "host"}

    def host_site(entity):
        n = nodes.get(entity)
        if n is None:
            return None
        return site.get(entity if n["kind"] == "host" else n.get("host"))

    resolved = tags["resolved"]
    per = defaultdict(lambda: {"hosts": 0, "matrix": defaultdict(int), "waves": set(), "exposure": set()})
    for h, s in site.items():
        r = resolved.get(h, {})
        c = r.get("data_class") if r.get("data_class") in CLASSES else None
        t = r.get("care_tier") if r.get("care_tier") in TIERS else None
        per[s]["hosts"] += 1
        per[s]["matrix"][(c, t)] += 1
    for w in plan["waves"]:
        for h in w["hosts"]:
            if h in site:
                per[site[h]]["waves"].add(w["number"])
    for f in tags["findings"]:
        if f["dimension"] == "exposure" and host_site(f["entity"]) is not None:
            per[host_site(f["entity"])]["exposure"].add(f["entity"])
    cells = defaultdict(lambda: {"flows": 0, "connections": 0, "bytes": 0, "protocols": set()})
    for e in graph["edges"]:
        if e["key"] != "flow":
            continue
        a, b = host_site(e["source"]), host_site(e["target"])
        if a is None or b is None or a == b:
            continue
        c = cells[(a, b)]
        c["flows"] += 1
        c["connections"] += e.get("connections") or 0
        c["bytes"] += e.get("bytes") or 0
        c["protocols"].add(e.get("protocol") or "unknown")
    return {"sites": dict(per), "cells": dict(cells)}


def _section(page: str) -> str:
    start = page.index('<section id="sites">')
    return page[start:page.index("</section>", start)]


def test_each_site_summary_matches_the_stage_files(multisite):
    graph, tags, plan, page = multisite
    exp = _expected(graph, tags, plan)
    declared = sorted(s for s in exp["sites"] if s is not None)
    assert declared == ["s01", "s02", "s03"]
    section = _section(page)
    blocks = re.findall(r'<details class="site"[^>]*><summary><strong>([^<]*)</strong> — ([^<]*)</summary>(.*?)</details>',
                        section, re.S)
    assert [b[0] for b in blocks] == declared + (["Site inconnu"] if None in exp["sites"] else [])
    for name, line, body in blocks:
        want = exp["sites"][name if name in declared else None]
        assert int(re.match(r"(\d+) machines", line).group(1)) == want["hosts"]
        rows = re.findall(r"<tr><th>[^<]*</th>((?:<td>\d+</td>)+)<td class=\"total\">(\d+)</td></tr>", body)
        assert len(rows) == len(CLASSES)
        for c, (cells, total) in zip(CLASSES, rows):
            counts = [int(x) for x in re.findall(r"<td>(\d+)</td>", cells)]
            assert counts == [want["matrix"][(c, t)] for t in TIERS], (name, c)
            assert int(total) == sum(counts)
        waves = sorted(want["waves"])
        dd = re.search(r"<dt>Vagues qui le touchent</dt><dd>([^<]*)</dd>", body).group(1)
        assert dd == f"{len(waves)} vagues (de la vague {waves[0]} à la vague {waves[-1]})"
        out_in = re.search(r"<dt>Flux inter-sites</dt><dd>(\d+) sortants, (\d+) entrants</dd>", body).groups()
        key = name if name in declared else None
        assert [int(x) for x in out_in] == [sum(c["flows"] for (a, _), c in exp["cells"].items() if a == key),
                                            sum(c["flows"] for (_, b), c in exp["cells"].items() if b == key)]
        shown = set(re.findall(r"<code>([^<]*)</code>", body.split("<dt>Constats", 1)[1].split("</dd>")[0]))
        assert shown == want["exposure"]
    assert sum(len(s["exposure"]) for s in exp["sites"].values()) > 0


def test_site_by_site_matrix_matches_the_graph_flows(multisite):
    graph, tags, plan, page = multisite
    exp = _expected(graph, tags, plan)["cells"]
    assert exp, "the generated estate has flows between sites"
    section = _section(page)
    matrix = section[section.index('id="sites-matrix"'):]
    header = re.findall(r"<th>([^<]+)</th>", matrix.split("</thead>")[0])
    assert header == ["s01", "s02", "s03"]
    rows = re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", matrix.split("<tbody>")[1], re.S)
    seen = {}
    for a, cells in rows:
        for b, cell in zip(header, re.findall(r"<td([^>]*)>(.*?)</td>", cells, re.S)):
            attrs, text = cell
            if not attrs:
                assert text == ""
                continue
            got = dict(re.findall(r'data-(\w+)="(\d+)"', attrs))
            protocols = html.unescape(re.search(r'<span class="because">([^<]*)</span>', text).group(1))
            seen[(a, b)] = {"flows": int(got["flows"]), "connections": int(got["connections"]),
                            "bytes": int(got["bytes"]), "protocols": set(protocols.split(", "))}
    assert seen == exp


def test_the_map_has_a_site_filter(multisite):
    graph, _, _, page = multisite
    options = re.search(r'<select id="imap-site">(.*?)</select>', page, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)">', options)
    assert values == ["*", "s01", "s02", "s03", ""]
    [raw] = re.findall(r'<script type="application/json" id="imap-data">(.*?)</script>', page, re.S)
    doc = json.loads(raw)
    by_site = defaultdict(int)
    for n in doc["nodes"]:
        by_site[doc["strings"][n["site"]]] += 1
    hosts = defaultdict(int)
    for n in graph["nodes"]:
        if n["kind"] == "host":
            hosts[n.get("site") or ""] += 1
    assert {s: by_site[s] for s in ("s01", "s02", "s03")} == {s: hosts[s] for s in ("s01", "s02", "s03")}


def test_one_site_is_one_line(sample_out):
    page = (sample_out / "report" / "index.html").read_text(encoding="utf-8")
    section = _section(page)
    assert '<details class="site"' not in section and "sites-matrix" not in section
    # in the page's own language: other modules re-render the shared sample report in English
    lang = re.search(r'<html lang="(\w+)"', page).group(1)
    assert catalogue(lang)["sites_single"].replace("{site}", "main") in section
    assert 'id="imap-site"' not in page
