"""The contents of the sample databases and the dump files that carry them.

Owns which database each server holds (DPI, research warehouse, payroll on PostgreSQL;
finance on MariaDB; laboratory on Oracle), their tables and a few hundred rows with the
planted patients and staff, the warehouse's postgres_fdw and dblink links to the DPI (and
a commented-out retired link that must not be reported). Rows are derived from the seed.
"""

from __future__ import annotations

import random
from pathlib import Path

from .estate import DOMAIN, PATIENTS, SECRETS, STAFF, Site
from .mysqldump import mysqldump
from .oracledump import oracle_export
from .pgdump import Table, pg_dump

FAMILIES = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
            "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX"]
GIVENS = ["Jean", "Marie", "Pierre", "Nathalie", "Louis", "Camille", "Paul", "Julie", "Hugo", "Chloé",
          "Lucas", "Emma", "Gabriel", "Léa", "Arthur", "Manon"]
CIM10 = ["J18.9", "I21.4", "K35.8", "S72.0", "E11.9", "I50.0", "N39.0", "J44.1", "R07.4", "O80"]
UNITS = ["URG", "CARDIO", "PNEUMO", "CHIR-VISC", "ORTHO", "MATER", "PEDIA", "MED-INT", "REA"]
DRUGS = ["AMOXICILLINE 1G", "PARACETAMOL 1G", "ENOXAPARINE 4000UI", "FUROSEMIDE 40MG", "METFORMINE 850MG"]


