"""The dissector table: consistent with the allow-list, facts always pass the privacy door."""

from __future__ import annotations

import random

import protocol_bytes as pb

from scanner.collect.protocols import registry
from scanner.model.evidence import Evidence
from scanner.model.observations import PROTOCOL_FACTS
from scanner.privacy import observation

SAMPLES = {
    "hl7v2-mllp": (pb.HL7_ORU, pb.HL7_ACK), "dicom": (pb.DICOM_RQ, pb.DICOM_AC),
    "fhir": (pb.FHIR_GET, b""), "dicomweb": (pb.DICOMWEB_GET, b""), "http": (pb.HTTP_GET, b""),
    "tls": (pb.TLS_CLIENT_HELLO, b""), "postgresql": (pb.PG_STARTUP, b"R"),
    "mysql": (pb.MYSQL_LOGIN, pb.MYSQL_GREETING), "tds": (pb.TDS_PRELOGIN, b""),
    "oracle-tns": (pb.TNS_CONNECT, b""), "smb": (pb.SMB2_NEGOTIATE_REQ, pb.SMB2_NEGOTIATE_RESP),
    "rdp": (pb.RDP_CR, b""), "smtp": (pb.SMTP_EHLO, pb.SMTP_BANNER),
    "kerberos": (pb.KRB_AS_REQ, b""), "ldap": (pb.LDAP_BIND, b""), "dns": (pb.DNS_QUERY, b""),
    "astm": (pb.ASTM_ENQ_FRAME, b""), "hprim": (pb.HPRIM_HEADER, b""),
}


def test_table_is_consistent():
    names = [p for p, _ in registry.dissectors()]
    assert len(names) == len(set(names))
    assert set(names) <= set(PROTOCOL_FACTS)
    assert set(registry.PORT_HINTS.values()) - {"unknown"} <= set(PROTOCOL_FACTS)


def test_each_sample_is_identified_as_itself_and_passes_privacy():
    ev = Evidence("pcap", "1", "t.pcap", "frame 1")
    for protocol, (client, server) in SAMPLES.items():
        found = registry.identify(client, server)
        assert found is not None and found[0] == protocol, protocol
        for facts in found[1]:
            o = observation("protocol", ev, client_ip="10.0.0.1", server_ip="10.0.0.2",
                            server_port=1, transport="tcp", protocol=protocol, facts=facts)
            assert "vasquellon" not in repr(o.data).lower()


def test_random_bytes_are_mostly_unknown_and_never_crash():
    rng = random.Random(1)
    for _ in range(500):
        a = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
        b = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
        registry.identify(a, b)
    assert registry.identify(b"", b"") is None


def test_port_hint_is_only_a_hint():
    assert registry.port_hint("tcp", 2575) == "hl7v2-mllp"
    assert registry.port_hint("tcp", 6661) is None
    assert registry.identify(pb.HTTP_GET, b"")[0] == "http"      # content, whatever the port
