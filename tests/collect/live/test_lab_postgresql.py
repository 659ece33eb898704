"""Live PostgreSQL introspection against the real local server (seeded hdscan_lab_live_*)."""

from __future__ import annotations

import sqlite3

import os

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.collect.live.introspect import introspect
from scanner.errors import InputError
from scanner.privacy import find_canaries


RUN = f"_{os.getpid()}"    # one name set per test process: parallel runs never collide
pytestmark = pytest.mark.lab
PG_DPI, PG_DWH, PG_READER = "hdscan_lab_live_dpi" + RUN, "hdscan_lab_live_entrepot" + RUN, "hdscan_lab_live_reader" + RUN
URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DWH}"


def _schemas(obs):
    return {o.data["database"]: o.data for o in obs if o.kind == "db_schema"}


def _links(obs):
    return sorted((o.data["source_database"], o.data["mechanism"], o.data["object"],
                   o.data["target_host"], o.data.get("target_port"), o.data.get("target_database"),
                   o.data.get("target_engine")) for o in obs if o.kind == "db_link")


def test_catalogue_of_the_dpi_database(pg_lab):
    got = introspect(f"postgresql://postgres@127.0.0.1:5432/{PG_DPI}")
    assert got.collector == "pg-live" and got.source == f"postgresql://127.0.0.1:5432/{PG_DPI}"
    (schema,) = _schemas(got.observations).values()
    assert (schema["host"], schema["port"], schema["engine"]) == ("127.0.0.1", 5432, "postgresql")
    tables = {(t["schema"], t["name"]): t for t in schema["tables"]}
    assert sorted(tables) == [("dossier", "sejour"), ("public", "patient")]
    assert tables[("public", "patient")]["columns"] == ["date_naissance", "ipp", "nir",
                                                       "nom_naissance", "prenom"]
    assert tables[("public", "patient")]["rows"] == 3
    assert tables[("dossier", "sejour")]["rows"] == 40
    assert all(t["bytes"] > 0 for t in tables.values())
    assert schema["bytes"] >= sum(t["bytes"] for t in tables.values())
    assert not _links(got.observations)


def test_fdw_and_dblink_links_of_the_warehouse(pg_lab):
    got = introspect(URL, as_host="dwh-db01")
    schema = _schemas(got.observations)[PG_DWH]
    assert schema["host"] == "dwh-db01"
    assert [(t["name"], t["columns"], t["rows"]) for t in schema["tables"]] == \
        [("stats_sejour", ["annee", "nb_sejours"], 25)]      # the foreign table is a link
    expected = [(PG_DWH, "postgres_fdw", "public.patient_distant", "127.0.0.1", 5432, PG_DPI,
                 "postgresql"),
                (PG_DWH, "logical-replication", pg_lab["subscription"], "127.0.0.1", 5432, PG_DPI,
                 "postgresql")]
    if pg_lab["dblink"] is True:
        expected += [(PG_DWH, "dblink", "public.compte_sejours", "dpi-db01.ch-example.local", 5433,
                      "dpi", "postgresql"),
                     (PG_DWH, "dblink", "public.v_patients", "127.0.0.1", 5432, PG_DPI, "postgresql")]
    assert _links(got.observations) == sorted(expected)
    assert all(o.data["source_host"] == "dwh-db01" for o in got.observations if o.kind == "db_link")
    places = {o.evidence.location for o in got.observations}
    assert "foreign table public.patient_distant" in places
    if pg_lab["dblink"] is not True:
        pytest.skip(pg_lab["dblink"])