def _date(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def _dob(p: dict) -> str:
    return f"{p['dob'][:4]}-{p['dob'][4:6]}-{p['dob'][6:]}"


def _patients(rng: random.Random, count: int) -> list[dict]:
    """The planted patients first, then synthetic ones (not canaries)."""
    out = [dict(p) for p in PATIENTS]
    for i in range(count - len(out)):
        sex = rng.choice("MF")
        year = rng.randint(1935, 2024)
        out.append(dict(family=rng.choice(FAMILIES), given=rng.choice(GIVENS), sex=sex,
                        dob=f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                        ipp=str(910000 + i), nda=str(260310000 + i), nir=None, unit=rng.choice(UNITS)))
    return out


def dpi_tables(rng: random.Random) -> list[Table]:
    """M-Crossway-like clinical record schema: patient, séjour, mouvements, diagnostics…"""
    pats = _patients(rng, 40)
    patient = Table("patient", [("id_patient", "integer NOT NULL"), ("ipp", "character varying(20) NOT NULL"),
                                ("ins_nir", "character varying(15)"), ("oid_ins", "character varying(32)"),
                                ("nom_naissance", "character varying(80) NOT NULL"), ("nom_usage", "character varying(80)"),
                                ("prenom", "character varying(80)"), ("date_naissance", "date"),
                                ("sexe", "character(1)"), ("adresse", "text"), ("telephone", "character varying(20)")],
                    primary_key="id_patient")
    sejour = Table("sejour", [("id_sejour", "integer NOT NULL"), ("nda", "character varying(20) NOT NULL"),
                              ("id_patient", "integer NOT NULL"), ("date_entree", "timestamp without time zone"),
                              ("date_sortie", "timestamp without time zone"), ("mode_entree", "character varying(8)"),
                              ("uf_responsable", "character varying(12)")], primary_key="id_sejour")
    mouvement = Table("mouvement", [("id_mouvement", "integer NOT NULL"), ("id_sejour", "integer NOT NULL"),
                                    ("uf", "character varying(12)"), ("lit", "character varying(12)"),
                                    ("debut", "timestamp without time zone")], primary_key="id_mouvement")
    diagnostic = Table("diagnostic", [("id_diagnostic", "integer NOT NULL"), ("id_sejour", "integer NOT NULL"),
                                      ("cim10", "character varying(8)"), ("type_diag", "character varying(4)"),
                                      ("praticien_id", "character varying(11)")], primary_key="id_diagnostic")
    prescription = Table("prescription", [("id_prescription", "integer NOT NULL"), ("id_sejour", "integer NOT NULL"),
                                          ("medicament", "character varying(120)"), ("posologie", "character varying(120)"),
                                          ("date_prescription", "timestamp without time zone"),
                                          ("praticien_id", "character varying(11)")], primary_key="id_prescription")
    document = Table("document", [("id_document", "integer NOT NULL"), ("id_sejour", "integer NOT NULL"),
                                  ("type_document", "character varying(20)"), ("titre", "character varying(200)"),
                                  ("compte_rendu", "text"), ("date_document", "timestamp without time zone")],
                     primary_key="id_document")
    mv = dg = rx = doc = 0
    for i, p in enumerate(pats, start=1):
        planted = i <= len(PATIENTS)
        patient.rows.append((i, p["ipp"], p["nir"], "1.2.250.1.213.1.4.8" if p["nir"] else None, p["family"],
                             p["family"] if p["sex"] == "M" or not planted else None, p["given"], _dob(p), p["sex"],
                             p.get("address", "").replace("^", " ").strip() or None,
                             f"06{rng.randint(10000000, 99999999)}"))
        day = rng.randint(1, 27)
        sejour.rows.append((i, p["nda"], i, f"2026-02-{day:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                            None if i % 3 else f"2026-03-0{1 + i % 8} 11:00:00", rng.choice(["URG", "DOM", "MUT"]),
                            p["unit"]))
        for _ in range(2):
            mv += 1
            mouvement.rows.append((mv, i, rng.choice(UNITS), f"{rng.randint(1, 4)}{rng.randint(1, 40):02d}A",
                                   f"2026-02-{day:02d} {rng.randint(0, 23):02d}:00:00"))
        dg += 1
        diagnostic.rows.append((dg, i, rng.choice(CIM10), "DP", "10001234567"))
        for _ in range(2):
            rx += 1
            prescription.rows.append((rx, i, rng.choice(DRUGS), "1 cp matin et soir", f"2026-02-{day:02d} 10:00:00",
                                      "10001234567"))
        doc += 1
        document.rows.append((doc, i, "CRH", f"Compte rendu d'hospitalisation — {p['given']} {p['family']}",
                              f"Patient(e) {p['given']} {p['family']}, né(e) le {_dob(p)}. Évolution favorable.",
                              f"2026-03-0{1 + i % 8} 15:00:00"))
    return [patient, sejour, mouvement, diagnostic, prescription, document]


def eds_tables(rng: random.Random) -> list[Table]:
    """Research warehouse: pseudonymised star schema (no names)."""
    dim_patient = Table("dim_patient", [("patient_sk", "integer NOT NULL"), ("pseudo_id", "character(64)"),
                                        ("annee_naissance", "smallint"), ("sexe", "character(1)")], primary_key="patient_sk")
    dim_temps = Table("dim_temps", [("temps_sk", "integer NOT NULL"), ("jour", "date"), ("mois", "smallint"),
                                    ("annee", "smallint")], primary_key="temps_sk")
    fait_sejour = Table("fait_sejour", [("sejour_sk", "integer NOT NULL"), ("patient_sk", "integer"),
                                        ("temps_sk", "integer"), ("uf", "character varying(12)"),
                                        ("duree_jours", "integer"), ("ghm", "character varying(6)")], primary_key="sejour_sk")
    fait_diagnostic = Table("fait_diagnostic", [("diag_sk", "integer NOT NULL"), ("sejour_sk", "integer"),
                                                ("cim10", "character varying(8)")], primary_key="diag_sk")
    for d in range(1, 29):
        dim_temps.rows.append((20260200 + d, _date(2026, 2, d), 2, 2026))
    for i in range(1, 61):
        dim_patient.rows.append((i, f"{rng.getrandbits(256):064x}", rng.randint(1935, 2024), rng.choice("MF")))
        fait_sejour.rows.append((i, i, 20260200 + rng.randint(1, 28), rng.choice(UNITS), rng.randint(0, 21),
                                 f"{rng.randint(1, 27):02d}M{rng.randint(1, 20):02d}"))
        fait_diagnostic.rows.append((i, i, rng.choice(CIM10)))
    return [dim_patient, dim_temps, fait_sejour, fait_diagnostic]


def eds_links(prefix: str) -> tuple[str, str]:
    """DDL of the warehouse's links to the DPI database: (before tables, after tables)."""
    host = f"{prefix}dpi-db01.{DOMAIN}"
    before = (
        "--\n-- Name: dpi_srv; Type: SERVER; Schema: -; Owner: eds\n--\n\n"
        f"CREATE SERVER dpi_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (\n    dbname 'dpi',\n"
        f"    host '{host}',\n    port '5432'\n);\n\n\nALTER SERVER dpi_srv OWNER TO eds;\n\n"
        "--\n-- Name: USER MAPPING eds_etl SERVER dpi_srv; Type: USER MAPPING; Schema: -; Owner: eds\n--\n\n"
        f"CREATE USER MAPPING FOR eds_etl SERVER dpi_srv OPTIONS (\n    password '{SECRETS['eds_fdw']}',\n"
        "    \"user\" 'eds_fdw'\n);\n\n\n"
        "-- Retired in 2024 with the old DPI server; kept for history, never run:\n"
        "-- CREATE SERVER dpi_old_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'dxcare-db-old."
        f"{DOMAIN}', port '5432', dbname 'dxcare');\n"
        "-- CREATE USER MAPPING FOR eds_etl SERVER dpi_old_srv OPTIONS (user 'eds', password 'ancien');\n\n"
        "--\n-- Name: dpi_patient; Type: FOREIGN TABLE; Schema: public; Owner: eds\n--\n\n"
        "CREATE FOREIGN TABLE public.dpi_patient (\n    id_patient integer,\n    annee_naissance integer,\n"
        "    sexe character(1)\n)\nSERVER dpi_srv\nOPTIONS (\n    schema_name 'public',\n    table_name 'patient'\n);\n\n\n"
        "ALTER FOREIGN TABLE public.dpi_patient OWNER TO eds;\n\n"
        "--\n-- Name: dpi_sejour; Type: FOREIGN TABLE; Schema: public; Owner: eds\n--\n\n"
        "CREATE FOREIGN TABLE public.dpi_sejour (\n    id_sejour integer,\n    id_patient integer,\n"
        "    date_entree timestamp without time zone,\n    date_sortie timestamp without time zone,\n"
        "    uf_responsable character varying(12)\n)\nSERVER dpi_srv\nOPTIONS (\n    schema_name 'public',\n"
        "    table_name 'sejour'\n);\n\n\nALTER FOREIGN TABLE public.dpi_sejour OWNER TO eds;\n\n")
    after = (
        "--\n-- Name: v_diagnostics_dpi; Type: VIEW; Schema: public; Owner: eds\n--\n\n"
        "CREATE VIEW public.v_diagnostics_dpi AS\n SELECT t.id_sejour,\n    t.cim10\n"
        f"   FROM public.dblink('host={host} port=5432 dbname=dpi user=eds_fdw password={SECRETS['eds_fdw']}'::text, "
        "'SELECT id_sejour, cim10 FROM diagnostic'::text) t(id_sejour integer, cim10 character varying(8));\n\n\n"
        "ALTER VIEW public.v_diagnostics_dpi OWNER TO eds;\n\n")
    return before, after


def rh_tables(rng: random.Random) -> list[Table]:
    """Agirh-like payroll: agents (staff NIR: personal, not health), payslips, contracts, absences."""
    agent = Table("agent", [("matricule_agent", "character varying(10) NOT NULL"), ("nom", "character varying(80)"),
                            ("prenom", "character varying(80)"), ("nir", "character(15)"), ("grade", "character varying(10)"),
                            ("date_entree", "date"), ("iban", "character varying(34)")], primary_key="matricule_agent")
    paie = Table("bulletin_paie", [("id_bulletin", "integer NOT NULL"), ("matricule_agent", "character varying(10)"),
                                   ("periode", "character(7)"), ("salaire_brut", "numeric(10,2)"),
                                   ("net_a_payer", "numeric(10,2)")], primary_key="id_bulletin")
    contrat = Table("contrat", [("id_contrat", "integer NOT NULL"), ("matricule_agent", "character varying(10)"),
                                ("type_contrat", "character varying(10)"), ("quotite", "numeric(4,2)")], primary_key="id_contrat")
    absence = Table("absence", [("id_absence", "integer NOT NULL"), ("matricule_agent", "character varying(10)"),
                                ("motif", "character varying(20)"), ("debut", "date"), ("fin", "date")], primary_key="id_absence")
    staff = [dict(s) for s in STAFF]
    for i in range(40):
        staff.append(dict(matricule=f"A{12000 + i}", family=rng.choice(FAMILIES), given=rng.choice(GIVENS),
                          nir=None, grade=rng.choice(["IDE", "AS", "ASH", "PH", "ADM", "TECH"])))
    n = 0
    for k, s in enumerate(staff, start=1):
        agent.rows.append((s["matricule"], s["family"], s["given"], s["nir"], s["grade"],
                           _date(rng.randint(1995, 2025), rng.randint(1, 12), 1),
                           f"FR76{rng.randint(10**22, 10**23 - 1)}"))
        contrat.rows.append((k, s["matricule"], rng.choice(["TITULAIRE", "CDD", "CDI"]), 1.0 if k % 4 else 0.8))
        if k % 5 == 0:
            absence.rows.append((k // 5, s["matricule"], "CONGE ANNUEL", "2026-02-09", "2026-02-13"))
        for month in (1, 2):
            n += 1
            brut = rng.randint(2100, 6400)
            paie.rows.append((n, s["matricule"], f"2026-{month:02d}", f"{brut}.00", f"{int(brut * 0.78)}.00"))
    return [agent, paie, contrat, absence]


def gef_tables(rng: random.Random) -> list[Table]:
    """Cpage-like finance: suppliers, commitments, invoices, payment orders (staff expense claims too)."""
    fournisseur = Table("fournisseur", [("id_fournisseur", "int(11) NOT NULL"), ("raison_sociale", "varchar(120) NOT NULL"),
                                        ("siret", "char(14) DEFAULT NULL"), ("iban", "varchar(34) DEFAULT NULL")],
                        primary_key="id_fournisseur")
    engagement = Table("engagement", [("id_engagement", "int(11) NOT NULL"), ("id_fournisseur", "int(11) NOT NULL"),
                                      ("compte", "varchar(10) NOT NULL"), ("montant", "decimal(12,2) NOT NULL")],
                       primary_key="id_engagement")
    facture = Table("facture", [("id_facture", "int(11) NOT NULL"), ("id_fournisseur", "int(11) NOT NULL"),
                                ("numero", "varchar(30) NOT NULL"), ("date_facture", "date NOT NULL"),
                                ("montant_ttc", "decimal(12,2) NOT NULL")], primary_key="id_facture")
    mandat = Table("mandat", [("id_mandat", "int(11) NOT NULL"), ("id_facture", "int(11) DEFAULT NULL"),
                              ("beneficiaire", "varchar(120) NOT NULL"), ("objet", "varchar(200) DEFAULT NULL"),
                              ("montant", "decimal(12,2) NOT NULL")], primary_key="id_mandat")
    names = ["MEDIFOURNITURES SAS", "BIOLAB REACTIFS", "PHARMADIS FRANCE", "NETTOYAGE CENTRE SARL",
             "ENERGIES DU LOIRET", "INFOGERANCE SANTE SA", "RESTAURATION COLLECTIVE 45", "BLANCHISSERIE INTERHOSP"]
    for i, name in enumerate(names, start=1):
        fournisseur.rows.append((i, name, f"{rng.randint(10**13, 10**14 - 1)}", f"FR76{rng.randint(10**22, 10**23 - 1)}"))
    for i in range(1, 81):
        f = rng.randint(1, len(names))
        amount = f"{rng.randint(120, 48000)}.{rng.randint(0, 99):02d}"
        engagement.rows.append((i, f, rng.choice(["6021", "6022", "6066", "6152", "6288"]), amount))
        facture.rows.append((i, f, f"F2026-{i:05d}", _date(2026, rng.randint(1, 2), rng.randint(1, 28)), amount))
        mandat.rows.append((i, i, names[f - 1], "Règlement facture", amount))
    for k, s in enumerate(STAFF, start=1):
        mandat.rows.append((80 + k, None, f"{s['given']} {s['family']}", "Remboursement frais de déplacement (formation)",
                            f"{rng.randint(40, 400)}.00"))
    return [fournisseur, engagement, facture, mandat]


def lis_tables(rng: random.Random) -> list[Table]:
    """GLIMS-like laboratory schema on Oracle: patients, requests, results."""
    pats = _patients(rng, 25)
    patient = Table("patient", [("ipp", "VARCHAR2(20 BYTE)"), ("nom_naissance", "VARCHAR2(80 BYTE)"),
                                ("prenom", "VARCHAR2(80 BYTE)"), ("date_naissance", "DATE"), ("sexe", "CHAR(1 BYTE)")],
                    primary_key="ipp")
    demande = Table("demande", [("num_demande", "VARCHAR2(20 BYTE)"), ("ipp", "VARCHAR2(20 BYTE)"),
                                ("nda", "VARCHAR2(20 BYTE)"), ("date_prelevement", "DATE"), ("prescripteur", "VARCHAR2(11 BYTE)")],
                    primary_key="num_demande")
    resultat = Table("resultat", [("id_resultat", "NUMBER(12,0)"), ("num_demande", "VARCHAR2(20 BYTE)"),
                                  ("analyse", "VARCHAR2(10 BYTE)"), ("valeur", "VARCHAR2(20 BYTE)"), ("unite", "VARCHAR2(12 BYTE)")],
                     primary_key="id_resultat")
    r = 0
    for p in pats:
        patient.rows.append((p["ipp"], p["family"], p["given"], _dob(p), p["sex"]))
        num = f"{p['nda']}01"
        demande.rows.append((num, p["ipp"], p["nda"], _date(2026, 3, rng.randint(2, 8)), "10001234567"))
        for code, unit, lo, hi in (("GLU", "mmol/L", 3.5, 9.0), ("CREA", "umol/L", 40, 140)):
            r += 1
            resultat.rows.append((r, num, code, f"{rng.uniform(lo, hi):.1f}", unit))
    return [patient, demande, resultat]


def write_dumps(site: Site, folder: Path, seed: int) -> list[Path]:
    """Write the site's dumps under ``folder/<db server>/``; returns the paths written."""
    rng = random.Random(f"{seed}:sql:{site.id}")
    pre = site.prefix
    before, after = eds_links(pre)
    files = {
        f"{pre}dpi-db01/dpi.sql": pg_dump("dpi", "dpi", dpi_tables(rng)),
        f"{pre}eds-db01/eds.sql": pg_dump("eds", "eds", eds_tables(rng), version="15.6",
                                          extensions=["dblink", "postgres_fdw"], before_tables=before,
                                          after_tables=after),
        f"{pre}rh-db01/paie.sql": pg_dump("paie", "agirh", rh_tables(rng), version="15.6"),
        f"{pre}gef-db01/gef.sql": mysqldump("gef", gef_tables(rng)),
        f"{pre}lis-db01/sgldb.sql": oracle_export("GLIMS", "GLIMS_DATA", lis_tables(rng)),
    }
    out = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
