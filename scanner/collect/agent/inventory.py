"""Owns reading an agent inventory (``hdscan-agent-inventory/1``) into observations.

A bare inventory file is what agents shipped before bundles (bundle version 1, see
``bundle.py``): ``collect`` reads it through ``bundle.upgrade_v1``; a version-2 bundle's
``inventory.json`` is read by the same ``observations``. ``load_valid`` is the whole
validation for other readers (the agent's resume).

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``. The format is documented in
``docs/architecture.md``; ``docs/collectors-hosts.md`` says what is kept.

Emitted, in document order: one ``host``; a ``mount`` per entry of ``host.network_mounts``
(fstype, server with any ``user@`` dropped, export, mount point, portal port, used/total
bytes — never options, which carry credentials; an inventory without the list says
nothing about network mounts, the host's ``network_mounts_collected`` is then absent);
a ``process`` per process (name, exe, user —
the command line is never read into an observation, nor any key this module does not
know); a ``listen`` per listening socket; a ``connection`` per connection with its
direction decided by ``direction.decide`` from the host's own listening table.
Connections to or from a loopback (127.0.0.0/8, ::1) or unspecified address are
skipped: they are not dependencies between hosts.

Evidence: collector ``agent-inventory``, the source, the JSON place (``host``,
``processes[3]``, ``listening[0]``, ``connections[12]``; indices from 0 as in the JSON
path), ``host`` = the inventory's hostname, times ``collected_from``/``collected_to``.

Errors (``InputError``, the file is refused whole): invalid UTF-8 or JSON (line and
column), another schema version (naming it and the one supported), a missing key or a
wrong type (naming the JSON path: ``connections[3].remote_port: expected an integer``).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import DEVICE_CLASSES, Observation
from ...privacy import observation
from .direction import decide
from ..jsondoc import parse_object
from .validate import Reader, join

NAME = "agent-inventory"
VERSION = "1"

SCHEMA_PREFIX = "hdscan-agent-inventory/"
SUPPORTED = 1
SCHEMA = f"{SCHEMA_PREFIX}{SUPPORTED}"


def accepts(path: Path, head: bytes) -> bool:
    """True if the first bytes name a ``"schema"`` of the agent inventory family."""
    return b'"schema"' in head and SCHEMA_PREFIX.encode() in head


def parse(raw: bytes, source: str) -> dict:
    """The JSON object of an inventory's bytes (not yet validated).

    Raises
    ------
    InputError
        Invalid UTF-8 (byte offset), invalid JSON (line, column), not an object.
    """
    return parse_object(raw, source, "utf-8-sig")


def _check_schema(doc: dict, r: Reader) -> None:
    schema = r.get(doc, "schema", "str", "", required=True)
    if schema == SCHEMA:
        return
    version = schema[len(SCHEMA_PREFIX):] if schema.startswith(SCHEMA_PREFIX) else None
    if version is None:
        raise r.fail("schema", f"'{schema}' is not an agent inventory; this hdscan reads {SCHEMA}")
    m = re.fullmatch(r"\d+", version)
    age = ("from an older agent" if m and int(version) < SUPPORTED else
           "from a newer agent" if m else "of an unknown version")
    raise r.fail("schema", f"inventory version {version} ({schema}), bundle {age}; this hdscan "
                           f"reads version {SUPPORTED} ({SCHEMA})")


_MAC = re.compile(r"([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]"
                  r"([0-9a-f]{2})[:-]([0-9a-f]{2})")


def _mac(value: str) -> str | None:
    """``00-50-56-AA-BB-01`` (Windows) → ``00:50:56:aa:bb:01``; the null MAC → None."""
    m = _MAC.fullmatch(value.strip().lower())
    mac = ":".join(m.groups()) if m else value.strip().lower()
    return None if mac in ("", "00:00:00:00:00:00") else mac


def _skipped_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return addr.is_loopback or addr.is_unspecified


def load_valid(path: Path, source: str) -> dict:
    """The inventory document at ``path``, validated whole as the importer validates it.

    Raises
    ------
    InputError
        Anything ``collect`` would refuse, naming ``source`` and the place.
    """
    doc = parse(Path(path).read_bytes(), source)
    observations(doc, source)
    return doc


def observations(doc: dict, source: str) -> list[Observation]:
    """Validate ``doc`` whole and return its observations in document order."""
    r = Reader(source)
    _check_schema(doc, r)
    agent_version = r.get(doc, "agent_version", "str", "")
    t_from = r.get(doc, "collected_from", "time", "", required=True)
    t_to = r.get(doc, "collected_to", "time", "", required=True)
    h = r.get(doc, "host", "object", "", required=True)
    hostname = r.get(h, "hostname", "str", "host", required=True)
    if not hostname.strip():
        raise r.fail("host.hostname", "empty host name")

    def ev(location: str) -> Evidence:
        return Evidence(NAME, VERSION, source, location, hostname, t_from, t_to)

    addresses, macs = set(), set()
    for _, where, iface in r.items(h, "interfaces", "host"):
        mac = _mac(r.get(iface, "mac", "str", where) or "")
        if mac:
            macs.add(mac)
        for i, a in enumerate(r.get(iface, "addresses", "list", where) or []):
            ip = r.check(a, "ip", join(join(where, "addresses"), i))
            if not _skipped_address(ip):
                addresses.add(ip)
    totals = {"total_bytes": None, "used_bytes": None}
    for _, where, disk in r.items(h, "disks", "host"):
        for key in totals:
            value = r.get(disk, key, "count", where)
            if value is not None:
                totals[key] = (totals[key] or 0) + value
    device = r.get(h, "device_class", "str", "host") or "server"
    if device not in DEVICE_CLASSES:
        raise r.fail("host.device_class", f"expected one of {', '.join(DEVICE_CLASSES)}")
    out = [observation(
        "host", ev("host"), hostname=hostname, fqdn=r.get(h, "fqdn", "str", "host"),
        os=r.get(h, "os", "str", "host"), os_version=r.get(h, "os_version", "str", "host"),
        addresses=sorted(addresses), macs=sorted(macs),
        cpu_count=r.get(h, "cpu_count", "count", "host"),
        memory_bytes=r.get(h, "memory_bytes", "count", "host"),
        disk_total_bytes=totals["total_bytes"], disk_used_bytes=totals["used_bytes"],
        device_class=device, agent_version=agent_version,
        packages=r.strings(doc, "packages", ""),
        network_mounts_collected=True if h.get("network_mounts") is not None else None)]
    for _, where, m in r.items(h, "network_mounts", "host"):
        server = r.get(m, "server", "str", where, required=True).rsplit("@", 1)[-1].strip()
        if not server:
            raise r.fail(join(where, "server"), "empty server")
        out.append(observation(
            "mount", ev(where), hostname=hostname,
            fstype=r.get(m, "fstype", "str", where, required=True).lower(), server=server.lower(),
            export=r.get(m, "export", "str", where, required=True),
            mount=r.get(m, "mount", "str", where), port=r.get(m, "port", "port", where),
            used_bytes=r.get(m, "used_bytes", "count", where),
            total_bytes=r.get(m, "total_bytes", "count", where)))

    names_by_pid: dict[int, str] = {}
    for _, where, p in r.items(doc, "processes", ""):
        name = r.get(p, "name", "str", where, required=True)
        pid = r.get(p, "pid", "count", where)
        if pid is not None:
            names_by_pid.setdefault(pid, name)
        out.append(observation("process", ev(where), hostname=hostname, name=name,
                               exe=r.get(p, "exe", "str", where),
                               user=r.get(p, "user", "str", where)))

    def process(item: dict, where: str) -> str | None:
        name = r.get(item, "process", "str", where)
        pid = r.get(item, "pid", "count", where)
        return name or names_by_pid.get(pid)

    listening: set[tuple[str, int, str]] = set()
    for _, where, s in r.items(doc, "listening", ""):
        ip = r.get(s, "ip", "ip", where, required=True)
        port = r.get(s, "port", "port", where, required=True)
        transport = r.get(s, "transport", "transport", where, required=True)
        listening.add((ip, port, transport))
        out.append(observation("listen", ev(where), hostname=hostname, ip=ip, port=port,
                               transport=transport, process=process(s, where)))

    for _, where, c in r.items(doc, "connections", ""):
        local_ip = r.get(c, "local_ip", "ip", where, required=True)
        local_port = r.get(c, "local_port", "port", where, required=True)
        remote_ip = r.get(c, "remote_ip", "ip", where, required=True)
        remote_port = r.get(c, "remote_port", "port", where, required=True)
        transport = r.get(c, "transport", "transport", where, required=True)
        times_seen = r.get(c, "times_seen", "count", where)
        first_seen = r.get(c, "first_seen", "time", where)
        last_seen = r.get(c, "last_seen", "time", where)
        name = process(c, where)
        if _skipped_address(local_ip) or _skipped_address(remote_ip):
            continue
        d = decide(listening, local_ip, local_port, remote_ip, remote_port, transport,
                   own=addresses)
        out.append(observation(
            "connection", ev(where), hostname=hostname, client_ip=d.client_ip,
            server_ip=d.server_ip, server_port=d.server_port, transport=transport,
            process=name, local_role=d.local_role, times_seen=times_seen,
            first_seen=first_seen, last_seen=last_seen, confidence=d.confidence))
    return out


def collect(path: Path, source: str) -> Iterator[Observation]:
    """Read one inventory; its observations in document order.

    A generator: the file is read when iteration starts, and validated whole before
    the first observation is yielded.

    Raises
    ------
    InputError
        Invalid UTF-8/JSON (line, column), another schema version, or a missing key or
        wrong type (naming the JSON path).
    """
    from .bundle import KEY_ENV, required_key, upgrade_v1   # a bare inventory: version 1
    if required_key() is not None:
        raise InputError(f"a version-1 inventory carries no signature, and this import "
                         f"requires signed bundles ({KEY_ENV})", SourceLocation(source))
    raw = Path(path).read_bytes()
    doc = parse(raw, source)
    yield from observations(upgrade_v1(doc, raw).inventory, source)
