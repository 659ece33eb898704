"""Link discovery on single statements: every mechanism, targets, and what is never kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect.sql import dialect, targets
from scanner.collect.sql.links import _KEYWORDS, LinkFinder, _may_link
from scanner.collect.sql.splitter import Splitter, read_text


def find(engine: str, sql: str, db: str = "src") -> list[tuple]:
    lf = LinkFinder(engine)
    for st in Splitter("t.sql", go_lines=engine == "sqlserver", slash_lines=False).split([sql]):
        lf.feed(st, db)
    return sorted((l.mechanism, l.object, l.target.host, l.target.port, l.target.database,
                   l.target.engine) for l in lf.links())


def test_fdw_servers_of_every_wrapper_and_their_tables():
    sql = """
    CREATE SERVER ora FOREIGN DATA WRAPPER oracle_fdw OPTIONS (dbserver '//gam-ora01:1522/GAMPROD');
    CREATE SERVER tds FOREIGN DATA WRAPPER tds_fdw OPTIONS (servername 'sql01', port '1433', database 'Compta');
    CREATE SERVER my FOREIGN DATA WRAPPER mysql_fdw OPTIONS (host 'stats-db01', port '3306');
    CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
    CREATE USER MAPPING FOR public SERVER my OPTIONS (username 'u', password 'Canari-Secret-8841');
    CREATE FOREIGN TABLE public.passages (id int) SERVER my OPTIONS (dbname 'stats', table_name 'passage');
    IMPORT FOREIGN SCHEMA "GAM" FROM SERVER ora INTO gam_remote;
    """
    assert find("postgresql", sql) == [
        ("mysql_fdw", "public.passages", "stats-db01", 3306, "stats", "mysql"),
        ("oracle_fdw", "gam_remote.*", "gam-ora01", 1522, "GAMPROD", "oracle"),
        ("tds_fdw", "tds", "sql01", 1433, "Compta", "sqlserver"),
    ]


def test_dblink_forms():
    sql = """
    CREATE FUNCTION f() RETURNS void AS $$
    BEGIN
      PERFORM dblink_connect('labo', 'host=lab-db01 port=5433 dbname=sil password=Canari-Secret-8841');
    END $$ LANGUAGE plpgsql;
    CREATE VIEW v AS SELECT * FROM dblink('labo', 'SELECT 1') AS t(a int);
    CREATE VIEW w AS SELECT * FROM dblink('postgresql://u:Canari-Secret-8841@pacs-db01:5432/pacs',
                                          'SELECT 1') AS t(a int);
    """
    assert find("postgresql", sql) == [
        ("dblink", "f", "lab-db01", 5433, "sil", "postgresql"),
        ("dblink", "v", "lab-db01", 5433, "sil", "postgresql"),
        ("dblink", "w", "pacs-db01", 5432, "pacs", "postgresql"),
    ]


def test_oracle_links_descriptor_ezconnect_and_alias():
    sql = """
    CREATE DATABASE LINK a CONNECT TO u IDENTIFIED BY "Canari-Secret-8841"
      USING '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=dpi-ora01)(PORT=1522))(CONNECT_DATA=(SID=DPI)))';
    CREATE SHARED PUBLIC DATABASE LINK b USING 'fact-ora01/FACT';
    CREATE DATABASE LINK c USING 'GAMPROD';
    """
    assert find("oracle", sql) == [
        ("oracle_dblink", "a", "dpi-ora01", 1522, "DPI", "oracle"),
        ("oracle_dblink", "b", "fact-ora01", None, "FACT", "oracle"),
        ("oracle_dblink", "c", "GAMPROD", None, "GAMPROD", "oracle"),
    ]


def test_linked_servers_positional_named_and_undeclared():
    sql = """EXEC sp_addlinkedserver 'PACS01', 'SQL Server'
