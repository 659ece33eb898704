"""Owns the ordered table of protocol dissectors and the port-hint table.

Both are data. ``DISSECTORS`` is tried in order on every conversation's first bytes;
the first dissector that recognises the content wins, so specialisations come before
what they specialise (FHIR and DICOMweb before plain HTTP; HPRIM before ASTM, whose
header looks alike). ``PORT_HINTS`` names the usual protocol of a well-known port; it
is used only when content is absent (to decide which side of a flow listens), never
to label a conversation whose bytes were seen.
"""

from __future__ import annotations

import importlib
import struct
from functools import lru_cache

from ...model.observations import PROTOCOL_FACTS

# (protocol name, module) — the name is the one declared in PROTOCOL_FACTS.
DISSECTORS: tuple[tuple[str, str], ...] = (
    ("hl7v2-mllp", "scanner.collect.protocols.hl7_mllp"),
    ("dicom", "scanner.collect.protocols.dicom"),
    ("hprim", "scanner.collect.protocols.hprim"),
    ("astm", "scanner.collect.protocols.astm"),
    ("fhir", "scanner.collect.protocols.fhir"),
    ("dicomweb", "scanner.collect.protocols.dicomweb"),
    ("http", "scanner.collect.protocols.http"),
    ("tls", "scanner.collect.protocols.tls"),
    ("postgresql", "scanner.collect.protocols.postgresql"),
    ("mysql", "scanner.collect.protocols.mysql"),
    ("tds", "scanner.collect.protocols.tds"),
    ("oracle-tns", "scanner.collect.protocols.oracle_tns"),
    ("smb", "scanner.collect.protocols.smb"),
    ("rdp", "scanner.collect.protocols.rdp"),
    ("smtp", "scanner.collect.protocols.smtp"),
    ("kerberos", "scanner.collect.protocols.kerberos"),
    ("ldap", "scanner.collect.protocols.ldap"),
    ("dns", "scanner.collect.protocols.dns"),
)

# (transport, port) → usual protocol. Hints only: hospitals run MLLP on any port.
PORT_HINTS: dict[tuple[str, int], str] = {
    ("tcp", 2575): "hl7v2-mllp", ("tcp", 104): "dicom", ("tcp", 11112): "dicom",
    ("tcp", 4242): "dicom", ("tcp", 80): "http", ("tcp", 8080): "http",
    ("tcp", 8042): "http", ("tcp", 443): "tls", ("tcp", 8443): "tls",
    ("tcp", 5432): "postgresql", ("tcp", 3306): "mysql", ("tcp", 1433): "tds",
    ("tcp", 1521): "oracle-tns", ("tcp", 389): "ldap", ("udp", 389): "ldap",
    ("tcp", 636): "tls", ("tcp", 3268): "ldap", ("tcp", 88): "kerberos",
    ("udp", 88): "kerberos", ("tcp", 445): "smb", ("tcp", 139): "smb",
    ("tcp", 3389): "rdp", ("tcp", 25): "smtp", ("tcp", 587): "smtp", ("tcp", 465): "tls",
    ("udp", 53): "dns", ("tcp", 53): "dns", ("tcp", 1494): "ica", ("tcp", 2598): "ica",
    ("tcp", 1972): "unknown", ("tcp", 5672): "unknown", ("tcp", 22): "unknown",
}


@lru_cache(maxsize=None)
def dissectors() -> tuple[tuple[str, object], ...]:
    """The dissector modules in order, as ``(protocol, dissect function)`` pairs.

    Raises
    ------
    ValueError
        A table entry names a protocol absent from ``PROTOCOL_FACTS`` or a module whose
        ``NAME`` differs.
    """
    out = []
    for protocol, module_path in DISSECTORS:
        module = importlib.import_module(module_path)
        if protocol not in PROTOCOL_FACTS or module.NAME != protocol:
            raise ValueError(f"dissector table entry {protocol} / {module_path} is inconsistent")
        out.append((protocol, module.dissect))
    return tuple(out)


def identify(client: bytes, server: bytes) -> tuple[str, list[dict]] | None:
    """The first protocol recognised in a conversation's first bytes, with its facts.

    Parameters
    ----------
    client, server : bytes
        The first payload bytes each side sent (in memory only; never stored).

    Returns
    -------
    tuple or None
        ``(protocol, [facts, ...])`` or None if no dissector recognises the content.

    Examples
    --------
    >>> identify(b"GET / HTTP/1.1\\r\\nHost: dpi\\r\\n\\r\\n", b"")
    ('http', [{'method': 'GET', 'host': 'dpi'}])
    """
    if not client and not server:
        return None
    for protocol, dissect in dissectors():
        try:
            found = dissect(client, server)
        except (IndexError, ValueError, struct.error):   # a look-alike cut short
            found = None
        if found:
            return protocol, found
    return None


def port_hint(transport: str, port: int) -> str | None:
    """The usual protocol of ``port``, or None (a hint, not an identification)."""
    return PORT_HINTS.get((transport, port))
