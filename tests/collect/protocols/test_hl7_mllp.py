"""HL7 v2 over MLLP: MSH facts only, one per message type; look-alikes refused."""

from __future__ import annotations

import protocol_bytes as pb

from scanner.collect.protocols import hl7_mllp


def test_msh_facts_of_the_client_messages_only():
    facts = hl7_mllp.dissect(pb.HL7_ORU + pb.HL7_ADT, pb.HL7_ACK)
    assert facts == [
        {"message_type": "ORU^R01", "sending_application": "LAB", "sending_facility": "CHX",
         "receiving_application": "DPI", "receiving_facility": "CHX", "version": "2.5"},
        {"message_type": "ADT^A01", "sending_application": "GAM", "sending_facility": "CHX",
         "receiving_application": "EAI", "receiving_facility": "CHX", "version": "2.5.1"},
    ]
    assert "VASQUELLON" not in repr(facts)


def test_acks_never_lend_the_server_the_clients_application():
    # The server's ACK names the server (DPI) as sender and the client (LAB) as receiver:
    # read alone it must not make the service a sender of ACK^R01 from DPI.
    facts = hl7_mllp.dissect(b"", pb.HL7_ACK)
    assert facts == [{"receiving_application": "DPI", "receiving_facility": "CHX",
                      "sending_application": "LAB", "sending_facility": "CHX", "version": "2.5"}]
    both = hl7_mllp.dissect(pb.HL7_ORU, pb.HL7_ACK)
    assert [f["message_type"] for f in both] == ["ORU^R01"]
    assert {f["sending_application"] for f in both} == {"LAB"}


def test_repeated_type_gives_one_fact_set():
    assert len(hl7_mllp.dissect(pb.HL7_ORU * 3, b"")) == 1


def test_lookalikes_are_not_hl7():
    assert hl7_mllp.dissect(pb.HTTP_GET, b"") is None                  # HTTP on 2575
    assert hl7_mllp.dissect(b"MSH|^~\\&|A|B|C|D||ADT^A01|1|P|2.5\r", b"") is None   # no MLLP
    assert hl7_mllp.dissect(b"\x0bMSHELLO WORLD and more bytes\r", b"") is None
    assert hl7_mllp.dissect(b"\x0bMSH|^~\\&|A|B|C|D||hello|1|P|2.5\r\x1c\r", b"") is None
    assert hl7_mllp.dissect(b"\x0b\x00\x01\x02", b"\x0b") is None
