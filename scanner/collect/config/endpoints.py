"""Owns pairing endpoints written as separate keys: ``hl7.outbound.host`` + ``…port``.

Keys are cut into words (``tokens``).  A key whose last word names a host, a port, a
database, an engine or a DICOM AE title has a *role*; the words before it are its
*prefix*.  Keys with the same prefix describe one endpoint.  The scheme comes from,
in order:

1. an engine value in the group (``Driver``, ``dbdriver``, ``type``…: ``Npgsql`` →
   postgresql, see ``targets.engine_from_words``);
2. the words of the prefix, by ``SCHEME_WORDS`` (hl7/mllp → mllp, dicom/pacs/aet →
   dicom, ldap → ldap, engine names → that engine, fhir/http → http, https → https);
   an AE title key in the group means dicom;
3. the file's own hint (``pg_service.conf`` → postgresql, ``my.cnf`` → mysql);
4. the port, by the default port table (5432 → postgresql…); db-ish words alone
   (db, jdbc, datasource, sql) decide nothing without a port.

A host with neither scheme nor port gives nothing.  A group that describes the
application's own listener is skipped: prefix words ``listen``/``listener``/``bind``,
or the prefix ``server`` alone (Spring Boot's ``server.address``/``server.port``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .entries import Entry, tokens
from .targets import Target, engine_from_words, port_number

HOST_WORDS = frozenset({"host", "hostname", "server", "servername", "address", "addr",
                        "ip", "hostaddr", "datasource"})
HOST_PAIRS = frozenset({("server", "name"), ("host", "name"), ("data", "source"),
                        ("network", "address")})
PORT_WORDS = frozenset({"port", "portnumber"})
DB_WORDS = frozenset({"database", "dbname", "sid", "catalog", "servicename", "initialcatalog"})
DB_PAIRS = frozenset({("service", "name"), ("initial", "catalog")})
DB_NAME_PAIRS = frozenset({("db", "name"), ("database", "name")})   # prefix keeps "db"
ENGINE_WORDS = frozenset({"driver", "dbdriver", "engine", "type", "dbtype", "dialect",
                          "adapter", "provider", "vendor", "platform", "protocol", "scheme"})
AE_WORDS = frozenset({"aet", "aetitle", "ae", "calledae", "callingae"})

LISTENER_WORDS = frozenset({"listen", "listener", "bind"})

# Words of a prefix → scheme; the first rule whose word appears wins.
SCHEME_WORDS: tuple[tuple[frozenset, str], ...] = (
    (frozenset({"hl7", "mllp"}), "mllp"),
    (frozenset({"dicom", "pacs", "aet"}), "dicom"),
    (frozenset({"ldaps"}), "ldaps"),
    (frozenset({"ldap"}), "ldap"),
    (frozenset({"postgres", "postgresql", "pg", "pgsql"}), "postgresql"),
    (frozenset({"mysql", "mariadb"}), "mysql"),
    (frozenset({"oracle"}), "oracle"),
    (frozenset({"mssql", "sqlserver"}), "sqlserver"),
    (frozenset({"smb", "cifs"}), "smb"),
    (frozenset({"https"}), "https"),
    (frozenset({"fhir", "http"}), "http"),
)


@dataclass
class _Group:
    hosts: list[Entry] = field(default_factory=list)
    port: str | None = None
    database: str | None = None
    engine: str | None = None
    dicom: bool = False


def role(key: str) -> tuple[str, tuple[str, ...]] | None:
    """(role, prefix words) of a key, or None when its last word has no role."""
    words = tokens(key)
    if not words:
        return None
    last = words[-1]
    two = tuple(words[-2:]) if len(words) >= 2 else None
    if two in HOST_PAIRS:
        return "host", tuple(words[:-2])
    if two in DB_NAME_PAIRS:
        return "database", tuple(words[:-1])
    if two in DB_PAIRS:
        return "database", tuple(words[:-2])
    if two == ("ae", "title"):
        return "ae", tuple(words[:-2])
    if last in HOST_WORDS:
        return "host", tuple(words[:-1])
    if last in PORT_WORDS:
        return "port", tuple(words[:-1])
    if last in DB_WORDS:
        return "database", tuple(words[:-1])
    if last in ENGINE_WORDS:
        return "engine", tuple(words[:-1])
    if last in AE_WORDS:
        return "ae", tuple(words[:-1])
    return None


def scheme_from_words(words) -> str | None:
    present = set(words)
    for group, scheme in SCHEME_WORDS:
        if present & group:
            return scheme
    return None


def pair(entries: list[Entry], file_hint: str | None = None) -> list[tuple[Entry, Target]]:
    """(host entry, target) for every host key that has a port key or a scheme."""
    groups: dict[tuple[str, ...], _Group] = {}
    for e in entries:
        if e.key is None:
            continue
        r = role(e.key)
        if r is None:
            continue
        what, prefix = r
        g = groups.setdefault(prefix, _Group())
        value = e.value.strip()
        if what == "host":
            if value and not any(c in value for c in "/=;@ "):
                g.hosts.append(e)
        elif what == "port":
            g.port = g.port or value
        elif what == "database":
            g.database = g.database or value
        elif what == "engine":
            g.engine = g.engine or engine_from_words(value) or scheme_from_words([value.lower()])
        else:
            g.dicom = True
    out = []
    for prefix, g in sorted(groups.items()):
        if prefix == ("server",) or LISTENER_WORDS & set(prefix):
            continue
        port = port_number(g.port) if g.port is not None else None
        scheme = g.engine or ("dicom" if g.dicom else None) or scheme_from_words(prefix) \
            or file_hint
        for e in g.hosts:
            host = e.value.strip()
            port_here = port
            if "," in host:                            # SQL Server host,port
                host, _, p = host.partition(",")
                port_here = port_here or port_number(p)
            host = host.split("\\")[0]                 # SQL Server host\INSTANCE
            if host.count(":") == 1:
                host, _, p = host.partition(":")
                port_here = port_here or port_number(p)
            out.append((e, Target(scheme, host, port_here, g.database)))
    return out
