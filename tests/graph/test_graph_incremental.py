"""The incremental graph stage (issue #9 item 3): a graph built from the previous state plus
the new observations is byte-identical to a full rebuild of the same store, and every
case it cannot prove falls back to a full rebuild and says why.

The reference is ``graph.build.build_graph`` over every observation of the store (the
builder as it was before this stage existed), never the incremental module's own full path.
Stores are real SQLite stores; the sample estate's observations are imported once, for real,
and then regrouped by their evidence's source file into stores that grow file by file.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sample_estates.generate import generate
from scanner import pipeline
from scanner.cli import main
from scanner.graph import incremental
from scanner.graph import io as graph_io
from scanner.graph.build import build_graph
from scanner.model.evidence import Evidence
from scanner.privacy import observation
from scanner.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "sample_estates" / "ch-saint-aurelien"


def _reference(out: Path) -> bytes:
    """graph.json as a full rebuild writes it, by the plain builder."""
    with Store(out / pipeline.STORE, create=False) as store:
        config = pipeline.load_config(store)
        g = build_graph(store.observations(), config)
        g.graph["estate"] = config.name
        g.graph["store"] = store.fingerprint()
    return graph_io.dumps(g).encode("utf-8")


def _graph(out: Path) -> dict:
    how: dict = {}
    pipeline.stage_graph(out, how)
    return how


def _add(out: Path, groups: dict, sources, estate_yml: str | None = None) -> None:
    """Store the observations of ``sources`` (one input each) as an import would."""
    with Store(out / pipeline.STORE) as store:
        if estate_yml is not None:
            store.put_document("estate.yml", estate_yml)
        for source in sources:
            store.import_observations(source, "sha-" + source, 1, "test", "1", groups[source])


def _obs(kind: str, source: str = "extra.txt", collector: str = "test", **fields):
    return observation(kind, Evidence(collector, "1", source, "line 1", None), **fields)


@pytest.fixture(scope="module")
def sample_groups(tmp_path_factory) -> dict:
    """The sample estate's observations, by the input file they came from."""
    out = tmp_path_factory.mktemp("h7-sample-import")
    summary = pipeline.import_inputs([SAMPLE], out)
    assert not summary.errors
    groups: dict[str, list] = {}
    with Store(out / pipeline.STORE) as store:
        for o in store.observations():
            groups.setdefault(o.evidence.source, []).append(o)
    assert len(groups) > 50
    return groups


ESTATE_YML = (SAMPLE / "estate.yml").read_text(encoding="utf-8")


def _split_scenario(tmp_path: Path, groups: dict, later: list[str]) -> dict:
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    _add(out, groups, [s for s in sorted(groups) if s not in later], ESTATE_YML)
    first = _graph(out)
    assert first["path"] == "full" and first["reason"] == "no previous graph state"
    assert (out / "graph.json").read_bytes() == _reference(out)
    _add(out, groups, later)
    second = _graph(out)
    assert (out / "graph.json").read_bytes() == _reference(out), second["note"]
    return second


@pytest.mark.parametrize("prefix", ["agents/", "sql/", "configs/", "nmap/", "captures/"])
def test_sample_estate_one_kind_of_input_later(tmp_path, sample_groups, prefix):
    later = [s for s in sample_groups if s.startswith("inputs/" + prefix)]
    assert later
    how = _split_scenario(tmp_path, sample_groups, later)
    if prefix != "captures/":       # the capture names external addresses (DNS, SNI)
        assert how["path"] == "incremental", how["note"]
        assert how["new_observations"] == sum(len(sample_groups[s]) for s in later)


def test_sample_estate_new_capture_renames_external_addresses(tmp_path, sample_groups):
    how = _split_scenario(tmp_path, sample_groups, ["inputs/captures/core-switch.pcap"])
    assert how["path"] == "full"
    assert "now resolves to ext:" in how["reason"] or "DNS or TLS names" in how["reason"]


