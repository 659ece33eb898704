"""Owns reading an introspection URL and naming the server without its credentials.

``postgresql://user@host:port/db`` or ``mysql://user@host:port/[db]``. Host, port and
database come from the dump collector's URL reader (``collect.sql.targets.url``); the
user is kept only to log in. A password written in the URL is refused: it would sit in
shell history and process lists — it comes from ``--password-env`` or the driver's own
environment (``PGPASSWORD``, ``~/.pgpass``). ``source`` is the URL without user and
password (``postgresql://127.0.0.1:5432/hdscan_lab``): the only name ever recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ...errors import InputError, SourceLocation
from ..sql import targets
from ..sql.dialect import DEFAULT_PORTS

ENGINES = {"postgresql": "postgresql", "postgres": "postgresql",
           "mysql": "mysql", "mariadb": "mysql"}


@dataclass(frozen=True)
class LiveTarget:
    """A server to introspect: engine, where, which database (None: all), who logs in."""

    engine: str
    host: str
    port: int
    database: str | None
    user: str | None

    @property
    def source(self) -> str:
        """The URL without user or password: the observations' source."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.engine}://{host}:{self.port}/{self.database or ''}"


def _redacted(text: str) -> str:
    """``scheme://host…`` of a URL we could not read, dropping anything before ``@``."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "introspection URL"
    return f"{scheme}://{rest.rpartition('@')[2]}"


def parse(text: str) -> LiveTarget:
    """The target a URL names.

    Raises
    ------
    InputError
        Not a postgresql:// or mysql:// URL, no host, a password inside the URL.
    """
    where = SourceLocation(_redacted(text))
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise InputError(f"not a database URL ({exc})", where) from None
    engine = ENGINES.get(parts.scheme.lower())
    if engine is None:
        raise InputError("only postgresql://user@host:port/db and mysql://user@host:port/ "
                         "URLs can be introspected", where)
    if parts.password is not None:
        raise InputError("a password inside the URL is refused; pass it through an "
                         "environment variable (--password-env VAR)", where)
    t = targets.url(text.strip())
    if t is None:
        raise InputError("no host in the URL", where)
    path = [p for p in parts.path.split("/") if p]
    if len(path) > 1:
        raise InputError("the URL names more than one database", where)
    return LiveTarget(engine, t.host, port or DEFAULT_PORTS[engine],
                      unquote(path[0]) if path else None,
                      unquote(parts.username) if parts.username else None)
