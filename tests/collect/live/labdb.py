"""Connections to the machine's real PostgreSQL and MariaDB for the live lab tests.

Under CI (``CI=true``) an unreachable server fails the test: CI always runs both servers,
so a skip there would hide a broken lab. Elsewhere it skips with the reason.
"""

from __future__ import annotations

import os

import pytest


def need(why: str):
    """Fail under CI, skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def pg(dbname: str = "postgres"):
    """An autocommit connection as ``postgres`` to 127.0.0.1:5432."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=dbname,
                               autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        need(f"PostgreSQL not reachable on 127.0.0.1:5432 as postgres: {exc}")


def my(**kw):
    """An autocommit connection as ``root`` to 127.0.0.1:3306."""
    pymysql = pytest.importorskip("pymysql")
    try:
        return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                               autocommit=True, connect_timeout=5, **kw)
    except pymysql.err.MySQLError as exc:
        need(f"MariaDB not reachable on 127.0.0.1:3306 as root: {exc}")


def connect_engine(cur) -> str | None:
    """Load MariaDB's CONNECT engine if needed; None when ready, else why not."""
    cur.execute("SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'CONNECT'")
    row = cur.fetchone()
    if row and row[0] in ("YES", "DEFAULT"):
        return None
    try:
        cur.execute("INSTALL SONAME 'ha_connect'")
    except Exception as exc:
        return f"CONNECT engine cannot be loaded (apt-get install mariadb-plugin-connect): {exc}"
    return None
