"""Lab fixtures: seeded hdscan_lab_live_* databases on the real local PostgreSQL and MariaDB.

Everything is created by name, dropped first if a previous run left it, and dropped again
at teardown. Rows carry canary patient names and link definitions carry canary
passwords: none of them may reach an observation or the store.
"""

from __future__ import annotations

import os

import pytest
from tests.collect.live.labdb import my as _my, pg as _pg

RUN = f"_{os.getpid()}"    # one name set per test process: parallel runs never collide
CANARIES = ["DUPONT-CANARY Jeanne", "MARTIN-CANARY Paul", "Mdp-CANARY-4242", "Fed-CANARY-8841",
            "Mauvais-CANARY-pw", "Bon-CANARY-pw", "Sub-CANARY-7731", "Repl-CANARY-5519"]
SUBSCRIPTION = "hdscan_lab_live_sub" + RUN.replace("-", "_")
MY_REPLICATION = "hdscan_lab_live_repl" + RUN     # a named replication connection, never started

PG_DPI, PG_DWH = "hdscan_lab_live_dpi" + RUN, "hdscan_lab_live_entrepot" + RUN
PG_READER = "hdscan_lab_live_reader" + RUN
MY_GAM, MY_LABO = "hdscan_lab_live_gam" + RUN, "hdscan_lab_live_labo" + RUN
MY_FED_USER, MY_SERVER, MY_LOGIN = "hdscan_lab_live_fed" + RUN, "hdscan_lab_live_srv" + RUN, "hdscan_lab_live_user" + RUN
MY_AUDIT = "hdscan_lab_live_audit" + RUN      # metadata-only login: REFERENCES, never SELECT on data


@pytest.fixture(scope="session")
def canaries() -> list[str]:
    return list(CANARIES)




def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale(names, mine) -> list[str]:
    """``hdscan_lab_*_<pid>`` names left by test processes that are gone (crashed runs)."""
    out = []
    for name in names:
        head, _, pid = name.rpartition("_")
        if name.startswith("hdscan_lab_") and head and pid.isdigit() and name not in mine \
                and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            out.append(name)
    return sorted(out)


def _pg_drop_database(admin, db):
    """Drop ``db``, its logical-replication subscriptions first (they block DROP DATABASE)."""
    subs = admin.execute("SELECT s.subname FROM pg_subscription s JOIN pg_database d "
                         "ON d.oid = s.subdbid WHERE d.datname = %s", (db,)).fetchall()
    if subs:
        with _pg(db) as c:
            for (sub,) in subs:
                c.execute(f'ALTER SUBSCRIPTION "{sub}" DISABLE')
                c.execute(f'ALTER SUBSCRIPTION "{sub}" SET (slot_name = NONE)')
                c.execute(f'DROP SUBSCRIPTION "{sub}"')
    admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _pg_drop(admin):
    for db in (PG_DWH, PG_DPI):
        _pg_drop_database(admin, db)
    admin.execute(f'DROP ROLE IF EXISTS "{PG_READER}"')


def _pg_drop_stale(admin):
    """Databases and roles of earlier test processes that died before their teardown."""
    dbs = [r[0] for r in admin.execute("SELECT datname FROM pg_database "
                                       "WHERE datname LIKE 'hdscan\\_lab\\_%'").fetchall()]
    for db in stale(dbs, {PG_DWH, PG_DPI}):
        _pg_drop_database(admin, db)
    roles = [r[0] for r in admin.execute("SELECT rolname FROM pg_roles "
                                         "WHERE rolname LIKE 'hdscan\\_lab\\_%'").fetchall()]
    for role in stale(roles, {PG_READER}):
        try:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        except Exception:       # still owns objects elsewhere: left for its owner
            pass


