"""Owns the live-capture segment file (``hdscan-capture-segment/1``): writing and importing it.

``hdscan capture`` writes one segment per rotation (``live.py``); ``hdscan import``
reads it back through this module, registered as a collector (``NAME``, ``VERSION``,
``accepts``, ``collect``). A segment holds *aggregated records only*: the ``flow``,
``protocol`` and ``dns`` observations the pcap reader's own path (``decode.py`` →
``flows.py`` → ``collector.build_observations``) made of that rotation's packets, and
counts. No packet, no payload byte: there is no field for one. A conversation that
continues from an earlier rotation repeats that rotation's ``protocol`` observation
(same data, location its first frame in this segment; ``live.RotationMemory``). One
whose first bytes straddled rotations has its ``protocol`` observations first in the
segment where they were dissected, located at its first payload frame, which may lie in
an earlier segment's ``frames``.

Layout (JSON, UTF-8)::

    {"schema": "hdscan-capture-segment/1", "hdscan_version": "0.1.0",
     "reader_version": "2",                      # the pcap collector's VERSION
     "capture": {"id": "20261123T101500Z", "iface": "eth1", "bpf": "tcp or udp",
                 "linktype": 1},
     "segment": 3, "final": false,               # final: the capture's last segment
     "from": "2026-11-23T10:17:00Z", "to": "2026-11-23T10:18:00Z",
     "frames": [1201, 1873],                     # frame numbers, counted from the capture start
     "packets": 673, "skipped": {"non_ip": 12},  # not decoded, by reason
     "dropped": {"packets": 0, "max_conversations": 200000},
     "kernel_drops": 0,                          # the socket's own count (PACKET_STATISTICS)
     "observations": [{"kind": "flow", "location": "frames 1201-1290",
                       "observed_from": "…", "observed_to": "…", "data": {…}}, …]}

Import: each observation is rebuilt through ``scanner.privacy.observation`` (the same
allow-list as every collector), with evidence collector ``pcap`` at ``reader_version``
(the code that decoded the packets), source the segment file, the frame location and
times recorded. Errors (``InputError``, the file refused whole): invalid UTF-8 or JSON
(line and column), another schema version, a missing key, wrong type or a field the
allow-list refuses (naming the JSON path: ``observations[4].data``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ... import __version__
from ...errors import InputError, PrivacyError, SourceLocation
from ...fileio import write_atomic
from ...model.evidence import Evidence
from ...model.observations import Observation
from ...privacy import observation
from ..agent.validate import Reader
from ..jsondoc import parse_object
from . import collector as pcap

NAME = "pcap-live"
VERSION = "1"

SCHEMA_PREFIX = "hdscan-capture-segment/"
SUPPORTED = 1
SCHEMA = f"{SCHEMA_PREFIX}{SUPPORTED}"
KINDS = ("flow", "protocol", "dns")


def accepts(path: Path, head: bytes) -> bool:
    """True if the first bytes name a ``"schema"`` of the capture segment family."""
    return b'"schema"' in head and SCHEMA_PREFIX.encode() in head


# -- writing ---------------------------------------------------------------------------------

def document(observations: list[Observation], header: dict) -> dict:
    """The segment document: ``header`` (capture, segment, counts) plus the observations."""
    doc = {"schema": SCHEMA, "hdscan_version": __version__, "reader_version": pcap.VERSION}
    doc.update(header)
    doc["observations"] = [
        {"kind": o.kind, "location": o.evidence.location,
         "observed_from": o.evidence.observed_from, "observed_to": o.evidence.observed_to,
         "data": o.data} for o in observations]
    return doc


def write(path: Path, observations: list[Observation], header: dict) -> Path:
    """Write a segment atomically (temporary dot-file + rename: a kill leaves no half file)."""
    text = json.dumps(document(observations, header), ensure_ascii=False, indent=0,
                      sort_keys=False)
    return write_atomic(path, text + "\n")


# -- reading ---------------------------------------------------------------------------------

class SegmentRun(list):
    """The observations of one segment; ``warnings`` says what the capture did not count."""

    warnings: list[str]


def _load(path: Path, source: str) -> dict:
    return parse_object(Path(path).read_bytes(), source)


def _check_schema(doc: dict, r: Reader) -> None:
    schema = r.get(doc, "schema", "str", "", required=True)
    if schema == SCHEMA:
        return
    version = schema[len(SCHEMA_PREFIX):] if schema.startswith(SCHEMA_PREFIX) else None
    if version is None or not re.fullmatch(r"\d+", version):
        raise r.fail("schema", f"'{schema}' is not a capture segment; this hdscan reads {SCHEMA}")
    raise r.fail("schema", f"capture segment version {version} ({schema}); this hdscan reads "
                           f"version {SUPPORTED} ({SCHEMA})")


def read(path: Path, source: str) -> SegmentRun:
    """Every observation of a segment, rebuilt through the privacy allow-list."""
    doc = _load(path, source)
    r = Reader(source)
    _check_schema(doc, r)
    reader_version = r.get(doc, "reader_version", "str", "", required=True)
    cap = r.get(doc, "capture", "object", "", required=True)
    iface = r.get(cap, "iface", "str", "capture", required=True)
    r.get(doc, "segment", "count", "", required=True)
    dropped = r.get(doc, "dropped", "object", "") or {}
    dropped_packets = r.get(dropped, "packets", "count", "dropped") or 0
    kernel_drops = r.get(doc, "kernel_drops", "count", "") or 0
    r.get(doc, "observations", "list", "", required=True)
    out = SegmentRun()
    out.warnings = []
    for i, where, item in r.items(doc, "observations", ""):
        kind = r.get(item, "kind", "str", where, required=True)
        if kind not in KINDS:
            raise r.fail(f"{where}.kind", f"'{kind}' is not one of {', '.join(KINDS)}")
        ev = Evidence(pcap.NAME, reader_version, source,
                      r.get(item, "location", "str", where),
                      None, r.get(item, "observed_from", "time", where),
                      r.get(item, "observed_to", "time", where))
        data = dict(r.get(item, "data", "object", where, required=True))
        try:
            out.append(observation(kind, ev, **data))
        except (PrivacyError, TypeError) as exc:
            raise r.fail(f"{where}.data", str(getattr(exc, "message", exc))) from None
    if dropped_packets:
        out.warnings.append(str(InputError(
            f"{dropped_packets} packets of conversations over the capture's cap were not "
            "counted (raise --max-conversations)", SourceLocation(source, "dropped.packets"))))
    if kernel_drops:
        out.warnings.append(str(InputError(
            f"the kernel dropped {kernel_drops} packets on {iface} (capture too slow or "
            "buffer too small): flows are undercounted", SourceLocation(source, "kernel_drops"))))
    return out


def collect(path: Path, source: str) -> SegmentRun:
    """Collector entry point: the segment's observations (a list with ``warnings``)."""
    return read(path, source)
