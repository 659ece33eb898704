"""Owns reading ONE connection string into the targets it names.

Families, tried in this order on a value (or a line of text):

* JDBC URLs: postgresql, mysql, mariadb, oracle thin (``@h:p:SID``, ``@//h:p/svc``,
  ``@(DESCRIPTION=…)``), sqlserver (``;databaseName=``), jtds:sqlserver;
* PHP PDO DSNs: ``mysql:host=…;dbname=…``, ``pgsql:``, ``sqlsrv:Server=…``, ``oci:dbname=//…``;
* URIs: ``postgresql://``, ``postgres://``, ``mysql://``, ``mariadb://``, ``mongodb://``,
  ``ldap(s)://``, ``mllp://``, ``http(s)://`` and ``smb://``; UNC paths ``\\\\host\\share``;
* Oracle descriptors ``(DESCRIPTION=(ADDRESS=(HOST=…)(PORT=…))(CONNECT_DATA=…))``;
* .NET / ODBC ``Key=Value;`` strings (``Server=h,1433;Database=…``, ``Data Source=h\\INST``);
* libpq key/value DSNs ``host=… port=… dbname=…``.

Only scheme, host, port and database come out; users, passwords, paths and query
strings are dropped where they are read.  Hosts are returned as written: the caller
applies ``targets.normalise``.
"""

from __future__ import annotations

import re

from .targets import Target, engine_from_words, port_number

_JDBC = re.compile(r"(?i)jdbc:([a-z0-9]+(?::[a-z0-9]+)*)(:@|://|:)([^\s\"'<>]*)")
_PDO = re.compile(r"(?i)^\s*(mysql|pgsql|sqlsrv|dblib|oci):([a-z ]+=.*|dbname=.*)$")
_URI = re.compile(r"(?i)(?<![a-z0-9+.\-])(postgresql|postgres|mysql|mariadb|mongodb(?:\+srv)?|"
                  r"ldaps|ldap|mllp|https|http|smb)://([^\s\"'<>`]+)")
_UNC = re.compile(r"(?<![\\\w])\\\\([A-Za-z0-9_][A-Za-z0-9_.\-]*)\\[^\s\\\"'<>]+")
_KV_SEMI = re.compile(r"(?i)(?:^|;)\s*(server|data source|address|addr|network address|host|"
                      r"hostname|servername)\s*=")
_LIBPQ_PAIR = re.compile(r"(?i)(?:^|(?<=\s))(host|hostaddr|port|dbname|service)\s*=\s*"
                         r"('(?:[^'\\]|\\.)*'|[^\s'\"]+)")

_URI_SCHEME = {"postgres": "postgresql", "mariadb": "mysql", "mongodb+srv": "mongodb"}
_DB_IN_PATH = {"postgresql", "mysql", "mongodb"}
_JDBC_ENGINE = {"postgresql": "postgresql", "pgsql": "postgresql", "mysql": "mysql",
                "mariadb": "mysql", "oracle": "oracle", "sqlserver": "sqlserver",
                "jtds": "sqlserver", "microsoft": "sqlserver"}


def find_targets(text: str, hint: str | None = None) -> list[Target]:
    """Every target a value names, in the order written; [] when it names none.

    ``hint`` is a provider / driver name written beside the string (web.config's
    ``providerName``), used when the string alone does not name its engine.
    """
    m = _JDBC.search(text)
    if m:
        return _jdbc(m.group(1).lower(), m.group(2), m.group(3))
    m = _PDO.match(text)
    if m:
        return _pdo(m.group(1).lower(), m.group(2))
    found = [t for m in _URI.finditer(text) for t in _uri(m.group(1).lower(), m.group(2))]
    found += [Target("smb", m.group(1)) for m in _UNC.finditer(text)]
    if found:
        return found
    stripped = text.strip()
    if stripped[:1] == "(" and re.match(r"(?i)\(\s*description", stripped):
        return tns_descriptor(stripped)
    if ";" in text and _KV_SEMI.search(text):
        return _semicolon_kv(text, hint)
    pairs = _LIBPQ_PAIR.findall(text)
    if len(pairs) >= 2 and any(k.lower() in ("host", "hostaddr") for k, _ in pairs):
        return _libpq(pairs)
    return []


# --- JDBC -----------------------------------------------------------------------------

def _jdbc(sub: str, sep: str, rest: str) -> list[Target]:
    words = sub.split(":")
    engine = next((_JDBC_ENGINE[w] for w in words if w in _JDBC_ENGINE), None)
    if engine is None:
        return []
    if engine == "oracle":
        if sep == ":@" or "@" in rest:
            return oracle_address(rest.rsplit("@", 1)[-1])
        return []
    if sep != "://":                        # jdbc:postgresql:dbname → local database
        db = rest.split("?")[0] if engine == "postgresql" else None
        return [Target(engine, "localhost", None, db or None)] if db else []
    if engine == "sqlserver":
        return _jdbc_sqlserver(rest)
    authority, _, path = rest.partition("/")
    db = re.split(r"[?;]", path, 1)[0] or None
    return [Target(engine, h, p, db) for h, p in _hosts(authority)]


def _jdbc_sqlserver(rest: str) -> list[Target]:
    head, _, props = rest.partition(";")
    head, _, path = head.partition("/")           # jtds: host:port/db
    kv = _kv_pairs(props, ";")
    host = head or kv.get("servername", "")
    port = None
    if ":" in host:
        host, _, p = host.partition(":")
        port = port_number(p)
    host = host.split("\\")[0]
    port = port or port_number(kv.get("portnumber", kv.get("port", "")))
    db = kv.get("databasename") or kv.get("database") or (path or None)
    return [Target("sqlserver", host, port, db)] if host else []


# --- Oracle ---------------------------------------------------------------------------

