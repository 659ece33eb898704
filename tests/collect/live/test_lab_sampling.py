"""Opt-in value sampling (--sample N) on the real servers: counts and validator ids, never a value.

Two PostgreSQL databases with column names that say nothing clear: a care database whose
values are valid NIRs (one Corsican, 2A) and CIM-10 codes beside canary patient names, and
an HR payroll whose values are staff NIRs and RPPS numbers. Sampling must count them right,
keep no value anywhere, and let the rules call the first health and the second personal.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from click.testing import CliRunner

from scanner import pipeline
from scanner.cli import main
from scanner.collect.live.introspect import introspect
from scanner.collect.live.values import luhn
from scanner.privacy import find_canaries
from tests.collect.live.labdb import pg as _pg

pytestmark = pytest.mark.lab
RUN = f"_{os.getpid()}"
CARE, PAY = "hdscan_lab_live_sample_soins" + RUN, "hdscan_lab_live_sample_paie" + RUN
MY_DB = "hdscan_lab_live_sample_my" + RUN


def nir(body: str) -> str:
    """A NIR with its key (Corsica's 2A/2B read as 19/18 for the key)."""
    n = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - n % 97:02d}"


def rpps(body10: str) -> str:
    return next(body10 + str(d) for d in range(10) if luhn(body10 + str(d)))


PATIENT_NIRS = [nir("2500175123456"), nir("1600375123456"), nir("26804" + "2A" + "123456"),
                nir("1991213055001")]
STAFF_NIRS = [nir("1750592050123"), nir("2820169123088")]
RPPS = [rpps("1000301000"), rpps("1000987654")]
NAMES = ["LEFEBVRE-CANARY Odile", "ROUSSEAU-CANARY Marc", "PETIT-CANARY Anne", "GIRARD-CANARY Luc"]
CANARIES = NAMES + PATIENT_NIRS + STAFF_NIRS + RPPS + ["lefebvre.canary@example.org"]




@pytest.fixture(scope="module")
def pg_sample():
    admin = _pg()
    for db in (CARE, PAY):
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    try:
        for db in (CARE, PAY):
            admin.execute(f'CREATE DATABASE "{db}"')
        with _pg(CARE) as c:
            c.execute("CREATE TABLE dossier (ref text, libelle text, num_ref text, code_x text, "
                      "mail text, tel text)")
            for i, (name, n) in enumerate(zip(NAMES, PATIENT_NIRS)):
                c.execute("INSERT INTO dossier VALUES (%s, %s, %s, %s, %s, %s)",
                          (f"R{i}", name, n, ["I21.0", "C50.9", "E11", "DZQM006"][i],
                           "lefebvre.canary@example.org" if i == 0 else None,
                           ["01 23 45 67 89", "+33 6 12 34 56 78", "12", "0612345678"][i]))
            c.execute("INSERT INTO dossier VALUES ('R9', 'x', '2500175123456 00', 'ZZ', NULL, NULL)")
        with _pg(PAY) as c:
            c.execute("CREATE TABLE agent (matricule_agent text, num_ss_agent text, salaire numeric, "
                      "code_rpps text)")
            for i, (n, r) in enumerate(zip(STAFF_NIRS, RPPS)):
                c.execute("INSERT INTO agent VALUES (%s, %s, %s, %s)", (f"A{i}", n, 2500 + i, r))
        yield
    finally:
        for db in (CARE, PAY):
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


def _samples(got):
    (schema,) = [o.data for o in got.observations if o.kind == "db_schema"]
    return {t["name"]: t.get("samples") for t in schema["tables"]}


def test_no_sampling_without_the_option(pg_sample):
    assert _samples(introspect(f"postgresql://postgres@127.0.0.1:5432/{CARE}")) == {"dossier": None}


def test_validator_counts_per_column(pg_sample):
    got = introspect(f"postgresql://postgres@127.0.0.1:5432/{CARE}", sample=100)
    assert _samples(got)["dossier"] == [
        "code_x:ccam:1/5", "code_x:cim10:3/5",
        "mail:email:1/1",
        "num_ref:ins:4/5", "num_ref:nir:4/5",
        "tel:phone_fr:3/4",
    ]
    pay = introspect(f"postgresql://postgres@127.0.0.1:5432/{PAY}", sample=100)
    assert _samples(pay)["agent"] == ["code_rpps:rpps:2/2", "num_ss_agent:ins:2/2",
                                      "num_ss_agent:nir:2/2"]
    text = repr([o.to_dict() for o in got.observations + pay.observations])
    assert not [c for c in CANARIES if c in text]


