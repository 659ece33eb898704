"""Offline checks: the statement allow-list reads only the catalogue, URLs never keep secrets."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from scanner.collect.live import queries
from scanner.collect.live.introspect import Catalog, LinkGroup, observations
from scanner.collect.live.url import parse
from scanner.errors import InputError

LIVE = Path(queries.__file__).parent


@pytest.mark.parametrize("name", sorted(queries.STATEMENTS))
def test_every_statement_reads_only_the_catalogue(name):
    sql = queries.STATEMENTS[name]
    assert re.match(r"(SELECT|SET SESSION|SHOW CREATE TABLE|SHOW ALL SLAVES STATUS$|"
                    r"SHOW REPLICA STATUS$|SHOW SLAVE HOSTS$)", sql), sql
    if name in queries.SAMPLING:        # the opt-in sampling shape: one table, N rows at most
        assert re.fullmatch(r"SELECT \{columns\} FROM \{table\} "
                            r"(TABLESAMPLE SYSTEM \(%s\) REPEATABLE \(%s\) )?"
                            r"WHERE \{any_not_null\} LIMIT %s", sql), sql
        return
    rels = queries.relations(sql)
    assert rels <= queries.CATALOG, rels - queries.CATALOG
    if sql.startswith("SELECT") and not rels:       # a bare function call: catalogue ones only
        calls = re.findall(r"([\w.]+)\s*\(", sql[len("SELECT"):])
        assert calls and all(c.startswith("pg_catalog.") for c in calls), calls
    low = sql.lower()
    # activity views: addresses and names only, never the statement text
    assert not re.search(r"\b(query|info)\b", low.replace("information_schema", "")), name
    for secret in ("pg_user_mapping", "umoptions", "password", "username", "mysql.user",
                   "pg_authid", "pg_shadow"):
        assert secret not in low, f"{name} touches {secret}"


@pytest.mark.parametrize("name, read", [("pg.sample", 'pg_catalog.left({}::text, 257)'),
                                        ("my.sample", "LEFT(CAST({} AS CHAR), 257)")])
def test_sampling_statement_reads_the_chosen_columns_as_short_text(name, read):
    from scanner.collect.live.introspect import pg_ident

    quote = pg_ident if name == "pg.sample" else queries.mysql_name
    sql = queries.sample_sql(name, quote("s", "t%x"), [quote("zone1"), quote("nir")])
    select, _, rest = sql.partition(" FROM ")
    assert select == "SELECT " + ", ".join(read.format(quote(c)) for c in ("zone1", "nir"))
    assert "t%%x" in rest                          # a % in a name reaches the driver doubled
    assert rest.endswith(f"WHERE ({quote('zone1')} IS NOT NULL OR {quote('nir')} IS NOT NULL) "
                         "LIMIT %s")
    with pytest.raises(ValueError):
        queries.sample_sql("pg.columns", "t", ["c"])
    with pytest.raises(ValueError):
        queries.sample_sql(name, "t", [])


def test_catalogue_relations_are_system_ones_only():
    for rel in queries.CATALOG:
        assert rel.split(".")[0] in ("pg_catalog", "information_schema", "mysql"), rel
    assert "mysql.servers" in queries.CATALOG and len([r for r in queries.CATALOG
                                                        if r.startswith("mysql.")]) == 1


def test_relations_finds_from_and_join():
    assert queries.relations("SELECT a FROM x.t JOIN y.u ON 1=1 WHERE b IN (SELECT 1 FROM z)") == \
        {"x.t", "y.u", "z"}


def test_only_queries_run_executes_sql():
    """No other module of the package calls ``.execute``: the allow-list is the only door."""
    for path in sorted(LIVE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Attribute) and n.func.attr in ("execute", "executemany")]
        if path.name == "queries.py":
            assert len(calls) == 1
        else:
            assert not calls, f"{path.name} executes SQL outside queries.run"


def test_mysql_name_quotes_backticks():
    assert queries.mysql_name("gam", "a`b") == "`gam`.`a``b`"


@pytest.mark.parametrize("url, engine, host, port, db, source", [
    ("postgresql://postgres@127.0.0.1:5432/hdscan_lab", "postgresql", "127.0.0.1", 5432,
     "hdscan_lab", "postgresql://127.0.0.1:5432/hdscan_lab"),
    ("postgres://audit@dpi-db01/", "postgresql", "dpi-db01", 5432, None, "postgresql://dpi-db01:5432/"),
    ("mysql://root@127.0.0.1:3307/", "mysql", "127.0.0.1", 3307, None, "mysql://127.0.0.1:3307/"),
    ("mariadb://gam-db01/gam", "mysql", "gam-db01", 3306, "gam", "mysql://gam-db01:3306/gam"),
    ("postgresql://u@[::1]:5433/x", "postgresql", "::1", 5433, "x", "postgresql://[::1]:5433/x"),
])
def test_url_parsing_and_source_without_user(url, engine, host, port, db, source):
    t = parse(url)
    assert (t.engine, t.host, t.port, t.database, t.source) == (engine, host, port, db, source)
    assert "@" not in t.source


@pytest.mark.parametrize("url, fragment", [
    ("postgresql://postgres:Secret-CANARY@db01:5432/x", "password inside the URL"),
    ("oracle://db01:1521/x", "only postgresql"),
    ("postgresql://db01:99999/x", "not a database URL"),
    ("postgresql://db01/a/b", "more than one database"),
    ("just text", "only postgresql"),
])
def test_bad_urls_are_one_line_errors_without_secrets(url, fragment):
    with pytest.raises(InputError) as exc:
        parse(url)
    text = str(exc.value)
    assert fragment in text and "\n" not in text and "Secret-CANARY" not in text


def test_catalogue_to_observations_keeps_names_counts_and_link_targets_only():
    target = parse("postgresql://audit@127.0.0.1:5432/entrepot")
    cat = Catalog("entrepot", bytes=8192)
    t = cat.table("public", "stats")
    t.update(rows=-1, bytes=16384)
    t["columns"] |= {"Annee", "nb_sejours"}
    group = LinkGroup()
    group.add("foreign server dpi", "entrepot",
              "CREATE SERVER \"dpi\" FOREIGN DATA WRAPPER \"postgres_fdw\" "
              "OPTIONS (host 'dpi-db01', port '5433', dbname 'dpi')")
    group.add("foreign table public.patient", "entrepot",
              "CREATE FOREIGN TABLE \"public\".\"patient\" () SERVER \"dpi\"")
    group.add("view public.v", "entrepot",
              "CREATE VIEW \"public\".\"v\" AS SELECT t.n FROM dblink('host=lab-db01 dbname=sil "
              "user=x password=Pw-CANARY'::text, 'select 1'::text) t(n integer);")
    obs = observations(target, "dwh-db01", "pg-live", [cat], [group])
    assert [o.kind for o in obs] == ["db_schema", "db_link", "db_link"]
    schema = obs[0].data
    assert schema["host"] == "dwh-db01" and schema["bytes"] == 8192
    assert schema["tables"] == [{"schema": "public", "name": "stats", "bytes": 16384,
                                 "columns": ["annee", "nb_sejours"]}]        # rows -1: unknown
    links = sorted((o.data["mechanism"], o.data["object"], o.data["target_host"],
                    o.data.get("target_port"), o.data["target_database"], o.evidence.location)
                   for o in obs[1:])
    assert links == [("dblink", "public.v", "lab-db01", None, "sil", "view public.v"),
                     ("postgres_fdw", "public.patient", "dpi-db01", 5433, "dpi",
                      "foreign table public.patient")]
    assert all(o.evidence.source == "postgresql://127.0.0.1:5432/entrepot" for o in obs)
    assert "CANARY" not in repr([o.to_dict() for o in obs])


def test_peers_become_flows_links_and_config_refs_without_secrets():
    from scanner.collect.live.peers import Peers, address, observations as peer_obs

    assert address("10.1.2.3:51234") == "10.1.2.3" and address("[fe80::1]:5000") == "fe80::1"
    assert address("localhost") is None and address(None) is None
    peers = Peers(server_ip="10.20.1.30", session_place="information_schema.PROCESSLIST")
    peers.session("10.20.2.5:40000", "gam", "app", None)
    peers.session("10.20.2.5:40002", "gam", "app", None)
    peers.session("localhost", "gam", "root", None)            # a socket session: no address
    peers.subscriptions = [("eds", "sub_dpi", "host=dpi-db01 port=5433 dbname=dpi user=r "
                                               "password=Sub-Secret-1")]
    peers.sources = [("gam_a", "gam-db02.ch.local", 3307)]
    peers.registered = [("gam-db03", 3306, 7)]
    obs = peer_obs(peers, host="gam-db01", port=3306, engine="mysql", collector="mariadb-live",
                   version="2", source="mysql://gam-db01:3306/", ok=lambda v: bool(v))
    by = {}
    for o in obs:
        by.setdefault(o.kind, []).append(o.data)
    assert by["flow"] == [dict(client_ip="10.20.2.5", server_ip="10.20.1.30", server_port=3306,
                               transport="tcp", connections=2, direction_source="listener",
                               confidence="high")]
    assert [p["facts"] for p in by["protocol"]] == [{"database": "gam"}]     # mysql: no user kept
    (link,) = by["db_link"]
    assert (link["mechanism"], link["source_database"], link["target_host"], link["target_port"],
            link["target_database"], link["object"]) == ("logical-replication", "eds", "dpi-db01",
                                                         5433, "dpi", "sub_dpi")
    assert sorted((c["host"], c["target_host"], c["target_port"]) for c in by["config_ref"]) == [
        ("gam-db01", "gam-db02.ch.local", 3307), ("gam-db03", "gam-db01", 3306)]
    assert "Secret" not in repr([o.to_dict() for o in obs])
