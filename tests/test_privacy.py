"""The privacy door: only allow-listed fields enter; secrets are scrubbed; canaries are found."""

from __future__ import annotations

import pytest

from scanner.errors import PrivacyError
from scanner.model.evidence import Evidence
from scanner.privacy import find_canaries, observation, scrub_secrets

EV = Evidence("pcap", "1", "lab.pcap", "frame 7")


def test_allowed_protocol_facts_pass():
    o = observation("protocol", EV, client_ip="10.0.0.1", server_ip="10.0.0.2", server_port=2575,
                    transport="tcp", protocol="hl7v2-mllp",
                    facts={"message_type": "ORU^R01", "version": "2.5"})
    assert o.data["facts"] == {"message_type": "ORU^R01", "version": "2.5"}


@pytest.mark.parametrize("kind, fields, message", [
    ("protocol", dict(client_ip="a", server_ip="b", server_port=1, transport="tcp",
                      protocol="hl7v2-mllp", facts={"pid": "VASQUELLON^Zephyrine"}),
     "protocol.hl7v2-mllp: field 'pid' is not on the privacy allow-list"),
    ("process", dict(hostname="h", name="java", cmdline="java --password=x"),
     "process: field 'cmdline' is not on the privacy allow-list"),
    ("db_schema", dict(host="h", port=5432, engine="postgresql", database="dpi",
                       tables=[{"name": "patient", "sample_values": ["DUPONT"]}]),
     "db_schema.tables[0]: field 'sample_values' is not on the privacy allow-list"),
    ("payload", dict(), "unknown observation kind 'payload'"),
    ("dns", dict(name="a\x0bMSH|^~\\&", address="10.0.0.1"),
     "dns.name: control characters refused (payload bytes?)"),
    ("protocol", dict(client_ip="a", server_ip="b", server_port=1, transport="tcp",
                      protocol="smtp-body", facts={}),
     "protocol: protocol 'smtp-body' has no declared facts"),
])
def test_refused(kind, fields, message):
    with pytest.raises(PrivacyError) as exc:
        observation(kind, EV, **fields)
    assert str(exc.value) == message


def test_overlong_text_refused():
    with pytest.raises(PrivacyError, match="more than 256"):
        observation("dns", EV, name="a" * 300, address="10.0.0.1")


@pytest.mark.parametrize("text, secret", [
    ("java -jar app.jar --password=S3cr3t-agent", "S3cr3t-agent"),
    ("psql postgresql://dpi:Pa55w0rd@dpi-db01/dpi", "Pa55w0rd"),
    ("Server=gef-db01;Database=gef;User Id=gef;Password=GefPwd!;", "GefPwd!"),
    ("mysql -uroot -pRootPwd9 gef", "RootPwd9"),
    ("curl -H 'Authorization: Bearer eyJhbGciOi.abc.def'", "eyJhbGciOi.abc.def"),
    ("PGPASSWORD=hunter2 pg_dump dpi", "hunter2"),
    ("jdbc:sqlserver://h;databaseName=x;password={Br4ce}", "Br4ce"),
])
def test_scrub_secrets(text, secret):
    assert secret not in scrub_secrets(text)


def test_find_canaries_in_any_encoding(tmp_path):
    (tmp_path / "a.json").write_text('{"name": "zéphyrine vasquellon"}', encoding="utf-8")
    (tmp_path / "b.csv").write_bytes("Zéphyrine".encode("latin-1"))
    (tmp_path / "c.txt").write_text("nothing here")
    hits = find_canaries(tmp_path, ["Zéphyrine VASQUELLON", "Zéphyrine"])
    assert {(p.rsplit('/', 1)[1], c) for p, c in hits} == {
        ("a.json", "Zéphyrine VASQUELLON"), ("a.json", "Zéphyrine"), ("b.csv", "Zéphyrine")}
