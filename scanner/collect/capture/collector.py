"""Owns turning a pcap/pcapng file into ``flow``, ``protocol`` and ``dns`` observations.

The collector contract (``scanner/collect/base.py``): ``NAME``, ``VERSION``,
``accepts(path, head)`` and ``collect(path, source)``. Observations are built only
through ``scanner.privacy.observation`` and emitted sorted (flows, then protocol facts,
then DNS answers, each by content). Evidence: collector ``pcap``, this version, the
source, ``frames <first>-<last>`` for a flow and ``frame N`` for a fact or a DNS
answer, and the UTC times of those packets.

The file is read by the compiled walk (``fastwalk``: when numba is installed,
``HDSCAN_PURE_PYTHON`` is unset and the file has at least ``fastwalk.MIN_BYTES``) or by
``PcapReader`` + ``FlowTable.feed_fast``; both give the same table, and a file the
compiled walk hands back is read by the Python path.

Truncated captures (the decision): a capture whose *tail* is cut (a record header or
body runs past the end of the file, as when tcpdump is killed) keeps everything read
before the cut; ``collect`` raises nothing for it, because the store treats an
``InputError`` as "keep nothing from this file". The truncation is made visible on the
object ``collect`` returns: ``CaptureRun.warnings`` holds one line per problem
(``sample.pcap: frame 1893 (byte 402112): truncated record; the capture ends
mid-packet, results up to frame 1892 kept``) once iteration is over, and
``CaptureRun.truncated`` the ``(frame, byte)`` pair. Only a capture in which not a
single complete packet could be read raises ``InputError``. Bad magic, absurd or
over-snaplen record lengths and malformed pcapng blocks raise ``InputError`` too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

from ...errors import InputError, SourceLocation
from ...model.evidence import Evidence
from ...model.observations import Observation, canonical_json
from ...privacy import observation
from . import fastwalk
from .decode import Decoder
from .fastwalk import FastReader
from .flows import FlowTable
from .pcapfile import PcapReader, is_capture

NAME = "pcap"
VERSION = "2"   # 2: HL7 facts from client messages only

_KIND_ORDER = {"flow": 0, "protocol": 1, "dns": 2}
# canonical_json's serialisation, built once (json.dumps would build it per call)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def accepts(path: Path, head: bytes) -> bool:
    """True if ``head`` starts with a pcap or pcapng magic."""
    return is_capture(head)


def iso(ts: float, source: str, frame: int) -> str:
    """``2026-03-02T08:00:00Z`` (UTC, whole seconds) for a packet timestamp.

    Raises
    ------
    InputError
        The timestamp cannot be a date (naming the frame).
    """
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))
    except (OverflowError, OSError, ValueError):
        raise InputError(f"timestamp {ts!r} is not a date",
                         SourceLocation(source, f"frame {frame}")) from None


class CaptureRun:
    """The iterable ``collect`` returns; after iteration, ``warnings`` tells what was cut.

    Attributes
    ----------
    warnings : list[str]
        One-line messages (truncated tail) naming the file, frame and byte.
    truncated : tuple[int, int] | None
        ``(frame, byte offset)`` where the capture ends mid-record.
    packets : int
        Complete records read.
    skipped : dict[str, int]
        Frames not decoded, by reason (fragments, non-IP, unsupported link…).
    """

    def __init__(self, path: Path, source: str):
        self.path = Path(path)
        self.source = source
        self.warnings: list[str] = []
        self.truncated: tuple[int, int] | None = None
        self.packets = 0
        self.skipped: dict[str, int] = {}
        self._iter: Iterator[Observation] | None = None

    def __iter__(self) -> Iterator[Observation]:
        return self

    def __next__(self) -> Observation:
        if self._iter is None:
            self._iter = iter(self._run())
        return next(self._iter)

    def _run(self) -> list[Observation]:
        source = self.source
        reader = None
        if (self.path.stat().st_size >= fastwalk.MIN_BYTES    # compiled walk (numba)
                and fastwalk.available()):  # for large captures; the Python path below
            reader, decoder, table = FastReader(self.path, source), Decoder(), FlowTable()
            try:                            # re-reads what it refuses, for the same answer
                reader.feed(table, decoder)
            except fastwalk.Fallback:
                reader = None
        if reader is None:
            reader = PcapReader(self.path, source)
            decoder = Decoder()
            table = FlowTable()
            table.feed_fast(reader, decoder)
            table.finish()
        self.packets = reader.frames
        self.skipped = dict(decoder.skipped)
        self.truncated = reader.truncated
        if reader.truncated is not None:
            frame, offset = reader.truncated
            where = SourceLocation(source, f"frame {frame} (byte {offset})")
            if reader.frames == 0:
                raise InputError("truncated record; the capture ends before its first "
                                 "complete packet, nothing kept", where)
            self.warnings.append(str(InputError(
                f"truncated record; the capture ends mid-packet, results up to frame "
                f"{reader.frames} kept", where)))
        return build_observations(table, source)


def build_observations(table: FlowTable, source: str) -> list[Observation]:
    """Every observation of a finished flow table, sorted.

    Sorted by kind, then ``canonical_json(data)``, then the evidence: the data alone
    decides unless two observations share it (then the evidence breaks the tie, as a
    full key would); each key is built once, the UTC text of a second once.
    """
    out: list[Observation] = []
    seconds: dict[int, str] = {}

    def utc(ts: float, frame: int) -> str:
        try:
            return seconds[int(ts)]
        except KeyError:
            text = seconds[int(ts)] = iso(ts, source, frame)
            return text
        except (OverflowError, ValueError):
            return iso(ts, source, frame)           # raises the located InputError

    def ev(location: str, first: str, last: str) -> Evidence:
        return Evidence(NAME, VERSION, source, location, None, first, last)

    for f in table.flows():
        first, last = utc(f.first_ts, f.first_frame), utc(f.last_ts, f.last_frame)
        out.append(observation(
            "flow", ev(f"frames {f.first_frame}-{f.last_frame}", first, last),
            client_ip=f.client_ip, server_ip=f.server_ip, server_port=f.server_port,
            transport=f.transport, packets_to_server=f.packets_to_server,
            packets_to_client=f.packets_to_client, bytes_to_server=f.bytes_to_server,
            bytes_to_client=f.bytes_to_client, connections=f.connections,
            first_seen=first, last_seen=last, direction_source=f.direction_source,
            confidence=f.confidence))
    for p in table.protocol_facts():
        facts = {k: list(v) if isinstance(v, tuple) else v for k, v in p.facts}
        out.append(observation(
            "protocol", ev(f"frame {p.frame}", utc(p.first_ts, p.frame), utc(p.last_ts, p.frame)),
            client_ip=p.client_ip, server_ip=p.server_ip, server_port=p.server_port,
            transport=p.transport, protocol=p.protocol, facts=facts))
    for d in table.dns_records():
        out.append(observation(
            "dns", ev(f"frame {d.frame}", utc(d.first_ts, d.frame), utc(d.last_ts, d.frame)),
            name=d.name, address=d.address, record_type=d.record_type))
    encode = _CANONICAL.encode
    keys = [(_KIND_ORDER[o.kind], encode(o.data)) for o in out]
    if len(set(keys)) < len(keys):                   # equal data: the evidence decides
        keys = [k + (canonical_json(o.evidence.to_dict()),) for k, o in zip(keys, out)]
    order = sorted(range(len(out)), key=keys.__getitem__)
    return [out[i] for i in order]


def collect(path: Path, source: str) -> CaptureRun:
    """Read a capture; iterate the result for its observations.

    Parameters
    ----------
    path : Path
        The pcap or pcapng file.
    source : str
        The name recorded in evidence and error messages.

    Returns
    -------
    CaptureRun
        An iterator of ``Observation``; its ``warnings`` list tells, after iteration,
        whether the capture's tail was truncated.

    Raises
    ------
    InputError
        (during iteration) bad magic, absurd record length, malformed pcapng block, or a
        capture without one complete packet.
    """
    return CaptureRun(path, source)
