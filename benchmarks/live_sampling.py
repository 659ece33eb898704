"""Cost of ``hdscan db scan --sample N`` on one seeded table of 1,000,000 rows, both engines (issue #5).

    python3 benchmarks/live_sampling.py [--rows 1000000] [--sample 200,10000] [--repeat 5]

Seeds a throw-away database on the local PostgreSQL (127.0.0.1:5432, postgres, trust) and
MariaDB (127.0.0.1:3306, root, no password) — ``hdscan_bench_sampling_<pid>``, dropped by
name at the end — with one table ``dossier`` of ``--rows`` synthetic rows (no patient data):
ten columns, of which ``--sample`` reads seven (``num_secu`` by name; ``zone1``, ``zone2``,
``champ_libre_3`` (all NULL), ``nom``, ``info_compl`` text and ``zone3`` bigint by type).

Reported per engine, best of ``--repeat`` (seconds, wall clock from this process):

- ``scan``: ``introspect(url)``, catalogue only;
- ``scan --sample N``: ``introspect(url, sample=N)`` — the catalogue plus the one sampling
  statement for the table (what a user waits for);
- ``statement``: the sampling statement alone, as hdscan sends it;
- the alternatives hdscan does not use, for comparison: PostgreSQL ``TABLESAMPLE
  BERNOULLI`` (reads every page) and the former one-statement-per-column shape
  (``WHERE col IS NOT NULL LIMIT N``: a column that is NULL everywhere is read to the end);
  MariaDB ``WHERE RAND(5) < p`` (random rows spread over the table, deterministic) and
  ``ORDER BY RAND(5)`` (a full scan and a sort).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.collect.live import queries  # noqa: E402
from scanner.collect.live.introspect import introspect, pg_ident  # noqa: E402
from scanner.collect.live.sampling import SEED, pg_percent  # noqa: E402

DB = f"hdscan_bench_sampling_{os.getpid()}"
COLUMNS = ["champ_libre_3", "info_compl", "nom", "zone1", "zone2", "zone3", "num_secu"]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def seed_pg(admin, rows: int) -> None:
    import psycopg

    admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DB}"')
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=DB, autocommit=True) as c:
        c.execute("CREATE TABLE dossier (id bigint, zone1 varchar(20), zone2 text, champ_libre_3 text, "
                  "nom text, montant numeric(9,2), petit int, info_compl varchar(200), zone3 bigint, "
                  "num_secu char(15))")
        c.execute("INSERT INTO dossier SELECT g, lpad(g::text, 15, '1'), 'I21.0', NULL, 'NOM' || g, "
                  "g / 100.0, g %% 1000, repeat('x', 50), 100000000000000 + g, lpad(g::text, 15, '2') "
                  "FROM generate_series(1, %s) g", (rows,))
        c.execute("ANALYZE dossier")


def seed_my(cur, rows: int) -> None:
    cur.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    cur.execute(f"CREATE DATABASE `{DB}`")
    cur.execute(f"CREATE TABLE `{DB}`.dossier (id BIGINT PRIMARY KEY, zone1 VARCHAR(20), zone2 TEXT, "
                "champ_libre_3 TEXT, nom VARCHAR(80), montant DECIMAL(9,2), petit INT, "
                "info_compl VARCHAR(200), zone3 BIGINT, num_secu CHAR(15)) ENGINE=InnoDB")
    done = 0
    while done < rows:                 # seq_1_to_N in slices of 200,000 (one transaction each)
        n = min(200_000, rows - done)
        cur.execute(f"INSERT INTO `{DB}`.dossier SELECT seq + {done}, LPAD(seq + {done}, 15, '1'), "
                    "'I21.0', NULL, CONCAT('NOM', seq), seq / 100, seq % 1000, REPEAT('x', 50), "
                    f"100000000000000 + seq, LPAD(seq + {done}, 15, '2') FROM `{DB}`.seq_1_to_{n}")
        done += n
    cur.execute(f"ANALYZE TABLE `{DB}`.dossier")
    cur.fetchall()


def bench_pg(rows: int, sizes: list[int], repeat: int) -> None:
    import psycopg

    admin = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True)
    url = f"postgresql://postgres@127.0.0.1:5432/{DB}"
    try:
        seed_pg(admin, rows)
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname=DB, autocommit=True) as c, \
                c.cursor() as cur:
            reltuples, relpages = cur.execute("SELECT reltuples::bigint, relpages FROM pg_class "
                                              "WHERE relname = 'dossier'").fetchone()
            print(f"PostgreSQL: {reltuples} rows, {relpages} pages")
            print(f"  scan                        {best(lambda: introspect(url), repeat):8.3f} s")
            cols = [pg_ident(x) for x in COLUMNS]
            for n in sizes:
                pct = pg_percent(n, reltuples, relpages)
                t = best(lambda: introspect(url, sample=n), repeat)
                print(f"  scan --sample {n:<6}        {t:8.3f} s   (SYSTEM {pct:.4f} %)")
                sql = queries.sample_sql("pg.sample", pg_ident("public", "dossier"), cols)
                got = []
                t = best(lambda: got.append(len(cur.execute(sql, (pct, SEED, n)).fetchall())), repeat)
                print(f"  statement, N={n:<6}        {t:8.3f} s   {got[-1]} rows")
                bern = sql.replace("SYSTEM", "BERNOULLI")
                t = best(lambda: cur.execute(bern, (min(100.0, 100.0 * 2 * n / reltuples), SEED, n))
                         .fetchall(), repeat)
                print(f"  BERNOULLI, N={n:<6}        {t:8.3f} s   (not used)")
                t = best(lambda: [cur.execute(f"SELECT {c}::text FROM public.dossier WHERE {c} IS NOT "
                                              "NULL LIMIT %s", (n,)).fetchall() for c in cols], repeat)
                print(f"  per column (former), N={n:<6}{t:8.3f} s   (not used)")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.close()


def bench_my(rows: int, sizes: list[int], repeat: int) -> None:
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    cur = conn.cursor()
    url = f"mysql://root@127.0.0.1:3306/{DB}"
    try:
        seed_my(cur, rows)
        print(f"MariaDB: {rows} rows (InnoDB)")
        print(f"  scan                        {best(lambda: introspect(url), repeat):8.3f} s")
        cols = [queries.mysql_name(x) for x in COLUMNS]
        table = queries.mysql_name(DB, "dossier")
        sql = queries.sample_sql("my.sample", table, cols)
        for n in sizes:
            t = best(lambda: introspect(url, sample=n), repeat)
            print(f"  scan --sample {n:<6}        {t:8.3f} s")
            t = best(lambda: (cur.execute(sql, (n,)), cur.fetchall()), repeat)
            print(f"  statement, N={n:<6}        {t:8.3f} s")
            rand = sql.replace(" LIMIT %s", " AND RAND(5) < %s LIMIT %s")
            t = best(lambda: (cur.execute(rand, (2 * n / rows, n)), cur.fetchall()), repeat)
            print(f"  RAND(5) < p, N={n:<6}      {t:8.3f} s   (not used)")
            order = sql.replace(" LIMIT %s", " ORDER BY RAND(5) LIMIT %s")
            t = best(lambda: (cur.execute(order, (n,)), cur.fetchall()), max(1, repeat // 3))
            print(f"  ORDER BY RAND(5), N={n:<6} {t:8.3f} s   (not used)")
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS `{DB}`")
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", default="200,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--engine", choices=["both", "postgresql", "mariadb"], default="both")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sample.split(",")]
    if args.engine in ("both", "postgresql"):
        bench_pg(args.rows, sizes, args.repeat)
    if args.engine in ("both", "mariadb"):
        bench_my(args.rows, sizes, args.repeat)


if __name__ == "__main__":
    main()