@pytest.fixture(scope="session")
def pg_lab():
    """Two databases: the DPI (patients, stays) and a warehouse linked to it (fdw, dblink)."""
    admin = _pg()
    _pg_drop_stale(admin)
    _pg_drop(admin)
    try:
        for db in (PG_DPI, PG_DWH):
            admin.execute(f'CREATE DATABASE "{db}"')
        admin.execute(f'CREATE ROLE "{PG_READER}" LOGIN')
        with _pg(PG_DPI) as c:
            c.execute("CREATE TABLE patient (ipp text PRIMARY KEY, nom_naissance text, prenom text, "
                      "date_naissance date, nir text)")
            c.execute("INSERT INTO patient VALUES ('P1', 'DUPONT-CANARY Jeanne', 'Jeanne', "
                      "'1950-01-02', '250017512345678'), ('P2', 'MARTIN-CANARY Paul', 'Paul', "
                      "'1960-03-04', '160037512345611'), ('P3', 'DURAND', 'Luc', '1970-05-06', NULL)")
            c.execute("CREATE SCHEMA dossier")
            c.execute("CREATE TABLE dossier.sejour (nda text, ipp text, date_entree date, "
                      "diagnostic_cim10 text)")
            c.execute("INSERT INTO dossier.sejour SELECT 'N' || g, 'P1', DATE '2026-01-01' + g, 'I21.0' "
                      "FROM generate_series(1, 40) g")
            c.execute("ANALYZE")
            # wal_level is 'replica' here (changing it needs a restart): a publication is
            # created all the same (with a warning), its subscription below never connects
            c.execute("CREATE PUBLICATION pub_patients FOR TABLE patient")
        with _pg(PG_DWH) as c:
            c.execute("CREATE EXTENSION postgres_fdw")
            try:
                c.execute("CREATE EXTENSION dblink")
                dblink = True
            except Exception as exc:          # contrib missing: the fdw part still runs
                dblink = f"dblink extension not installable: {exc}"
            c.execute(f"CREATE SERVER dpi_srv FOREIGN DATA WRAPPER postgres_fdw "
                      f"OPTIONS (host '127.0.0.1', port '5432', dbname '{PG_DPI}')")
            c.execute("CREATE USER MAPPING FOR postgres SERVER dpi_srv "
                      "OPTIONS (user 'postgres', password 'Mdp-CANARY-4242')")
            c.execute("CREATE FOREIGN TABLE public.patient_distant (ipp text, nom_naissance text) "
                      "SERVER dpi_srv OPTIONS (schema_name 'public', table_name 'patient')")
            assert c.execute("SELECT count(*) FROM public.patient_distant").fetchone()[0] == 3
            c.execute("CREATE TABLE stats_sejour (annee int, nb_sejours int)")
            c.execute("INSERT INTO stats_sejour SELECT g, g * 10 FROM generate_series(2000, 2024) g")
            if dblink is True:
                c.execute("CREATE VIEW v_patients AS SELECT t.nom FROM dblink("
                          f"'host=127.0.0.1 port=5432 dbname={PG_DPI} user=postgres "
                          "password=Mdp-CANARY-4242', 'SELECT nom_naissance FROM patient') AS t(nom text)")
                c.execute("CREATE FUNCTION compte_sejours() RETURNS bigint LANGUAGE plpgsql AS $$ "
                          "BEGIN RETURN (SELECT n FROM dblink('host=dpi-db01.ch-example.local "
                          "port=5433 dbname=dpi', 'SELECT count(*) FROM dossier.sejour') AS t(n bigint)); "
                          "END $$")
            c.execute(f"CREATE SUBSCRIPTION {SUBSCRIPTION} CONNECTION 'host=127.0.0.1 port=5432 "
                      f"dbname={PG_DPI} user=postgres password=Sub-CANARY-7731' "
                      "PUBLICATION pub_patients WITH (connect = false, enabled = false)")
            c.execute("ANALYZE")
        yield {"dblink": dblink, "subscription": SUBSCRIPTION, "dpi": PG_DPI, "dwh": PG_DWH, "reader": PG_READER}
    finally:
        _pg_drop(admin)
        admin.close()




def _my_drop(cur):
    try:
        cur.execute(f"RESET SLAVE '{MY_REPLICATION}' ALL")
    except Exception:          # no such connection: nothing to drop
        pass
    for db in (MY_LABO, MY_GAM):
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
    for user in (MY_FED_USER, MY_LOGIN, MY_AUDIT):
        cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
    cur.execute(f"DROP SERVER IF EXISTS {MY_SERVER}")


