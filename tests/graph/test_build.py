"""The dependency graph: identity resolution, merge rules, and the attribute contract."""

from __future__ import annotations

import ipaddress

import pytest

from scanner.graph import io as graph_io
from scanner.graph.build import build_graph, fact_key
from scanner.ingest.estate_file import EstateConfig, Site
from tests.conftest import obs

CONFIG = EstateConfig(name="CH test", sites=(Site("main", "Main", (ipaddress.ip_network("10.20.0.0/16"),)),),
                      internal_domains=("ch.local",))


def _estate():
    return [
        obs("host", collector="agent-inventory", hostname="DPI-APP01", fqdn="dpi-app01.ch.local",
            addresses=["10.20.1.11"], os="Windows Server"),
        obs("host", collector="agent-inventory", hostname="dpi-db01", addresses=["10.20.1.21"]),
        obs("process", collector="agent-inventory", hostname="dpi-db01", name="postgres"),
        obs("listen", collector="agent-inventory", hostname="dpi-db01", ip="0.0.0.0", port=5432,
            transport="tcp", process="postgres"),
        obs("listen", collector="agent-inventory", hostname="dpi-db01", ip="127.0.0.1", port=6000,
            transport="tcp", process="local-only"),
        obs("connection", collector="agent-inventory", hostname="dpi-app01", client_ip="10.20.1.11",
            server_ip="10.20.1.21", server_port=5432, transport="tcp", process="java",
            local_role="client", first_seen="2026-03-02T08:00:00Z", last_seen="2026-03-03T08:00:00Z"),
        obs("flow", collector="pcap", client_ip="10.20.1.11", server_ip="10.20.1.21", server_port=5432,
            transport="tcp", packets_to_server=10, packets_to_client=8, bytes_to_server=1000,
            bytes_to_client=800, connections=2, first_seen="2026-03-01T08:00:00Z",
            last_seen="2026-03-01T09:00:00Z"),
        obs("protocol", collector="pcap", client_ip="10.20.1.11", server_ip="10.20.1.21",
            server_port=5432, transport="tcp", protocol="postgresql",
            facts={"database": "dpi", "application_name": "dpi-web"}),
        obs("db_schema", collector="sql-dump", host="dpi-db01", port=5432, engine="postgresql",
            database="dpi", tables=[{"schema": "public", "name": "patient", "columns": ["IPP", "nom"],
                                     "rows": 3}]),
        obs("db_link", collector="sql-dump", source_host="eds-db01", source_port=5432,
            source_engine="postgresql", source_database="eds", target_host="dpi-db01.ch.local",
            target_port=5432, target_engine="postgresql", target_database="dpi",
            mechanism="postgres_fdw", object="dpi_link"),
        obs("config_ref", collector="config", host="dpi-app01", target_host="dpi-db01.ch.local",
            target_port=5432, scheme="postgresql", target_database="dpi", key="spring.datasource.url"),
        obs("dns", collector="pcap", name="backup.blob.core.windows.net", address="blob.ams.store.core.windows.net",
            record_type="CNAME"),
        obs("dns", collector="pcap", name="blob.ams.store.core.windows.net", address="20.60.1.5",
            record_type="A"),
        obs("dns", collector="pcap", name="pacs01.ch.local", address="10.20.2.5", record_type="A"),
        obs("flow", collector="pcap", client_ip="10.20.1.50", server_ip="20.60.1.5", server_port=443,
            transport="tcp", packets_to_server=5, packets_to_client=5, bytes_to_server=5000,
            bytes_to_client=100, connections=1),
        obs("protocol", collector="pcap", client_ip="10.20.3.7", server_ip="10.20.2.5", server_port=4242,
            transport="tcp", protocol="dicom",
            facts={"calling_ae": "CT_SCANNER1", "called_ae": "PACS", "abstract_syntaxes": ["1.2.840.10008.5.1.4.1.1.2"]}),
    ]


@pytest.fixture(scope="module")
def graph():
    return build_graph(_estate(), CONFIG)


