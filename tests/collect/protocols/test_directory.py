"""LDAP, Kerberos and SMB: operation, realm, dialect; look-alikes refused."""

from __future__ import annotations

import protocol_bytes as pb

from scanner.collect.protocols import kerberos, ldap, smb


def test_ldap_operations():
    assert ldap.dissect(pb.LDAP_BIND + pb.LDAP_SEARCH + pb.LDAP_SEARCH, b"") == [
        {"operation": "bind"}, {"operation": "search"}]
    assert "VASQUELLON" not in repr(ldap.dissect(pb.LDAP_BIND, b""))


def test_ldap_lookalikes():
    assert ldap.dissect(b"\x30\x05\x02\x01\x01\x60\x00", b"") is None          # bind without version
    assert ldap.dissect(b"\x30\x84\xff\xff\xff\xff\x02", b"") is None
    assert ldap.dissect(pb.KRB_AS_REQ, b"") is None
    assert ldap.dissect(pb.HTTP_GET, b"") is None


def test_kerberos_udp_and_tcp():
    assert kerberos.dissect(pb.KRB_AS_REQ, b"") == [{"realm": "CH-TEST.LOCAL"}]
    assert kerberos.dissect(pb.KRB_AS_REQ_TCP, b"") == [{"realm": "CH-TEST.LOCAL"}]
    assert "vasquellon" not in repr(kerberos.dissect(pb.KRB_AS_REQ, b"")).lower()


def test_kerberos_lookalikes():
    wrong_type = pb.KRB_AS_REQ.replace(b"\xa2\x03\x02\x01\x0a", b"\xa2\x03\x02\x01\x0c", 1)
    assert kerberos.dissect(wrong_type, b"") is None                 # AS tag, TGS msg-type
    assert kerberos.dissect(b"\x6a\x10" + bytes(16), b"") is None
    assert kerberos.dissect(pb.LDAP_BIND, b"") is None


def test_smb2_dialect_from_the_server_else_the_client():
    assert smb.dissect(pb.SMB2_NEGOTIATE_REQ, pb.SMB2_NEGOTIATE_RESP) == [{"dialect": "3.0.2"}]
    assert smb.dissect(pb.SMB2_NEGOTIATE_REQ, b"") == [{"dialect": "3.1.1"}]
    assert smb.dissect(pb.SMB1_NEGOTIATE, pb.SMB2_NEGOTIATE_RESP) == [{"dialect": "3.0.2"}]
    assert smb.dissect(pb.SMB1_NEGOTIATE, b"") == [{"dialect": "NT LM 0.12"}]


def test_smb_lookalikes():
    assert smb.dissect(b"\x00\x00\x00\x40" + b"\xfeSMX" + bytes(60), b"") is None
    assert smb.dissect(pb.RDP_CR, b"") is None
