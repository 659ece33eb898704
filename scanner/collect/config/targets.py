"""Owns what a dependency target is and how a raw one is made trustworthy.

A ``Target`` is what a connection string or a host/port key pair names: scheme, host,
port, database.  ``normalise`` applies the collector's rules to it: default ports per
scheme, ``localhost`` means the configuration's own host, bind-all addresses and
unresolvable placeholders (``${DB_HOST}``) give nothing, and only names that look like
host names, addresses and database names survive (nothing else can reach an observation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Port used when a reference names none.  mllp has no standard port: left out.
DEFAULT_PORTS: dict[str, int] = {
    "postgresql": 5432, "mysql": 3306, "oracle": 1521, "sqlserver": 1433,
    "dicom": 104, "http": 80, "https": 443, "ldap": 389, "ldaps": 636, "smb": 445,
    "mongodb": 27017,
}
# The reverse, to name the scheme of a bare host/port pair from its port.
SCHEME_BY_PORT: dict[int, str] = {port: scheme for scheme, port in DEFAULT_PORTS.items()}

# Engine words found in driver / provider / type values and in key names.
_ENGINE_WORDS: tuple[tuple[str, str], ...] = (
    ("mysql", "mysql"), ("mariadb", "mysql"),
    ("postgre", "postgresql"), ("pgsql", "postgresql"), ("psql", "postgresql"),
    ("oracle", "oracle"), ("oci", "oracle"), ("sqora", "oracle"),
    ("sql server", "sqlserver"), ("sqlserver", "sqlserver"), ("mssql", "sqlserver"),
    ("sqlsrv", "sqlserver"), ("sqlncli", "sqlserver"), ("msodbcsql", "sqlserver"),
    ("sqlclient", "sqlserver"), ("tds", "sqlserver"), ("sqloledb", "sqlserver"),
    ("mongodb", "mongodb"),
)

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "127.0.0.1", "::1",
                         "(local)", ".", "(localdb)"})
BIND_ALL = frozenset({"0.0.0.0", "::", "*", "[::]"})

_HOST_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,252})$")
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]+$")
_DB_RE = re.compile(r"^\w[\w.\-#$ ]{0,127}$")
_PLACEHOLDER = re.compile(r"\$\{|\$\(|\{\{|\}\}|#\{|^\$|^%\w+%$|^@\w+@$|^<.*>$")


@dataclass(frozen=True)
class Target:
    """One dependency as written: ``port`` None when the text names none."""

    scheme: str | None
    host: str
    port: int | None = None
    database: str | None = None


def engine_from_words(text: str | None) -> str | None:
    """The engine a driver/provider/type text names (``Npgsql`` → postgresql), or None."""
    if not text:
        return None
    low = text.lower()
    for word, engine in _ENGINE_WORDS:
        if word in low:
            return engine
    return None


def port_number(text) -> int | None:
    """An integer port 1-65535 from text, or None (placeholders, garbage)."""
    text = str(text).strip()
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    return None


def is_placeholder(text: str) -> bool:
    """True for values resolved only at deploy time: ``${X}``, ``%X%``, ``{{ x }}``…"""
    return bool(_PLACEHOLDER.search(text.strip()))


def clean_host(raw: str, own_host: str) -> str | None:
    """The host a reference points to, or None when it cannot be one.

    ``localhost`` and its kin become ``own_host`` (an application using its own
    database is a real dependency); bind-all addresses and placeholders give None.
    """
    host = raw.strip().strip("'\"")
    if not host or is_placeholder(host):
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    low = host.lower().rstrip(".")
    if low in BIND_ALL:
        return None
    if low in LOCAL_NAMES or low.startswith("127.") or low.startswith("(localdb)"):
        return own_host
    if ":" in host:
        return host if _IPV6_RE.match(host) and host.count(":") >= 2 else None
    host = host.rstrip(".")
    return host if _HOST_RE.match(host) else None


def clean_database(raw: str | None) -> str | None:
    """A database / service / SID name, or None when absent or not a plain name."""
    if raw is None:
        return None
    name = raw.strip().strip("'\"")
    if not name or is_placeholder(name) or not _DB_RE.match(name):
        return None
    return name.rstrip()


def normalise(target: Target, own_host: str) -> Target | None:
    """Apply the collector's rules; None when nothing trustworthy remains.

    A target needs a host and either a scheme or a port; the port defaults from the
    scheme when the text names none, the scheme from the port (``tcp`` when the port
    is not in the table: the graph builder needs a scheme on every ``config_ref``).
    """
    host = clean_host(target.host, own_host)
    if host is None:
        return None
    scheme = target.scheme
    port = target.port
    if scheme is None and port is not None:
        scheme = SCHEME_BY_PORT.get(port)
    if scheme is None and port is None:
        return None
    if scheme is None:
        scheme = "tcp"                      # a port whose protocol the file does not say
    if port is None and scheme is not None:
        port = DEFAULT_PORTS.get(scheme)
    return Target(scheme, host, port, clean_database(target.database))
