"""The Zeek importer on Zeek 6 conn/dns/ssl logs (TSV, JSON lines, gzip): flows aggregated
per service, TLS facts, passive DNS with CNAME chains, refusals, idempotent import and the
graph it gives."""

from __future__ import annotations

import gzip
import ipaddress
from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.importers import zeek
from scanner.errors import InputError
from scanner.graph.build import build_graph
from scanner.ingest.estate_file import EstateConfig, Site
from scanner.store import Store, sha256_file

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "zeek"


def _obs(name: str, path: Path | None = None):
    return list(zeek.collect(path or FIX / name, f"zeek/{name}"))


def _flows(observations):
    return {(o.data["client_ip"], o.data["server_ip"], o.data["server_port"], o.data["transport"]): o
            for o in observations if o.kind == "flow"}


def _head(path: Path) -> bytes:
    return path.read_bytes()[:registry.HEAD_BYTES]


# -- accepting --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["conn.log", "dns.log", "ssl.log", "conn.json", "dns.json"])
def test_registry_gives_conn_dns_ssl_logs_to_zeek(name):
    assert registry.collector_for(FIX / name) is zeek


@pytest.mark.parametrize("name", ["http.log", "hosts-inventory.tsv"])
def test_http_log_and_an_unrelated_tsv_are_not_accepted(name):
    assert not zeek.accepts(FIX / name, _head(FIX / name))
    assert registry.collector_for(FIX / name) is None


def test_json_without_path_is_told_from_its_fields():
    assert zeek.json_kind({"id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2", "conn_state": "SF"}) == "conn"
    assert zeek.json_kind({"id": {"orig_h": "10.0.0.1", "resp_h": "10.0.0.2"}, "resumed": False}) == "ssl"
    # http.log records (uri, method…) carry none of the markers
    assert zeek.json_kind({"id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2", "method": "GET",
                           "uri": "/patients"}) is None
    assert zeek.json_kind({"_path": "files", "id.orig_h": "10.0.0.1"}) is None


# -- conn.log ---------------------------------------------------------------------------

def test_conn_log_aggregates_connections_per_service_flow():
    flows = _flows(_obs("conn.log"))
    assert sorted(flows) == [
        ("10.20.1.11", "10.20.0.53", 53, "udp"), ("10.20.1.11", "10.20.1.21", 5432, "tcp"),
        ("10.20.1.30", "203.0.113.50", 443, "tcp"), ("10.20.1.40", "10.20.1.9", 104, "tcp"),
        ("10.20.1.50", "10.20.1.60", 6661, "tcp"), ("fd00:20:1::11", "fd00:20:1::21", 5432, "tcp")]
    pg = flows[("10.20.1.11", "10.20.1.21", 5432, "tcp")]
    # two conn lines (ip bytes, not payload bytes), ts of the first, ts+duration of the last
    assert pg.data == {"client_ip": "10.20.1.11", "server_ip": "10.20.1.21", "server_port": 5432,
                       "transport": "tcp", "packets_to_server": 34, "packets_to_client": 31,
                       "bytes_to_server": 4260, "bytes_to_client": 26204, "connections": 2,
                       "first_seen": "2026-03-02T08:00:00Z", "last_seen": "2026-03-02T08:00:12Z",
                       "direction_source": "handshake", "confidence": "high"}
    assert pg.evidence.location == "lines 9-10"
    assert (pg.evidence.collector, pg.evidence.source) == ("zeek", "zeek/conn.log")


def test_missing_fields_count_zero_and_direction_without_handshake_is_medium():
    flows = _flows(_obs("conn.log"))
    syn_only = flows[("10.20.1.40", "10.20.1.9", 104, "tcp")].data     # duration, bytes unset
    assert (syn_only["packets_to_server"], syn_only["bytes_to_client"]) == (2, 0)
    assert syn_only["first_seen"] == syn_only["last_seen"] == "2026-03-02T08:00:13Z"
    assert syn_only["direction_source"] == "handshake"
    mid = flows[("10.20.1.50", "10.20.1.60", 6661, "tcp")].data          # history Dd
    assert (mid["direction_source"], mid["confidence"]) == ("flow-log", "medium")
    assert flows[("fd00:20:1::11", "fd00:20:1::21", 5432, "tcp")].data["bytes_to_client"] == 1320


