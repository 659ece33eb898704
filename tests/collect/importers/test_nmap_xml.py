"""The nmap XML collector on hand-written ``nmap -sV -O -oX`` files: hosts, services,
OS guesses, evidence, and the refusals (truncated scan, entity bomb, external DTD)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect import registry
from scanner.collect.importers import nmap_xml
from scanner.errors import InputError
from scanner.model.observations import canonical_json

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "nmap"


def _obs(name: str = "scan.xml", path: Path | None = None):
    return list(nmap_xml.collect(path or FIX / name, f"nmap/{name}"))


def test_contract_and_registry_pick_it():
    assert (nmap_xml.NAME, nmap_xml.VERSION) == ("nmap", "1")
    # no collector before it in the registry takes an nmap file
    head = (FIX / "scan.xml").read_bytes()[:registry.HEAD_BYTES]
    mine = registry.COLLECTORS.index("scanner.collect.importers.nmap_xml")
    assert not [m for m in registry.COLLECTORS[:mine] if registry.load(m).accepts(FIX / "scan.xml", head)]
    assert nmap_xml.accepts(Path("x.xml"), (FIX / "scan.xml").read_bytes()[:4096])
    assert not nmap_xml.accepts(Path("x.xml"), b'<?xml version="1.0"?><config/>')


def test_only_up_hosts_with_names_addresses_and_classes():
    hosts = {o.evidence.location: o.data for o in _obs() if o.kind == "host"}
    # host[2] is down: no observation, but numbering still counts it
    assert sorted(hosts) == ["host[1]", "host[3]", "host[4]", "host[5]", "host[6]"]
    assert hosts["host[1]"] == {"hostname": "dpi-app01.ch-example.local", "addresses": ["10.20.1.11"],
                                "macs": ["00:50:56:aa:bb:01"], "device_class": "server"}
    # a user-given name wins over the PTR name; IPv6 kept beside IPv4
    assert hosts["host[3]"]["hostname"] == "dpi-db01"
    assert hosts["host[3]"]["addresses"] == ["10.20.1.21", "fd00:20:1::21"]
    assert "hostname" not in hosts["host[4]"]
    assert hosts["host[4]"]["device_class"] == "network"        # switch
    assert hosts["host[5]"]["device_class"] == "workstation"    # Windows 10
    assert hosts["host[6]"]["device_class"] == "unknown"        # printer: nmap can't say more


def test_one_service_per_open_port_without_extrainfo():
    svcs = [o for o in _obs() if o.kind == "service"]
    got = sorted((o.data["ip"], o.data["transport"], o.data["port"]) for o in svcs)
    # filtered 22, closed 5985 and 23, open|filtered udp/161 are not services
    assert got == [("10.20.1.1", "tcp", 443), ("10.20.1.11", "tcp", 135), ("10.20.1.11", "tcp", 445),
                   ("10.20.1.11", "tcp", 3389), ("10.20.1.11", "tcp", 8443),
                   ("10.20.1.14", "tcp", 9100), ("10.20.1.21", "tcp", 22), ("10.20.1.21", "tcp", 5432),
                   ("10.20.1.9", "tcp", 104)]
    tomcat = next(o for o in svcs if o.data["port"] == 8443)
    assert tomcat.data == {"ip": "10.20.1.11", "hostname": "dpi-app01.ch-example.local", "port": 8443,
                           "transport": "tcp", "state": "open", "name": "http",
                           "product": "Apache Tomcat", "version": "9.0.83"}
    assert tomcat.evidence.location == "host[1]/port[5]"
    # extrainfo and script output never reach an observation
    text = canonical_json([o.to_dict() for o in _obs()])
    assert "DUPONT-CANARY" not in text and "CHEX" not in text and "cpe:" not in text


def test_best_os_guess_and_evidence_times():
    guesses = {o.data["ip"]: o for o in _obs() if o.kind == "os_guess"}
    assert guesses["10.20.1.11"].data == {"ip": "10.20.1.11", "name": "Microsoft Windows Server 2019",
                                          "accuracy": 96, "device_type": "general purpose"}
    assert guesses["10.20.1.1"].data["device_type"] == "switch"
    ev = guesses["10.20.1.21"].evidence
    assert (ev.collector, ev.collector_version, ev.source, ev.location, ev.host) == \
        ("nmap", "1", "nmap/scan.xml", "host[3]", None)
    assert (ev.observed_from, ev.observed_to) == ("2026-03-02T08:00:00Z", "2026-03-02T08:01:52Z")


def test_output_is_deterministic():
    assert [o.id for o in _obs()] == [o.id for o in _obs()]


def test_device_class_is_conservative():
    m = nmap_xml._OsMatch
    assert nmap_xml.device_class(None) is None
    assert nmap_xml.device_class(m("Microsoft Windows 11 21H2", 99, "general purpose", "Windows", "11")) \
        == "workstation"
    assert nmap_xml.device_class(m("Microsoft Windows Server 2022", 99, "general purpose", "Windows",
                                   "2022")) == "server"
    # the first osclass's generation decides; the name only without one
    assert nmap_xml.device_class(m("Microsoft Windows Server 2008 R2 or Windows 7", 95, "general purpose",
                                   "Windows", "2008")) == "server"
    assert nmap_xml.device_class(m("Microsoft Windows 10 1607", 95, "general purpose", "Windows", None)) \
        == "workstation"
    assert nmap_xml.device_class(m("Fortinet FortiGate", 92, "firewall", "FortiOS", "6.X")) == "network"
    assert nmap_xml.device_class(m("Philips IntelliVue", 95, "specialized", "embedded", None)) == "unknown"
    assert nmap_xml.device_class(m("Linux 5.X", 80, "general purpose", "Linux", "5.X")) == "unknown"


def test_truncated_scan_is_refused_whole_naming_line_and_column():
    with pytest.raises(InputError) as err:
        _obs("truncated.xml")
    msg = str(err.value)
    assert msg.startswith("nmap/truncated.xml: line 85 col ")
    assert "not well formed" in msg and "\n" not in msg


def test_truncated_anywhere_is_an_input_error(tmp_path):
    data = (FIX / "scan.xml").read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 12):
        p = tmp_path / "cut.xml"
        p.write_bytes(data[:cut])
        with pytest.raises(InputError, match=r"cut\.xml: line \d+ col \d+"):
            _obs("cut.xml", p)


def test_entity_bomb_is_refused_before_parsing():
    with pytest.raises(InputError) as err:
        _obs("entity_bomb.xml")
    assert str(err.value) == ("nmap/entity_bomb.xml: line 3 col 2: XML entity declarations are "
                              "refused (entity-expansion bomb?)")


@pytest.mark.parametrize("doctype, word", [
    (b'<!DOCTYPE nmaprun SYSTEM "file:///etc/passwd">', "external DTD"),
    (b"<!DOCTYPE nmaprun [ <!ELEMENT nmaprun ANY> ]>", "internal DTD subset"),
])
def test_dtds_other_than_nmaps_own_are_refused(tmp_path, doctype, word):
    data = (FIX / "scan.xml").read_bytes().replace(b"<!DOCTYPE nmaprun>", doctype)
    p = tmp_path / "dtd.xml"
    p.write_bytes(data)
    with pytest.raises(InputError, match=f"dtd.xml: line 2 col 1: .*{word}"):
        _obs("dtd.xml", p)


def test_bad_port_number_names_host_and_port(tmp_path):
    data = (FIX / "scan.xml").read_bytes().replace(b'portid="5432"', b'portid="54x2"')
    p = tmp_path / "bad.xml"
    p.write_bytes(data)
    with pytest.raises(InputError, match=r"bad.xml: host\[3\]/port\[2\]: portid '54x2'"):
        _obs("bad.xml", p)


def test_wrong_root_is_refused(tmp_path):
    p = tmp_path / "other.xml"
    p.write_bytes(b'<?xml version="1.0"?>\n<scan><nmaprun/></scan>\n')
    with pytest.raises(InputError, match="root element is <scan>"):
        _obs("other.xml", p)


def test_banner_text_is_made_safe_for_the_privacy_door(tmp_path):
    long = "A" * 400
    data = (FIX / "scan.xml").read_bytes().replace(
        b'product="PostgreSQL DB"', f'product="Postgre&#xa;&#x9;SQL {long}"'.encode())
    p = tmp_path / "banner.xml"
    p.write_bytes(data)
    svc = next(o for o in _obs("banner.xml", p) if o.kind == "service" and o.data["port"] == 5432)
    assert svc.data["product"].startswith("Postgre SQL AAA") and len(svc.data["product"]) == 256


def test_a_large_sweep_streams_host_by_host(tmp_path):
    data = (FIX / "scan.xml").read_text(encoding="utf-8")
    head, rest = data.split("<host ", 1)
    block = "<host " + rest.split("</host>", 1)[0] + "</host>\n"      # host[1], up, 4 open ports
    tail = data[data.index("<runstats>"):]
    p = tmp_path / "sweep.xml"
    n = 3000
    p.write_text(head + "".join(block.replace("10.20.1.11", f"10.21.{i // 250}.{i % 250 + 1}")
                                for i in range(n)) + tail, encoding="utf-8")
    counts: dict[str, int] = {}
    for o in nmap_xml.collect(p, "sweep.xml"):
        counts[o.kind] = counts.get(o.kind, 0) + 1
    assert counts == {"host": n, "service": 4 * n, "os_guess": n}
