"""`hdscan run` redoes only what it must (issue #9, incremental collections).

A second run with nothing new keeps every derived file untouched and says so; one more
day of agent bundles re-runs the downstream stages; a deleted output or --force re-runs.
Real CLI, real generated estate (2 sites, so inter-site flows and the per-site summary
are exercised too).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sample_estates.generate import generate
from sample_estates.gen.estate import BASE_SERVERS
from scanner.cli import main

OUTPUTS = ("graph.json", "tags.json", "plan.json", "report/index.html", "export/hdscan.json")


def _state(out: Path) -> dict:
    return {name: ((out / name).stat().st_mtime_ns, (out / name).read_bytes()) for name in OUTPUTS}


def _run(estate: Path, out: Path, *extra: str):
    result = CliRunner().invoke(main, ["run", str(estate), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hE1-estate") / "ght"
    generate(folder, servers=BASE_SERVERS * 2 + 10, sites=2, flow_records=3000)
    return folder


@pytest.fixture(scope="module")
def first_run(estate, tmp_path_factory):
    out = tmp_path_factory.mktemp("hE1-out")
    text = _run(estate, out)
    return out, text


def test_second_run_with_nothing_new_redoes_nothing(estate, first_run):
    out, first = first_run
    assert "kept" not in first
    before = _state(out)
    text = _run(estate, out)
    assert "every stage kept" in text
    for stage in ("graph", "classify", "plan", "report", "export"):
        assert f"{stage}: inputs unchanged, kept" in text
    assert _state(out) == before                     # not rewritten, not even touched
    stages = json.loads((out / "stages.json").read_text(encoding="utf-8"))["stages"]
    assert set(stages) == {"graph", "classify", "plan", "report", "export"}


def test_summary_has_sites_and_inter_site_flows(first_run):
    out, text = first_run
    assert "2 sites: s01 " in text and "; s02 " in text
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    sites = {n["id"]: n.get("site") for n in graph["nodes"] if n["kind"] == "host"}
    crossing = [e for e in graph["edges"] if e.get("inter_site")]
    assert crossing, "the generator sends some s02 flows to s01"
    for e in crossing:
        client = sites[e["source"]]
        server = sites["host:" + e["target"].split(":")[1]]
        assert client and server and client != server
    same = [e for e in graph["edges"] if e["key"] == "flow" and not e.get("inter_site")
            and e["source"] in sites and e["target"].startswith("svc:")]
    assert all(sites[e["source"]] == sites["host:" + e["target"].split(":")[1]] or
               sites[e["source"]] is None or sites["host:" + e["target"].split(":")[1]] is None
               for e in same)


def test_one_more_day_reruns_downstream_stages(tmp_path, estate, first_run):
    out, _ = first_run
    # the same estate, one more day of agent bundles (earlier files byte-identical)
    day2 = tmp_path / "ght"
    generate(day2, servers=BASE_SERVERS * 2 + 10, sites=2, flow_records=3000, days=2)
    old = {p.relative_to(estate): p.read_bytes() for p in (estate / "inputs").rglob("*") if p.is_file()}
    assert all((day2 / rel).read_bytes() == blob for rel, blob in old.items())
    new_files = [p for p in (day2 / "inputs").rglob("*") if p.is_file()
                 and p.relative_to(day2) not in old]
    assert new_files and all(p.parent.name == "agents-day2" for p in new_files)
    before = _state(out)
    text = _run(day2, out)
    new_obs = re.search(r"files read, \d+ observations \((\d+) new\)", text)
    assert new_obs and int(new_obs.group(1)) > 0
    for stage in ("graph", "classify", "plan", "report", "export"):
        assert f"{stage}: inputs unchanged" not in text
    after = _state(out)
    assert after["graph.json"][1] != before["graph.json"][1]
    # and now nothing is new again
    again = _run(day2, out)
    assert "every stage kept" in again


def test_deleted_output_or_force_reruns(estate, tmp_path):
    out = tmp_path / "out"
    _run(estate, out)
    (out / "plan.json").unlink()
    text = _run(estate, out)
    assert "graph: inputs unchanged, kept" in text and "classify: inputs unchanged, kept" in text
    assert "[4/6] plan\n" in text and (out / "plan.json").is_file()
    text = _run(estate, out, "--force")
    assert "kept" not in text
