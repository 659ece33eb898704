"""Writes one ``hdscan-agent-inventory/1`` JSON document per host that takes an agent.

Owns the agent's view of a host: host facts, packages, processes (with their real
command lines, secrets included, which the importer must drop), listening sockets, and
the aggregated connections of the site's flows, on the client side and the server side.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .capture import EXTERNAL
from .estate import DOMAIN, END, START, Host, Site

SCHEMA = "hdscan-agent-inventory/1"
AGENT_VERSION = "0.1.0"
GB = 1024 ** 3
_T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=timezone.utc)
_SPAN = 7 * 24 * 3600

# Processes that open a host's outgoing connections when it is not its main application.
CLIENT_PROCESS = {"rdv01": "node", "bkp01": "Veeam.Backup.Manager.exe", "jump01": "mstsc.exe",
                  "mon01": "zabbix_server", "eai01": "irisdb", "eai02": "irisdb"}
_BASE_NAMES = {"System", "lsass.exe", "svchost.exe", "VeeamDeploymentSvc.exe", "zabbix_agentd.exe",
               "systemd", "sshd", "zabbix_agentd", "veeamtransport"}


def _iso(seconds: int) -> str:
    return (_T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_window(day: int) -> tuple[int, int]:
    """(start offset from the collection start, span) in seconds of collection ``day``.

    Day 1 is the first week (START..END); day k >= 2 is the k-1-th day after it.
    """
    if day <= 1:
        return 0, _SPAN
    return _SPAN + (day - 2) * 86400, 86400


def _base(site: Site, host: Host) -> str:
    return host.name[len(site.prefix):] if host.name else host.ip


def client_process(site: Site, host: Host, kind: str) -> str:
    """Name of the process of ``host`` that opens a connection of payload ``kind``."""
    is_win = host.os[0].startswith("Windows")
    if kind in ("kerberos", "ldap") and is_win:
        return "lsass.exe"
    if kind == "ntp":
        return "svchost.exe" if is_win else "chronyd"
    override = CLIENT_PROCESS.get(_base(site, host))
    if override:
        return override
    for p in host.processes:
        if p.name not in _BASE_NAMES:
            return p.name
    return "svchost.exe" if is_win else "systemd"


def _pids(host: Host) -> dict[str, int]:
    step = 4 if host.os[0].startswith("Windows") else 1
    start = 400 if step == 4 else 600
    pids: dict[str, int] = {"System": 4}
    for i, p in enumerate(host.processes):
        pids.setdefault(p.name, 4 if p.name == "System" else start + step * 37 * (i + 1))
    return pids


def flows_by_host(site: Site) -> dict[str, list]:
    """The site's flows indexed by each end's host key, in model order."""
    out: dict[str, list] = {}
    for fl in site.flows:
        out.setdefault(fl.client, []).append(fl)
        if fl.server != fl.client:
            out.setdefault(fl.server, []).append(fl)
    return out


def inventory(site: Site, host: Host, seed: int, flows: list | None = None, day: int = 1) -> dict:
    """The inventory document of ``host`` (an agent host of ``site``); ``flows``: its flows, if indexed.

    ``day`` > 1 gives the bundle of one more day of collection (``day_window``).
    """
    rng = random.Random(f"{seed}:agent:{host.key}" if day <= 1 else f"{seed}:agent:{host.key}:day{day}")
    offset, span = day_window(day)
    is_win = host.os[0].startswith("Windows")
    pids = _pids(host)
    processes = [{"pid": pids[p.name], "name": p.name, "exe": p.exe, "user": p.user, "cmdline": p.cmdline}
                 for p in host.processes]
    listening = []
    for s in sorted(host.services, key=lambda s: (s.transport, s.port)):
        proc = s.process or ("System" if is_win else "systemd")
        listening.append({"ip": "0.0.0.0", "port": s.port, "transport": s.transport,
                          "pid": pids.get(proc, 4), "process": proc})
    by_key = {h.key: h for h in site.hosts}
    conns = []
    for fl in (site.flows if flows is None else flows):
        server_ip = EXTERNAL[fl.server] if fl.server in EXTERNAL else by_key[fl.server].ip
        client = by_key[fl.client]
        if fl.client == host.key:
            proc = client_process(site, host, fl.kind)
            conns.append({"local_ip": host.ip, "local_port": fl.sport, "remote_ip": server_ip,
                          "remote_port": fl.port, "transport": fl.transport, "pid": pids.get(proc, 4),
                          "process": proc})
        elif fl.server == host.key:
            svc = next((s for s in host.services if s.port == fl.port and s.transport == fl.transport), None)
            proc = (svc.process if svc and svc.process else ("System" if is_win else "systemd"))
            conns.append({"local_ip": host.ip, "local_port": fl.port, "remote_ip": client.ip,
                          "remote_port": fl.sport, "transport": fl.transport, "pid": pids.get(proc, 4),
                          "process": proc})
        else:
            continue
        first = offset + rng.randint(5, 3600)
        last = offset + span - rng.randint(5, 3600)
        conns[-1].update(times_seen=rng.randint(12, 20000), first_seen=_iso(first), last_seen=_iso(last))
    conns.sort(key=lambda c: (c["remote_ip"], c["remote_port"], c["local_port"], c["transport"]))
    packages = sorted(set(host.packages + (["Zabbix Agent 6.0.25", "Veeam Installer Service 12.1"] if is_win
                                           else ["openssh-server", "zabbix-agent-6.0.25"])))
    doc = {
        "schema": SCHEMA, "agent_version": AGENT_VERSION,
        "collected_from": START if day <= 1 else _iso(offset),
        "collected_to": END if day <= 1 else _iso(offset + span),
        "host": {
            "hostname": host.name, "fqdn": f"{host.name}.{DOMAIN}", "os": host.os[0], "os_version": host.os[1],
            "cpu_count": host.cpu, "memory_bytes": host.memory_gb * GB, "device_class": host.device_class,
            "disks": [{"mount": m, "total_bytes": t * GB, "used_bytes": u * GB} for m, t, u in host.disks],
            "interfaces": [{"name": "Ethernet0" if is_win else "ens192", "mac": host.mac, "addresses": [host.ip]}],
            "network_mounts": [{"fstype": f, "server": f"{site.prefix}{server}.{DOMAIN}", "export": e, "mount": m,
                                "total_bytes": t * GB, "used_bytes": u * GB}
                               for f, server, e, m, t, u in host.mounts],
        },
        "packages": packages,
        "processes": processes,
        "listening": listening,
        "connections": conns,
    }
    return doc


def write_agents(site: Site, folder: Path, seed: int, day: int = 1) -> int:
    """Write ``<folder>/<host>.json`` for every agent host of ``site`` (collection ``day``); returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    index = flows_by_host(site)
    for host in site.hosts:
        if not host.agent:
            continue
        doc = inventory(site, host, seed, index.get(host.key, []), day)
        (folder / f"{host.name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
        n += 1
    return n
