"""Owns entity ids: the only place that builds or parses them.

Ids are readable and stable across runs:

``host:dpi-app01``            a machine (hostname, or its address when no name is known)
``svc:dpi-db01:tcp/5432``     a service: host, transport and port
``db:postgresql://dpi-db01:5432/dpi``   a database on a service
``ext:blob.core.windows.net`` an endpoint outside the estate (name, or address)
``volume:fs01:/srv/dpi``      a network volume: its server (as resolved) and export, share or IQN
``group:g03`` / ``wave:2``    planner objects
"""

from __future__ import annotations

import re

_NAME_OK = re.compile(r"^[a-z0-9_.:\-\[\]%]+$")


def norm_host(name: str) -> str:
    """Hostnames are case-insensitive: lower-case, strip a trailing dot."""
    name = name.strip().lower().rstrip(".")
    if not name or not _NAME_OK.match(name):
        raise ValueError(f"not a usable host name or address: {name!r}")
    return name


def host_id(name: str) -> str:
    return f"host:{norm_host(name)}"


def service_id(host: str, transport: str, port: int) -> str:
    return f"svc:{norm_host(host)}:{transport.lower()}/{int(port)}"


def database_id(engine: str, host: str, port: int, name: str) -> str:
    return f"db:{engine.lower()}://{norm_host(host)}:{int(port)}/{name}"


def endpoint_id(name: str) -> str:
    return f"ext:{norm_host(name)}"


def volume_id(server: str, export: str) -> str:
    """``volume_id("fs01", "/srv/dpi") == "volume:fs01:/srv/dpi"`` (the export as written)."""
    return f"volume:{norm_host(server)}:{export}"


def group_id(index: int) -> str:
    return f"group:g{index:02d}"


def wave_id(number: int) -> str:
    return f"wave:{number}"


def kind_of(entity_id: str) -> str:
    """``host`` | ``service`` | ``database`` | ``endpoint`` | ``volume`` | ``group`` | ``wave``."""
    prefix = entity_id.split(":", 1)[0]
    kinds = {"host": "host", "svc": "service", "db": "database", "ext": "endpoint",
             "volume": "volume", "group": "group", "wave": "wave"}
    if prefix not in kinds:
        raise ValueError(f"not an hdscan entity id: {entity_id!r}")
    return kinds[prefix]


def parse_service(service: str) -> tuple[str, str, int]:
    """``svc:h:tcp/5432`` → ``("h", "tcp", 5432)``."""
    m = re.match(r"^svc:(.+):(tcp|udp)/(\d+)$", service)
    if not m:
        raise ValueError(f"not a service id: {service!r}")
    return m.group(1), m.group(2), int(m.group(3))


def parse_database(database: str) -> tuple[str, str, int, str]:
    """``db:postgresql://h:5432/dpi`` → ``("postgresql", "h", 5432, "dpi")``."""
    m = re.match(r"^db:([a-z0-9]+)://(.+):(\d+)/(.*)$", database)
    if not m:
        raise ValueError(f"not a database id: {database!r}")
    return m.group(1), m.group(2), int(m.group(3)), m.group(4)


def host_of(entity_id: str) -> str | None:
    """The host id an entity lives on (services and databases), else None."""
    kind = kind_of(entity_id)
    if kind == "host":
        return entity_id
    if kind == "service":
        return host_id(parse_service(entity_id)[0])
    if kind == "database":
        return host_id(parse_database(entity_id)[1])
    return None
