"""Value sampling that does not trust column names, on the real PostgreSQL and MariaDB.

One throw-away database per engine with a ``dossier`` table whose column names say nothing:
``champ_libre_3`` holds valid NIRs (with their key), ``zone1`` random 15-digit numbers
whose key is wrong, ``zone3`` (bigint) NIRs as numbers, ``info_compl`` phone numbers,
``zone2`` CIM-10 codes, ``nom`` canary patient names, ``petit`` (int) and ``sexe``
(char(1)) nothing a validator could pass. ``--sample`` must find the NIRs, INS, phones and
CIM-10 codes by type (``validator.by_type``), find nothing in ``zone1``, keep ``num_secu``
(named for it) apart from the columns chosen by type, read each table with one statement,
honour the row, column and table caps, return the same counts on every run, and keep no
value: the canary names and numbers may reach no observation, output or file.
"""

from __future__ import annotations

import os
import random

import pytest
from click.testing import CliRunner

from scanner import pipeline
from scanner.cli import main
from scanner.collect.live import queries
from scanner.collect.live.introspect import introspect
from scanner.collect.live.sampling import Limits
from scanner.privacy import find_canaries
from tests.collect.live.labdb import my as _my, pg as _pg

pytestmark = pytest.mark.lab
RUN = f"_{os.getpid()}"
PG_DB = "hdscan_lab_live_bytype_pg" + RUN
MY_DB = "hdscan_lab_live_bytype_my" + RUN


def nir(body: str) -> str:
    return f"{body}{97 - int(body) % 97:02d}"


_rng = random.Random(8)
BODIES = [f"{_rng.choice('12')}{_rng.randrange(100):02d}{_rng.randrange(1, 13):02d}"
          f"{_rng.randrange(1, 96):02d}{_rng.randrange(10**6):06d}" for _ in range(12)]
NIRS = [nir(b) for b in BODIES[:6]]
# the same shape with a key that is always wrong (the right one + 1, mod 97)
WRONG = [f"{b}{(97 - int(b) % 97) % 97 + 1:02d}" for b in BODIES[6:]]
NAMES = ["ROBERT-CANARY Ginette", "FAURE-CANARY Henri", "BLANC-CANARY Sylvie",
         "GARNIER-CANARY Paul", "CHEVALIER-CANARY Lea", "MOREL-CANARY Jean"]
PHONES = ["01 45 67 89 10", "+33 6 11 22 33 44", "0612345678", "02.99.88.77.66", "0033145678901",
          "0780808080"]
CODES = ["I21.0", "C50.9", "E11", "J18.9", "K35.8", "S72.0"]
CANARIES = NAMES + NIRS + WRONG


def _rows():
    for i in range(6):
        yield (f"R{i}", NIRS[i], WRONG[i], int(NIRS[(i + 1) % 6]), PHONES[i], CODES[i], NAMES[i],
               i, "F" if i % 2 else "M", NIRS[(i + 2) % 6])


EXPECTED = [                                 # both engines, --sample 100
    "champ_libre_3:ins.by_type:6/6", "champ_libre_3:nir.by_type:6/6",
    "info_compl:phone_fr.by_type:6/6",
    "num_secu:ins:6/6", "num_secu:nir:6/6",
    "zone2:cim10.by_type:6/6",
    "zone3:ins.by_type:6/6", "zone3:nir.by_type:6/6",
]






@pytest.fixture(scope="module")
def pg_db():
    admin = _pg()
    admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    try:
        admin.execute(f'CREATE DATABASE "{PG_DB}"')
        with _pg(PG_DB) as c:
            c.execute("CREATE DOMAIN texte_court AS varchar(40)")
            c.execute("CREATE TABLE dossier (ref text, champ_libre_3 texte_court, zone1 char(15), "
                      "zone3 bigint, info_compl varchar(200), zone2 text, nom text, petit int, "
                      "sexe char(1), num_secu text, montant numeric(9,2), vu date)")
            with c.cursor() as cur:
                cur.executemany("INSERT INTO dossier VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                                "12.5, DATE '2026-01-01')", list(_rows()))
            # 20,000 rows: TABLESAMPLE reads a few pages of it, the same ones every run
            c.execute("CREATE TABLE grand (n int, zone text)")
            c.execute("INSERT INTO grand SELECT g, CASE WHEN g % 2 = 0 THEN 'I21.0' ELSE 'x' END "
                      "FROM generate_series(1, 20000) g")
            c.execute("CREATE TABLE vide (zone text)")
            c.execute("ANALYZE")
        yield f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def my_db():
    conn = _my()
    cur = conn.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS `{MY_DB}`")
    try:
        cur.execute(f"CREATE DATABASE `{MY_DB}`")
        cur.execute(f"CREATE TABLE `{MY_DB}`.dossier (ref VARCHAR(10), champ_libre_3 NVARCHAR(40), "
                    "zone1 CHAR(15), zone3 BIGINT UNSIGNED, info_compl TEXT, zone2 VARCHAR(10), "
                    "nom VARCHAR(80), petit INT, sexe CHAR(1), num_secu CHAR(15), montant DECIMAL(9,2), "
                    "vu DATE) ENGINE=InnoDB")
        cur.executemany(f"INSERT INTO `{MY_DB}`.dossier VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                        "%s, 12.5, '2026-01-01')", list(_rows()))
        cur.execute(f"CREATE TABLE `{MY_DB}`.grand (n INT PRIMARY KEY, zone VARCHAR(10)) ENGINE=InnoDB")
        cur.execute(f"INSERT INTO `{MY_DB}`.grand SELECT seq, IF(seq % 2 = 0, 'I21.0', 'x') "
                    f"FROM `{MY_DB}`.seq_1_to_20000")
        cur.execute(f"CREATE TABLE `{MY_DB}`.vide (zone TEXT) ENGINE=Aria")
        yield f"mysql://root@127.0.0.1:3306/{MY_DB}"
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS `{MY_DB}`")
        conn.close()


