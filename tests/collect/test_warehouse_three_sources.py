"""Issue #5's done-when: the research warehouse's link to the DPI is an edge from all three sources.

On one graph: the sample estate's pg_dump of the warehouse (``eds-db01``, postgres_fdw server
``dpi_srv``), the warehouse loader's configuration (``eds-etl01``, ``etl.conf``) and a live
catalogue — a real lab database on the local PostgreSQL holding the same kind of
postgres_fdw link, introspected with ``--as-host eds-db01`` so it is the warehouse host.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import pipeline
from scanner.cli import main
from scanner.privacy import find_canaries

pytestmark = pytest.mark.lab
ESTATE = Path(__file__).resolve().parents[2] / "sample_estates" / "ch-saint-aurelien"
LIVE_DB = f"hdscan_lab_live_eds_{os.getpid()}"
CANARY = "Eds-Live-CANARY-3310"


@pytest.fixture()
def warehouse_db():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                                autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    admin.execute(f'DROP DATABASE IF EXISTS "{LIVE_DB}" WITH (FORCE)')
    try:
        admin.execute(f'CREATE DATABASE "{LIVE_DB}"')
        with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=LIVE_DB,
                             autocommit=True) as c:
            c.execute("CREATE EXTENSION postgres_fdw")
            # the warehouse's real link definition; never opened (the DPI host is not here)
            c.execute("CREATE SERVER dpi_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                      "(host 'dpi-db01.ch-saint-aurelien.local', port '5432', dbname 'dpi')")
            c.execute(f"CREATE USER MAPPING FOR postgres SERVER dpi_srv OPTIONS (user 'eds_fdw', "
                      f"password '{CANARY}')")
            c.execute("CREATE FOREIGN TABLE public.dpi_sejour (id_sejour int, date_entree date) "
                      "SERVER dpi_srv OPTIONS (schema_name 'public', table_name 'sejour')")
            c.execute("CREATE TABLE public.cohorte (id_patient int, annee int)")
        yield LIVE_DB
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{LIVE_DB}" WITH (FORCE)')
        admin.close()


def _estate_slice(tmp: Path) -> Path:
    """The estate's configuration, the warehouse dump and the loader's config, nothing else."""
    est = tmp / "estate"
    (est / "inputs").mkdir(parents=True)
    shutil.copy(ESTATE / "estate.yml", est / "estate.yml")
    for part in ("sql/eds-db01", "configs/eds-etl01"):
        shutil.copytree(ESTATE / "inputs" / part, est / "inputs" / part)
    return est


def test_the_warehouse_link_to_the_dpi_is_an_edge_from_dump_config_and_live(warehouse_db, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(main, ["import", str(_estate_slice(tmp_path)), "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["db", "scan", f"postgresql://postgres@127.0.0.1:5432/{warehouse_db}",
                             "--as-host", "eds-db01", "-o", str(out)])
    assert r.exit_code == 0, r.output
    g = pipeline.stage_graph(out)
    dpi = [n for n, d in g.nodes(data=True) if d["kind"] == "database" and d.get("name") == "dpi"
           and g.nodes[d["host"]]["name"] == "dpi-db01" if "host" in d]
    assert len(dpi) == 1, dpi
    (dpi,) = dpi
    collectors = {}
    for u, v, k, d in g.in_edges(dpi, keys=True, data=True):
        src = g.nodes[u]
        host = g.nodes[src["host"]]["name"] if src["kind"] == "database" else src.get("name")
        for ev in d.get("evidence", []):
            collectors.setdefault(k, set()).add((host, ev))
    # the evidence ids of every edge into the DPI, resolved to their collectors
    from scanner.store import Store

    with Store(out / "store.sqlite", create=False) as store:
        by_id = {o.id: o for o in store.observations()}
    seen = {(k, host, by_id[ev].evidence.collector) for k, pairs in collectors.items()
            for host, ev in pairs if ev in by_id}
    kinds = seen
    dump = [s for s in kinds if s[0] == "db_link" and s[1] == "eds-db01" and s[2] != "pg-live"]
    live = [s for s in kinds if s[0] == "db_link" and s[1] == "eds-db01" and s[2] == "pg-live"]
    config = [s for s in kinds if s[0] == "config_ref" and s[1] == "eds-etl01"]
    assert dump and live and config, sorted(kinds)
    live_edges = [(u, d) for u, v, k, d in g.in_edges(dpi, keys=True, data=True)
                  if k == "db_link" and g.nodes[u].get("name") == warehouse_db]
    assert live_edges and "public.dpi_sejour" in live_edges[0][1]["objects"]
    assert find_canaries(out, [CANARY, "Fdw-Lecture-9921"]) == []
