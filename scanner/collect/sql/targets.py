"""Owns reading a link's target out of a connection string, keeping only host, port, database.

Forms: libpq ``host=… port=… dbname=…``, URLs (``mysql://user:pw@host:3306/db/table``,
``jdbc:postgresql://…``, ``jdbc:sqlserver://h:p;databaseName=…``), MariaDB CONNECT
``OPTION_LIST='host=…,port=…,database=…'``, ODBC/OLE DB ``Server=…;Database=…``, Oracle descriptors
``(DESCRIPTION=…(HOST=h)(PORT=p)…(SERVICE_NAME=s))`` and EZConnect ``//host:port/service``,
SQL Server data sources ``host\\instance`` / ``host,port``. User names and passwords are
parsed past, never returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEME_ENGINES = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql",
                  "postgres": "postgresql", "sqlserver": "sqlserver", "mssql": "sqlserver",
                  "jtds:sqlserver": "sqlserver", "oracle": "oracle", "oracle:thin": "oracle"}
_HOST_OK = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")
_LIBPQ = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
_URL = re.compile(r"^(?:jdbc:)?(?P<scheme>[a-z][a-z0-9+:.\-]*)://(?:[^@/]*@)?(?P<host>\[[^\]]+\]|[^:/?,;]+)"
                  r"(?::(?P<port>\d+))?(?:/(?P<db>[^/?;]+))?", re.I)
_ORA_DESC = re.compile(r"\(\s*(HOST|PORT|SERVICE_NAME|SID)\s*=\s*([^)\s]+)\s*\)", re.I)
_EZ = re.compile(r"^(?://)?(?P<host>\[[^\]]+\]|[A-Za-z0-9_.\-]+)(?::(?P<port>\d+))?"
                 r"(?:/(?P<db>[A-Za-z0-9_.\-$#]+))?(?::\w+)?$")
_URL_DBPARAM = re.compile(r"[;?&](?:databaseName|database|dbname)=([^;&]+)", re.I)
_KV = re.compile(r"\s*([A-Za-z ]+?)\s*=\s*(\{[^}]*\}|[^;]*)")


@dataclass(frozen=True)
class Target:
    host: str
    port: int | None = None
    database: str | None = None
    engine: str | None = None


def clean_host(host: str | None) -> str | None:
    """A host as written, without brackets, trailing dot or ``\\instance``; None if not a name."""
    if not host:
        return None
    h = host.strip().strip("'\"")
    if h.lower().startswith("tcp:"):
        h = h[4:]
    h = h.split("\\", 1)[0].split(",", 1)[0]
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    h = h.rstrip(".")
    return h if _HOST_OK.match(h) else None


def _port(value) -> int | None:
    try:
        p = int(str(value).strip().strip("'"))
    except ValueError:
        return None
    return p if 0 < p < 65536 else None


def libpq(conninfo: str) -> Target | None:
    """``host=h port=p dbname=d …`` or a ``postgresql://`` URL."""
    if "://" in conninfo:
        return url(conninfo)
    kv = {k.lower(): v.strip("'") for k, v in _LIBPQ.findall(conninfo)}
    host = clean_host((kv.get("host") or kv.get("hostaddr") or "").split(",")[0])
    if host is None:
        return None
    return Target(host, _port(kv.get("port", "").split(",")[0]) if kv.get("port") else None,
                  kv.get("dbname"), "postgresql")


def url(text: str) -> Target | None:
    """``scheme://[user[:pw]@]host[:port][/db[/…]]`` (optionally ``jdbc:``-prefixed)."""
    m = _URL.match(text.strip())
    if m is None:
        return None
    host = clean_host(m.group("host"))
    if host is None:
        return None
    engine = SCHEME_ENGINES.get(m.group("scheme").lower())
    db = m.group("db")
    if db is None:                  # jdbc:sqlserver://h:1433;databaseName=x
        p = _URL_DBPARAM.search(text)
        db = p.group(1) if p else None
    return Target(host, _port(m.group("port")) if m.group("port") else None, db, engine)


def option_list(text: str) -> Target | None:
    """MariaDB CONNECT ``OPTION_LIST='host=h,port=p,database=d,user=…'``; None without a
    host (user and password are passed over)."""
    kv = {}
    for item in text.split(","):
        k, eq, v = item.partition("=")
        if eq:
            kv.setdefault(k.strip().lower(), v.strip())
    host = clean_host(kv.get("host"))
    if host is None:
        return None
    port = kv.get("port")
    return Target(host, _port(port) if port else None,
                  kv.get("database") or kv.get("dbname") or kv.get("db"), None)


def oracle(connect: str) -> Target | None:
    """An Oracle descriptor or EZConnect string; None for a bare alias."""
    found = {}
    for key, value in _ORA_DESC.findall(connect):
        found.setdefault(key.upper(), value)
    if "HOST" in found:
        host = clean_host(found["HOST"])
        if host is None:
            return None
        return Target(host, _port(found.get("PORT", "")) if "PORT" in found else None,
                      found.get("SERVICE_NAME") or found.get("SID"), "oracle")
    text = connect.strip()
    if "/" in text or ":" in text:
        m = _EZ.match(text)
        if m:
            host = clean_host(m.group("host"))
            if host:
                return Target(host, _port(m.group("port")) if m.group("port") else None,
                              m.group("db"), "oracle")
    return None


def odbc(text: str) -> Target | None:
    """``Driver=…;Server=host,port;Database=db`` style strings (ODBC, OLE DB)."""
    kv = {}
    for k, v in _KV.findall(text):
        kv.setdefault(k.strip().lower(), v.strip())
    raw = kv.get("server") or kv.get("data source") or kv.get("host") or kv.get("hostname")
    host = clean_host(raw)
    if host is None:
        return None
    port = kv.get("port")
    if port is None and raw and "," in raw:
        port = raw.split(",", 1)[1]
    driver = (kv.get("driver") or kv.get("provider") or "").lower()
    engine = ("mysql" if "mysql" in driver or "maria" in driver else
              "postgresql" if "postgres" in driver else
              "oracle" if "ora" in driver else
              "sqlserver" if "sql server" in driver or "sqlncli" in driver or "msoledbsql" in driver
              else None)
    return Target(host, _port(port) if port else None,
                  kv.get("database") or kv.get("initial catalog") or kv.get("dbname"), engine)


def sqlserver_source(datasrc: str) -> Target | None:
    """A SQL Server ``@datasrc``: ``host``, ``host\\instance``, ``host,port``, ``tcp:host,port``."""
    host = clean_host(datasrc)
    if host is None:
        return None
    port = None
    rest = datasrc.strip()
    if "," in rest:
        port = _port(rest.split(",", 1)[1])
    return Target(host, port, None, "sqlserver")
