"""Owns the engine-agnostic half of live introspection: catalogue → observations.

An engine module (``postgresql``, ``mariadb``) reads a server into :class:`Catalog`
records (tables, column names, row estimates, sizes) and :class:`LinkGroup` lists of
link definitions rewritten as the DDL a dump would hold (``CREATE SERVER …``, ``CREATE
FOREIGN TABLE …``, a view's definition, ``SHOW CREATE TABLE`` of a FEDERATED table).
Links are then found by the dump collector's own :class:`~scanner.collect.sql.links.
LinkFinder`, so a link reads the same from a dump and from a live server, and only host,
port, engine, database and object names survive — never users, passwords or values.

:func:`introspect` is the entry point; :func:`digest` is the sha256 of the canonical
JSON of the observations, the store's key for a live source (same server, same
catalogue: nothing new is stored). Who talks to the server — client sessions and
replication peers — comes from :mod:`.peers`; a URL naming one database keeps only the
sessions to that database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation, canonical_json
from ...privacy import MAX_STR, observation
from ..sql.links import LinkFinder
from ..sql.splitter import Statement
from . import peers as live_peers
from .sampling import Limits, check_size
from . import url as live_url

VERSION = "3"   # 2: sessions, replication, --sample; 3: CONNECT ODBC links, sampling by type
COLLECTORS = {"postgresql": "pg-live", "mysql": "mariadb-live"}
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Catalog:
    """One database as its catalogue describes it."""

    database: str
    tables: dict[tuple[str, str], dict] = field(default_factory=dict)   # (schema, name) → summary
    bytes: int | None = None

    def table(self, schema: str, name: str) -> dict:
        return self.tables.setdefault((schema, name), {"columns": set()})


@dataclass
class LinkGroup:
    """Link definitions read by one link finder: ``(place, database, ddl text)`` in order."""

    statements: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, place: str, database: str, text: str) -> None:
        self.statements.append((place, database, text))


@dataclass
class Introspection:
    """What one URL gave: its password-free source, collector, observations, warnings."""

    source: str
    collector: str
    version: str
    observations: list[Observation]
    warnings: list[str]

    @property
    def digest(self) -> str:
        return digest(self.observations)


def digest(observations: list[Observation]) -> str:
    """sha256 of the canonical JSON of the observations (the store's input key)."""
    body = canonical_json([o.to_dict() for o in observations])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def sql_literal(value: str) -> str:
    """``'value'`` with quotes doubled, for rewriting catalogue options as DDL."""
    return "'" + str(value).replace("'", "''") + "'"


def pg_ident(*parts: str) -> str:
    """A double-quoted dotted name."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _ok(text) -> bool:
    return isinstance(text, str) and 0 < len(text) <= MAX_STR and not _BAD_TEXT.search(text)


def observations(target: live_url.LiveTarget, host: str, collector: str,
                 catalogs: list[Catalog], groups: list[LinkGroup]) -> list[Observation]:
    """``db_schema`` per database (sorted), then ``db_link`` per distinct link (sorted)."""
    source = target.source

    def ev(place: str) -> Evidence:
        return Evidence(collector, VERSION, source, place)

    common = dict(host=host, port=target.port, engine=target.engine)
    out = []
    for cat in sorted(catalogs, key=lambda c: c.database):
        if not _ok(cat.database):
            continue
        tables = []
        for (schema, name), t in sorted(cat.tables.items()):
            if not (_ok(schema) and _ok(name)):
                continue
            summary = {"schema": schema, "name": name,
                       "columns": sorted({c.lower() for c in t["columns"] if _ok(c)})}
            for key in ("rows", "bytes"):
                if t.get(key) is not None and t[key] >= 0:
                    summary[key] = int(t[key])
            if t.get("samples"):
                summary["samples"] = sorted(s for s in t["samples"] if _ok(s))
            tables.append(summary)
        out.append(observation("db_schema", ev(f"database {cat.database}"), database=cat.database,
                               tables=tables, bytes=cat.bytes, **common))
    links = {}
    for group in groups:
        finder = LinkFinder(target.engine)
        places = {}
        for i, (place, database, text) in enumerate(group.statements, start=1):
            places[i] = place
            finder.feed(Statement(i, text), database)
        for link in finder.links():
            t = link.target
            fields = dict(source_host=host, source_port=target.port, source_engine=target.engine,
                          source_database=link.source_database, target_host=t.host,
                          target_port=t.port, target_engine=t.engine, target_database=t.database,
                          mechanism=link.mechanism, object=link.object)
            fields = {k: v for k, v in fields.items() if isinstance(v, int) or _ok(v)}
            if "target_host" not in fields or "source_database" not in fields:
                continue
            o = observation("db_link", ev(places[link.line]), **fields)
            links.setdefault(canonical_json(o.data), o)
    out.extend(o for _, o in sorted(links.items()))
    return out


def introspect(url: str, password: str | None = None, as_host: str | None = None,
               sample: int | Limits | None = None) -> Introspection:
    """Read the server ``url`` names; ``as_host`` names it as the estate knows it;
    ``sample`` (opt-in: N, or :class:`~.sampling.Limits` with the column and table caps)
    validates at most N rows per table, columns chosen by name and by type
    (:mod:`.sampling`: only counts and validator ids are kept).

    Raises
    ------
    InputError
        A bad URL, a server that cannot be reached or refuses the login, a catalogue
        query that fails — one line naming the password-free URL.
    """
    target = live_url.parse(url)
    if as_host is not None and not _ok(as_host):
        raise InputError("--as-host must be a host name", SourceLocation(target.source))
    if target.engine == "postgresql":
        from . import postgresql as engine
    else:
        from . import mariadb as engine
    try:
        sample = check_size(sample)
    except ValueError as exc:
        raise InputError(str(exc), SourceLocation(target.source)) from None
    catalogs, groups, warnings, peers = engine.read(target, password, sample)
    if target.database:
        peers.only_databases({target.database})
    else:
        peers.subscriptions = [s for s in peers.subscriptions
                               if s[0] in {c.database for c in catalogs}]
    collector = COLLECTORS[target.engine]
    host = as_host or target.host
    obs = observations(target, host, collector, catalogs, groups)
    obs += live_peers.observations(peers, host=host, port=target.port, engine=target.engine,
                                   collector=collector, version=VERSION, source=target.source, ok=_ok)
    return Introspection(target.source, collector, VERSION, obs, warnings)


def failure(target: live_url.LiveTarget, what: str, exc: BaseException,
            password: str | None) -> InputError:
    """A one-line InputError naming the URL without credentials (first line of the cause)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if password:
        text = text.replace(password, "***")
    return InputError(f"{what}: {text}", SourceLocation(target.source))
