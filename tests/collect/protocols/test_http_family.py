"""HTTP, FHIR and DICOMweb: method, host, content type, resource type; never the path."""

from __future__ import annotations

import protocol_bytes as pb

from scanner.collect.protocols import dicomweb, fhir, http, registry


def test_http_request_facts_without_path():
    got = http.dissect(pb.HTTP_GET, b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
    assert got == [{"method": "GET", "host": "intranet.ch-test.local", "content_type": "text/html"}]
    assert "index" not in repr(got) and "VASQUELLON" not in repr(got)


def test_pipelined_requests_each_counted_once():
    post = (b"POST /api HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
            b"Content-Length: 4\r\n\r\n{}{}")
    got = http.dissect(post + pb.HTTP_GET + pb.HTTP_GET, b"")
    assert [f["method"] for f in got] == ["POST", "GET"]


def test_fhir_by_path_and_by_media_type():
    assert fhir.dissect(pb.FHIR_GET, b"") == [{"method": "GET", "host": "eai.ch-test.local:8080",
                                               "resource_type": "Patient"}]
    post = (b"POST /api/x HTTP/1.1\r\nHost: eai\r\nContent-Type: application/fhir+json\r\n"
            b"Content-Length: 0\r\n\r\n")
    assert fhir.dissect(post, b"") == [{"method": "POST", "host": "eai",
                                        "content_type": "application/fhir+json"}]
    assert fhir.dissect(b"GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n", b"")[0]["resource_type"] == "metadata"


def test_not_fhir():
    assert fhir.dissect(pb.HTTP_GET, b"") is None
    assert fhir.dissect(b"GET /x?type=Patient HTTP/1.1\r\nHost: x\r\n\r\n", b"") is None   # query only


def test_dicomweb():
    assert dicomweb.dissect(pb.DICOMWEB_GET, b"") == [{"method": "GET", "host": "pacs.ch-test.local"}]
    assert dicomweb.dissect(pb.HTTP_GET, b"") is None


def test_registry_prefers_the_specialisation():
    assert registry.identify(pb.FHIR_GET, b"")[0] == "fhir"
    assert registry.identify(pb.DICOMWEB_GET, b"")[0] == "dicomweb"
    assert registry.identify(pb.HTTP_GET, b"")[0] == "http"


def test_not_http():
    assert http.dissect(b"GET / FTP/1.0\r\n", b"") is None
    assert http.dissect(b"get / HTTP/1.1\r\n", b"") is None
    assert http.dissect(pb.HL7_ORU, b"") is None
