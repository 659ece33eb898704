"""The config collector end to end on the committed fixtures: refs, evidence, privacy, store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from scanner.collect.config import collector
from scanner.errors import InputError
from scanner.model.observations import canonical_json
from scanner.store import Store

CANARY_PASSWORD = "Canari-Secret-8841"
CANARY_PATIENT = "DUPONTEL"
FIELDS = {"host", "application", "target_host", "target_port", "scheme", "target_database",
          "key"}

FILES = ["dpi-app01/dxcare/application.properties", "dpi-app01/portail/web.config",
         "gam-app01/oracle/tnsnames.ora", "lab-app01/odbc.ini", "lab-app01/pg_service.conf",
         "ris-app01/ris/application.yml", "glpi01/glpi/config_db.php",
         "stock-app01/appsettings.json", "stock-app01/.env", "stock-app01/run.sh"]

# (line, key, scheme, target_host, target_port, target_database) per fixture
EXPECTED = {
    "dpi-app01/dxcare/application.properties": {
        (2, "spring.datasource.url", "postgresql", "dpi-db01.ch-example.local", 5432, "dxcare"),
        (7, "hl7.outbound.host", "mllp", "eai01", 6661, None),
        (13, "ldap.url", "ldaps", "ad01.ch-example.local", 636, None),
        (14, "audit.share", "smb", "nas01", 445, None),
        (17, "stats.datasource.url", "mysql", "dpi-app01", 3306, "stats"),
    },
    "dpi-app01/portail/web.config": {
        (4, "connectionStrings/add[@name=DPI]", "sqlserver", "dpi-sql01", 1433, "Portail"),
        (6, "connectionStrings/add[@name=GAM]", "oracle", "gam-ora01", 1522, "GAMPROD"),
        (11, "appSettings/add[@key=FhirBaseUrl]", "https", "fhir.ch-example.local", 443, None),
        (12, "appSettings/add[@key=Hl7Host]", "mllp", "eai01", 6662, None),
    },
    "gam-app01/oracle/tnsnames.ora": {
        (2, "GAMPROD.CH-EXAMPLE.LOCAL", "oracle", "gam-ora01", 1522, "GAMPROD"),
        (2, "GAMPROD.CH-EXAMPLE.LOCAL", "oracle", "gam-ora02", 1523, "GAMPROD"),
        (12, "FACT", "oracle", "fact-ora01", 1521, "FACT"),
    },
    "lab-app01/odbc.ini": {
        (6, "[LIS]/Servername", "postgresql", "lis-db01", 5433, "lis"),
        (14, "[PHARMA]/Server", "sqlserver", "pharma-sql01", 1433, "Pharma"),
    },
    "lab-app01/pg_service.conf": {
        (3, "[lis]/host", "postgresql", "lis-db01", 5433, "lis"),
        (10, "[stats]/host", "postgresql", "lab-app01", 5432, "stats"),
    },
    "ris-app01/ris/application.yml": {
        (4, "spring.datasource.url", "mysql", "ris-db01", 3306, "ris"),
        (9, "interfaces.hl7.outbound.host", "mllp", "eai01", 6663, None),
        (13, "interfaces.dicom.pacs.host", "dicom", "pacs01.ch-example.local", 11112, None),
    },
    "glpi01/glpi/config_db.php": {
        (3, "DB_HOST", "mysql", "glpi-db01", 3306, "glpi"),
        (11, "$db[default][hostname]", "mysql", "rh-db01", 3306, "rh"),
        (15, "$dsn", "postgresql", "compta-db01", 5432, "compta"),
    },
    "stock-app01/appsettings.json": {
        (3, "ConnectionStrings.Stock", "postgresql", "stock-db01", 5432, "stock"),
        (5, "Pacs.Host", "dicom", "pacs01", 104, None),
    },
    "stock-app01/.env": {
        (3, "DB_URL", "mysql", "stock-db02", 3307, "stock"),
        (5, "REDIS_HOST", "tcp", "redis01", 6379, None),
    },
    "stock-app01/run.sh": {
        (3, None, "mysql", "stock-db03", 3306, "stock"),
    },
}


def _collect(configs: Path, rel: str):
    return list(collector.collect(configs / rel, f"configs/{rel}"))


def _summary(observations):
    return {(int(o.evidence.location.split()[1]), o.data.get("key"), o.data.get("scheme"),
             o.data["target_host"], o.data.get("target_port"), o.data.get("target_database"))
            for o in observations}


@pytest.mark.parametrize("rel", FILES)
def test_every_reference_of_each_fixture(configs, rel):
    assert _summary(_collect(configs, rel)) == EXPECTED[rel]


@pytest.mark.parametrize("rel", FILES)
def test_host_application_and_evidence(configs, rel):
    observations = _collect(configs, rel)
    parts = Path(rel).parts
    application = parts[1] if len(parts) > 2 else Path(parts[-1]).stem
    for o in observations:
        assert o.kind == "config_ref"
        assert set(o.data) <= FIELDS
        assert o.data["host"] == parts[0]
        assert o.data["application"] == application
        ev = o.evidence
        assert (ev.collector, ev.collector_version, ev.source) == ("config", "1", f"configs/{rel}")
        assert ev.location.startswith("line ")


@pytest.mark.parametrize("rel", FILES)
def test_output_is_sorted_and_stable(configs, rel):
    first = [o.to_dict() for o in _collect(configs, rel)]
    again = [o.to_dict() for o in _collect(configs, rel)]
    assert first == again
    lines = [int(o["evidence"]["location"].split()[1]) for o in first]
    assert lines == sorted(lines)
    assert len({o["id"] for o in first}) == len(first)


def test_no_canary_and_no_commented_target_reaches_an_observation(configs):
    blob = canonical_json([o.to_dict() for rel in FILES for o in _collect(configs, rel)])
    raw = "".join((configs / rel).read_text(encoding="utf-8") for rel in FILES)
    # the canaries are really planted in the inputs…
    assert raw.count(CANARY_PASSWORD) >= 8 and raw.count(CANARY_PATIENT) >= 6
    assert "old-" in raw and "${" in raw
    # …and none of them, nor a commented-out target, nor a placeholder, comes out
    assert CANARY_PASSWORD.lower() not in blob.lower()
    assert CANARY_PATIENT.lower() not in blob.lower()
    assert "old-" not in blob
    assert "${" not in blob and "WORKLIST" not in blob.upper()
    assert "localhost" not in blob
    assert raw.count("canari_user") >= 6 and "canari_user" not in blob


def test_accepts_text_under_configs_host_only(tmp_path):
    f = tmp_path / "inputs" / "configs" / "dpi-app01" / "app.properties"
    f.parent.mkdir(parents=True)
    f.write_text("a=b\n")
    assert collector.accepts(f, f.read_bytes())
    assert not collector.accepts(f, b"PK\x03\x04\x00\x00binary")
    assert collector.accepts(f, "\ufeffa=b".encode("utf-16"))
    assert not collector.accepts(tmp_path / "inputs" / "sql" / "x.conf", b"a=b")
    assert not collector.accepts(tmp_path / "inputs" / "configs" / "lonely.conf", b"a=b")


def _write(tmp_path: Path, rel: str, data: bytes) -> Path:
    path = tmp_path / "configs" / "app01" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, data, message", [
    ("web.config", b'<?xml version="1.0"?>\n<configuration>\n  <connectionStrings>\n'
                   b'    <add name="DPI" connectionString="Server=a;Database=b" \n'
                   b'  </connectionStrings>\n</configuration>\n',
     "configs/app01/web.config: line 5: malformed XML: not well-formed (invalid token)"),
    ("app.config", b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<x>&a;</x>\n',
     "configs/app01/app.config: line 2: DOCTYPE declarations are refused (entity expansion)"),
    ("application.yml", b"spring:\n  datasource:\n    url: [jdbc:postgresql://a/b\n"
                        b"other: 1\n",
     None),
    ("appsettings.json", b'{\n  "a": "b",\n  "c": \n}\n',
     "configs/app01/appsettings.json: line 4: malformed JSON: Expecting value"),
    ("tnsnames.ora", b"DPI =\n  (DESCRIPTION = (ADDRESS = (HOST = a)(PORT = 1521))\n",
     "configs/app01/tnsnames.ora: line 1: unbalanced parentheses in this entry"),
    ("bad.conf", b"host = caf\x81\x8d\n",
     "configs/app01/bad.conf: line 1: neither UTF-8 nor cp1252 text"),
])
def test_bad_input_is_one_line_naming_file_and_place(tmp_path, name, data, message):
    path = _write(tmp_path, name, data)
    with pytest.raises(InputError) as err:
        collector.collect(path, f"configs/app01/{name}")
    text = str(err.value)
    assert "\n" not in text
    if message is None:
        assert text.startswith("configs/app01/application.yml: line 4: malformed YAML")
    else:
        assert text == message


def test_cp1252_and_utf16_files_are_read(tmp_path):
    latin = _write(tmp_path, "dpi.ini", "; base de donn\u00e9es\n[DPI]\nServer = sql-\u00e9t\u00e9\n"
                   "Url = jdbc:sqlserver://dpi-sql02:1433;databaseName=Donn\u00e9es\n"
                   .encode("cp1252"))
    got = _summary(collector.collect(latin, "configs/app01/dpi.ini"))
    assert got == {(4, "[DPI]/Url", "sqlserver", "dpi-sql02", 1433, "Donn\u00e9es")}
    wide = _write(tmp_path, "w.properties", "db.url=jdbc:postgresql://pg02/x\n".encode("utf-16"))
    got = _summary(collector.collect(wide, "configs/app01/w.properties"))
    assert got == {(1, "db.url", "postgresql", "pg02", 5432, "x")}


def test_store_import_twice_adds_nothing(tmp_path, configs):
    rel = "dpi-app01/portail/web.config"
    path = configs / rel
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with Store(tmp_path / "store.sqlite") as store:
        first = store.import_observations(f"configs/{rel}", sha, path.stat().st_size,
                                          collector.NAME, collector.VERSION,
                                          collector.collect(path, f"configs/{rel}"))
        assert first.new == first.observations == len(EXPECTED[rel])
        second = store.import_observations(f"configs/{rel}", sha, path.stat().st_size,
                                           collector.NAME, collector.VERSION,
                                           collector.collect(path, f"configs/{rel}"))
        assert second.skipped and second.new == 0
        # the same facts under another file hash are still not stored twice
        third = store.import_observations(f"configs/{rel}", "0" * 64, 1, collector.NAME,
                                          collector.VERSION,
                                          collector.collect(path, f"configs/{rel}"))
        assert not third.skipped and third.new == 0
        assert store.counts() == {"config_ref": len(EXPECTED[rel])}


def test_graph_builder_takes_every_reference(configs):
    """The contract with scanner/graph: each config_ref becomes a host → target edge."""
    from scanner.graph.build import build_graph
    from scanner.ingest.estate_file import EstateConfig

    observations = [o for rel in FILES for o in _collect(configs, rel)]
    graph = build_graph(observations, EstateConfig())
    edges = [(u, d) for u, _, k, d in graph.edges(keys=True, data=True) if k == "config_ref"]
    covered = {oid for _, d in edges for oid in d["evidence"]}
    assert covered == {o.id for o in observations}
    assert {u for u, _ in edges} == {f"host:{rel.split('/')[0]}" for rel in FILES}