def test_sample_size_bounds_the_read(pg_sample):
    got = introspect(f"postgresql://postgres@127.0.0.1:5432/{CARE}", sample=2)
    assert all(s.endswith("/2") or s.endswith("/1") for s in _samples(got)["dossier"])


def test_rules_tell_patient_data_from_payroll_and_nothing_leaks(pg_sample, tmp_path):
    runner = CliRunner()
    for db, host in ((CARE, "soins-db01"), (PAY, "rh-db01")):
        r = runner.invoke(main, ["db", "scan", f"postgresql://postgres@127.0.0.1:5432/{db}",
                                 "--as-host", host, "--sample", "50", "-o", str(tmp_path)])
        assert r.exit_code == 0, r.output
        assert not [c for c in CANARIES if c in r.output]
    g = pipeline.stage_graph(tmp_path)
    kinds = {d["name"]: d.get("value_kinds") for _, d in g.nodes(data=True) if d["kind"] == "database"}
    # a validator counts for the database when at least half a column's values pass it
    assert kinds[CARE] == ["cim10", "email", "ins", "nir", "phone_fr"]      # ccam: 1/5 only
    assert kinds[PAY] == ["ins", "nir", "rpps"]
    tags = pipeline.stage_classify(tmp_path)
    data_class = {t["entity"]: t["value"] for t in tags["tags"] if t["dimension"] == "data_class"
                  and t["entity"].startswith("db:")}
    by_name = {g.nodes[e]["name"]: v for e, v in data_class.items()}
    assert by_name[CARE] == "health" and by_name[PAY] == "personal"
    rules = {t["rule"].split("@")[0] for t in tags["tags"] if t["entity"].startswith("db:")}
    assert {"core.data_class.health-sampled-values", "core.data_class.nir-in-staff-context"} <= rules
    db = sqlite3.connect(tmp_path / "store.sqlite")
    stored = " ".join(r[0] for r in db.execute("SELECT data FROM observations"))
    db.close()
    assert "num_ref:nir:4/5" in stored
    assert find_canaries(tmp_path, CANARIES) == []


def test_bad_sample_size_is_refused(tmp_path):
    r = CliRunner().invoke(main, ["db", "scan", "postgresql://postgres@127.0.0.1:5432/x",
                                  "--sample", "0", "-o", str(tmp_path)])
    assert r.exit_code != 0 and "--sample" in r.output


def test_mariadb_sampling_counts_and_needs_select():
    pymysql = pytest.importorskip("pymysql")
    try:
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    except pymysql.err.MySQLError as exc:
        pytest.skip(f"MariaDB not reachable: {exc}")
    cur = conn.cursor()
    audit = "hdscan_lab_live_sample_audit" + RUN
    try:
        cur.execute(f"DROP DATABASE IF EXISTS `{MY_DB}`")
        cur.execute(f"DROP USER IF EXISTS '{audit}'@'%'")
        cur.execute(f"CREATE DATABASE `{MY_DB}`")
        cur.execute(f"CREATE TABLE `{MY_DB}`.patient (nom VARCHAR(80), num_secu CHAR(15), "
                    "finess_etab CHAR(9))")
        cur.executemany(f"INSERT INTO `{MY_DB}`.patient VALUES (%s, %s, %s)",
                        [(NAMES[0], PATIENT_NIRS[0], "750712184"), (NAMES[1], PATIENT_NIRS[2], "750712185")])
        cur.execute(f"CREATE USER '{audit}'@'%'")
        cur.execute(f"GRANT REFERENCES ON `{MY_DB}`.* TO '{audit}'@'%'")
        got = introspect(f"mysql://root@127.0.0.1:3306/{MY_DB}", sample=10)
        assert _samples(got)["patient"] == ["finess_etab:finess:1/2", "num_secu:ins:2/2",
                                            "num_secu:nir:2/2"]
        assert not [c for c in CANARIES if c in repr([o.to_dict() for o in got.observations])]
        limited = introspect(f"mysql://{audit}@127.0.0.1:3306/{MY_DB}", sample=10)
        assert _samples(limited)["patient"] is None
        assert any("not sampled" in w for w in limited.warnings)
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS `{MY_DB}`")
        cur.execute(f"DROP USER IF EXISTS '{audit}'@'%'")
        conn.close()
