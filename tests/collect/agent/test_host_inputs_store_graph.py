"""Agent inventories and nmap XML through the store (idempotent, one transaction per file)
and into the dependency graph (an agent connection becomes a client → service flow)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from scanner.collect.agent import inventory
from scanner.collect.importers import nmap_xml
from scanner.errors import InputError
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig, Site
from scanner.privacy import find_canaries
from scanner.store import Store, sha256_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
INPUTS = [(inventory, FIXTURES / "agent" / "dpi-db01.json"), (inventory, FIXTURES / "agent" / "dpi-app01.json"),
          (nmap_xml, FIXTURES / "nmap" / "scan.xml")]


def _import(store: Store, module, path: Path):
    return store.import_observations(path.name, sha256_file(path), path.stat().st_size, module.NAME,
                                     module.VERSION, module.collect(path, path.name))


def test_second_import_adds_nothing_and_no_canary_is_stored(tmp_path):
    with Store(tmp_path / "store.sqlite") as store:
        first = [_import(store, m, p) for m, p in INPUTS]
        assert all(r.new == r.observations > 0 for r in first)
        counts = store.counts()
        second = [_import(store, m, p) for m, p in INPUTS]
        assert all(r.skipped and r.new == 0 for r in second)
        assert store.counts() == counts
    assert find_canaries(tmp_path, ["S3cr3t-CANARY", "DUPONT-CANARY"]) == []


def test_same_observations_under_a_new_file_hash_store_nothing_new(tmp_path):
    # the file-hash shortcut aside, content-hashed ids make a re-read a no-op
    with Store(tmp_path / "store.sqlite") as store:
        path = FIXTURES / "agent" / "dpi-db01.json"
        _import(store, inventory, path)
        again = store.import_observations(path.name, "0" * 64, 1, inventory.NAME, inventory.VERSION,
                                          inventory.collect(path, path.name))
        assert again.observations > 0 and again.new == 0


def test_a_refused_file_leaves_nothing(tmp_path):
    with Store(tmp_path / "store.sqlite") as store:
        for module, path in ((inventory, FIXTURES / "agent" / "wrong-type.json"),
                             (nmap_xml, FIXTURES / "nmap" / "truncated.xml")):
            with pytest.raises(InputError):
                _import(store, module, path)
        assert sum(store.counts().values()) == 0


@pytest.fixture(scope="module")
def graph():
    obs = [o for m, p in INPUTS for o in m.collect(p, p.name)]
    config = EstateConfig(name="CH test", internal_domains=("ch-example.local",),
                          sites=(Site("main", "Main", (ipaddress.ip_network("10.20.0.0/16"),)),))
    return build_graph(obs, config)


def test_agent_connection_becomes_a_flow_to_the_service(graph):
    flow = graph.get_edge_data("host:dpi-app01", "svc:dpi-db01:tcp/5432")["flow"]
    assert flow["sources"] == ["agent-inventory"]
    assert (flow["port"], flow["transport"]) == (5432, "tcp")
    assert (flow["first_seen"], flow["last_seen"]) == ("2026-03-02T08:00:05Z", "2026-03-09T07:59:55Z")
    svc = graph.nodes["svc:dpi-db01:tcp/5432"]
    assert svc["process"] == "postgres"
    assert (svc["nmap_name"], svc["product"]) == ("postgresql", "PostgreSQL DB")


def test_hosts_merge_agent_and_nmap_facts(graph):
    db = graph.nodes["host:dpi-db01"]
    assert db["agent"] is True and db["device_class"] == "server"
    assert db["nmap_os"] == "Linux 4.15 - 5.8"
    assert "postgres" in db["processes"]
    # the nmap-only hosts keep their classes; the PTR name inside the internal domain names one
    assert graph.nodes["host:irm-console"]["device_class"] == "workstation"
    assert graph.nodes["host:10.20.1.1"]["device_class"] == "network"
    # loopback is no dependency: no edge touches 127.0.0.1
    assert not [n for n in graph if "127.0.0.1" in n]