@pytest.fixture(params=["pg", "my"])
def url(request):
    return request.getfixturevalue(f"{request.param}_db")


def _samples(got):
    (schema,) = [o.data for o in got.observations if o.kind == "db_schema"]
    return {t["name"]: t.get("samples") for t in schema["tables"]}


def _text(got) -> str:
    return repr([o.to_dict() for o in got.observations]) + repr(got.warnings)


def test_anonymous_columns_are_sampled_by_type(url):
    got = introspect(url, sample=100)
    samples = _samples(got)
    assert samples["dossier"] == EXPECTED
    # zone1's wrong keys pass no validator; names, int, char(1), decimal and date are not read
    assert not [s for s in samples["dossier"]
                if s.split(":")[0] in ("zone1", "nom", "petit", "sexe", "montant", "vu", "ref")]
    assert samples["vide"] is None
    assert not [c for c in CANARIES if c in _text(got)]


def test_one_statement_per_table_and_every_cap(url, monkeypatch):
    calls = []
    real = queries.run

    def counting(cursor, name, params=(), table=None, columns=None):
        if name in queries.SAMPLING:
            calls.append((table, len(columns), params[-1]))
        return real(cursor, name, params, table, columns)

    monkeypatch.setattr(queries, "run", counting)
    got = introspect(url, sample=Limits(rows=3, columns=2, tables=2))
    # tables with a name-chosen column first (dossier), then in name order (grand); vide is left
    assert [(t.split(".")[-1].strip('`"'), n, rows) for t, n, rows in calls] == \
        [("dossier", 2, 3), ("grand", 1, 3)]
    samples = _samples(got)
    # two columns: the one chosen by name first, then text before numbers, in name order
    assert samples["dossier"] == ["champ_libre_3:ins.by_type:3/3", "champ_libre_3:nir.by_type:3/3",
                                  "num_secu:ins:3/3", "num_secu:nir:3/3"]
    assert samples["vide"] is None
    warnings = [w for w in got.warnings if "--sample" in w]
    assert warnings == [f"{got.source}: 6 columns of 1 tables not sampled (--sample-columns 2)",
                        f"{got.source}: 1 tables not sampled (--sample-tables 2)"]


def test_sampling_is_repeatable_and_bounded_on_a_larger_table(url):
    first = introspect(url, sample=50)
    second = introspect(url, sample=50)
    assert first.digest == second.digest
    (entry,) = _samples(first)["grand"]
    column, kind, counts = entry.split(":")
    matched, sampled = map(int, counts.split("/"))
    assert (column, kind) == ("zone", "cim10.by_type") and sampled == 50 and 0 < matched < 50


def test_cli_caps_rules_and_no_value_anywhere(pg_db, my_db, tmp_path):
    runner = CliRunner()
    outputs = []
    for url, host in ((pg_db, "dpi-db01"), (my_db, "gam-db01")):
        r = runner.invoke(main, ["db", "scan", url, "--as-host", host, "--sample", "100",
                                 "--sample-columns", "20", "--sample-tables", "5", "-o", str(tmp_path)])
        assert r.exit_code == 0, r.output
        outputs.append(r.output)
    bad = runner.invoke(main, ["db", "scan", pg_db, "--sample", "5", "--sample-columns", "0",
                               "-o", str(tmp_path)])
    assert bad.exit_code != 0 and "--sample-columns" in bad.output
    g = pipeline.stage_graph(tmp_path)
    kinds = {d["name"]: sorted(d.get("value_kinds") or ()) for _, d in g.nodes(data=True)
             if d["kind"] == "database"}
    assert kinds[PG_DB] == kinds[MY_DB] == ["cim10.by_type", "ins", "ins.by_type", "nir",
                                            "nir.by_type", "phone_fr.by_type"]
    tags = pipeline.stage_classify(tmp_path)
    health = {g.nodes[t["entity"]]["name"]: t for t in tags["tags"]
              if t["rule"].startswith("core.data_class.health-sampled-values@")}
    # NIRs (key checked) beside CIM-10 shapes found only in anonymous columns: health, but
    # with medium confidence — a room number like B12 passes the CIM-10 shape too
    assert {name: (t["value"], t["confidence"]) for name, t in health.items()} == {
        PG_DB: ("health", "medium"), MY_DB: ("health", "medium")}
    pipeline.run_stages(tmp_path)                  # plan, report, export: no value in any file
    assert find_canaries(tmp_path, CANARIES) == []
    assert not [c for c in CANARIES if any(c in o for o in outputs)]