def oracle_address(text: str) -> list[Target]:
    """Targets of what follows ``@`` in Oracle: descriptor, ``//h:p/svc``, ``h:p:SID``."""
    text = text.strip()
    if text.startswith("("):
        return tns_descriptor(text)
    text = text[2:] if text.startswith("//") else text
    if not text or "/" not in text and ":" not in text:
        return []                                   # a bare TNS alias: no host written
    m = re.match(r"^([^:/]+)(?::(\d+))?(?:[:/]([^?\s;:/]+))?", text)
    if not m:
        return []
    return [Target("oracle", m.group(1), port_number(m.group(2) or ""), m.group(3))]


def tns_descriptor(text: str) -> list[Target]:
    """Every (HOST, PORT) of an Oracle descriptor, with its SERVICE_NAME or SID."""
    service = re.search(r"(?i)\(\s*(?:service_name|sid)\s*=\s*([^)\s]+)\s*\)", text)
    db = service.group(1) if service else None
    out = []
    for m in re.finditer(r"(?i)\(\s*host\s*=\s*([^)\s]+)\s*\)", text):
        after = text[m.end():]
        nxt = re.search(r"(?i)\(\s*host\s*=", after)
        port = re.search(r"(?i)\(\s*port\s*=\s*(\d+)\s*\)", after[: nxt.start()] if nxt else after)
        before = re.search(r"(?i)\(\s*port\s*=\s*(\d+)\s*\)\s*$", text[: m.start()])
        number = port.group(1) if port else (before.group(1) if before else "")
        out.append(Target("oracle", m.group(1), port_number(number), db))
    return out


# --- URIs -----------------------------------------------------------------------------

def _uri(scheme: str, rest: str) -> list[Target]:
    scheme = _URI_SCHEME.get(scheme, scheme)
    authority = re.split(r"[/?#]", rest, 1)[0]
    path = rest[len(authority):]
    authority = authority.rsplit("@", 1)[-1]
    db = None
    if scheme in _DB_IN_PATH and path.startswith("/"):
        db = re.split(r"[/?#;]", path[1:], 1)[0] or None
    return [Target(scheme, h, p, db) for h, p in _hosts(authority)]


def _hosts(authority: str) -> list[tuple[str, int | None]]:
    """``h1:p1,h2,[::1]:p3`` → [(host, port)], credentials already removed."""
    authority = authority.rsplit("@", 1)[-1]
    out = []
    for part in authority.split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("["):
            host, _, tail = part[1:].partition("]")
            port = port_number(tail[1:]) if tail.startswith(":") else None
        else:
            host, _, p = part.partition(":")
            port = port_number(p) if p else None
        out.append((host, port))
    return out


# --- key/value strings ----------------------------------------------------------------

def _kv_pairs(text: str, sep: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(sep):
        key, eq, value = part.partition("=")
        if eq:
            out.setdefault(" ".join(key.lower().split()), value.strip().strip("'\"{}"))
    return out


def _semicolon_kv(text: str, hint: str | None) -> list[Target]:
    kv = _kv_pairs(text, ";")
    raw = next((kv[k] for k in ("server", "data source", "address", "addr", "network address",
                                "host", "hostname", "servername") if kv.get(k)), "")
    if not raw:
        return []
    engine = engine_from_words(kv.get("driver")) or engine_from_words(kv.get("provider")) \
        or engine_from_words(hint)
    db = kv.get("database") or kv.get("initial catalog") or kv.get("dbname")
    port = port_number(kv.get("port", ""))
    if engine == "oracle" or (engine is None and (raw.startswith("(") or "/" in raw)):
        found = oracle_address(raw)
        return found or []
    if engine is None and port is None and "host" in kv and "server" not in kv:
        engine = "postgresql"                    # Npgsql writes Host=…
    raw = re.sub(r"(?i)^(tcp|np|lpc):", "", raw)
    if "," in raw:                               # SQL Server: host,port
        raw, _, p = raw.partition(",")
        port = port or port_number(p)
        engine = engine or "sqlserver"
    if "\\" in raw:                              # SQL Server named instance
        raw = raw.split("\\")[0]
        engine = engine or "sqlserver"
    if ":" in raw and raw.count(":") == 1:
        raw, _, p = raw.partition(":")
        port = port or port_number(p)
    if engine is None and port is None:
        engine = "sqlserver"                     # the .NET default: SqlClient
    return [Target(engine, raw, port, db)]


def _pdo(driver: str, rest: str) -> list[Target]:
    if driver == "oci":
        kv = _kv_pairs(rest, ";")
        return oracle_address(kv.get("dbname", ""))
    if driver in ("sqlsrv", "dblib"):
        return _semicolon_kv(rest, "sqlsrv")
    engine = "mysql" if driver == "mysql" else "postgresql"
    kv = _kv_pairs(rest, ";") if ";" in rest else {k.lower(): v for k, v in _LIBPQ_PAIR.findall(rest)}
    host = kv.get("host", "")
    return [Target(engine, host, port_number(kv.get("port", "")), kv.get("dbname"))] if host else []


def _libpq(pairs: list[tuple[str, str]]) -> list[Target]:
    kv: dict[str, str] = {}
    for k, v in pairs:
        kv.setdefault(k.lower(), v.strip("'"))
    hosts = (kv.get("host") or kv.get("hostaddr", "")).split(",")
    ports = kv.get("port", "").split(",")
    out = []
    for i, host in enumerate(hosts):
        port = ports[i] if i < len(ports) else ports[-1]
        if host and not host.startswith("/"):      # a socket directory is local
            out.append(Target("postgresql", host, port_number(port), kv.get("dbname")))
        elif host.startswith("/"):
            out.append(Target("postgresql", "localhost", port_number(port), kv.get("dbname")))
    return out
