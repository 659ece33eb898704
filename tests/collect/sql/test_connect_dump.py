"""MariaDB CONNECT tables in a dump: every TABLE_TYPE form, from a real mysqldump.

``tests/fixtures/sql/interfaces-db01/passerelles.sql`` is ``mysqldump --skip-dump-date``
(MariaDB 10.11.19, CONNECT engine) of a database made of: a local InnoDB table whose
COMMENT and rows hold CONNECT-like text (decoys), and four CONNECT tables pointing at
127.0.0.x only — ``TABLE_TYPE=MYSQL`` with ``CONNECTION='mysql://…'``, ``MYSQL`` with
``DBNAME`` and ``OPTION_LIST='host=…,port=…,user=…,password=…'`` and no CONNECTION,
``ODBC`` with ``DSN=…;SERVER=…;PORT=…;DATABASE=…`` and ``ODBC`` with
``Driver={…};Server=h,port;Database=…``. The server wrote the options as
``\\`TABLE_TYPE\\`='MYSQL'`` (backquoted names). This MariaDB build refuses
``TABLE_TYPE=JDBC`` ("Unsupported table type JDBC": no Java), so the JDBC form is tested
on the statement as the MariaDB documentation writes it.
"""

from __future__ import annotations

from pathlib import Path

from scanner.collect.sql import dump
from scanner.collect.sql.links import LinkFinder
from scanner.collect.sql.names import table_options
from scanner.collect.sql.splitter import Splitter
from scanner.model.observations import canonical_json

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "sql" / "interfaces-db01" / "passerelles.sql"


def test_every_connect_table_of_the_real_dump_is_a_link_with_its_target():
    obs = list(dump.collect(FIXTURE, "sql/interfaces-db01/passerelles.sql"))
    links = sorted((o.data["object"], o.data["target_host"], o.data.get("target_port"),
                    o.data.get("target_database"), o.data.get("target_engine"),
                    o.data["mechanism"], o.evidence.location)
                   for o in obs if o.kind == "db_link")
    assert links == [
        ("t_mysql_opts", "127.0.0.2", 3307, "labo", "mysql", "connect", "line 52"),
        ("t_mysql_url", "127.0.0.1", 3306, "gam", "mysql", "connect", "line 65"),
        ("t_odbc_driver", "127.0.0.4", 1434, "PMSI", "sqlserver", "connect", "line 78"),
        ("t_odbc_dsn", "127.0.0.3", 5433, "dpi", None, "connect", "line 91"),
    ]
    for o in obs:
        if o.kind == "db_link":
            assert (o.data["source_host"], o.data["source_database"]) == ("interfaces-db01", "passerelles")
    # the local table keeps its columns although its COMMENT mentions ENGINE=CONNECT
    schemas = [o.data for o in obs if o.kind == "db_schema"]
    assert [(s["database"], s["tables"]) for s in schemas] == [
        ("passerelles", [{"name": "local_note", "schema": "passerelles", "columns": ["id", "texte"],
                          "rows": 2}])]
    blob = "\n".join(canonical_json(o.to_dict()) for o in obs).lower()
    for secret in ("lecteur", "secret", "pg_dpi", "10.9.9.9", "l'unité"):
        assert secret not in blob


def find(sql: str) -> list[tuple]:
    lf = LinkFinder("mysql")
    for st in Splitter("t.sql", backslash_escapes=True, go_lines=False, slash_lines=False).split([sql]):
        lf.feed(st, "src")
    return sorted((l.mechanism, l.object, l.target.host, l.target.port, l.target.database,
                   l.target.engine) for l in lf.links())


def test_connect_forms_written_by_hand_jdbc_and_unquoted_options():
    sql = """
    CREATE TABLE j1 (id int) ENGINE=CONNECT TABLE_TYPE=JDBC TABNAME='examen'
      CONNECTION='jdbc:postgresql://radio-db01:5434/radio?user=lecteur&password=Pw-1';
    CREATE TABLE j2 (id int) ENGINE=CONNECT TABLE_TYPE=JDBC
      CONNECTION='jdbc:sqlserver://pmsi-db01:1433;databaseName=PMSI;user=lecteur;password=Pw-2';
    CREATE TABLE m1 (id int) ENGINE=CONNECT TABLE_TYPE=MYSQL DBNAME=stats
      OPTION_LIST='user=lecteur,host=stats-db02,password=Pw-3';
    CREATE TABLE m2 (id int) ENGINE=CONNECT TABLE_TYPE=MYSQL TABNAME=t OPTION_LIST='port=3307';
    CREATE TABLE o1 (id int) ENGINE=CONNECT TABLE_TYPE=ODBC
      CONNECTION='DSN=gam;SERVER=gam-db03;DATABASE=gam;UID=lecteur;PWD=Pw-4' DBNAME=ignored;
    CREATE TABLE o2 (id int) ENGINE=CONNECT TABLE_TYPE=ODBC CONNECTION='DSN=only_a_dsn';
    CREATE TABLE x (id int) ENGINE=InnoDB COMMENT='ENGINE=CONNECT TABLE_TYPE=MYSQL OPTION_LIST=''host=decoy''';
    /* CREATE TABLE c1 (id int) ENGINE=CONNECT TABLE_TYPE=MYSQL OPTION_LIST='host=commented-out'; */
    -- CREATE TABLE c2 (id int) ENGINE=CONNECT TABLE_TYPE=JDBC CONNECTION='jdbc:mysql://commented-out/x';
    """
    assert find(sql) == [
        ("connect", "j1", "radio-db01", 5434, "radio", "postgresql"),
        ("connect", "j2", "pmsi-db01", 1433, "PMSI", "sqlserver"),
        ("connect", "m1", "stats-db02", None, "stats", "mysql"),
        ("connect", "o1", "gam-db03", None, "gam", None),
    ]


def test_table_options_are_read_in_order_past_literal_values():
    text = ("CREATE TABLE t (a int) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
            "COMMENT='x ENGINE=CONNECT `TABLE_TYPE`=''MYSQL'' it\\'s' `DBNAME`='d' AUTO_INCREMENT 5")
    opts = table_options(text, text.index(")") + 1)
    assert opts == {"ENGINE": "InnoDB", "CHARSET": "utf8mb4",
                    "COMMENT": "x ENGINE=CONNECT `TABLE_TYPE`='MYSQL' it's", "DBNAME": "d",
                    "AUTO_INCREMENT": "5"}