def test_a_role_without_select_on_any_table_reads_the_same_catalogue(pg_lab):
    """Proof that no user table is read: the reader may not SELECT, yet gets the same result."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user=PG_READER, dbname=PG_DWH) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("SELECT * FROM stats_sejour")
    as_reader = introspect(f"postgresql://{PG_READER}@127.0.0.1:5432/{PG_DWH}")
    as_admin = introspect(URL)

    def catalogue(obs):      # subscriptions' conninfo is superuser-only: the reader is told
        return [o for o in obs if o.kind == "db_schema" or
                (o.kind == "db_link" and o.data["mechanism"] != "logical-replication")]
    assert catalogue(as_reader.observations) == catalogue(as_admin.observations)
    assert any("subscriptions not read" in w for w in as_reader.warnings)


def test_every_database_of_the_server_when_the_url_names_none(pg_lab):
    got = introspect("postgresql://postgres@127.0.0.1:5432/")
    assert got.source == "postgresql://127.0.0.1:5432/"
    schemas = _schemas(got.observations)
    assert {PG_DPI, PG_DWH} <= set(schemas)
    assert "template0" not in schemas and "template1" not in schemas
    alone = introspect(URL).observations
    assert [l for l in _links(got.observations) if l[0] == PG_DWH] == _links(alone)
    assert schemas[PG_DWH]["tables"] == _schemas(alone)[PG_DWH]["tables"]


def test_cli_stores_once_and_keeps_no_canary(pg_lab, canaries, tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["introspect", URL, "-o", str(tmp_path)])
    assert first.exit_code == 0, first.output
    db = sqlite3.connect(tmp_path / "store.sqlite")
    rows = db.execute("SELECT kind, data, evidence FROM observations ORDER BY id").fetchall()
    inputs = db.execute("SELECT source, collector, size FROM inputs").fetchall()
    assert inputs == [(f"postgresql://127.0.0.1:5432/{PG_DWH}", "pg-live", 0)]
    assert {r[0] for r in rows} == {"db_schema", "db_link"}
    again = runner.invoke(main, ["introspect", URL, "-o", str(tmp_path)])
    assert again.exit_code == 0 and "unchanged" in again.output
    assert db.execute("SELECT kind, data, evidence FROM observations ORDER BY id").fetchall() == rows
    assert db.execute("SELECT count(*) FROM inputs").fetchone()[0] == 1
    db.close()
    assert find_canaries(tmp_path, canaries) == []
    assert "postgres@" not in "".join(r[2] for r in rows)


def test_unreachable_port_is_one_line_error_naming_the_url(tmp_path):
    result = CliRunner().invoke(main, ["introspect", "postgresql://postgres@127.0.0.1:1/hdscan_lab_x",
                                       "-o", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdscan: error: postgresql://127.0.0.1:1/hdscan_lab_x: "
                                                   "cannot connect")
    assert "Traceback" not in result.output and "postgres@" not in result.output


def test_missing_database_is_an_input_error(pg_lab):
    with pytest.raises(InputError) as exc:
        introspect("postgresql://postgres@127.0.0.1:5432/hdscan_lab_live_absent")
    assert str(exc.value).startswith("postgresql://127.0.0.1:5432/hdscan_lab_live_absent: cannot connect")


def test_the_warehouse_link_to_the_dpi_is_a_graph_edge(pg_lab, tmp_path):
    from scanner import pipeline

    runner = CliRunner()
    for url, host in ((URL, "dwh-db01"), (f"postgresql://postgres@127.0.0.1:5432/{PG_DPI}", None)):
        args = ["introspect", url, "-o", str(tmp_path)] + (["--as-host", host] if host else [])
        assert runner.invoke(main, args).exit_code == 0
    g = pipeline.stage_graph(tmp_path)
    edges = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "db_link"]
    fdw = [(u, v) for u, v, d in edges if "postgres_fdw" in d["mechanisms"]]
    assert len(fdw) == 1
    src, dst = fdw[0]
    assert g.nodes[src]["name"] == PG_DWH and g.nodes[dst]["name"] == PG_DPI
    assert "patient_distant" in " ".join(g.edges[src, dst, "db_link"]["objects"])
    assert g.nodes[dst]["rows"] == 43 and "nom_naissance" in g.nodes[dst]["columns"]


def test_subscription_is_a_link_to_the_publisher_without_its_password(pg_lab, canaries):
    got = introspect(URL)
    (sub,) = [o for o in got.observations if o.kind == "db_link"
              and o.data["mechanism"] == "logical-replication"]
    assert (sub.data["source_database"], sub.data["target_host"], sub.data["target_port"],
            sub.data["target_database"], sub.data["object"]) == \
        (PG_DWH, "127.0.0.1", 5432, PG_DPI, pg_lab["subscription"])
    assert sub.evidence.location == f"subscription {pg_lab['subscription']}"
    text = repr([o.to_dict() for o in got.observations])
    assert not [c for c in canaries if c in text] and "password" not in text


def test_client_sessions_are_flows_with_their_application(pg_lab, tmp_path):
    """Two real sessions with a distinctive application_name become client → server flows."""
    import psycopg

    from scanner import pipeline

    app = f"hdscan-hH-probe-{os.getpid()}"
    sessions = [psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=PG_DWH,
                                application_name=app) for _ in range(2)]
    try:
        got = introspect(URL)
        runner = CliRunner()
        assert runner.invoke(main, ["introspect", URL, "-o", str(tmp_path)]).exit_code == 0
    finally:
        for c in sessions:
            c.close()
    protos = [o for o in got.observations if o.kind == "protocol"
              and o.data["facts"].get("application_name") == app]
    assert [(o.data["client_ip"], o.data["server_port"], o.data["facts"]["database"],
             o.data["facts"]["user"]) for o in protos] == [("127.0.0.1", 5432, PG_DWH, "postgres")]
    assert protos[0].evidence.location == "pg_stat_activity"
    flows = [o for o in got.observations if o.kind == "flow"]
    assert flows and all(o.data["server_ip"] == "127.0.0.1" for o in flows)
    assert sum(o.data["connections"] for o in flows if o.data["client_ip"] == "127.0.0.1") >= 2
    assert not [o for o in got.observations if o.kind == "protocol"
                and o.data["facts"].get("application_name") == "hdscan-introspect"]
    g = pipeline.stage_graph(tmp_path)
    edges = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "flow"]
    assert any(d["port"] == 5432 and d["protocol"] == "postgresql" for u, v, d in edges)
    dbs = [n for n, d in g.nodes(data=True) if d["kind"] == "database" and d.get("name") == PG_DWH]
    assert dbs


def test_streaming_replicas_become_flows_from_the_replica():
    """pg_stat_replication rows (none on this lab server: wal_level replica, no standby)."""
    from scanner.collect.live.peers import Peers, observations

    peers = Peers(server_ip="10.20.1.10", replicas=[("10.20.1.11", "dpi_standby"), (None, "x")])
    obs = observations(peers, host="dpi-db01", port=5432, engine="postgresql", collector="pg-live",
                       version="1", source="postgresql://dpi-db01:5432/", ok=lambda v: bool(v))
    assert sorted((o.kind, o.data["client_ip"], o.data["server_ip"], o.data["server_port"],
                   o.evidence.location) for o in obs) == [
        ("flow", "10.20.1.11", "10.20.1.10", 5432, "pg_stat_replication"),
        ("protocol", "10.20.1.11", "10.20.1.10", 5432, "pg_stat_replication")]
    (proto,) = [o for o in obs if o.kind == "protocol"]
    assert proto.data["facts"] == {"application_name": "dpi_standby"}


def test_db_scan_is_introspect(pg_lab, tmp_path):
    """`hdscan db scan URL` (the issue's name) stores what `hdscan introspect URL` stores."""
    runner = CliRunner()
    a, b = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(main, ["db", "scan", URL, "--as-host", "dwh-db01", "-o", str(a)]).exit_code == 0
    assert runner.invoke(main, ["introspect", URL, "--as-host", "dwh-db01", "-o", str(b)]).exit_code == 0

    def stored(d):
        db = sqlite3.connect(d / "store.sqlite")
        try:
            return sorted(r for r in db.execute("SELECT kind, data FROM observations")
                          if r[0] in ("db_schema", "db_link"))
        finally:
            db.close()
    assert stored(a) == stored(b) and stored(a)
