"""Owns host identity: which name an address belongs to, and what is inside the estate.

Names come, in order of trust, from agent inventories (the host says who it is), from
nmap host records (PTR or user-given names) and from passive DNS seen in captures
(only for names inside the estate's internal domains).  An address claimed by several
names keeps the most trusted one and records the others as a conflict.  An address
outside every declared site is an external endpoint, named after the TLS SNI or DNS
name seen for it when there is one.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from ..model import ids
from ..model.observations import Observation
from .estate_file import EstateConfig

_TRUST = {"agent-inventory": 0, "nmap": 1, "config": 2, "pcap": 3}


def _trust(obs: Observation) -> int:
    return _TRUST.get(obs.evidence.collector, 5)


class Identity:
    """Resolves addresses and names to entity ids for one estate."""

    def __init__(self, config: EstateConfig, observations: list[Observation]):
        self.config = config
        self._addr_names: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.known_hosts: set[str] = set()
        self.fqdns: dict[str, str] = {}
        self.dns_names: dict[str, set[str]] = defaultdict(set)   # address -> names
        self.cname_of: dict[str, set[str]] = defaultdict(set)    # target -> aliases
        self.sni: dict[str, set[str]] = defaultdict(set)         # address -> SNI
        self.conflicts: list[dict] = []
        for obs in observations:
            d = obs.data
            if obs.kind == "host" and d.get("hostname"):
                name = self._short(d["hostname"])
                self.known_hosts.add(name)
                if d.get("fqdn"):
                    self.fqdns[d["fqdn"].lower().rstrip(".")] = name
                for a in d.get("addresses", []):
                    self._addr_names[a].append((_trust(obs), name, obs.id))
            elif obs.kind == "service" and d.get("hostname") and d.get("ip"):
                self._addr_names[d["ip"]].append((_trust(obs), self._short(d["hostname"]), obs.id))
            elif obs.kind == "dns":
                name = d["name"].lower().rstrip(".")
                if d.get("record_type") == "CNAME":
                    self.cname_of[d["address"].lower().rstrip(".")].add(name)
                else:
                    self.dns_names[d["address"]].add(name)
            elif obs.kind == "protocol" and d.get("protocol") == "tls":
                sni = d.get("facts", {}).get("sni")
                if sni:
                    self.sni[d["server_ip"]].add(sni.lower().rstrip("."))
        # Passive DNS names inside the internal domains name internal hosts.
        for address, names in self.dns_names.items():
            for name in names:
                if self._in_internal_domain(name):
                    self._addr_names[address].append((4, self._short(name), "dns"))
        self._ip_name: dict[str, str] = {}
        for address, claims in sorted(self._addr_names.items()):
            claims.sort()
            best = claims[0][1]
            self._ip_name[address] = best
            others = sorted({c[1] for c in claims} - {best})
            if others:
                self.conflicts.append({"address": address, "kept": best, "also_claimed_by": others})

    # -- names ----------------------------------------------------------------------
    def _in_internal_domain(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        return any(name == d or name.endswith("." + d) for d in self.config.internal_domains)

    def _short(self, name: str) -> str:
        """Lower-case; an FQDN inside an internal domain becomes its first label."""
        name = name.strip().lower().rstrip(".")
        if "." in name and not is_ip(name) and self._in_internal_domain(name):
            return name.split(".", 1)[0]
        return name

    def is_internal_name(self, name: str) -> bool:
        name = name.strip().lower().rstrip(".")
        if is_ip(name):
            return self.config.is_internal_address(name)
        short = self._short(name)
        return (short in self.known_hosts or name in self.fqdns or "." not in name
                or self._in_internal_domain(name))

    # -- resolution -----------------------------------------------------------------
    def host_name(self, address: str) -> str:
        """The name of an internal address (its own text when no name is known)."""
        return self._ip_name.get(address, address)

    def node_for_address(self, address: str) -> str:
        """``host:…`` for an internal address, ``ext:…`` for anything outside."""
        if self.config.is_internal_address(address):
            return ids.host_id(self.host_name(address))
        return ids.endpoint_id(self.endpoint_name(address))

    def node_for_name(self, name: str) -> str:
        """Resolve a host name or address written in a config, a dump or a DB link."""
        name = name.strip().lower().rstrip(".")
        if is_ip(name):
            return self.node_for_address(name)
        if name in self.fqdns:
            return ids.host_id(self.fqdns[name])
        if self.is_internal_name(name):
            return ids.host_id(self._short(name))
        return ids.endpoint_id(name)

    def endpoint_name(self, address: str) -> str:
        """Best name for an external address: SNI, then the name first asked in DNS."""
        if self.sni.get(address):
            return sorted(self.sni[address])[0]
        names = self.endpoint_names(address)
        # Prefer the name a client asked for (no alias points to it) over CDN targets.
        asked = sorted(n for n in names if not self.cname_of.get(n))
        if asked:
            return asked[0]
        return sorted(names)[0] if names else address

    def endpoint_names(self, address: str) -> set[str]:
        """Every DNS name and SNI seen for an address, aliases of CNAMEs included."""
        names = set(self.dns_names.get(address, ())) | set(self.sni.get(address, ()))
        frontier = list(names)
        while frontier:
            n = frontier.pop()
            for alias in self.cname_of.get(n, ()):
                if alias not in names:
                    names.add(alias)
                    frontier.append(alias)
        return names


def is_ip(text: str) -> bool:
    """True if ``text`` is an IPv4 or IPv6 address (not a name)."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
