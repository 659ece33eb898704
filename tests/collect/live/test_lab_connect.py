"""MariaDB CONNECT tables (TABLE_TYPE=MYSQL) introspected live on the real local server.

The CONNECT engine (Debian's ``mariadb-plugin-connect``) is loaded with ``INSTALL SONAME``
when the server does not have it yet — no restart needed. Two CONNECT tables in a lab
database read a patient table of another lab database on 127.0.0.1:3306, one declared with
a ``CONNECTION`` URL carrying a canary password, one with ``DBNAME`` / ``TABNAME`` /
``OPTION_LIST``. Each must be a ``db_link`` (mechanism ``connect``) and a graph edge to the
target database; no canary name or password may reach an observation or the store.
ODBC-type CONNECT tables (through unixODBC and psqlODBC to PostgreSQL) are in
test_lab_connect_odbc.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.collect.live.introspect import introspect
from scanner.privacy import find_canaries
from tests.collect.live.labdb import connect_engine as _connect_engine, my as _my

pytestmark = pytest.mark.lab
RUN = f"_{os.getpid()}"
SRC, DST = "hdscan_lab_connect_src" + RUN, "hdscan_lab_connect_dst" + RUN
LOGIN = "hdscan_lab_connect_user" + RUN
CANARIES = ["LEBRUN-CANARY Odette", "Connect-CANARY-6612"]




def _drop(cur):
    for db in (DST, SRC):
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
    cur.execute(f"DROP USER IF EXISTS '{LOGIN}'@'%'")



@pytest.fixture(scope="module")
def connect_lab():
    conn = _my()
    cur = conn.cursor()
    try:
        why = _connect_engine(cur)
        if why:
            if os.environ.get("CI") == "true":
                pytest.fail(why)
            pytest.skip(why)
        cur.execute("SHOW DATABASES LIKE 'hdscan\\_lab\\_connect\\_%'")
        for db in [r[0] for r in cur.fetchall()]:   # left by a crashed run (its pid is gone)
            pid = db.rpartition("_")[2]
            if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
                cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        _drop(cur)
        cur.execute(f"CREATE DATABASE `{SRC}`")
        cur.execute(f"CREATE DATABASE `{DST}`")
        cur.execute(f"CREATE TABLE `{SRC}`.patient (ipp VARCHAR(20), nom_naissance VARCHAR(80))")
        cur.execute(f"INSERT INTO `{SRC}`.patient VALUES ('P9', 'LEBRUN-CANARY Odette')")
        cur.execute(f"CREATE USER '{LOGIN}'@'%' IDENTIFIED BY 'Connect-CANARY-6612'")
        cur.execute(f"GRANT SELECT ON `{SRC}`.* TO '{LOGIN}'@'%'")
        cur.execute(f"CREATE TABLE `{DST}`.patient_url ENGINE=CONNECT TABLE_TYPE=MYSQL "
                    f"CONNECTION='mysql://{LOGIN}:Connect-CANARY-6612@127.0.0.1:3306/{SRC}/patient'")
        cur.execute(f"CREATE TABLE `{DST}`.patient_opt ENGINE=CONNECT TABLE_TYPE=MYSQL "
                    f"DBNAME='{SRC}' TABNAME='patient' "
                    f"OPTION_LIST='host=127.0.0.1,port=3306,user={LOGIN},password=Connect-CANARY-6612'")
        cur.execute(f"CREATE TABLE `{DST}`.compte (n INT) ENGINE=Aria")
        for table in ("patient_url", "patient_opt"):       # the links really work
            cur.execute(f"SELECT nom_naissance FROM `{DST}`.`{table}`")
            assert cur.fetchall() == (("LEBRUN-CANARY Odette",),)
        yield {"src": SRC, "dst": DST}
    finally:
        _drop(cur)
        conn.close()


def test_connect_tables_are_links_to_their_target(connect_lab):
    got = introspect(f"mysql://root@127.0.0.1:3306/{DST}", as_host="labo-db01")
    links = sorted((o.data["source_host"], o.data["source_database"], o.data["mechanism"],
                    o.data["object"], o.data["target_host"], o.data["target_port"],
                    o.data["target_database"], o.data["target_engine"], o.evidence.location)
                   for o in got.observations if o.kind == "db_link")
    assert links == [
        ("labo-db01", DST, "connect", f"{DST}.patient_opt", "127.0.0.1", 3306, SRC, "mysql",
         f"table {DST}.patient_opt"),
        ("labo-db01", DST, "connect", f"{DST}.patient_url", "127.0.0.1", 3306, SRC, "mysql",
         f"table {DST}.patient_url"),
    ]
    (schema,) = [o.data for o in got.observations if o.kind == "db_schema"]
    assert [t["name"] for t in schema["tables"]] == ["compte"]   # CONNECT tables are links
    text = repr([o.to_dict() for o in got.observations])
    assert not [c for c in CANARIES if c in text]
    assert "password" not in text.lower() and LOGIN not in text


def test_connect_link_is_a_graph_edge_and_the_store_keeps_no_canary(connect_lab, tmp_path):
    from scanner import pipeline

    runner = CliRunner()
    for url in (f"mysql://root@127.0.0.1:3306/{DST}", f"mysql://root@127.0.0.1:3306/{SRC}"):
        result = runner.invoke(main, ["db", "scan", url, "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
    g = pipeline.stage_graph(tmp_path)
    edges = [(u, v, d) for u, v, d in g.edges(data=True)
             if d["kind"] == "db_link" and "connect" in d["mechanisms"]]
    assert len(edges) == 1
    src, dst, data = edges[0]
    assert g.nodes[src]["name"] == DST and g.nodes[dst]["name"] == SRC
    assert sorted(data["objects"]) == [f"{DST}.patient_opt", f"{DST}.patient_url"]
    assert "nom_naissance" in g.nodes[dst]["columns"]
    assert find_canaries(tmp_path, CANARIES) == []
