"""The sql-dump collector end to end on the committed fixtures: schema, links, privacy, store."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.sql import dialect, dump
from scanner.errors import InputError
from scanner.model.observations import canonical_json
from scanner.store import Store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sql"
CANARIES = ["DUPONT-CANARY", "Canari-Secret-8841", "O'NEIL", "NEIL Sean", "MARTIN", "LEGRAND",
            "PETIT Anne", "lecteur", "fed_user", "dxcare_ro", "allergie", "CARDIO", "000123",
            "old-db9"]


def run(rel: str) -> list:
    return list(dump.collect(FIXTURES / rel, f"sql/{rel}"))


def schemas(obs) -> dict:
    return {o.data["database"]: o.data for o in obs if o.kind == "db_schema"}


def links(obs) -> set:
    return {(o.data["source_database"], o.data["mechanism"], o.data.get("object"),
             o.data["target_host"], o.data.get("target_port"), o.data.get("target_engine"),
             o.data.get("target_database"), o.evidence.location)
            for o in obs if o.kind == "db_link"}


def test_pg_dump_schema_rows_and_links():
    obs = run("dpi-db01/dxcare.sql")
    s = schemas(obs)
    assert list(s) == ["dxcare"]
    d = s["dxcare"]
    assert (d["host"], d["port"], d["engine"]) == ("dpi-db01", 5432, "postgresql")
    assert d["tables"] == [
        {"schema": "clinique", "name": "patient", "rows": 3,
         "columns": ["commentaire", "date_naissance", "id", "nom", "prénom"]},
        {"schema": "clinique", "name": "sejour", "rows": 2,
         "columns": ["entree", "id", "patient_id", "uf"]},
    ]
    assert links(obs) == {
        ("dxcare", "postgres_fdw", "clinique.gam_patient", "gam-db01.ch-example.local", 5433,
         "postgresql", "gam", "line 66"),
        ("dxcare", "postgres_fdw", "clinique.gam_mouvement", "gam-db01.ch-example.local", 5433,
         "postgresql", "gam", "line 73"),
        ("dxcare", "dblink", "clinique.resultats_labo", "lab-db01", 5432, "postgresql", "sil",
         "line 90"),
    }


def test_mysqldump_header_host_inserts_and_federated_table():
    obs = run("stats-db01/stats.sql")
    d = schemas(obs)["stats"]
    assert (d["host"], d["port"], d["engine"]) == ("stats-db01.ch-example.local", 3306, "mysql")
    assert d["tables"] == [{"schema": "stats", "name": "passage", "rows": 4,
                            "columns": ["id", "motif", "nom_patient"]}]
    assert links(obs) == {("stats", "federated", "gam_identite", "gam-db02", 3307, "mysql", "gam",
                           "line 38")}


def test_oracle_ddl_with_slash_terminators_and_database_links():
    obs = run("gam-ora01/gam_ddl.sql")
    d = schemas(obs)["gam_ddl"]
    assert (d["host"], d["port"], d["engine"]) == ("gam-ora01", 1521, "oracle")
    assert d["tables"] == [{"schema": "gam", "name": "mouvement", "rows": 2,
                            "columns": ["date_mvt", "ipp", "uf"]}]
    assert links(obs) == {
        ("gam_ddl", "oracle_dblink", "dpi.ch-example.local", "dpi-ora01.ch-example.local", 1522,
         "oracle", "DPIPROD", "line 12"),
        ("gam_ddl", "oracle_dblink", "facturation", "fact-ora01", 1521, "oracle", "FACT",
         "line 16"),
    }


def test_tsql_script_with_go_and_linked_server():
    obs = run("portail-sql01/portail.sql")
    s = schemas(obs)
    assert list(s) == ["Portail"]                 # master holds nothing: not reported
    assert s["Portail"]["tables"] == [{"schema": "dbo", "name": "rendezvous", "rows": 2,
                                       "columns": ["creneau", "id", "nompatient"]}]
    assert links(obs) == {
        ("Portail", "linked_server", "dbo.v_resultats", "lab-sql01", 1434, "sqlserver",
         "Resultats", "line 25"),
        ("Portail", "linked_server", "dbo.p_sync", "lab-sql01", 1434, "sqlserver", "Resultats",
         "line 28"),
    }


def test_cp1252_dump_with_accented_identifiers():
    obs = run("lab-db01/sil_cp1252.sql")
    assert schemas(obs)["sil_cp1252"]["tables"] == [
        {"schema": "public", "name": "séjour", "rows": 1, "columns": ["id", "unité", "âge"]}]


def test_truncated_dump_is_refused_naming_the_line():
    with pytest.raises(InputError) as err:
        run("lab-db01/truncated.sql")
    assert str(err.value) == ("sql/lab-db01/truncated.sql: line 2: unterminated string or "
                              "quoted name (') at end of file")


ALL = ["dpi-db01/dxcare.sql", "stats-db01/stats.sql", "gam-ora01/gam_ddl.sql",
       "portail-sql01/portail.sql", "lab-db01/sil_cp1252.sql"]


@pytest.mark.parametrize("rel", ALL)
def test_no_canary_password_or_value_in_any_observation(rel):
    raw = (FIXTURES / rel).read_bytes().decode("utf-8", errors="replace")
    obs = run(rel)
    assert obs
    blob = "\n".join(canonical_json(o.to_dict()) for o in obs)
    planted = [c for c in CANARIES if c.lower() in raw.lower()]
    assert planted, "the fixture plants canaries"
    for c in planted:
        assert c.lower() not in blob.lower(), c


@pytest.mark.parametrize("rel", ALL)
def test_output_is_deterministic_and_evidence_names_the_collector(rel):
    a, b = run(rel), run(rel)
    assert [o.id for o in a] == [o.id for o in b]
    for o in a:
        assert (o.evidence.collector, o.evidence.collector_version) == ("sql-dump", "2")
        assert o.evidence.source == f"sql/{rel}"
        assert o.evidence.location.startswith("line ")


def test_dialect_detection_on_fixture_heads():
    heads = {rel: (FIXTURES / rel).read_bytes()[:65536].decode("cp1252") for rel in ALL}
    assert {rel: dialect.detect(h) for rel, h in heads.items()} == {
        "dpi-db01/dxcare.sql": "postgresql", "stats-db01/stats.sql": "mysql",
        "gam-ora01/gam_ddl.sql": "oracle", "portail-sql01/portail.sql": "sqlserver",
        "lab-db01/sil_cp1252.sql": None}


def test_accepts_and_registry_choice(tmp_path):
    dump_file = tmp_path / "export.txt"
    dump_file.write_bytes(b"--\n-- PostgreSQL database dump\n--\n")
    other = tmp_path / "notes.txt"
    other.write_bytes(b"hello")
    assert dump.accepts(Path("a/B.SQL"), b"")
    assert dump.accepts(dump_file, dump_file.read_bytes())
    assert not dump.accepts(other, other.read_bytes())
    assert registry.collector_for(FIXTURES / "dpi-db01/dxcare.sql") is dump


def test_a_dump_with_no_server_name_is_refused(tmp_path):
    f = tmp_path / "orphan.sql"
    f.write_text("CREATE TABLE t (a int);\n")
    with pytest.raises(InputError) as err:
        list(dump.collect(f, "orphan.sql"))
    assert str(err.value).startswith("orphan.sql: line 1: cannot tell which database server")


def test_store_import_twice_adds_nothing(tmp_path):
    src = tmp_path / "inputs" / "sql" / "dpi-db01" / "dxcare.sql"
    src.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "dpi-db01/dxcare.sql", src)
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    source = "sql/dpi-db01/dxcare.sql"
    with Store(tmp_path / "store.sqlite") as store:
        first = store.import_observations(source, sha, src.stat().st_size, dump.NAME,
                                          dump.VERSION, dump.collect(src, source))
        second = store.import_observations(source, sha, src.stat().st_size, dump.NAME,
                                           dump.VERSION, dump.collect(src, source))
        # the same facts under another file hash: content-hashed ids, nothing new either
        third = store.import_observations(source, "0" * 64, src.stat().st_size, dump.NAME,
                                          dump.VERSION, dump.collect(src, source))
    assert (first.observations, first.new) == (4, 4)
    assert second.new == 0 and third.new == 0


def test_a_custom_format_pg_dump_is_refused_with_advice(tmp_path):
    f = tmp_path / "sql" / "h" / "dump.sql"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01" + bytes(range(256)))
    with pytest.raises(InputError) as err:
        list(dump.collect(f, "sql/h/dump.sql"))
    assert "pg_restore" in str(err.value)


def test_several_databases_in_one_dump(tmp_path):
    pg = tmp_path / "sql" / "pg01" / "cluster.sql"
    pg.parent.mkdir(parents=True)
    pg.write_text("--\n-- PostgreSQL database cluster dump\n--\n"
                  "\\connect template1\nSET x = 1;\n"
                  "CREATE DATABASE pharma;\n\\connect pharma\n"
                  "CREATE TABLE public.stock (id int, lot text);\n"
                  "\\connect -reuse-previous=on \"dbname='rh'\"\n"
                  "CREATE TABLE paie.bulletin (id int);\n", encoding="utf-8")
    got = {o.data["database"]: [t["name"] for t in o.data["tables"]]
           for o in dump.collect(pg, "sql/pg01/cluster.sql")}
    assert got == {"pharma": ["stock"], "rh": ["bulletin"]}
    my = tmp_path / "sql" / "my01" / "all.sql"
    my.parent.mkdir(parents=True)
    my.write_text("-- MySQL dump 10.13\n-- Host: localhost    Database: \n"
                  "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `glpi`;\nUSE `glpi`;\n"
                  "CREATE TABLE `glpi_tickets` (`id` int);\n"
                  "INSERT INTO `glpi_tickets` VALUES (1),(2);\n"
                  "CREATE DATABASE `ocs`;\nUSE `ocs`;\nCREATE TABLE `hardware` (`name` text);\n",
                  encoding="utf-8")
    obs = list(dump.collect(my, "sql/my01/all.sql"))
    assert {o.data["host"] for o in obs} == {"my01"}          # localhost header: folder wins
    assert {o.data["database"]: o.data["tables"] for o in obs} == {
        "glpi": [{"schema": "glpi", "name": "glpi_tickets", "columns": ["id"], "rows": 2}],
        "ocs": [{"schema": "ocs", "name": "hardware", "columns": ["name"]}]}
