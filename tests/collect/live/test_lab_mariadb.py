"""Live MariaDB introspection against the real local server (seeded hdscan_lab_live_*)."""

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
GAM, LABO, LOGIN = "hdscan_lab_live_gam" + RUN, "hdscan_lab_live_labo" + RUN, "hdscan_lab_live_user" + RUN


def _schemas(obs):
    return {o.data["database"]: o.data for o in obs if o.kind == "db_schema"}


def _links(obs):
    return sorted((o.data["source_database"], o.data["mechanism"], o.data["object"],
                   o.data["target_host"], o.data.get("target_port"), o.data.get("target_database"),
                   o.data.get("target_engine"), o.evidence.location)
                  for o in obs if o.kind == "db_link")


def test_catalogue_of_the_gam_database(my_lab):
    got = introspect(f"mysql://root@127.0.0.1:3306/{GAM}", as_host="gam-db01")
    assert got.collector == "mariadb-live" and got.source == f"mysql://127.0.0.1:3306/{GAM}"
    (schema,) = _schemas(got.observations).values()
    assert (schema["host"], schema["port"], schema["engine"]) == ("gam-db01", 3306, "mysql")
    tables = {t["name"]: t for t in schema["tables"]}
    assert sorted(tables) == ["facture", "patient_gam"]
    assert tables["patient_gam"]["columns"] == ["date_naissance", "ipp", "nom_naissance", "num_secu"]
    assert tables["patient_gam"]["schema"] == GAM
    assert tables["facture"]["rows"] == 3                 # Aria keeps an exact count
    assert tables["patient_gam"]["rows"] == 2             # InnoDB estimate, exact after ANALYZE
    assert all(t["bytes"] > 0 for t in tables.values())
    assert schema["bytes"] == sum(t["bytes"] for t in tables.values())


def test_federated_tables_are_links_to_their_target(my_lab):
    if my_lab["federated"] is not True:
        pytest.skip(my_lab["federated"])
    got = introspect(f"mysql://root@127.0.0.1:3306/{LABO}")
    schema = _schemas(got.observations)[LABO]
    assert [(t["name"], t["rows"]) for t in schema["tables"]] == [("resultat", 2)]
    assert _links(got.observations) == [
        (LABO, "federated", f"{LABO}.facture_fed", "127.0.0.1", 3306, GAM, "mysql",
         f"table {LABO}.facture_fed"),
        (LABO, "federated", f"{LABO}.patient_fed", "127.0.0.1", 3306, GAM, "mysql",
         f"table {LABO}.patient_fed"),
    ]


def test_a_metadata_only_login_reads_the_same_catalogue(my_lab):
    """Proof that no user table is read: REFERENCES lets the login see names, never rows."""
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", port=3306, user=my_lab["audit"], password="")
    try:
        with conn.cursor() as cur, pytest.raises(pymysql.err.OperationalError) as denied:
            cur.execute(f"SELECT * FROM `{GAM}`.patient_gam")
        assert denied.value.args[0] == 1142
    finally:
        conn.close()
    for db in (GAM, LABO):
        as_audit = introspect(f"mysql://{my_lab['audit']}@127.0.0.1:3306/{db}")
        as_root = introspect(f"mysql://root@127.0.0.1:3306/{db}")
        catalogue = [o for o in as_root.observations if o.kind in ("db_schema", "db_link")]
        assert as_audit.observations == catalogue     # replication status needs REPLICA MONITOR
        assert any("replication sources not read" in w for w in as_audit.warnings)
        assert as_audit.observations[0].data["tables"]


def test_every_user_database_when_the_url_names_none(my_lab):
    got = introspect("mysql://root@127.0.0.1:3306/")
    schemas = _schemas(got.observations)
    assert {GAM, LABO} <= set(schemas)
    assert not {"mysql", "information_schema", "performance_schema", "sys"} & set(schemas)
    alone = introspect(f"mysql://root@127.0.0.1:3306/{GAM}").observations
    assert schemas[GAM]["tables"] == _schemas(alone)[GAM]["tables"]