def test_sample_estate_single_files_and_random_halves(tmp_path, sample_groups):
    sources = sorted(sample_groups)
    rng = random.Random(7)
    scenarios = [[s] for s in rng.sample(sources, 8)]
    scenarios += [rng.sample(sources, len(sources) // 2) for _ in range(3)]
    paths = []
    for later in scenarios:
        paths.append(_split_scenario(tmp_path, sample_groups, later)["path"])
    assert "incremental" in paths


def test_generated_estate_one_more_day_of_agent_bundles(tmp_path):
    estate = tmp_path / "ght"
    generate(estate, servers=110, sites=2, flow_records=2000, days=2)
    out = tmp_path / "out"
    day1 = [p for p in (estate / "inputs").rglob("*") if p.is_file() and "agents-day2" not in p.parts]
    assert not pipeline.import_inputs(day1, out).errors
    with Store(out / pipeline.STORE) as store:
        store.put_document("estate.yml", (estate / "estate.yml").read_text(encoding="utf-8"))
    assert _graph(out)["path"] == "full"
    summary = pipeline.import_inputs(sorted((estate / "inputs" / "agents-day2").iterdir()), out)
    assert not summary.errors and summary.new > 0
    how = _graph(out)
    assert how["path"] == "incremental", how["note"]
    assert how["new_observations"] == summary.new
    assert how["note"] == f"incremental, {summary.new:,} new observations"
    assert (out / "graph.json").read_bytes() == _reference(out)
    # nothing new: still the same graph, from the state alone
    how = _graph(out)
    assert how["path"] == "incremental" and how["new_observations"] == 0
    assert (out / "graph.json").read_bytes() == _reference(out)


# -- the fallbacks, each with its reason, each still equal to the reference ---------------
@pytest.fixture
def built(tmp_path, sample_groups) -> Path:
    out = tmp_path / "out"
    _add(out, sample_groups, sorted(sample_groups), ESTATE_YML)
    assert _graph(out)["path"] == "full"
    return out


def test_dns_name_that_renames_a_known_address_forces_a_full_rebuild(built):
    graph = json.loads((built / "graph.json").read_text(encoding="utf-8"))
    # an internal address the graph knows only by its number
    bare = next(n for n in graph["nodes"] if n["kind"] == "host" and n["name"][0].isdigit())
    address = bare["name"]
    with Store(built / pipeline.STORE) as store:
        store.import_observations("dns.log", "sha-dns", 1, "test", "1", [
            _obs("dns", source="dns.log", collector="zeek", name="renamed01.ch-saint-aurelien.local",
                 address=address, record_type="A")])
    how = _graph(built)
    assert how["path"] == "full"
    assert how["reason"] == f"address {address} now resolves to host:renamed01 (was host:{address})"
    assert (built / "graph.json").read_bytes() == _reference(built)
    assert b'"host:renamed01"' in (built / "graph.json").read_bytes()


def test_a_different_first_value_forces_a_full_rebuild(built):
    graph = json.loads((built / "graph.json").read_text(encoding="utf-8"))
    host = next(n for n in graph["nodes"] if n["kind"] == "host" and n.get("os"))
    with Store(built / pipeline.STORE) as store:
        store.import_observations("x.json", "sha-x", 1, "agent-inventory", "1", [
            _obs("host", source="x.json", collector="agent-inventory", hostname=host["name"],
                 addresses=host["addresses"], os=host["os"] + " (other)")])
    how = _graph(built)
    assert how["path"] == "full"
    assert how["reason"].startswith(f"new observations give {host['id']} another 'os'")
    assert (built / "graph.json").read_bytes() == _reference(built)


def test_new_estate_yml_forces_a_full_rebuild(built):
    with Store(built / pipeline.STORE) as store:
        store.put_document("estate.yml", ESTATE_YML.replace("name:", "name: Renamed —", 1))
    how = _graph(built)
    assert (how["path"], how["reason"]) == ("full", "estate.yml changed")
    assert (built / "graph.json").read_bytes() == _reference(built)


def test_recreated_store_forces_a_full_rebuild(built, sample_groups):
    (built / pipeline.STORE).unlink()
    sources = sorted(sample_groups)
    _add(built, sample_groups, sources[1:], ESTATE_YML)     # one input fewer, other rowids
    how = _graph(built)
    assert how["path"] == "full" and how["reason"].startswith("the store is not the previous one grown")
    assert (built / "graph.json").read_bytes() == _reference(built)
    _add(built, sample_groups, sources[:1])                 # and now it grows again
    assert _graph(built)["path"] == "incremental"
    assert (built / "graph.json").read_bytes() == _reference(built)


def test_network_mounts_day_after_day(built):
    """Volumes (graph/storage.py) merge their sizes by maximum: a new day stays incremental."""
    for day, used in ((1, 100), (2, 150)):
        source = f"agents-day{day}/dpi-app01.json"
        with Store(built / pipeline.STORE) as store:
            store.import_observations(source, f"sha-mount-{day}", 1, "agent-inventory", "1", [
                _obs("mount", source=source, collector="agent-inventory", hostname="dpi-app01",
                     fstype="nfs", server="fs01", export="/srv/dpi", mount="/mnt/dpi",
                     used_bytes=used * 1000, total_bytes=10 ** 6)])
        how = _graph(built)
        assert (built / "graph.json").read_bytes() == _reference(built), how["note"]
        if day == 2:
            assert how["path"] == "incremental", how["note"]
    graph = json.loads((built / "graph.json").read_text(encoding="utf-8"))
    volume = next(n for n in graph["nodes"] if n["id"] == "volume:fs01:/srv/dpi")
    assert volume["used_bytes"] == 150_000


def test_deleted_observation_forces_a_full_rebuild(built):
    import sqlite3

    db = sqlite3.connect(built / pipeline.STORE)
    db.execute("DELETE FROM observations WHERE rowid = (SELECT MIN(rowid) FROM observations)")
    db.commit()
    db.close()
    how = _graph(built)
    assert how["path"] == "full" and how["reason"].startswith("the store is not the previous one grown")
    assert (built / "graph.json").read_bytes() == _reference(built)


def test_state_that_does_not_match_is_ignored_with_a_reason(built):
    state = built / incremental.FILE
    blob = state.read_bytes()
    state.write_bytes(blob[:-10] + b"0123456789")
    assert _graph(built)["reason"] == "the previous graph state is damaged; ignored"
    (built / "graph.json").write_text((built / "graph.json").read_text() + " ")
    assert _graph(built)["reason"] == ("graph.json is not the one the previous graph state "
                                       "belongs to; ignored")
    head, _, payload = state.read_bytes().partition(b"\n")
    header = json.loads(head)
    state.write_bytes(json.dumps({**header, "schema": "hdscan-graph-state/0"}).encode() + b"\n" + payload)
    assert _graph(built)["reason"] == "the previous graph state is of another version; ignored"
    import hashlib
    import marshal

    payload = marshal.dumps({"rowid": 1}, 4)       # right schema and digest, wrong shape
    head, _, _ = state.read_bytes().partition(b"\n")
    header = {**json.loads(head), "payload_sha256": hashlib.sha256(payload).hexdigest()}
    state.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    assert _graph(built)["reason"] == "the previous graph state is unreadable; ignored"
    state.unlink()
    assert _graph(built)["reason"] == "no previous graph state"
    assert _graph(built)["path"] == "incremental"
    assert (built / "graph.json").read_bytes() == _reference(built)


def test_code_change_forces_a_full_rebuild(built):
    from scanner.stagecache import file_digest

    with Store(built / pipeline.STORE) as store:
        config = pipeline.load_config(store)
        result = incremental.build(built, store, config, store.document("estate.yml"),
                                   file_digest(built / "graph.json"), "another hdscan")
    assert (result.path, result.reason) == ("full", "hdscan's code changed since the previous graph")


# -- hdscan run, twice, with a new file between: the same outputs as a fresh run ----------
def _run(estate: Path, out: Path, quiet: bool = True) -> str:
    result = CliRunner().invoke(main, ["run", str(estate), "-o", str(out)] + (["-q"] if quiet else []))
    assert result.exit_code == 0, result.output
    return result.output


def test_run_twice_with_a_new_file_between_equals_a_fresh_run(tmp_path):
    estate = tmp_path / "ght"
    generate(estate, servers=55, sites=1, flow_records=500, days=2)
    held = tmp_path / "held"
    shutil.move(str(estate / "inputs" / "agents-day2"), str(held))
    out = tmp_path / "out"
    _run(estate, out)
    shutil.move(str(held), str(estate / "inputs" / "agents-day2"))
    said = _run(estate, out, quiet=False)
    stages = json.loads((out / "stages.json").read_text(encoding="utf-8"))["stages"]
    assert stages["graph"]["note"].startswith("incremental, "), stages["graph"]
    assert f"graph: {stages['graph']['note']}\n" in said          # the CLI says which path
    again = CliRunner().invoke(main, ["graph", "-o", str(out)])
    assert again.exit_code == 0 and again.output.startswith("graph: "), again.output
    fresh = tmp_path / "fresh"
    _run(estate, fresh)
    names = ("graph.json", "tags.json", "plan.json", "report/index.html", "export/hdscan.json")
    for name in names:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    assert json.loads((fresh / "stages.json").read_text())["stages"]["graph"]["note"] == \
        "full rebuild: no previous graph state"