@pytest.fixture(scope="session")
def my_lab():
    """A GAM database and a lab database reading it through FEDERATED tables."""
    conn = _my()
    cur = conn.cursor()
    cur.execute("SHOW DATABASES LIKE 'hdscan\\_lab\\_%'")
    for db in stale([r[0] for r in cur.fetchall()], {MY_GAM, MY_LABO}):
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
    _my_drop(cur)
    try:
        cur.execute(f"CREATE DATABASE `{MY_GAM}`")
        cur.execute(f"CREATE DATABASE `{MY_LABO}`")
        cur.execute(f"CREATE TABLE `{MY_GAM}`.patient_gam (ipp VARCHAR(20) PRIMARY KEY, "
                    "nom_naissance VARCHAR(80), date_naissance DATE, num_secu CHAR(15)) ENGINE=InnoDB")
        cur.execute(f"INSERT INTO `{MY_GAM}`.patient_gam VALUES ('P1', 'DUPONT-CANARY Jeanne', "
                    "'1950-01-02', '250017512345678'), ('P2', 'MARTIN-CANARY Paul', '1960-03-04', NULL)")
        cur.execute(f"CREATE TABLE `{MY_GAM}`.facture (num_facture INT, ipp VARCHAR(20), montant DECIMAL(9,2))"
                    " ENGINE=Aria")
        cur.execute(f"INSERT INTO `{MY_GAM}`.facture VALUES (1, 'P1', 10.5), (2, 'P1', 20), (3, 'P2', 7)")
        cur.execute(f"CREATE TABLE `{MY_LABO}`.resultat (id INT PRIMARY KEY, code_analyse VARCHAR(10), "
                    "valeur VARCHAR(40)) ENGINE=Aria")
        cur.execute(f"INSERT INTO `{MY_LABO}`.resultat VALUES (1, 'GLY', '5.4'), (2, 'HB', '13')")
        cur.execute(f"CREATE USER '{MY_LOGIN}'@'%' IDENTIFIED BY 'Bon-CANARY-pw'")
        cur.execute(f"CREATE USER '{MY_AUDIT}'@'%'")
        for db in (MY_GAM, MY_LABO):
            cur.execute(f"GRANT REFERENCES ON `{db}`.* TO '{MY_AUDIT}'@'%'")
        cur.execute(f"GRANT SELECT (Server_name, Host, Db, Port, Wrapper) ON mysql.servers "
                    f"TO '{MY_AUDIT}'@'%'")
        federated = True
        try:
            cur.execute("SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'FEDERATED'")
            row = cur.fetchone()
            if not row or row[0] not in ("YES", "DEFAULT"):
                cur.execute("INSTALL SONAME 'ha_federatedx'")
        except Exception as exc:
            federated = f"FEDERATED engine cannot be loaded here: {exc}"
        if federated is True:
            cur.execute(f"CREATE USER '{MY_FED_USER}'@'%' IDENTIFIED BY 'Fed-CANARY-8841'")
            cur.execute(f"GRANT SELECT ON `{MY_GAM}`.* TO '{MY_FED_USER}'@'%'")
            cur.execute(f"CREATE TABLE `{MY_LABO}`.patient_fed (ipp VARCHAR(20), nom_naissance VARCHAR(80)) "
                        f"ENGINE=FEDERATED CONNECTION='mysql://{MY_FED_USER}:Fed-CANARY-8841@127.0.0.1:3306/"
                        f"{MY_GAM}/patient_gam'")
            cur.execute(f"CREATE SERVER {MY_SERVER} FOREIGN DATA WRAPPER mysql OPTIONS (HOST '127.0.0.1', "
                        f"DATABASE '{MY_GAM}', USER '{MY_FED_USER}', PASSWORD 'Fed-CANARY-8841', PORT 3306)")
            cur.execute(f"CREATE TABLE `{MY_LABO}`.facture_fed (num_facture INT, ipp VARCHAR(20), "
                        f"montant DECIMAL(9,2)) ENGINE=FEDERATED CONNECTION='{MY_SERVER}/facture'")
            cur.execute(f"SELECT count(*) FROM `{MY_LABO}`.patient_fed")
            assert cur.fetchone()[0] == 2
        for db, table in ((MY_GAM, "patient_gam"), (MY_GAM, "facture"), (MY_LABO, "resultat")):
            cur.execute(f"ANALYZE TABLE `{db}`.`{table}`")
            cur.fetchall()
        # a real replication connection definition (CHANGE MASTER), never started: what
        # SHOW ALL SLAVES STATUS shows on a replica of gam-db01
        cur.execute(f"CHANGE MASTER '{MY_REPLICATION}' TO MASTER_HOST='127.0.0.2', MASTER_PORT=3307, "
                    "MASTER_USER='repl', MASTER_PASSWORD='Repl-CANARY-5519'")
        yield {"federated": federated, "replication": MY_REPLICATION, "gam": MY_GAM, "labo": MY_LABO, "login": MY_LOGIN, "audit": MY_AUDIT}
    finally:
        _my_drop(cur)
        conn.close()
