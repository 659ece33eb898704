"""One connection string at a time: every family the collector reads, and what it drops."""

from __future__ import annotations

import pytest

from scanner.collect.config.connection_strings import find_targets
from scanner.collect.config.targets import Target

CASES = [
    ("jdbc:postgresql://dpi-db01:5433/dpi?user=u&password=SECRET",
     [Target("postgresql", "dpi-db01", 5433, "dpi")]),
    ("jdbc:mysql://lab-db01:3306,lab-db02/lis?useSSL=true",
     [Target("mysql", "lab-db01", 3306, "lis"), Target("mysql", "lab-db02", None, "lis")]),
    ("jdbc:mysql:replication://m1:3306/x", [Target("mysql", "m1", 3306, "x")]),
    ("jdbc:mariadb://maria01/stock", [Target("mysql", "maria01", None, "stock")]),
    ("jdbc:oracle:thin:@gam-ora01:1521:GAM", [Target("oracle", "gam-ora01", 1521, "GAM")]),
    ("jdbc:oracle:thin:scott/SECRET@//gam-ora02:1522/gam.svc",
     [Target("oracle", "gam-ora02", 1522, "gam.svc")]),
    ("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=TCP)(HOST=o1)(PORT=1521))"
     "(ADDRESS=(PROTOCOL=TCP)(HOST=o2)(PORT=1531)))(CONNECT_DATA=(SERVICE_NAME=GAM)))",
     [Target("oracle", "o1", 1521, "GAM"), Target("oracle", "o2", 1531, "GAM")]),
    ("jdbc:oracle:thin:@GAMALIAS", []),
    ("jdbc:sqlserver://sql01\\PHARMA:1434;databaseName=pharma;user=sa;password=SECRET",
     [Target("sqlserver", "sql01", 1434, "pharma")]),
    ("jdbc:sqlserver://;serverName=sql02;portNumber=1533;database=rh",
     [Target("sqlserver", "sql02", 1533, "rh")]),
    ("jdbc:jtds:sqlserver://sql03:1433/compta;instance=X", [Target("sqlserver", "sql03", 1433, "compta")]),
    ("jdbc:h2:mem:test", []),
    ("postgresql://u:SE@CRET@pg01:5432/lis?sslmode=require", [Target("postgresql", "pg01", 5432, "lis")]),
    ("postgres://pg02/x", [Target("postgresql", "pg02", None, "x")]),
    ("mysql://u:p@my01:3307/glpi", [Target("mysql", "my01", 3307, "glpi")]),
    ("mongodb://u:p@mg1:27017,mg2:27018/app?replicaSet=rs",
     [Target("mongodb", "mg1", 27017, "app"), Target("mongodb", "mg2", 27018, "app")]),
    ("ldap://ad01.ch.local:3268/dc=ch,dc=local", [Target("ldap", "ad01.ch.local", 3268, None)]),
    ("ldaps://ad02", [Target("ldaps", "ad02", None, None)]),
    ("mllp://eai01:6661", [Target("mllp", "eai01", 6661, None)]),
    ("https://fhir01.ch.local/fhir/R4/Patient?name=DUPONTEL",
     [Target("https", "fhir01.ch.local", None, None)]),
    ("http://[fd00::5]:8080/api", [Target("http", "fd00::5", 8080, None)]),
    ("smb://nas01/scans", [Target("smb", "nas01", None, None)]),
    ("\\\\nas02\\archives\\2026", [Target("smb", "nas02", None, None)]),
    ("host=pg03 port=5433 dbname=lis user=u password=SECRET", [Target("postgresql", "pg03", 5433, "lis")]),
    ("host='pg04,pg05' port=5432,5433 dbname=x",
     [Target("postgresql", "pg04", 5432, "x"), Target("postgresql", "pg05", 5433, "x")]),
    ("Server=sql04,1433;Database=gam;User Id=u;Password=SECRET;",
     [Target("sqlserver", "sql04", 1433, "gam")]),
    ("Data Source=sql05\\SQLEXPRESS;Initial Catalog=rh;Integrated Security=True",
     [Target("sqlserver", "sql05", None, "rh")]),
    ("Server=tcp:sql06.ch.local,1533;Database=x", [Target("sqlserver", "sql06.ch.local", 1533, "x")]),
    ("Driver={PostgreSQL Unicode};Server=pg06;Port=5432;Database=lab;Uid=u;Pwd=SECRET",
     [Target("postgresql", "pg06", 5432, "lab")]),
    ("Driver={MySQL ODBC 8.0 Driver};Server=my02;Database=glpi;",
     [Target("mysql", "my02", None, "glpi")]),
    ("Server=my03;Port=3306;Database=glpi;Uid=u;", [Target(None, "my03", 3306, "glpi")]),  # port decides later
    ("Host=pg07;Database=stock;Username=u;Password=SECRET", [Target("postgresql", "pg07", None, "stock")]),
    ("Data Source=(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora9)(PORT=1525))"
     "(CONNECT_DATA=(SID=ORCL)));User Id=u;Password=SECRET", [Target("oracle", "ora9", 1525, "ORCL")]),
    ("Data Source=ora10:1521/gam.svc;User Id=u;", [Target("oracle", "ora10", 1521, "gam.svc")]),
    ("mysql:host=my04;port=3307;dbname=glpi", [Target("mysql", "my04", 3307, "glpi")]),
    ("pgsql:host=pg08;dbname=compta", [Target("postgresql", "pg08", None, "compta")]),
    ("sqlsrv:Server=sql07,1433;Database=rh", [Target("sqlserver", "sql07", 1433, "rh")]),
    ("oci:dbname=//ora11:1521/gam", [Target("oracle", "ora11", 1521, "gam")]),
    ("just some words = and; nothing", []),
    ("host=alone", []),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_each_family(text, expected):
    assert find_targets(text) == expected


def test_provider_hint_names_the_engine():
    text = "Data Source=ora12;User Id=u;Password=x"
    assert find_targets(text, "Oracle.ManagedDataAccess.Client") == []      # bare alias
    assert find_targets("Server=db1;Database=x", "Npgsql") == [Target("postgresql", "db1", None, "x")]
    assert find_targets("Server=db1;Database=x", "MySql.Data.MySqlClient") == \
        [Target("mysql", "db1", None, "x")]
    assert find_targets("Server=db1;Database=x") == [Target("sqlserver", "db1", None, "x")]


def test_no_secret_survives_in_any_target():
    for text, _ in CASES:
        for t in find_targets(text):
            assert "SECRET" not in repr(t) and "DUPONTEL" not in repr(t)
