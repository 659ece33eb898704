"""The nfdump csv importer on nfdump 1.7 exports (classic ``-o csv`` with its Summary block,
and the fixed ``cnt,af,firstSeen…`` layout): both directions of a conversation merged into one
service flow, direction from SYN flags else ports, refusals, idempotent import."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.importers import nfdump_csv, zeek
from scanner.errors import InputError
from scanner.store import Store, sha256_file

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "nfdump"
ZEEK = Path(__file__).resolve().parents[2] / "fixtures" / "zeek"


def _flows(name: str, path: Path | None = None):
    obs = list(nfdump_csv.collect(path or FIX / name, f"netflow/{name}"))
    assert {o.kind for o in obs} <= {"flow"}
    return {(o.data["client_ip"], o.data["server_ip"], o.data["server_port"], o.data["transport"]): o
            for o in obs}


@pytest.mark.parametrize("name", ["flows.csv", "flows-fast.csv"])
def test_registry_gives_nfdump_exports_to_this_collector(name):
    assert registry.collector_for(FIX / name) is nfdump_csv


def test_other_csv_and_tsv_files_are_not_accepted():
    head = (ZEEK / "hosts-inventory.tsv").read_bytes()
    assert not nfdump_csv.accepts(ZEEK / "hosts-inventory.tsv", head)
    assert not nfdump_csv.accepts(Path("x.csv"), b"hostname,ip,role\ndpi-app01,10.20.1.11,DPI\n")
    assert not nfdump_csv.accepts(Path("x.csv"), b"ts,sa,da\n")     # no ports, no counters
    assert not zeek.accepts(FIX / "flows.csv", (FIX / "flows.csv").read_bytes()[:4096])


def test_both_directions_merge_into_one_service_flow():
    flows = _flows("flows.csv")
    assert sorted(flows) == [
        ("10.20.1.11", "10.20.0.53", 53, "udp"), ("10.20.1.11", "10.20.1.21", 5432, "tcp"),
        ("10.20.1.40", "10.20.1.9", 104, "tcp"), ("10.20.1.50", "10.20.1.60", 6661, "tcp"),
        ("fd00:20:1::11", "fd00:20:1::21", 5432, "tcp")]
    pg = flows[("10.20.1.11", "10.20.1.21", 5432, "tcp")]
    # two connections, four unidirectional records (lines 2-5); ICMP (line 13) skipped
    assert pg.data == {"client_ip": "10.20.1.11", "server_ip": "10.20.1.21", "server_port": 5432,
                       "transport": "tcp", "packets_to_server": 34, "packets_to_client": 31,
                       "bytes_to_server": 4260, "bytes_to_client": 26204, "connections": 2,
                       "first_seen": "2026-03-02T08:00:00Z", "last_seen": "2026-03-02T08:00:12Z",
                       "direction_source": "port", "confidence": "medium"}
    assert (pg.evidence.collector, pg.evidence.location) == ("nfdump", "lines 2-5")


def test_direction_from_syn_flags_else_ports():
    flows = _flows("flows.csv")
    syn = flows[("10.20.1.40", "10.20.1.9", 104, "tcp")].data
    assert (syn["direction_source"], syn["confidence"], syn["last_seen"]) == \
        ("handshake", "high", "2026-03-02T08:00:16Z")
    # server record first (6661 → 40022): still the 40022 side is the client
    mllp = flows[("10.20.1.50", "10.20.1.60", 6661, "tcp")].data
    assert (mllp["packets_to_server"], mllp["packets_to_client"], mllp["connections"]) == (40, 20, 1)
    assert flows[("fd00:20:1::11", "fd00:20:1::21", 5432, "tcp")].data["bytes_to_client"] == 1320


def test_fixed_layout_with_epoch_milliseconds_and_protocol_numbers():
    flows = _flows("flows-fast.csv")
    pg = flows[("10.20.1.11", "10.20.1.21", 5432, "tcp")].data
    assert (pg["packets_to_server"], pg["bytes_to_client"], pg["first_seen"]) == \
        (24, 21640, "2026-03-02T08:00:00Z")
    # only the resolver's answer was exported: the flow still points at the resolver
    dns = flows[("10.20.1.11", "10.20.0.53", 53, "udp")].data
    assert (dns["packets_to_server"], dns["packets_to_client"], dns["connections"]) == (0, 1, 1)
    assert flows[("10.20.1.40", "10.20.1.9", 104, "tcp")].data["direction_source"] == "handshake"


def test_truncated_last_row_is_refused_naming_its_line(tmp_path):
    raw = (FIX / "flows-fast.csv").read_bytes()
    cut = tmp_path / "flows.csv"
    cut.write_bytes(raw[:-12])
    with pytest.raises(InputError) as exc:
        list(nfdump_csv.collect(cut, "netflow/flows.csv"))
    assert str(exc.value).startswith("netflow/flows.csv: line 6: truncated line")


def test_a_short_row_or_a_bad_value_is_refused(tmp_path):
    lines = (FIX / "flows-fast.csv").read_text().splitlines(keepends=True)
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:3] + [lines[3].replace(",0,8,940", ",8,940")] + lines[4:]))
    with pytest.raises(InputError, match=r"line 4: 16 fields where the header names 17"):
        list(nfdump_csv.collect(short, "short.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines[:2] + [lines[2].replace(",5432,", ",99999,")] + lines[3:]))
    with pytest.raises(InputError, match=r"bad.csv: line 3: source port '99999' is not a count"):
        list(nfdump_csv.collect(bad, "bad.csv"))


def test_importing_twice_adds_nothing(tmp_path):
    path = FIX / "flows.csv"
    with Store(tmp_path / "store.sqlite") as store:
        runs = [store.import_observations("netflow/flows.csv", key, path.stat().st_size,
                                          nfdump_csv.NAME, nfdump_csv.VERSION,
                                          nfdump_csv.collect(path, "netflow/flows.csv"))
                for key in (sha256_file(path), "same-file-other-key")]
    assert (runs[0].observations, runs[0].new) == (5, 5)
    assert (runs[1].observations, runs[1].new) == (5, 0)
