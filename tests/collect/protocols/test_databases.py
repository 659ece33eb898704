"""PostgreSQL, MySQL/MariaDB, TDS and Oracle TNS, each with a look-alike."""

from __future__ import annotations

import struct

import protocol_bytes as pb

from scanner.collect.protocols import mysql, oracle_tns, postgresql, tds


def test_postgresql_startup():
    assert postgresql.dissect(pb.PG_STARTUP, b"R") == [
        {"user": "dpi", "database": "dpi_prod", "application_name": "dpi-app", "ssl": False}]


def test_postgresql_ssl_request():
    assert postgresql.dissect(pb.PG_SSL_REQUEST, b"S") == [{"ssl": True}]
    assert postgresql.dissect(pb.PG_SSL_REQUEST, b"") == [{"ssl": True}]
    assert postgresql.dissect(pb.PG_SSL_REQUEST + pb.PG_STARTUP, b"N")[0]["database"] == "dpi_prod"


def test_postgresql_lookalikes():
    assert postgresql.dissect(pb.PG_SSL_REQUEST, b"HTTP/1.1 400") is None
    assert postgresql.dissect(struct.pack("!II", 40, 196608) + b"\x01\x02garbage" + bytes(28), b"") is None
    assert postgresql.dissect(pb.HTTP_GET, b"") is None
    assert postgresql.dissect(pb.TDS_PRELOGIN, b"") is None


def test_mysql_greeting_and_database():
    assert mysql.dissect(pb.MYSQL_LOGIN, pb.MYSQL_GREETING) == [
        {"server_version": "10.11.6-MariaDB-log", "engine": "mariadb", "database": "dpi_lab"}]
    assert mysql.dissect(b"", pb.mysql_greeting(b"8.0.36")) == [
        {"server_version": "8.0.36", "engine": "mysql"}]


def test_mysql_lookalikes():
    assert mysql.dissect(b"", b"220 mx ESMTP Postfix\r\n") is None
    bad = bytearray(pb.MYSQL_GREETING)
    bad[4] = 9                                                      # protocol 9
    assert mysql.dissect(b"", bytes(bad)) is None
    assert mysql.dissect(pb.MYSQL_GREETING, b"") is None            # the server speaks first


def test_tds_prelogin():
    assert tds.dissect(pb.TDS_PRELOGIN, b"") == [{"instance": "SQLDPI"}]
    assert tds.dissect(pb.tds_prelogin(), b"") == [{}]


def test_tds_lookalikes():
    assert tds.dissect(b"\x12\x01\x00\x30" + bytes(4) + b"\x09\x00\x00\x00\x00\xff", b"") is None
    assert tds.dissect(b"\x12" + bytes(40), b"") is None
    assert tds.dissect(pb.PG_STARTUP, b"") is None


def test_oracle_connect():
    got = oracle_tns.dissect(pb.TNS_CONNECT, b"")
    assert got == [{"service_name": "DPIPROD", "program": "dpi.exe"}]
    assert "VASQUELLON" not in repr(got) and "WS01" not in repr(got)


def test_oracle_lookalikes():
    assert oracle_tns.dissect(b"\x01" + bytes(60), b"") is None
    bad = bytearray(pb.TNS_CONNECT)
    bad[8:10] = struct.pack("!H", 999)
    assert oracle_tns.dissect(bytes(bad), b"") is None
    assert oracle_tns.dissect(pb.HTTP_GET, b"") is None