def test_cli_stores_once_and_keeps_no_canary(my_lab, canaries, tmp_path):
    url = f"mysql://root@127.0.0.1:3306/{LABO}"
    runner = CliRunner()
    first = runner.invoke(main, ["introspect", url, f"mysql://root@127.0.0.1:3306/{GAM}",
                                 "-o", str(tmp_path)])
    assert first.exit_code == 0, first.output
    db = sqlite3.connect(tmp_path / "store.sqlite")
    count = db.execute("SELECT count(*) FROM observations").fetchone()[0]
    assert count >= 2
    assert sorted(db.execute("SELECT source, collector FROM inputs")) == [
        (f"mysql://127.0.0.1:3306/{GAM}", "mariadb-live"), (f"mysql://127.0.0.1:3306/{LABO}", "mariadb-live")]
    again = runner.invoke(main, ["introspect", url, "-o", str(tmp_path)])
    assert again.exit_code == 0 and "unchanged" in again.output
    assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == count
    db.close()
    assert find_canaries(tmp_path, canaries) == []


def test_wrong_password_is_one_line_error_without_the_password(my_lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HDSCAN_LAB_PW", "Mauvais-CANARY-pw")
    result = CliRunner().invoke(main, ["introspect", f"mysql://{LOGIN}@127.0.0.1:3306/",
                                       "--password-env", "HDSCAN_LAB_PW", "-o", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("hdscan: error: mysql://127.0.0.1:3306/: cannot connect: Access denied")
    assert "CANARY" not in result.output and "Traceback" not in result.output


def test_right_password_logs_in(my_lab):
    got = introspect(f"mysql://{LOGIN}@127.0.0.1:3306/", password="Bon-CANARY-pw")
    # the login has no privilege: it sees no hdscan_lab database, and that is not an error
    assert not {GAM, LABO} & set(_schemas(got.observations))


def test_unreachable_port_names_the_url():
    with pytest.raises(InputError) as exc:
        introspect("mysql://root@127.0.0.1:1/")
    assert str(exc.value).startswith("mysql://127.0.0.1:1/: cannot connect")
    assert "\n" not in str(exc.value)


def test_replication_source_is_a_config_reference_without_its_password(my_lab, canaries):
    """A real (never started) CHANGE MASTER connection, as SHOW ALL SLAVES STATUS shows it."""
    got = introspect(f"mysql://root@127.0.0.1:3306/{GAM}", as_host="gam-db02")
    refs = [o for o in got.observations if o.kind == "config_ref"
            and o.data["key"] == f"replication connection '{my_lab['replication']}'"]
    assert [(o.data["host"], o.data["target_host"], o.data["target_port"], o.data["scheme"],
             o.data["application"]) for o in refs] == [("gam-db02", "127.0.0.2", 3307, "mysql",
                                                        "replication")]
    assert refs[0].evidence.location.startswith("SHOW ALL SLAVES STATUS")
    text = repr([o.to_dict() for o in got.observations])
    assert not [c for c in canaries if c in text]


def test_client_sessions_are_flows_from_the_processlist(my_lab):
    import pymysql

    # from a distinctive loopback source address, so they are told apart from any other
    sessions = [pymysql.connect(host="127.0.0.1", port=3306, user=my_lab["audit"], password="",
                                database=GAM, bind_address="127.0.0.3") for _ in range(3)]
    try:
        got = introspect(f"mysql://root@127.0.0.1:3306/{GAM}")
    finally:
        for c in sessions:
            c.close()
    protos = [o for o in got.observations if o.kind == "protocol" and o.data["client_ip"] == "127.0.0.3"]
    assert [(o.data["server_ip"], o.data["server_port"], o.data["facts"]) for o in protos] == \
        [("127.0.0.1", 3306, {"database": GAM})]
    assert protos[0].evidence.location == "information_schema.PROCESSLIST"
    (flow,) = [o for o in got.observations if o.kind == "flow" and o.data["client_ip"] == "127.0.0.3"]
    assert (flow.data["server_ip"], flow.data["server_port"], flow.data["connections"]) == \
        ("127.0.0.1", 3306, 3)
    assert "user" not in repr(protos)
