"""RDP, SMTP, ASTM and HPRIM: identification and look-alikes."""

from __future__ import annotations

import protocol_bytes as pb

from scanner.collect.protocols import astm, hprim, rdp, smtp


def test_rdp_cookie_never_kept():
    assert rdp.dissect(pb.RDP_CR, b"") == [{}]


def test_rdp_lookalikes():
    assert rdp.dissect(b"\x03\x00\x00\x13\x0e\xd0" + bytes(13), b"") is None   # a CC, not a CR
    assert rdp.dissect(b"\x03\x00\x00\x20" + bytes(28), b"") is None
    assert rdp.dissect(pb.HTTP_GET, b"") is None


def test_smtp_banner():
    assert smtp.dissect(pb.SMTP_EHLO, pb.SMTP_BANNER) == [{"banner_product": "Postfix"}]
    assert smtp.dissect(b"", b"220 relay.ch ESMTP ready\r\n") == [{}]


def test_ftp_is_not_smtp():
    assert smtp.dissect(b"USER anonymous\r\n", pb.FTP_BANNER) is None
    assert smtp.dissect(b"", pb.FTP_BANNER) is None
    assert smtp.dissect(pb.SMTP_EHLO, b"HTTP/1.1 200 OK\r\n") is None


def test_astm_sender_only():
    got = astm.dissect(b"\x06", pb.ASTM_ENQ_FRAME + pb.ASTM_PATIENT_FRAME)
    assert got == [{"sender": "COBAS"}]
    assert "VASQUELLON" not in repr(got)


def test_astm_lookalikes():
    assert astm.dissect(b"\x05hello", b"") is None
    assert astm.dissect(b"\x05\x021X|\\^&|||A\r", b"") is None
    assert astm.dissect(pb.HL7_ORU, b"") is None


def test_hprim_header():
    assert hprim.dissect(pb.HPRIM_HEADER, b"") == [{"message_kind": "ORU", "version": "H2.2"}]
    assert hprim.dissect(b"\x0b" + pb.HPRIM_HEADER, b"") == [{"message_kind": "ORU", "version": "H2.2"}]


def test_astm_header_is_not_hprim():
    assert hprim.dissect(pb.ASTM_ENQ_FRAME[1:], b"") is None
    assert hprim.dissect(pb.HL7_ORU, b"") is None
