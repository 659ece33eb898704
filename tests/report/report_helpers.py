"""A small classified estate and a hand-made plan (plan.json shape) for the report tests."""

from __future__ import annotations

import ipaddress

from scanner.classify.engine import classify
from scanner.classify.loader import default_pack_path, load_packs
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig, Site
from tests.conftest import obs

CONFIG = EstateConfig(name="CH de test", sites=(Site("main", "Site principal",
                                                     (ipaddress.ip_network("10.20.0.0/16"),)),),
                      internal_domains=("ch.local",))


def observations():
    return [
        obs("host", collector="agent-inventory", hostname="dpi-app01", fqdn="dpi-app01.ch.local",
            addresses=["10.20.1.11"], os="Windows Server"),
        obs("host", collector="agent-inventory", hostname="dpi-db01", addresses=["10.20.1.21"]),
        obs("listen", collector="agent-inventory", hostname="dpi-db01", ip="0.0.0.0", port=5432,
            transport="tcp", process="postgres"),
        obs("flow", collector="pcap", client_ip="10.20.1.11", server_ip="10.20.1.21", server_port=5432,
            transport="tcp", packets_to_server=10, packets_to_client=8, bytes_to_server=1000,
            bytes_to_client=800, connections=2, first_seen="2026-03-01T08:00:00Z",
            last_seen="2026-03-01T09:00:00Z"),
        obs("protocol", collector="pcap", client_ip="10.20.1.11", server_ip="10.20.1.21",
            server_port=5432, transport="tcp", protocol="postgresql", facts={"database": "dpi"}),
        obs("db_schema", collector="sql-dump", host="dpi-db01", port=5432, engine="postgresql",
            database="dpi", tables=[{"schema": "public", "name": "patient", "columns": ["IPP", "nom"],
                                     "rows": 3}]),
        obs("db_link", collector="sql-dump", source_host="eds-db01", source_port=5432,
            source_engine="postgresql", source_database="eds", target_host="dpi-db01.ch.local",
            target_port=5432, target_engine="postgresql", target_database="dpi",
            mechanism="postgres_fdw", object="dpi_link"),
        obs("config_ref", collector="config", host="dpi-app01", target_host="dpi-db01.ch.local",
            target_port=5432, scheme="postgresql", target_database="dpi", key="spring.datasource.url"),
        obs("dns", collector="pcap", name="backup.blob.core.windows.net", address="20.60.1.5",
            record_type="A"),
        obs("dns", collector="pcap", name="pacs01.ch.local", address="10.20.2.5", record_type="A"),
        obs("flow", collector="pcap", client_ip="10.20.1.50", server_ip="20.60.1.5", server_port=443,
            transport="tcp", packets_to_server=5, packets_to_client=5, bytes_to_server=5000,
            bytes_to_client=100, connections=1),
        obs("protocol", collector="pcap", client_ip="10.20.3.7", server_ip="10.20.2.5", server_port=4242,
            transport="tcp", protocol="dicom",
            facts={"calling_ae": "CT_SCANNER1", "called_ae": "PACS",
                   "abstract_syntaxes": ["1.2.840.10008.5.1.4.1.1.2"]}),
    ]


def estate():
    """(graph, tags) of the small estate, classified with the default rule pack."""
    g = build_graph(observations(), CONFIG)
    tags = classify(g, load_packs([default_pack_path()]))
    return g, tags


def plan():
    """A plan.json as the planner writes it (built by hand: the planner is another room)."""
    return {
        "schema": "hdscan-plan/1",
        "groups": [
            {"id": "group:g01", "hosts": ["host:dpi-app01", "host:dpi-db01"], "care_tier": None,
             "data_class": "health", "data_bytes": 1800,
             "reasons": [{"kind": "shared_database", "text": "dpi-app01 utilise la base dpi de dpi-db01"}]},
            {"id": "group:g02", "hosts": ["host:pacs01"], "care_tier": 1, "data_class": "health",
             "data_bytes": None, "reasons": [{"kind": "alone", "text": "aucune dépendance forte"}]},
        ],
        "stays": [{"host": "host:10.20.3.7", "reason": "modalité d'imagerie : reste au plus près du patient"}],
        "external": [{"endpoint": "ext:backup.blob.core.windows.net",
                      "reason": "hors établissement : ouverture à prévoir depuis la cible"}],
        "waves": [
            {"number": 2, "id": "wave:2", "name": "DPI", "groups": ["group:g01"],
             "hosts": ["host:dpi-app01", "host:dpi-db01"], "data_bytes": 1800, "window": "week-end",
             "reasons": [{"kind": "dependency", "text": "après l'imagerie"}]},
            {"number": 1, "id": "wave:1", "name": "Imagerie", "groups": ["group:g02"],
             "hosts": ["host:pacs01"], "data_bytes": 123456789, "window": "nuit",
             "reasons": [{"kind": "tier", "text": "vital : fenêtre de nuit"}]},
        ],
        "hybrid_flows": [
            {"source": "host:10.20.3.7", "destination": "host:pacs01", "port": 4242, "protocol": "dicom",
             "from_wave": 1, "until_wave": None, "reason": "la modalité reste sur site"},
        ],
        "summary": {"waves": 2},
    }


def meta():
    return {"estate": "CH de test", "hdscan_version": "0.1.0", "store_fingerprint": "sha256:abc123",
            "inputs": [{"source": "inputs/captures/b.pcap", "collector": "pcap", "observations": 7},
                       {"source": "inputs/agents/a.json", "collector": "agent-inventory", "observations": 3}],
            "observations": {"host": 2, "flow": 2}}
