"""Owns reading nmap XML (``nmap -oX``) into ``host``, ``service`` and ``os_guess`` observations.

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``.

Reading: the prolog is checked first (``xml_guard``: a doctype with entities, an
internal subset or an external DTD is refused), then the file is streamed with
``iterparse`` and each ``<host>`` is reduced to a small record and cleared. A file is
one transaction: XML that is not well formed — typically a scan interrupted before
``</nmaprun>`` — raises ``InputError`` naming the line and column where parsing stopped,
and nothing of the file is kept.

Emitted, for every ``<host>`` whose status is ``up`` (hosts numbered from 1 in file
order, down hosts included, so ``host[3]`` is the third ``<host>`` element):

- ``host``: hostname (first ``user`` name, else first ``PTR`` name), IPv4/IPv6
  addresses, MAC addresses (vendor dropped) and a conservative ``device_class`` from
  the best OS match (``DEVICE_CLASS_BY_TYPE``);
- ``service`` per ``open`` tcp/udp port: ip, hostname, port, transport, state, name,
  product, version (``extrainfo``, CPEs and script output are dropped);
- ``os_guess`` for the best ``<osmatch>`` (highest accuracy, first on ties).

Evidence: location ``host[i]`` / ``host[i]/port[j]`` (``j`` counts the ``<port>``
elements of the host from 1), times from ``<nmaprun start>`` and
``<runstats><finished time>`` as ISO UTC.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from xml.parsers.expat import ErrorString
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation
from ...privacy import observation
from .xml_guard import check_prolog

NAME = "nmap"
VERSION = "1"

# nmap osclass "type" → device_class.  Anything else nmap says (printer, specialized,
# media device, VoIP phone, storage-misc…) stays "unknown": nmap cannot tell a
# medical device, and a guess would move hosts in the plan.
DEVICE_CLASS_BY_TYPE = {
    "general purpose": "server",
    "router": "network", "switch": "network", "firewall": "network", "WAP": "network",
    "broadband router": "network", "load balancer": "network", "bridge": "network",
    "hub": "network",
}
# Below this accuracy an OS match does not decide the device class.
MIN_CLASS_ACCURACY = 85
_DESKTOP_WINDOWS = re.compile(r"\bWindows (?:XP|Vista|7|8(?:\.1)?|10|11)\b(?!.*Server)", re.I)
_DESKTOP_OSGEN = {"xp", "vista", "7", "8", "8.1", "10", "11"}


def accepts(path: Path, head: bytes) -> bool:
    """True if the first bytes hold an ``<nmaprun`` element."""
    return b"<nmaprun" in head


@dataclass
class _Port:
    index: int
    port: int
    transport: str
    state: str
    name: str | None = None
    product: str | None = None
    version: str | None = None


@dataclass
class _OsMatch:
    name: str
    accuracy: int
    device_type: str | None
    family: str | None
    osgen: str | None


@dataclass
class _Host:
    index: int
    hostname: str | None = None
    addresses: list[str] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)
    ports: list[_Port] = field(default_factory=list)
    os: _OsMatch | None = None


def _iso(value: str | None, source: str, place: str) -> str | None:
    if value is None:
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(value)))
    except (ValueError, OverflowError, OSError):
        raise InputError(f"time {value!r} is not a Unix timestamp",
                         SourceLocation(source, place)) from None


def _int(value: str | None, what: str, source: str, place: str) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{what} {value!r} is not an integer",
                         SourceLocation(source, place)) from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _text(value: str | None) -> str | None:
    """A banner-derived value made safe for the privacy door: no control characters,
    at most 256 characters (nmap copies service banners into product/version)."""
    if value is None:
        return None
    value = _CONTROL.sub(" ", value).strip()[:256]
    return value or None


def _hostname(elem: ET.Element) -> str | None:
    names = [(h.get("type"), h.get("name")) for h in elem.iterfind("hostnames/hostname")]
    for wanted in ("user", "PTR"):
        for typ, name in names:
            if typ == wanted and name:
                return name
    return None


def _best_os(elem: ET.Element, source: str, place: str) -> _OsMatch | None:
    best = None
    for m in elem.iterfind("os/osmatch"):
        acc = _int(m.get("accuracy"), "osmatch accuracy", source, place)
        if best is None or acc > best.accuracy:
            cls = m.find("osclass")
            best = _OsMatch(m.get("name") or "", acc,
                            cls.get("type") if cls is not None else None,
                            cls.get("osfamily") if cls is not None else None,
                            cls.get("osgen") if cls is not None else None)
    return best if best is not None and best.name else None


def device_class(os: _OsMatch | None) -> str | None:
    """The host's device class from its best OS match (None without one).

    Examples
    --------
    >>> device_class(_OsMatch("Microsoft Windows 10 1809", 98, "general purpose", "Windows", "10"))
    'workstation'
    >>> device_class(_OsMatch("Cisco IOS 15", 95, "switch", "IOS", "15.X"))
    'network'
    """
    if os is None:
        return None
    if os.accuracy < MIN_CLASS_ACCURACY:
        return "unknown"
    cls = DEVICE_CLASS_BY_TYPE.get(os.device_type or "", "unknown")
    if cls == "server" and (os.family or "").lower() == "windows":
        desktop = (os.osgen.lower() in _DESKTOP_OSGEN if os.osgen
                   else bool(_DESKTOP_WINDOWS.search(os.name)))
        if desktop:
            return "workstation"
    return cls


def _read_host(elem: ET.Element, index: int, source: str) -> _Host | None:
    status = elem.find("status")
    if status is None or status.get("state") != "up":
        return None
    place = f"host[{index}]"
    h = _Host(index, hostname=_hostname(elem))
    for a in elem.iterfind("address"):
        typ, addr = a.get("addrtype"), a.get("addr")
        if not addr:
            continue
        if typ in ("ipv4", "ipv6"):
            h.addresses.append(addr)
        elif typ == "mac":
            h.macs.append(addr.lower())
    for j, p in enumerate(elem.iterfind("ports/port"), start=1):
        pplace = f"{place}/port[{j}]"
        transport = p.get("protocol")
        st = p.find("state")
        state = st.get("state") if st is not None else None
        if transport not in ("tcp", "udp") or state != "open":
            continue
        port = _int(p.get("portid"), "portid", source, pplace)
        if not 0 < port < 65536:
            raise InputError(f"port {port} out of range", SourceLocation(source, pplace))
        svc = p.find("service")
        rec = _Port(j, port, transport, state)
        if svc is not None:
            rec.name, rec.product, rec.version = (_text(svc.get(k))
                                                   for k in ("name", "product", "version"))
        h.ports.append(rec)
    h.os = _best_os(elem, source, place)
    return h


def _parse(path: Path, source: str) -> tuple[list[_Host], str | None, str | None]:
    hosts: list[_Host] = []
    start = finished = None
    index = 0
    with open(path, "rb") as f:
        check_prolog(f, b"nmaprun", source)
        root = None
        try:
            for event, elem in ET.iterparse(f, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = elem
                        if elem.tag != "nmaprun":
                            raise InputError(f"root element is <{elem.tag}>, not <nmaprun>",
                                             SourceLocation(source, "line 1"))
                        start = _iso(elem.get("start"), source, "nmaprun start")
                    continue
                if elem.tag == "host":
                    index += 1
                    h = _read_host(elem, index, source)
                    if h is not None:
                        hosts.append(h)
                    root.clear()   # streaming: drop every finished host
                elif elem.tag == "finished":
                    finished = _iso(elem.get("time"), source, "runstats/finished")
        except ET.ParseError as exc:
            line, col = exc.position
            raise InputError(f"XML not well formed ({ErrorString(exc.code)}); an "
                             f"interrupted scan? the file is refused whole",
                             SourceLocation(source, f"line {line} col {col + 1}")) from None
    return hosts, start, finished


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Read one nmap XML file; every observation in file order.

    A generator: nothing is read until iteration starts (the store skips files it
    already holds without iterating).

    Raises
    ------
    InputError
        Refused doctype, XML not well formed (line/column), a non-integer port, time
        or accuracy (naming the host and port).
    """
    hosts, start, finished = _parse(Path(path), source)
    for h in hosts:
        def ev(location: str) -> Evidence:
            return Evidence(NAME, VERSION, source, location, None, start, finished)
        place = f"host[{h.index}]"
        yield observation("host", ev(place), hostname=h.hostname, addresses=h.addresses,
                          macs=h.macs, device_class=device_class(h.os))
        ip = next((a for a in h.addresses if ":" not in a), h.addresses[0] if h.addresses else None)
        if ip is None:
            continue
        for p in h.ports:
            yield observation("service", ev(f"{place}/port[{p.index}]"), ip=ip,
                              hostname=h.hostname, port=p.port, transport=p.transport,
                              state=p.state, name=p.name, product=p.product, version=p.version)
        if h.os is not None:
            yield observation("os_guess", ev(place), ip=ip, name=h.os.name,
                              accuracy=h.os.accuracy, device_type=h.os.device_type)
