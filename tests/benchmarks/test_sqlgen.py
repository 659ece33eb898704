"""The SQL dump generator's truth, checked against hdscan's ``sql-dump`` collector.

``benchmarks/sqlgen.py`` writes a mixed pg_dump-style dump with known links and decoys
(commented-out links, link text inside literals); at ~200 KB the collector must report
exactly the generated links (recall = precision = 1) at the generated lines, and nothing
from a decoy.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from scanner.collect.sql.dump import collect

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_sqlgen", ROOT / "benchmarks" / "sqlgen.py")
sqlgen = importlib.util.module_from_spec(_spec)
sys.modules["bench_sqlgen"] = sqlgen           # dataclasses look their module up
_spec.loader.exec_module(sqlgen)

SOURCE = "inputs/sql/dpi-db01/dpi.sql"


def _dump(folder: Path, size: int = 200_000, **kw):
    path = folder / "inputs" / "sql" / "dpi-db01" / "dpi.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, sqlgen.generate(path, size, **kw)


def _links(path: Path):
    found = [o for o in collect(path, SOURCE) if o.kind == "db_link"]
    keys = [(d["mechanism"], d.get("object"), d["target_host"], d.get("target_port"),
             d.get("target_engine"), d.get("target_database")) for d in (o.data for o in found)]
    return found, keys


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _dump(tmp_path_factory.mktemp("sqlgen"))


def test_the_dump_has_every_link_kind_and_decoy_kind(small):
    path, truth = small
    assert 180_000 < truth.bytes == path.stat().st_size < 400_000
    assert {k.mechanism for k in truth.links} == set(sqlgen.KINDS)
    assert set(truth.decoys) == {"line_comment", "block_comment", "comment_literal",
                                 "function_body", "insert_literal", "string_in_view"}
    text = path.read_text("utf-8")
    assert "COPY public.patient_" in text and "$fn$" in text and "ENGINE=FEDERATED" in text
    # the truth's lines point at the statements it names
    lines = text.split("\n")
    for link in truth.links:
        head = lines[link.line - 1]
        assert head.startswith(("CREATE FOREIGN TABLE", "CREATE VIEW", "CREATE DATABASE LINK",
                                "EXEC sp_addlinkedserver", "CREATE TABLE")), head


def test_collector_finds_exactly_the_generated_links(small):
    path, truth = small
    found, keys = _links(path)
    recall, precision, missed, spurious = truth.score(keys)
    assert (missed, spurious) == ([], [])
    assert recall == precision == 1.0
    assert len(keys) == len(set(keys)) == len(truth.links)
    assert sorted(o.evidence.location for o in found) == sorted(f"line {k.line}" for k in truth.links)


def test_no_decoy_and_no_secret_reaches_an_observation(small):
    path, _ = small
    out = json.dumps([o.data for o in collect(path, SOURCE)], ensure_ascii=False)
    assert "leurre" not in out                     # every decoy's host is leurreNNNN
    assert "Secret-" not in out and "lecteur" not in out and "Pw1" not in out
    assert "Dupont" not in out                     # row values are counted, never kept


def test_a_prefix_cut_at_a_blank_line_is_a_dump_with_the_prefix_links(tmp_path, small):
    path, truth = small
    data = path.read_bytes()
    cut = data.rfind(b"\n\n", 0, 90_000) + 2
    part = tmp_path / "inputs" / "sql" / "dpi-db01" / "dpi.sql"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:cut])
    expected, _ = truth.upto(cut)
    assert 0 < len(expected) < len(truth.links)
    _, keys = _links(part)
    assert sorted(keys) == sorted(k.key() for k in expected)


def test_generation_is_deterministic(tmp_path):
    a, ta = _dump(tmp_path / "a", 60_000, seed=3)
    b, tb = _dump(tmp_path / "b", 60_000, seed=3)
    c, _ = _dump(tmp_path / "c", 60_000, seed=4)
    assert a.read_bytes() == b.read_bytes() and ta.links == tb.links
    assert a.read_bytes() != c.read_bytes()


def test_truth_round_trips_and_scores_misses_and_extras(small):
    _, truth = small
    again = sqlgen.Truth.from_json(truth.to_json())
    assert again.links == truth.links and again.statement_lines == truth.statement_lines
    keys = [k.key() for k in truth.links]
    extra = ("dblink", "x", "nowhere", None, "postgresql", None)
    recall, precision, missed, spurious = truth.score(keys[1:] + [extra])
    assert missed == [keys[0]] and spurious == [extra]
    assert recall == pytest.approx((len(keys) - 1) / len(keys))
    assert precision == pytest.approx((len(keys) - 1) / len(keys))


def test_linked_server_text_in_a_function_body_is_not_a_link(tmp_path):
    path, truth = _dump(tmp_path, 80_000, extra=("linked_server_in_body",))
    assert truth.decoys["linked_server_in_body"] > 0
    _, keys = _links(path)
    assert truth.score(keys)[2:] == ([], [])


def test_openquery_inside_a_string_literal_is_not_a_link(tmp_path):
    path, truth = _dump(tmp_path, 80_000, extra=("openquery_in_string",))
    assert truth.decoys["openquery_in_string"] > 0
    _, keys = _links(path)
    assert truth.score(keys)[3] == []


@pytest.mark.parametrize("flavour", ["mysql", "sqlserver", "oracle"])
def test_other_tools_dumps_are_read_exactly(tmp_path, flavour):
    """mysqldump, SSMS (GO, cp1252) and Oracle (/, latin-1) flavours: every link, at its
    line, no decoy, no secret, in the flavour's encoding, with a huge single-line INSERT."""
    path, truth = _dump(tmp_path, 700_000, flavour=flavour)
    data = path.read_bytes()
    if flavour == "sqlserver":
        assert b"\x80" in data and b"\x9c" in data          # € and œ: cp1252 only
    if flavour == "oracle":
        assert b"\xbd" in data                              # ½ in latin-1
    assert max(len(line) for line in data.split(b"\n")) > 250_000
    assert {k.mechanism for k in truth.links} == {
        "mysql": {"federated", "connect"}, "sqlserver": {"linked_server", "openrowset"},
        "oracle": {"oracle_dblink"}}[flavour]
    found, keys = _links(path)
    assert truth.score(keys)[2:] == ([], [])
    assert sorted(o.evidence.location for o in found) == sorted(f"line {k.line}" for k in truth.links)
    out = json.dumps([o.data for o in collect(path, SOURCE)], ensure_ascii=False)
    assert "leurre" not in out and "Secret-" not in out and "lecteur" not in out
    engines = {o.data.get("engine") for o in collect(path, SOURCE) if o.kind == "db_schema"}
    assert engines == {flavour}
