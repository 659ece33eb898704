"""Host/port keys paired into endpoints, and the normalisation rules of targets."""

from __future__ import annotations

import pytest

from scanner.collect.config.endpoints import pair, role
from scanner.collect.config.entries import make, tokens
from scanner.collect.config.targets import Target, normalise


def _pairs(items, hint=None):
    entries = [make(k, v, n) for n, (k, v) in enumerate(items, 1)]
    return {(e.key, t) for e, t in pair(entries, hint)}


def test_tokens_cut_separators_and_camel_case():
    assert tokens("hl7.outbound.host") == ["hl7", "outbound", "host"]
    assert tokens("Hl7OutboundHost") == ["hl7", "outbound", "host"]
    assert tokens("$db['default']['hostname']") == ["db", "default", "hostname"]
    assert tokens("[DPI]/Data Source") == ["dpi", "data", "source"]


@pytest.mark.parametrize("key, expected", [
    ("hl7.outbound.host", ("host", ("hl7", "outbound"))),
    ("DB_NAME", ("database", ("db",))),
    ("DB_HOST", ("host", ("db",))),
    ("oracle.service_name", ("database", ("oracle",))),
    ("[PHARMA]/Driver", ("engine", ("pharma",))),
    ("dicom.pacs.aet", ("ae", ("dicom", "pacs"))),
    ("Pacs.AeTitle", ("ae", ("pacs",))),
    ("app.timeout", None),
])
def test_roles(key, expected):
    assert role(key) == expected


def test_pairing_takes_scheme_from_words_engine_port_and_file():
    got = _pairs([("hl7.outbound.host", "eai01"), ("hl7.outbound.port", "6661"),
                  ("dicom.worklist.host", "ris01"), ("dicom.worklist.aet", "WL"),
                  ("DB_HOST", "my01"), ("DB_PORT", "3306"), ("DB_NAME", "glpi"),
                  ("[X]/Server", "sql01\\INST"), ("[X]/Driver", "ODBC Driver 18 for SQL Server"),
                  ("cache.host", "redis01"), ("cache.port", "6379"),
                  ("mail.host", "smtp01")])
    assert got == {
        ("hl7.outbound.host", Target("mllp", "eai01", 6661, None)),
        ("dicom.worklist.host", Target("dicom", "ris01", None, None)),
        ("DB_HOST", Target(None, "my01", 3306, "glpi")),
        ("[X]/Server", Target("sqlserver", "sql01", None, None)),
        ("cache.host", Target(None, "redis01", 6379, None)),
        ("mail.host", Target(None, "smtp01", None, None)),
    }
    assert _pairs([("[s]/host", "pg01")], "postgresql") == \
        {("[s]/host", Target("postgresql", "pg01", None, None))}


def test_own_listener_is_not_a_dependency():
    assert _pairs([("server.address", "10.0.0.5"), ("server.port", "8080"),
                   ("hl7.listen.host", "10.0.0.5"), ("hl7.listen.port", "2575")]) == set()


def test_values_that_are_not_hosts_are_not_paired():
    assert _pairs([("db.host", "jdbc:postgresql://x/y"), ("db.port", "5432"),
                   ("mail.from.address", "noreply@ch.local"), ("mail.from.port", "25")]) == set()


@pytest.mark.parametrize("target, expected", [
    (Target("postgresql", "pg01", None, "dpi"), Target("postgresql", "pg01", 5432, "dpi")),
    (Target("mllp", "eai01", None), Target("mllp", "eai01", None)),
    (Target("sqlserver", "localhost", None, "x"), Target("sqlserver", "app01", 1433, "x")),
    (Target("mysql", "127.0.0.1", 3307), Target("mysql", "app01", 3307)),
    (Target("sqlserver", "(local)", None), Target("sqlserver", "app01", 1433)),
    (Target(None, "redis01", 6379), Target("tcp", "redis01", 6379)),
    (Target(None, "pg01", 5432), Target("postgresql", "pg01", 5432)),
    (Target("dicom", "pacs01", None), Target("dicom", "pacs01", 104)),
    (Target("smb", "nas01", None), Target("smb", "nas01", 445)),
    (Target("http", "api01", None), Target("http", "api01", 80)),
    (Target("ldap", "ad01.", None), Target("ldap", "ad01", 389)),
    (Target("postgresql", "pg01", None, "${DB_NAME:DUPONTEL}"), Target("postgresql", "pg01", 5432)),
    (Target("postgresql", "${DB_HOST}", 5432), None),
    (Target("postgresql", "%DB_HOST%", 5432), None),
    (Target("postgresql", "{{ db_host }}", 5432), None),
    (Target("postgresql", "0.0.0.0", 5432), None),
    (Target("postgresql", "not a host", 5432), None),
    (Target(None, "smtp01", None), None),
])
def test_normalise(target, expected):
    assert normalise(target, "app01") == expected
