"""MariaDB CONNECT tables of TABLE_TYPE=ODBC reading a real PostgreSQL database, introspected live.

How a MariaDB-based hospital application reads a PostgreSQL (or SQL Server) database: a
CONNECT table through unixODBC and a driver (here Debian's ``odbc-postgresql``, registered
in /etc/odbcinst.ini as "PostgreSQL Unicode" / "PostgreSQL ANSI"; ``.ci/setup`` installs
it). The connection strings are DSN-less (``Driver=…;Servername=127.0.0.1;Port=5432;
Database=…``): the MariaDB server process cannot see this process's environment, so an
``ODBCINI`` of ours would not reach it, and /etc/odbc.ini is shared state.

A throw-away PostgreSQL database holds a canary patient row; a throw-away MariaDB database
has two CONNECT ODBC tables reading it (psqlODBC's ``Servername`` + ``Port``; ``Server``
without a port) with a canary password in each connection string, and one DSN-only table
whose target SQL cannot see. Both real tables are SELECTed through once (the link works),
then ``hdscan db scan`` must report each as a ``connect`` link to 127.0.0.1:5432 and the
PostgreSQL database, the DSN one as a warning, and no password, login or canary may reach
an observation, the command's output, the store or any file of the pipeline's outputs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.collect.live.introspect import introspect
from scanner.privacy import find_canaries
from tests.collect.live.labdb import connect_engine as _connect_engine, my as _my, need as _need, pg as _pg

pytestmark = pytest.mark.lab
RUN = f"_{os.getpid()}"
PG = "hdscan_lab_odbc_pg" + RUN
MY = "hdscan_lab_odbc_my" + RUN
PASSWORDS = ["Odbc-CANARY-3391", "Odbc-CANARY;3392"]
CANARIES = ["BERTRAND-CANARY Yvette", "1690275123456"] + PASSWORDS + ["Odbc-CANARY"]
DSN = "hdscan_lab_odbc_absent"








def _dead(name: str) -> bool:
    pid = name.rpartition("_")[2]
    return pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists()



def _odbc_driver() -> str | None:
    """Why the PostgreSQL ODBC driver is not usable by the local MariaDB server, or None."""
    ini = Path("/etc/odbcinst.ini")
    text = ini.read_text(encoding="utf-8", errors="replace") if ini.exists() else ""
    if "[PostgreSQL Unicode]" not in text or "[PostgreSQL ANSI]" not in text:
        return "no PostgreSQL ODBC driver in /etc/odbcinst.ini (apt-get install unixodbc odbc-postgresql)"
    return None


@pytest.fixture(scope="module")
def odbc_lab():
    why = _odbc_driver()
    if why:
        _need(why)
    admin = _pg()
    conn = _my()
    cur = conn.cursor()
    try:
        why = _connect_engine(cur)
        if why:
            _need(why)
        for (db,) in admin.execute("SELECT datname FROM pg_database "
                                   "WHERE datname LIKE 'hdscan\\_lab\\_odbc\\_%'").fetchall():
            if _dead(db):                     # left by a crashed run (its pid is gone)
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute("SHOW DATABASES LIKE 'hdscan\\_lab\\_odbc\\_%'")
        for db in [r[0] for r in cur.fetchall()]:
            if _dead(db):
                cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        cur.execute(f"DROP DATABASE IF EXISTS `{MY}`")
        admin.execute(f'DROP DATABASE IF EXISTS "{PG}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG}"')
        with _pg(PG) as c:
            c.execute("CREATE TABLE patient (ipp text, nom_naissance text, nir text)")
            c.execute("INSERT INTO patient VALUES ('P7', 'BERTRAND-CANARY Yvette', '169027512345633')")
            c.execute("CREATE TABLE sejour (nda text, ipp text)")
            c.execute("INSERT INTO sejour VALUES ('N1', 'P7')")
        cur.execute(f"CREATE DATABASE `{MY}`")
        cur.execute(f"CREATE TABLE `{MY}`.patient_pg ENGINE=CONNECT TABLE_TYPE=ODBC TABNAME='patient' "
                    "CONNECTION='Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=5432;"
                    f"Database={PG};UID=postgres;PWD={PASSWORDS[0]}'")
        cur.execute(f"CREATE TABLE `{MY}`.sejour_pg ENGINE=CONNECT TABLE_TYPE=ODBC TABNAME='sejour' "
                    f"CONNECTION='Driver={{PostgreSQL ANSI}};Server=127.0.0.1;Database={PG};"
                    f"UID=postgres;PWD={{{PASSWORDS[1]}}}'")
        # a DSN the server's odbc.ini would define: its target cannot be read through SQL
        cur.execute(f"CREATE TABLE `{MY}`.via_dsn (ipp VARCHAR(20)) ENGINE=CONNECT TABLE_TYPE=ODBC "
                    f"TABNAME='patient' CONNECTION='DSN={DSN};UID=postgres;PWD={PASSWORDS[0]}'")
        cur.execute(f"CREATE TABLE `{MY}`.compte (n INT) ENGINE=Aria")
        # the links really work: MariaDB reads the PostgreSQL rows through ODBC
        cur.execute(f"SELECT ipp, nom_naissance FROM `{MY}`.patient_pg")
        assert cur.fetchall() == (("P7", "BERTRAND-CANARY Yvette"),)
        cur.execute(f"SELECT nda FROM `{MY}`.sejour_pg")
        assert cur.fetchall() == (("N1",),)
        yield {"pg": PG, "my": MY}
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS `{MY}`")
        conn.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{PG}" WITH (FORCE)')
        admin.close()


def _links(got):
    return sorted((o.data["source_host"], o.data["source_database"], o.data["mechanism"],
                   o.data["object"], o.data["target_host"], o.data.get("target_port"),
                   o.data.get("target_database"), o.data.get("target_engine"), o.evidence.location)
                  for o in got.observations if o.kind == "db_link")


def test_odbc_tables_are_links_to_the_postgresql_database(odbc_lab):
    got = introspect(f"mysql://root@127.0.0.1:3306/{MY}", as_host="gam-db01")
    assert _links(got) == [
        ("gam-db01", MY, "connect", f"{MY}.patient_pg", "127.0.0.1", 5432, PG, "postgresql",
         f"table {MY}.patient_pg"),
        ("gam-db01", MY, "connect", f"{MY}.sejour_pg", "127.0.0.1", 5432, PG, "postgresql",
         f"table {MY}.sejour_pg"),          # no Port=: psqlODBC's default
    ]
    (schema,) = [o.data for o in got.observations if o.kind == "db_schema"]
    assert [t["name"] for t in schema["tables"]] == ["compte"]      # CONNECT tables are links
    assert [w for w in got.warnings if "via_dsn" in w] == [
        f"table {MY}.via_dsn: CONNECT ODBC table with data source name '{DSN}' — its target is "
        "in the MariaDB server's odbc.ini, not readable through SQL: no link"]
    text = repr([o.to_dict() for o in got.observations]) + repr(got.warnings)
    assert not [c for c in CANARIES if c in text]
    assert "pwd" not in text.lower() and "uid" not in text.lower()


def test_odbc_link_is_a_graph_edge_and_no_output_keeps_a_secret(odbc_lab, tmp_path):
    from scanner import pipeline

    runner = CliRunner()
    outputs = []
    for url in (f"mysql://root@127.0.0.1:3306/{MY}", f"postgresql://postgres@127.0.0.1:5432/{PG}"):
        result = runner.invoke(main, ["db", "scan", url, "--sample", "10", "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert DSN in outputs[0]                          # the warning names the DSN-only table
    g = pipeline.stage_graph(tmp_path)
    edges = [(u, v, d) for u, v, d in g.edges(data=True)
             if d["kind"] == "db_link" and "connect" in d["mechanisms"]]
    assert len(edges) == 1
    src, dst, data = edges[0]
    assert (g.nodes[src]["name"], g.nodes[src]["engine"]) == (MY, "mysql")
    assert (g.nodes[dst]["name"], g.nodes[dst]["engine"]) == (PG, "postgresql")
    assert sorted(data["objects"]) == [f"{MY}.patient_pg", f"{MY}.sejour_pg"]
    assert "nom_naissance" in g.nodes[dst]["columns"]     # the live PostgreSQL scan's node
    assert "nir" in (g.nodes[dst].get("value_kinds") or [])
    pipeline.run_stages(tmp_path)                          # classify, plan, report, export
    assert find_canaries(tmp_path, CANARIES) == []
    assert not [c for c in CANARIES if any(c in o for o in outputs)]
