"""TLS ClientHello: SNI, ALPN, version; other TLS records carry no SNI."""

from __future__ import annotations

import protocol_bytes as pb

from scanner.collect.protocols import tls


def test_client_hello_facts():
    assert tls.dissect(pb.TLS_CLIENT_HELLO, b"") == [
        {"version": "TLS 1.3", "sni": "dpi.ch-test.local", "alpn": ["h2", "http/1.1"]}]


def test_client_hello_without_extensions_of_interest():
    assert tls.dissect(pb.tls_client_hello(sni=None, alpn=()), b"") == [{"version": "TLS 1.3"}]


def test_cut_client_hello_keeps_what_was_read():
    got = tls.dissect(pb.TLS_CLIENT_HELLO[:60], b"")
    assert got == [{"version": "TLS 1.2"}]


def test_non_client_hello_records_have_no_sni():
    appdata = b"\x17\x03\x03\x00\x20" + bytes(32)
    assert tls.dissect(appdata, pb.TLS_SERVER_HELLO_RECORD) == [{}]
    assert tls.dissect(pb.TLS_SERVER_HELLO_RECORD, b"") is None
    assert tls.dissect(b"\x16\x03\x09\x00\x10" + bytes(16), b"") is None
    assert tls.dissect(pb.HTTP_GET, b"") is None
