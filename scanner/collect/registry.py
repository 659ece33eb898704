"""Owns the table of collectors and which one reads a given input file.

The registry is data: an ordered tuple of module paths, imported when first needed.
The first collector whose ``accepts(path, head)`` is true reads the file; a file no
collector accepts is reported as skipped with that reason, never silently dropped.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

# Order matters only where two collectors could accept the same file: the more
# specific signature first.
COLLECTORS: tuple[str, ...] = (
    "scanner.collect.agent.bundle",         # tar whose first member is manifest.json
    "scanner.collect.agent.inventory",      # JSON with schema hdscan-agent-inventory/…
    "scanner.collect.capture.segment",      # JSON with schema hdscan-capture-segment/… (hdscan capture)
    "scanner.collect.capture.collector",    # pcap / pcapng magic
    "scanner.collect.importers.nmap_xml",   # XML with <nmaprun
    "scanner.collect.sql.dump",             # .sql dumps and DDL scripts
    "scanner.collect.importers.zeek",       # Zeek conn/dns/ssl logs (TSV, JSON; gzip)
    "scanner.collect.importers.nfdump_csv", # nfdump -o csv header (ts,…,sa,da,… / srcAddr…)
    "scanner.collect.config.collector",     # files under inputs/configs/<host>/
    "scanner.collect.importers.ss_text",    # ss -tanp/-ltnp/-uanp header (State Recv-Q …)
    "scanner.collect.importers.netstat_text",  # netstat -tulpn (Linux), -ano/-anob (Windows)
    "scanner.collect.importers.ps_text",    # ps -eo user,pid,…,comm,args header
    "scanner.collect.importers.tasklist_csv",  # tasklist /v /fo csv ("…","PID",…)
)

HEAD_BYTES = 4096


@lru_cache(maxsize=None)
def load(module_path: str):
    return importlib.import_module(module_path)


def collectors():
    return [load(m) for m in COLLECTORS]


def collector_for(path: Path):
    """The collector module that reads ``path``, or None."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    for module in collectors():
        if module.accepts(path, head):
            return module
    return None