def test_service_becomes_a_protocol_without_facts_and_icmp_is_skipped():
    protos = [o.data for o in _obs("conn.log") if o.kind == "protocol"]
    assert sorted((p["server_ip"], p["server_port"], p["protocol"], str(p["facts"])) for p in protos) == [
        ("10.20.0.53", 53, "dns", "{}"), ("203.0.113.50", 443, "tls", "{}")]
    assert not [o for o in _obs("conn.log") if o.kind == "flow" and o.data["server_port"] == 0]


def test_json_conn_log_gives_the_same_flows_as_the_tsv_lines():
    tsv = {k: o.data for k, o in _flows(_obs("conn.log")).items()}
    js = {k: o.data for k, o in _flows(_obs("conn.json")).items()}
    assert set(js) < set(tsv)
    ext = ("10.20.1.30", "203.0.113.50", 443, "tcp")
    assert js[ext] == tsv[ext]
    assert js[("10.20.1.11", "10.20.1.21", 5432, "tcp")]["connections"] == 1


def test_gzip_log_reads_like_the_plain_one(tmp_path):
    gz = tmp_path / "conn.09:00:00-10:00:00.log.gz"
    gz.write_bytes(gzip.compress((FIX / "conn.log").read_bytes(), mtime=0))
    assert zeek.accepts(gz, _head(gz))
    assert registry.collector_for(gz) is zeek
    assert [o.data for o in _obs("x", gz)] == [o.data for o in _obs("conn.log")]


# -- ssl.log and dns.log ------------------------------------------------------------------

def test_ssl_log_gives_tls_facts():
    protos = sorted((o.data for o in _obs("ssl.log")), key=lambda d: d["server_port"])
    assert protos[0] == {"client_ip": "10.20.1.30", "server_ip": "203.0.113.50", "server_port": 443,
                         "transport": "tcp", "protocol": "tls",
                         "facts": {"sni": "backup.cloud-backup.example", "version": "TLS 1.3",
                                   "alpn": ["h2"]}}
    assert protos[1]["facts"] == {"version": "TLS 1.2"}                 # no SNI, no ALPN


def test_dns_log_keeps_answers_and_cname_chains_only():
    got = sorted((o.data["name"], o.data["address"], o.data["record_type"])
                 for o in _obs("dns.log") if o.kind == "dns")
    # PTR, NXDOMAIN and unanswered queries give nothing; names are lower-cased
    assert got == [("backup.cloud-backup.example", "backup.eu.cdn-provider.example", "CNAME"),
                   ("backup.eu.cdn-provider.example", "203.0.113.50", "A"),
                   ("backup.eu.cdn-provider.example", "203.0.113.51", "A"),
                   ("dpi-db01.ch-example.local", "fd00:20:1::21", "AAAA"),
                   ("pacs01.ch-example.local", "10.20.1.9", "A")]
    js = sorted((o.data["name"], o.data["address"]) for o in _obs("dns.json"))
    assert js == [(n, a) for n, a, _t in got if not n.startswith("pacs01")]
    first = next(o for o in _obs("dns.json") if o.data["record_type"] == "AAAA")
    assert first.evidence.observed_from == "2026-03-02T08:00:03Z"        # ISO ts read as UTC


# -- refusals -----------------------------------------------------------------------------

def test_truncated_last_line_is_refused_naming_it(tmp_path):
    raw = (FIX / "conn.log").read_bytes()
    body = raw[:raw.index(b"#close")]
    cut = tmp_path / "conn.log"
    cut.write_bytes(body[:-25])                      # the last record cut mid-field
    with pytest.raises(InputError) as exc:
        _obs("conn.log", cut)
    assert str(exc.value).startswith("zeek/conn.log: line 16: truncated line")


def test_cut_gzip_stream_is_refused(tmp_path):
    gz = tmp_path / "conn.log.gz"
    gz.write_bytes(gzip.compress((FIX / "conn.log").read_bytes(), mtime=0)[:-30])
    with pytest.raises(InputError, match="compressed log cut short"):
        _obs("conn.log.gz", gz)


