"""Offline: which columns --sample reads (by name, by type, caps), its PostgreSQL sample
percent, its by-type signal, and how a CONNECT ODBC connection string becomes a link target."""

from __future__ import annotations

import pytest

from scanner.collect.live.introspect import Catalog, LinkGroup, observations
from scanner.collect.live.mariadb import _connect_odbc_target
from scanner.collect.live.sampling import (Limits, check_size, choose, order_tables, pg_percent,
                                           summarise, summarise_rows, type_kind)
from scanner.collect.live.url import parse


@pytest.mark.parametrize("declared, kind", [
    ("text", "text"), ("character varying", "text"), ("character varying(15)", "text"),
    ("character(15)", "text"), ("character(1)", None), ("char(2)", None), ("char(3)", "text"),
    ("varchar(20)", "text"), ("nvarchar(40)", "text"), ("national char(5)", "text"),
    ("tinytext", "text"), ("longtext", "text"), ("clob", "text"), ("name", "text"),
    ("bigint", "number"), ("bigint(20) unsigned", "number"), ("int8", "number"),
    ("numeric", "number"), ("numeric(15,0)", "number"), ("decimal(15,0)", "number"),
    ("numeric(11)", "number"), ("numeric(10,0)", None), ("numeric(15,2)", None),
    ("decimal(9,2)", None), ("integer", None), ("int(11)", None), ("smallint", None),
    ("double precision", None), ("date", None), ("timestamp without time zone", None),
    ("bytea", None), ("varbinary(20)", None), ("blob", None), ("jsonb", None),
    ("text[]", None), ("character varying(20)[]", None), ("enum('a','b')", None),
    ("uuid", None), ("tsvector", None), ("char_code", None), ("texture", None), (None, None),
])
def test_type_kind(declared, kind):
    assert type_kind(declared) == kind


def test_choose_name_first_then_text_then_numbers_capped():
    cols = {"zone1": "varchar(20)", "num_secu": "integer", "nom": "text", "zone3": "bigint",
            "petit": "integer", "sexe": "char(1)", "code_x": "text", "info": "clob"}
    assert choose(cols, 50) == ([("code_x", "name"), ("num_secu", "name"), ("info", "type"),
                                 ("nom", "type"), ("zone1", "type"), ("zone3", "type")], 0)
    assert choose(cols, 3) == ([("code_x", "name"), ("num_secu", "name"), ("info", "type")], 3)


def test_order_tables_puts_name_chosen_tables_first_and_drops_empty_ones():
    tables = {("s", "b"): {"zone": "text"}, ("s", "a"): {"n": "integer"},
              ("s", "c"): {"nir": "text"}, ("s", "d"): {"x": "text", "y": "text"}}
    assert [(k[1], chosen, left) for k, chosen, left in order_tables(tables, 1)] == [
        ("c", [("nir", "name")], 0), ("b", [("zone", "type")], 0), ("d", [("x", "type")], 1)]


def test_pg_percent():
    assert pg_percent(100, None) == pg_percent(100, -1) == pg_percent(100, 200) == 100.0
    assert pg_percent(200, 1_000_000) == 0.04                      # 2 × N rows
    assert pg_percent(200, 1_000_000, 19_231) == pytest.approx(100 * 10 / 19_231, rel=1e-4)
    assert pg_percent(50, 20_000, 100) == 10.0                     # at least 10 pages
    assert pg_percent(50, 20_000, 5) == 100.0


def test_by_type_signal_and_counts_without_values():
    rows = [("185057800608491", "185057800608491", None), ("DUPONT-CANARY", "E11", "x"),
            (None, "185057800608492", "I21.0")]
    out = summarise_rows([("Num_Secu", "name"), ("zone1", "type"), ("zone2", "type")], rows)
    assert out == ["num_secu:ins:1/2", "num_secu:nir:1/2", "zone1:cim10.by_type:1/3",
                   "zone1:ins.by_type:1/3", "zone1:nir.by_type:1/3", "zone2:cim10.by_type:1/2"]
    assert summarise("zone1", ["185057800608491"], "type") == ["zone1:ins.by_type:1/1",
                                                               "zone1:nir.by_type:1/1"]
    assert not any("CANARY" in s or "18505780060849" in s for s in out)


def test_limits_are_bounded():
    assert check_size(None) is None and check_size(5) == Limits(5, 50, 1000)
    assert check_size(Limits(5, 3, 7)) == Limits(5, 3, 7)
    for bad, option in ((0, "--sample"), (Limits(5, 0, 1), "--sample-columns"),
                        (Limits(5, 501, 1), "--sample-columns"), (Limits(5, 1, 0), "--sample-tables")):
        with pytest.raises(ValueError, match=option):
            check_size(bad)


def _ddl(connection: str, table_type: str = "ODBC") -> str:
    return ("CREATE TABLE `gam`.`t` (`ipp` varchar(20)) ENGINE=CONNECT "
            f"CONNECTION='{connection}' `TABLE_TYPE`='{table_type}' `TABNAME`='patient'")


