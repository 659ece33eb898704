"""The pcap collector end to end on the committed fixtures: observations, evidence, privacy."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect.capture import collector
from scanner.errors import InputError
from scanner.model.observations import canonical_json

CANARY = "vasquellon"
ALL = ["hospital.pcap", "hospital_ns.pcap", "hospital_be.pcap", "two_ifaces.pcapng",
       "two_ifaces_be_ns.pcapng", "vlan.pcap", "ipv6_frag.pcap", "sll.pcap", "sll2.pcap",
       "raw.pcap", "odd.pcap", "user_link.pcap", "truncated.pcap"]


def _obs(fix, name):
    return list(collector.collect(fix / name, f"captures/{name}"))


def _protocols(obs):
    return {(o.data["server_port"], o.data["protocol"]) for o in obs if o.kind == "protocol"}


def test_contract_names_and_accepts(fix):
    assert (collector.NAME, collector.VERSION) == ("pcap", "2")
    for name in ALL:
        assert collector.accepts(Path(name), (fix / name).read_bytes()[:4096])
    assert not collector.accepts(Path("x.pcap"), b"NOTAPCAP")


def test_identified_by_content_on_any_port(fix):
    obs = _obs(fix, "hospital.pcap")
    assert _protocols(obs) == {(6661, "hl7v2-mllp"), (4242, "dicom"), (5433, "postgresql"),
                               (2575, "http"), (8080, "fhir"), (53, "dns")}
    hl7 = sorted(o.data["facts"]["message_type"] for o in obs
                 if o.kind == "protocol" and o.data["protocol"] == "hl7v2-mllp")
    assert hl7 == ["ADT^A01", "ORU^R01"]          # the ACK reply is not a fact of the service


def test_observations_are_sorted_and_carry_evidence(fix):
    obs = _obs(fix, "hospital.pcap")
    kinds = [o.kind for o in obs]
    assert kinds == sorted(kinds, key=["flow", "protocol", "dns"].index)
    flows = [o for o in obs if o.kind == "flow"]
    assert [canonical_json(o.data) for o in flows] == sorted(canonical_json(o.data) for o in flows)
    hl7 = next(o for o in flows if o.data["server_port"] == 6661)
    ev = hl7.evidence
    assert (ev.collector, ev.collector_version, ev.source, ev.location) == \
        ("pcap", "2", "captures/hospital.pcap", "frames 1-12")
    assert (ev.observed_from, ev.observed_to) == ("2026-03-02T08:00:00Z", "2026-03-02T08:00:00Z")
    assert hl7.data["first_seen"] == "2026-03-02T08:00:00Z"
    dicom = next(o for o in obs if o.kind == "protocol" and o.data["protocol"] == "dicom")
    assert dicom.evidence.location == "frame 16"
    assert dicom.data["facts"] == {"abstract_syntaxes": ["1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.2"],
                                   "called_ae": "ORTHANC", "calling_ae": "CT01", "result": "accepted"}
    dns = [(o.data["name"], o.data["address"], o.data["record_type"]) for o in obs if o.kind == "dns"]
    assert dns == [("orthanc.ch-test.local", "10.20.2.20", "A"),
                   ("pacs01.ch-test.local", "orthanc.ch-test.local", "CNAME")]


def test_byte_order_and_resolution_do_not_change_the_facts(fix):
    base = [o.data for o in _obs(fix, "hospital.pcap")]
    assert [o.data for o in _obs(fix, "hospital_ns.pcap")] == base
    assert [o.data for o in _obs(fix, "hospital_be.pcap")] == base
    assert [o.data for o in _obs(fix, "two_ifaces_be_ns.pcapng")] == \
        [o.data for o in _obs(fix, "two_ifaces.pcapng")]


def test_link_layers_reach_the_dissectors(fix):
    assert _protocols(_obs(fix, "vlan.pcap")) == {(11112, "dicom")}
    assert _protocols(_obs(fix, "ipv6_frag.pcap")) == {(8443, "tls")}
    assert _protocols(_obs(fix, "sll.pcap")) == {(3306, "mysql")}
    assert _protocols(_obs(fix, "sll2.pcap")) == {(1521, "oracle-tns")}
    assert _protocols(_obs(fix, "raw.pcap")) == {(88, "kerberos")}
    assert _protocols(_obs(fix, "two_ifaces.pcapng")) == {(53, "dns")}


def test_skipped_frames_are_counted(fix):
    run = collector.collect(fix / "odd.pcap", "odd.pcap")
    obs = list(run)
    assert [o.kind for o in obs] == ["flow"]
    assert run.packets == 5
    assert run.skipped["malformed"] == 3 and run.skipped["non_ip"] == 1
    run = collector.collect(fix / "ipv6_frag.pcap", "f.pcap")
    list(run)
    assert run.skipped["fragment"] == 3


def test_truncated_tail_keeps_results_and_warns(fix):
    run = collector.collect(fix / "truncated.pcap", "captures/truncated.pcap")
    obs = list(run)
    assert len([o for o in obs if o.kind == "flow"]) == 6
    assert run.truncated == (58, 5442)
    assert run.warnings == ["captures/truncated.pcap: frame 58 (byte 5442): truncated record; "
                            "the capture ends mid-packet, results up to frame 57 kept"]


def test_no_complete_packet_is_an_input_error(fix):
    with pytest.raises(InputError) as err:
        _obs(fix, "truncated_header_only.pcap")
    assert str(err.value) == ("captures/truncated_header_only.pcap: frame 1 (byte 24): truncated "
                              "record; the capture ends before its first complete packet, nothing kept")


def test_bad_magic_is_an_input_error(fix):
    with pytest.raises(InputError, match=r"^captures/bad_magic.pcap: byte 0: not a pcap"):
        _obs(fix, "bad_magic.pcap")


def test_same_input_same_ids(fix):
    assert [o.id for o in _obs(fix, "hospital.pcap")] == [o.id for o in _obs(fix, "hospital.pcap")]


@pytest.mark.parametrize("name", ALL)
def test_canary_never_reaches_an_observation(fix, name):
    raw = (fix / name).read_bytes().lower()
    if name.startswith("hospital"):
        assert CANARY.encode() in raw            # the canary is really in the capture
    for o in _obs(fix, name):
        assert CANARY not in canonical_json(o.to_dict()).lower()