GO
EXEC sp_addlinkedserver @server=N'ORA', @srvproduct=N'Oracle', @provider=N'OraOLEDB.Oracle', @datasrc=N'//gam-ora01:1521/GAM'
GO
CREATE VIEW dbo.v AS SELECT * FROM OPENQUERY(ORA, 'SELECT 1 FROM dual') UNION SELECT * FROM RIS01.Ris.dbo.Examen
GO
"""
    assert find("sqlserver", sql) == [
        ("linked_server", "PACS01", "PACS01", None, None, "sqlserver"),
        ("linked_server", "dbo.v", "gam-ora01", 1521, "GAM", "oracle"),
        ("linked_server", "dbo.v", "ris01", None, "Ris", "sqlserver"),
    ]


def test_federated_and_connect_tables():
    sql = """
    CREATE SERVER gamsrv FOREIGN DATA WRAPPER mysql OPTIONS (USER 'u', PASSWORD 'Canari-Secret-8841', HOST 'gam-db02', DATABASE 'gam', PORT 3307);
    CREATE TABLE a (id int) ENGINE=FEDERATED CONNECTION='gamsrv/identite';
    CREATE TABLE b (id int) ENGINE=CONNECT TABLE_TYPE=MYSQL CONNECTION='mysql://u:p@lab-db02/sil/res';
    CREATE TABLE c (id int) ENGINE=CONNECT TABLE_TYPE=ODBC CONNECTION='Driver={PostgreSQL Unicode};Server=rh-db01;Port=5432;Database=paie;Pwd=Canari-Secret-8841';
    """
    assert find("mysql", sql) == [
        ("connect", "b", "lab-db02", None, "sil", "mysql"),
        ("connect", "c", "rh-db01", 5432, "paie", "postgresql"),
        ("federated", "a", "gam-db02", 3307, "gam", "mysql"),
    ]


def test_no_secret_or_user_survives_in_links():
    sql = """
    CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'h1', dbname 'd', password 'Canari-Secret-8841');
    CREATE VIEW v AS SELECT * FROM dblink('host=h2 user=Canari-User password=Canari-Secret-8841 dbname=x', 'q') t(a int);
    """
    lf = LinkFinder("postgresql")
    for st in Splitter("t.sql").split([sql]):
        lf.feed(st, "src")
    assert "Canari" not in repr(lf.links())


@pytest.mark.parametrize("text, host, port", [
    ("gam-db01.ch-example.local.", "gam-db01.ch-example.local", None),
    ("tcp:sql01\\INST,1435", "sql01", 1435),
    ("[fe80::1]", "fe80::1", None),
])
def test_sqlserver_sources_and_host_cleaning(text, host, port):
    t = targets.sqlserver_source(text)
    assert (t.host, t.port) == (host, port)


def test_not_a_host_gives_no_target():
    assert targets.clean_host("$(SERVER)") is None
    assert targets.libpq("dbname=x") is None
    assert targets.oracle("(DESCRIPTION=(CONNECT_DATA=(SID=X)))") is None


def test_oracle_uses_of_a_link_in_synonyms_views_and_plsql():
    sql = """
    CREATE DATABASE LINK "GAM_LNK" CONNECT TO ro IDENTIFIED BY "Pw-CANARY" USING 'gam-ora01:1521/GAM';
    CREATE SYNONYM "DPI"."PATIENT_GAM" FOR "GAM"."PATIENT"@"GAM_LNK";
    CREATE OR REPLACE VIEW dpi.v_sejours AS SELECT * FROM sejour@gam_lnk s WHERE s.mail <> 'x@gam_lnk';
    CREATE PUBLIC SYNONYM factures FOR compta.facture@compta_lnk;
    CREATE OR REPLACE VIEW dpi.v_mail AS SELECT 'contact@gam_lnk' AS m FROM dual;
    """
    assert find("oracle", sql) == [
        ("oracle_dblink", "dpi.patient_gam", "gam-ora01", 1521, "GAM", "oracle"),
        ("oracle_dblink", "dpi.v_sejours", "gam-ora01", 1521, "GAM", "oracle"),
    ]


def test_openrowset_and_opendatasource_connection_strings():
    sql = """
    CREATE VIEW dbo.v_labo AS SELECT * FROM OPENROWSET('SQLNCLI',
        'Server=labo-sql01,1444;Database=Labo;Uid=u;Pwd=Pw-CANARY;', 'SELECT 1') AS a
    GO
    CREATE VIEW dbo.v_gef AS SELECT * FROM OPENDATASOURCE('MSOLEDBSQL',
        'Data Source=gef-sql01;Initial Catalog=Gef;Integrated Security=SSPI').Gef.dbo.t
    GO
    CREATE VIEW dbo.v_doc AS SELECT 'OPENROWSET(''SQLNCLI'', ''Server=leurre01;'')' AS d
    GO
    """
    got = find("sqlserver", sql)
    assert ("openrowset", "dbo.v_labo", "labo-sql01", 1444, "Labo", "sqlserver") in got
    assert ("openrowset", "dbo.v_gef", "gef-sql01", None, "Gef", "sqlserver") in got
    assert not [g for g in got if g[2] == "leurre01"]
    assert "CANARY" not in repr(got)


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sql"


def test_keyword_precheck_never_hides_a_match():
    """``_may_link`` says no only to text ``_KEYWORDS`` cannot match: every statement of
    the fixtures, one text per alternative, and non-ASCII letters ``re.I`` folds."""
    texts = ["CREATE SERVER s", "SELECT dblink('x')", "CREATE DATABASE LINK l",
             "EXEC sp_addlinkedserver 'x'", "SELECT * FROM OPENQUERY(s, 'q')",
             "CREATE TABLE t (a int) ENGINE = FEDERATED", "CREATE TABLE t ENGINE=CONNECT",
             "SELECT * FROM [s] . [db].dbo.t", "SELECT * FROM s.db.dbo.t", "SELECT * FROM s.db..t",
             "SELECT OPENROWSET('x')", "SELECT OPENDATASOURCE('x')", "CREATE VIEW v AS SELECT a FROM t@l",
             "CREATE ſERVER s", "SELECT * FROM t@lınk", "CREATE TABLE séjour (a int)"]
    for path in sorted(FIXTURES.rglob("*.sql")):
        if path.name == "truncated.sql":
            continue
        text = "".join(read_text(path, path.name))
        engine = dialect.detect(text[:65536])
        texts += [st.text for st in dialect.splitter_for(engine, path.name).split([text])]
    matched = 0
    for text in texts:
        hit = _KEYWORDS.search(text) is not None
        assert _may_link(text) or not hit, text
        matched += hit
    assert matched > 40
    plain = ("CREATE TABLE `stat_3` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n"
             ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='stats; service'")
    assert not _may_link(plain) and _KEYWORDS.search(plain) is None
