"""Writes one Zeek ``conn.log`` (TSV) per site: many connection records for GHT-scale runs.

Owns the flow-record volume of a generated estate (issue #9: millions of flow records
from captures and logs). Each record is one connection of one of the site's model flows
(client, server, port, transport as the capture and the agents show them), with its own
ephemeral port, time inside the collection window, duration, packets and bytes; the
Zeek importer aggregates them back to one flow per (client, server, port, transport).

Sites after the first also send a few records to the first site (the GHT hub): a model
flow whose server has a namesake on the hub is copied once with the hub's server, so the
estate has inter-site flows. Only protocol facts are written (no payload, no names).
Output depends only on (model, records, seed).
"""

from __future__ import annotations

import random
from pathlib import Path

from .capture import EXTERNAL
from .estate import START_US, Flow, Site

FIELDS = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
          "duration", "orig_bytes", "resp_bytes", "conn_state", "history", "orig_pkts",
          "orig_ip_bytes", "resp_pkts", "resp_ip_bytes")
TYPES = ("time", "string", "addr", "port", "addr", "port", "enum", "string", "interval",
         "count", "count", "string", "string", "count", "count", "count", "count")
# Zeek analyzer names for the model's flow kinds (what `service` would say).
SERVICE = {"tls": "ssl", "fhir": "http", "dicomweb": "http", "http": "http", "pg": "postgresql",
           "mysql": "mysql", "ldap": "ldap", "kerberos": "krb_tcp", "smb": "smb", "rdp": "rdp",
           "smtp": "smtp"}
_SPAN_S = 7 * 24 * 3600
CROSS_SITE_EVERY = 20       # one model flow in 20 with a hub namesake is also seen cross-site


def _header(site: Site) -> str:
    return ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
            f"#path\tconn\n#open\t2026-03-02-08-00-00\n#fields\t" + "\t".join(FIELDS) + "\n"
            "#types\t" + "\t".join(TYPES) + "\n")


def _ip(site: Site, by_key: dict, key: str) -> str | None:
    if key in EXTERNAL:
        return EXTERNAL[key]
    h = by_key.get(key)
    return h.ip if h else None


def cross_site_flows(site: Site, hub: Site) -> list[Flow]:
    """The model flows of ``site`` that are also seen going to the hub's namesake server."""
    if site.id == hub.id:
        return []
    hub_keys = {h.key for h in hub.hosts}
    out = []
    candidates = [fl for fl in site.flows if fl.server.startswith(site.prefix)
                  and hub.prefix + fl.server[len(site.prefix):] in hub_keys]
    for i, fl in enumerate(candidates):
        if i % CROSS_SITE_EVERY == 0:
            out.append(Flow(fl.client, hub.prefix + fl.server[len(site.prefix):], fl.port,
                            fl.transport, fl.kind, fl.opts, fl.sport))
    return out


def write_conn_log(site: Site, hub: Site, path: Path, records: int, seed: int) -> int:
    """Write ``records`` connection records of ``site`` to ``path``; returns the count written."""
    rng = random.Random(f"{seed}:flowlog:{site.id}")
    by_key = {h.key: h for h in site.hosts}
    by_key.update({h.key: h for h in hub.hosts})
    rows = []      # per flow: the constant middle of its lines
    for fl in site.flows + cross_site_flows(site, hub):
        client, server = _ip(site, by_key, fl.client), _ip(site, by_key, fl.server)
        if client is None or server is None:
            continue
        proto = "udp" if fl.transport == "udp" else "tcp"
        service = SERVICE.get(fl.kind, "-")
        rows.append((client, server, fl.port, proto, service))
    if not rows or records <= 0:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = START_US / 1_000_000
    n_rows = len(rows)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(_header(site))
        chunk = []
        bits = rng.getrandbits
        for i in range(records):
            client, server, port, proto, service = rows[bits(30) % n_rows]
            r = bits(64)
            ts = t0 + (r & 0xFFFFF) * (_SPAN_S / 0x100000)
            dur = ((r >> 20) & 0xFFF) / 100.0
            opk, rpk = 2 + ((r >> 32) & 0x3F), 2 + ((r >> 38) & 0x3F)
            ob, rb = opk * 60 + ((r >> 44) & 0x3FF), rpk * 80 + ((r >> 54) & 0x3FF)
            hist = "ShADadFf" if proto == "tcp" else "Dd"
            chunk.append(f"{ts:.6f}\tC{seed % 1000:03d}{site.id}{i:09d}\t{client}\t{49152 + (r >> 48) % 15000}"
                         f"\t{server}\t{port}\t{proto}\t{service}\t{dur:.2f}\t{ob - opk * 40}\t{rb - rpk * 40}"
                         f"\tSF\t{hist}\t{opk}\t{ob}\t{rpk}\t{rb}\n")
            if len(chunk) >= 20000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
        f.write("#close\t2026-03-09-08-00-00\n")
    return records
