"""A small hand-built hospital: observations → real graph → real default rule pack.

dpi-app01 + dpi-db01 (DPI and its PostgreSQL database), wh-db01 (warehouse reading
dpi-db01 through postgres_fdw), pacs01 fed by the CT modality ct01, eai01 (interface
engine) fed by gam01 and feeding lis01 (with its MySQL lis-db01) and dpi-app01, dc01
(directory + DNS), fin-app01 + fin-db01 (finance over TDS), backup01 sending to an
Azure blob endpoint, and ws-0001, a user PC seen only in traffic.
"""

from __future__ import annotations

import ipaddress

from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig, Site
from tests.conftest import obs

CONFIG = EstateConfig(name="CH plan test",
                      sites=(Site("main", "Main", (ipaddress.ip_network("10.20.0.0/16"),)),),
                      internal_domains=("ch.local",))

IP = {"dc01": "10.20.1.2", "dpi-app01": "10.20.1.11", "dpi-db01": "10.20.1.21",
      "wh-db01": "10.20.1.31", "eai01": "10.20.1.40", "lis01": "10.20.1.50",
      "lis-db01": "10.20.1.51", "gam01": "10.20.1.60", "pacs01": "10.20.2.5",
      "ct01": "10.20.3.7", "fin-app01": "10.20.4.10", "fin-db01": "10.20.4.11",
      "backup01": "10.20.4.20", "ws-0001": "10.20.5.100"}
GB = 1024 ** 3


def _server(name, processes=(), disk=None):
    out = [obs("host", collector="agent-inventory", hostname=name, addresses=[IP[name]],
               os="Linux", **({"disk_used_bytes": disk} if disk else {}))]
    out += [obs("process", collector="agent-inventory", hostname=name, name=p) for p in processes]
    return out


def _listen(name, port, process, transport="tcp"):
    return obs("listen", collector="agent-inventory", hostname=name, ip="0.0.0.0", port=port,
               transport=transport, process=process)


def _flow(client, server, port, connections=10, transport="tcp"):
    return obs("flow", collector="pcap", client_ip=IP[client], server_ip=IP[server],
               server_port=port, transport=transport, packets_to_server=10, packets_to_client=10,
               bytes_to_server=1000, bytes_to_client=1000, connections=connections,
               first_seen="2026-03-02T08:00:00Z", last_seen="2026-03-09T08:00:00Z")


def _proto(client, server, port, protocol, facts, transport="tcp"):
    return obs("protocol", collector="pcap", client_ip=IP[client], server_ip=IP[server],
               server_port=port, transport=transport, protocol=protocol, facts=facts)


def _hl7(client, server, mtype, sender, receiver):
    return [_flow(client, server, 2575, 50),
            _proto(client, server, 2575, "hl7v2-mllp",
                   {"message_type": mtype, "version": "2.5", "sending_application": sender,
                    "receiving_application": receiver})]