def test_wrong_field_count_and_bad_json_are_refused(tmp_path):
    bad = tmp_path / "conn.log"
    text = (FIX / "conn.log").read_text().replace("\tShADadFf\t10\t", "\tShADadFf\t", 1)
    bad.write_text(text)
    with pytest.raises(InputError, match=r"line 10: 20 fields where #fields names 21"):
        _obs("conn.log", bad)
    js = tmp_path / "conn.json"
    js.write_text((FIX / "conn.json").read_text() + '{"ts": 1772438420.0, "id.orig_h": \n')
    with pytest.raises(InputError, match=r"conn.json: line 5: not a JSON record"):
        _obs("conn.json", js)


def test_a_concatenated_http_log_is_refused(tmp_path):
    mixed = tmp_path / "conn.log"
    mixed.write_bytes((FIX / "conn.log").read_bytes() + (FIX / "http.log").read_bytes())
    with pytest.raises(InputError, match="'http' log is not read"):
        _obs("conn.log", mixed)


# -- store and graph ----------------------------------------------------------------------

def test_importing_twice_adds_nothing(tmp_path):
    with Store(tmp_path / "store.sqlite") as store:
        path = FIX / "conn.log"
        first = store.import_observations("zeek/conn.log", sha256_file(path), path.stat().st_size,
                                          zeek.NAME, zeek.VERSION, zeek.collect(path, "zeek/conn.log"))
        again = store.import_observations("zeek/conn.log", "other-key", path.stat().st_size,
                                          zeek.NAME, zeek.VERSION, zeek.collect(path, "zeek/conn.log"))
        assert first.new == first.observations == 8
        assert (again.observations, again.new) == (8, 0)


def test_graph_has_client_to_service_flow_and_sni_names_the_endpoint():
    config = EstateConfig(name="CH test", sites=(Site("main", "Main",
                                                      (ipaddress.ip_network("10.20.0.0/16"),
                                                       ipaddress.ip_network("fd00:20::/32"))),))
    g = build_graph(_obs("conn.log") + _obs("ssl.log"), config)
    edges = {(u, v): d for u, v, k, d in g.edges(keys=True, data=True) if k == "flow"}
    pg = [(u, v) for (u, v) in edges if v.startswith("svc:") and v.endswith(":tcp/5432")
          and "10.20.1.21" in g.nodes[g.nodes[v]["host"]]["addresses"]]
    assert len(pg) == 1
    u, v = pg[0]
    assert g.nodes[u]["kind"] == "host" and "10.20.1.11" in g.nodes[u]["addresses"]
    assert edges[pg[0]]["connections"] == 2 and edges[pg[0]]["sources"] == ["zeek"]
    ext = [(u, v) for (u, v) in edges if v.startswith("ext:")]
    assert len(ext) == 1 and g.nodes[ext[0][0]]["kind"] == "host"
    endpoint = g.nodes[ext[0][1]]
    assert endpoint["kind"] == "endpoint" and endpoint["addresses"] == ["203.0.113.50"]
    assert "backup.cloud-backup.example" in endpoint["names"]
    assert edges[ext[0]]["facts"].get("tls.snis") == ["backup.cloud-backup.example"]


def test_uris_of_http_log_never_reach_the_store(tmp_path):
    from scanner.privacy import find_canaries
    out = tmp_path / "out"
    with Store(out / "store.sqlite") as store:
        for path in sorted(FIX.iterdir()):
            collector = registry.collector_for(path)
            if collector is not None:
                store.import_observations(path.name, sha256_file(path), path.stat().st_size,
                                          collector.NAME, collector.VERSION,
                                          collector.collect(path, path.name))
        assert store.counts()
    assert "DUPONT" in (FIX / "http.log").read_text()
    assert find_canaries(out, ["DUPONT", "/patients"]) == []


def test_a_time_that_is_no_date_is_refused_naming_the_line(tmp_path):
    bad = tmp_path / "conn.log"
    bad.write_text((FIX / "conn.log").read_text().replace("1772438413.000000", "1e300", 1))
    with pytest.raises(InputError, match=r"conn.log: line 14: time 1e\+300 is not a date"):
        _obs("conn.log", bad)