def _target(connection: str, table_type: str = "ODBC"):
    warnings: list[str] = []
    ddl = _connect_odbc_target(_ddl(connection, table_type), "gam", "t", warnings)
    group = LinkGroup()
    group.add("table gam.t", "gam", ddl)
    obs = observations(parse("mysql://root@gam-db01:3306/gam"), "gam-db01", "mariadb-live",
                       [Catalog("gam")], [group])
    links = [(o.data["target_host"], o.data.get("target_port"), o.data.get("target_engine"),
              o.data.get("target_database")) for o in obs if o.kind == "db_link"]
    return ddl, links, warnings


@pytest.mark.parametrize("connection, link", [
    ("Driver={PostgreSQL Unicode};Servername=dpi-db01;Port=5433;Database=dpi;UID=u;PWD=Pw-CANARY",
     ("dpi-db01", 5433, "postgresql", "dpi")),
    ("Driver=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so;Server=10.1.2.3;Database=eds;"
     "Uid=u;Pwd={Pw;CANARY}", ("10.1.2.3", 5432, "postgresql", "eds")),
    ("Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql01.ch.local,1434;Database=GAM;"
     "UID=sa;PWD=Pw-CANARY", ("sql01.ch.local", 1434, "sqlserver", "GAM")),
    ("Driver={FreeTDS};Server=sql02;Port=1433;Database=Pharma;UID=x;PWD=Pw-CANARY",
     ("sql02", 1433, "sqlserver", "Pharma")),
    ("Driver={MariaDB ODBC 3.1 Driver};Server=lab-db01;DB=sil;User=x;Password=Pw-CANARY",
     ("lab-db01", 3306, "mysql", "sil")),
    ("Driver={HFSQL};Server=hf01;Port=1433;Database=compta;PWD=Pw-CANARY",  # engine by port
     ("hf01", 1433, "sqlserver", "compta")),
    ("Driver={InterSystems ODBC35};Host=cache01;Port=1972;Database=TRAK;PWD=Pw-CANARY",
     ("cache01", 1972, None, "TRAK")),
])
def test_odbc_connection_strings_become_targets_without_credentials(connection, link):
    ddl, links, warnings = _target(connection)
    assert links == [link] and warnings == []          # an unknown engine stays unknown
    assert "CANARY" not in ddl and "UID" not in ddl.upper().replace("UNICODE", "")


def test_dsn_only_odbc_table_is_a_warning_not_a_link():
    ddl, links, warnings = _target("DSN=DPI_PROD;UID=u;PWD=Pw-CANARY")
    assert links == [] and "CANARY" not in ddl
    assert warnings == ["table gam.t: CONNECT ODBC table with data source name 'DPI_PROD' — its "
                        "target is in the MariaDB server's odbc.ini, not readable through SQL: "
                        "no link"]
    _ddl2, _links, warnings = _target("DSN=dpi#prod*$(x);PWD=x")       # an odd name is not echoed
    assert len(warnings) == 1 and "dpi" not in warnings[0] and "with no server" in warnings[0]


def test_other_connect_types_are_left_alone():
    ddl = _ddl("mysql://u:Pw@db01:3306/gam/patient", "MYSQL")
    assert _connect_odbc_target(ddl, "gam", "t", []) == ddl


def test_fast_matches_answers_like_every_validator_in_turn():
    """``values.matches`` skips impossible validators; the answer is the plain loop's."""
    import random

    from scanner.collect.live.values import VALIDATORS, matches

    def plain(text):
        return [] if len(text) > 256 else [n for n, check in VALIDATORS.items() if check(text)]

    rng = random.Random(11)
    alphabet = "0123456789 .-+@()ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz\t"
    cases = ["185057800608491", " 1 85 05 78 006 084 91 ", "750712184", "DZQM006", "0612345678",
             "0033 (0) 6 12 34 56 78", "+33(0)612345678", "a@b.fr", "e11", " I21.0 ", "１２３"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(20000)]
    for _ in range(5000):
        body = f"{rng.choice('123478')}{rng.randrange(100):02d}{rng.randrange(1, 13):02d}" \
               f"{rng.choice(['2A', '2B', '%02d' % rng.randrange(100)])}{rng.randrange(10**6):06d}"
        key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
        sep = rng.choice(["", " ", ".", "-"])
        cases += [sep.join([body[:1], body[1:3], body[3:5], body[5:7], body[7:10], body[10:]])
                  + sep + f"{key:02d}", body + f"{rng.randrange(100):02d}",
                  str(rng.randrange(10**8, 10**12)),
                  rng.choice(["0", "+33 ", "0033", "+33 (0) "])
                  + "".join(rng.choice("0123456789 .-") for _ in range(rng.randrange(8, 16)))]
    assert [c for c in cases if matches(c) != plain(c)] == []
    assert sum(1 for c in cases if plain(c)) > 3000         # the cases do exercise the validators