def test_hosts_are_named_by_the_most_trusted_source(graph):
    assert graph.nodes["host:dpi-app01"]["agent"] is True
    assert graph.nodes["host:dpi-app01"]["addresses"] == ["10.20.1.11"]
    assert graph.nodes["host:dpi-app01"]["site"] == "main"
    # passive DNS names an agentless host
    assert "host:pacs01" in graph
    assert graph.nodes["host:pacs01"]["device_class"] == "unknown"
    # an unnamed device stays known by its address, never dropped
    assert "host:10.20.3.7" in graph


def test_flow_from_agent_and_capture_merge_into_one_edge(graph):
    edges = graph.get_edge_data("host:dpi-app01", "svc:dpi-db01:tcp/5432")
    flow = edges["flow"]
    assert flow["sources"] == ["agent-inventory", "pcap"]
    assert flow["bytes"] == 1800 and flow["packets"] == 18 and flow["connections"] == 2
    assert flow["first_seen"] == "2026-03-01T08:00:00Z"
    assert flow["last_seen"] == "2026-03-03T08:00:00Z"
    assert flow["protocol"] == "postgresql"
    assert flow["client_processes"] == ["java"]
    assert len(flow["evidence"]) == 3


def test_service_protocol_facts_and_process(graph):
    svc = graph.nodes["svc:dpi-db01:tcp/5432"]
    assert svc["protocol"] == "postgresql"
    assert svc["process"] == "postgres"
    assert svc["facts"]["postgresql.databases"] == ["dpi"]
    assert graph.has_edge("host:dpi-db01", "svc:dpi-db01:tcp/5432", key="runs")
    assert "svc:dpi-db01:tcp/6000" not in graph     # loopback-only listener
    assert graph.nodes["svc:pacs01:tcp/4242"]["protocol"] == "dicom"
    assert graph.nodes["svc:pacs01:tcp/4242"]["facts"]["dicom.calling_aes"] == ["CT_SCANNER1"]


def test_databases_links_and_config_refs(graph):
    db = graph.nodes["db:postgresql://dpi-db01:5432/dpi"]
    assert db["tables"] == ["public.patient"] and db["columns"] == ["ipp", "nom"] and db["rows"] == 3
    assert graph.has_edge("svc:dpi-db01:tcp/5432", "db:postgresql://dpi-db01:5432/dpi", key="hosts")
    link = graph.get_edge_data("db:postgresql://eds-db01:5432/eds",
                               "db:postgresql://dpi-db01:5432/dpi")["db_link"]
    assert link["mechanisms"] == ["postgres_fdw"] and link["objects"] == ["dpi_link"]
    ref = graph.get_edge_data("host:dpi-app01", "db:postgresql://dpi-db01:5432/dpi")["config_ref"]
    assert ref["keys"] == ["spring.datasource.url"]


def test_external_endpoint_is_named_by_what_the_client_asked(graph):
    ext = "ext:backup.blob.core.windows.net"
    assert ext in graph
    assert graph.nodes[ext]["names"] == ["backup.blob.core.windows.net", "blob.ams.store.core.windows.net"]
    assert graph.nodes[ext]["addresses"] == ["20.60.1.5"]
    assert graph.has_edge("host:10.20.1.50", ext, key="flow")


def test_merge_is_order_independent_and_idempotent():
    obs_list = _estate()
    a = graph_io.dumps(build_graph(obs_list, CONFIG))
    b = graph_io.dumps(build_graph(list(reversed(obs_list)), CONFIG))
    c = graph_io.dumps(build_graph(obs_list + obs_list, CONFIG))
    assert a == b == c


def test_graph_json_round_trip(graph):
    text = graph_io.dumps(graph)
    again = graph_io.graph_from_dict(graph_io.graph_to_dict(graph))
    assert graph_io.dumps(again) == text


def test_fact_keys():
    assert fact_key("hl7v2-mllp", "message_type") == "hl7.message_types"
    assert fact_key("fhir", "resource_type") == "fhir.resource_types"
    assert fact_key("dicom", "abstract_syntaxes") == "dicom.abstract_syntaxes"
    assert fact_key("tls", "alpn") == "tls.alpn"