def observations():
    o = []
    o += _server("dc01", ["ntds", "dns.exe"], 40 * GB)
    o += [_listen("dc01", 88, "lsass"), _listen("dc01", 389, "lsass"),
          _listen("dc01", 53, "dns.exe", "udp"), _listen("dc01", 445, "system")]
    o += _server("dpi-app01", ["dxcare"], 60 * GB)
    o += [_listen("dpi-app01", 443, "dxcare"), _listen("dpi-app01", 2575, "dxcare")]
    o += _server("dpi-db01", ["postgres"])
    o += [_listen("dpi-db01", 5432, "postgres"),
          obs("db_schema", collector="sql-dump", host="dpi-db01", port=5432, engine="postgresql",
              database="dpi", bytes=500 * GB,
              tables=[{"schema": "public", "name": t, "columns": ["id", "date_naissance"], "rows": 10}
                      for t in ("patient", "sejour", "prescription")])]
    o += _server("wh-db01", ["postgres"], 800 * GB)
    o += [_listen("wh-db01", 5432, "postgres"),
          obs("db_schema", collector="sql-dump", host="wh-db01", port=5432, engine="postgresql",
              database="dwh", tables=[{"schema": "public", "name": "fait_sejour", "columns": ["id"]}]),
          obs("db_link", collector="sql-dump", source_host="wh-db01", source_port=5432,
              source_engine="postgresql", source_database="dwh", target_host="dpi-db01",
              target_port=5432, target_engine="postgresql", target_database="dpi",
              mechanism="postgres_fdw", object="dpi_remote")]
    o += _server("eai01", ["mirth"], 30 * GB)
    o += [_listen("eai01", 2575, "mirth")]
    o += _server("lis01", ["glims"], 20 * GB)
    o += [_listen("lis01", 2575, "glims")]
    o += _server("lis-db01", ["mysqld"], 100 * GB)
    o += [_listen("lis-db01", 3306, "mysqld")]
    o += _server("gam01", ["gam"], 10 * GB)
    o += _server("pacs01", ["orthanc"], 4000 * GB)
    o += [_listen("pacs01", 104, "orthanc")]
    o += [obs("host", collector="nmap", hostname="ct01", addresses=[IP["ct01"]],
              device_class="medical_device")]
    o += _server("fin-app01", ["cpage"], 15 * GB)
    o += _server("fin-db01", ["sqlservr"], 50 * GB)
    o += [_listen("fin-db01", 1433, "sqlservr")]
    o += _server("backup01", ["veeam.backup.service.exe"], 2000 * GB)
    # application ↔ database
    o += [_flow("dpi-app01", "dpi-db01", 5432, 400),
          _proto("dpi-app01", "dpi-db01", 5432, "postgresql", {"database": "dpi"}),
          obs("config_ref", collector="config", host="dpi-app01", target_host="dpi-db01",
              target_port=5432, scheme="postgresql", target_database="dpi",
              key="datasource.url"),
          _flow("lis01", "lis-db01", 3306, 300),
          _proto("lis01", "lis-db01", 3306, "mysql", {"database": "glims"}),
          _flow("fin-app01", "fin-db01", 1433, 200),
          _proto("fin-app01", "fin-db01", 1433, "tds", {"instance": "CPAGE"})]
    # care chain through the interface engine
    o += _hl7("gam01", "eai01", "ADT^A01", "GAM", "EAI")
    o += _hl7("eai01", "lis01", "ORM^O01", "EAI", "GLIMS")
    o += _hl7("eai01", "dpi-app01", "ORU^R01", "GLIMS", "DXCARE")
    o += _hl7("lis01", "eai01", "ORU^R01", "GLIMS", "EAI")
    # imaging
    o += [_flow("ct01", "pacs01", 104, 80),
          _proto("ct01", "pacs01", 104, "dicom",
                 {"calling_ae": "CT1", "called_ae": "PACS",
                  "abstract_syntaxes": ["1.2.840.10008.5.1.4.1.1.2"]})]
    # everyone asks the directory
    for h in ("dpi-app01", "eai01", "lis01", "fin-app01", "pacs01", "backup01"):
        o += [_flow(h, "dc01", 389, 5), _flow(h, "dc01", 445, 2)]
    # backup to the cloud, a user PC on the DPI
    o += [obs("dns", collector="pcap", name="hop.blob.core.windows.net", address="20.60.1.5",
              record_type="A"),
          obs("flow", collector="pcap", client_ip=IP["backup01"], server_ip="20.60.1.5",
              server_port=443, transport="tcp", packets_to_server=5, packets_to_client=5,
              bytes_to_server=5000, bytes_to_client=100, connections=3),
          _flow("ws-0001", "dpi-app01", 443, 40)]
    return o


def hospital():
    """(graph, tags) of the hand-built hospital."""
    g = build_graph(observations(), CONFIG)
    return g, classify(g, load_packs([default_pack_path()]))
