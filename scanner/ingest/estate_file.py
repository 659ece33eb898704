"""Owns ``estate.yml``: the sites, internal domains and manual assertions a hospital declares.

Read with line numbers so every fault is reported as ``estate.yml:LINE: message``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError, SourceLocation

SCHEMA = "hdscan-estate/1"


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    subnets: tuple  # of ipaddress networks


@dataclass(frozen=True)
class EstateConfig:
    name: str = "unnamed estate"
    sites: tuple = ()
    internal_domains: tuple = ()
    assertions: tuple = ()          # dicts: entity, set, author, reason
    source: str = "estate.yml"
    # address → site id / internal flag, filled on use (an estate asks about the same
    # few thousand addresses hundreds of thousands of times)
    _site_cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    _internal_cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def site_of(self, address: str) -> str | None:
        try:
            return self._site_cache[address]
        except KeyError:
            pass
        site_id = None
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            ip = None
        if ip is not None:
            site_id = next((site.id for site in self.sites for net in site.subnets
                            if ip.version == net.version and ip in net), None)
        if len(self._site_cache) < 1 << 20:
            self._site_cache[address] = site_id
        return site_id

    def is_internal_address(self, address: str) -> bool:
        """Inside a declared site subnet; with no sites declared, any private address."""
        if self.sites:
            return self.site_of(address) is not None
        try:
            return self._internal_cache[address]
        except KeyError:
            pass
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            internal = False
        else:
            internal = ip.is_private or ip.is_loopback or ip.is_link_local
        if len(self._internal_cache) < 1 << 20:
            self._internal_cache[address] = internal
        return internal


def _line(node) -> str:
    return f"line {node.start_mark.line + 1}"


def parse_estate_config(text: str, source: str = "estate.yml") -> EstateConfig:
    """Parse and validate an ``estate.yml`` text.

    Raises
    ------
    InputError
        Not YAML, wrong schema, or a malformed site, subnet or assertion (located).
    """
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}",
                         SourceLocation(source, place)) from None
    if root is None:
        return EstateConfig(source=source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InputError("expected a mapping at the top", SourceLocation(source, "line 1"))
    lines = {k.value: _line(k) for k, _ in root.value} if isinstance(root, yaml.MappingNode) else {}

    def fail(key: str, message: str):
        raise InputError(message, SourceLocation(source, lines.get(key, "line 1")))

    if data.get("schema") != SCHEMA:
        fail("schema", f"schema is {data.get('schema')!r}, this hdscan reads {SCHEMA!r}")
    sites = []
    for i, s in enumerate(data.get("sites") or []):
        if not isinstance(s, dict) or "id" not in s:
            fail("sites", f"sites[{i}] needs an 'id'")
        nets = []
        for n in s.get("subnets") or []:
            try:
                nets.append(ipaddress.ip_network(str(n), strict=False))
            except ValueError:
                fail("sites", f"sites[{i}] ({s['id']}): {n!r} is not a subnet")
        sites.append(Site(str(s["id"]), str(s.get("name", s["id"])), tuple(nets)))
    assertions = []
    for i, a in enumerate(data.get("assertions") or []):
        if not isinstance(a, dict) or not {"entity", "set", "author", "reason"} <= set(a):
            fail("assertions", f"assertions[{i}] needs entity, set, author and reason")
        if not isinstance(a["set"], dict):
            fail("assertions", f"assertions[{i}]: 'set' must map dimensions to values")
        assertions.append({"entity": str(a["entity"]), "set": dict(a["set"]),
                           "author": str(a["author"]), "reason": str(a["reason"])})
    domains = tuple(sorted(str(d).lower().strip(".") for d in data.get("internal_domains") or []))
    return EstateConfig(name=str(data.get("name", "unnamed estate")), sites=tuple(sites),
                        internal_domains=domains, assertions=tuple(assertions), source=source)


def load_estate_config(path: Path) -> EstateConfig:
    return parse_estate_config(Path(path).read_text(encoding="utf-8"), str(path))
