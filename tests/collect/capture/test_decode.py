"""Link, network and transport decoding, on bytes built by scapy."""

from __future__ import annotations

import struct

from scapy.all import (IP, TCP, UDP, CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw)

from scanner.collect.capture.decode import Decoder


def _d(linktype, pkt):
    raw = bytes(pkt)
    return Decoder().decode(linktype, raw, len(raw))


def test_ethernet_tcp():
    got = _d(1, Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=2575, flags="S"))
    assert got[:6] == ("10.0.0.1", "10.0.0.2", 40000, 2575, 6, 0x02)
    assert got[6] == b""


def test_vlan_and_qinq():
    inner = IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=5000, dport=53) / Raw(b"q")
    assert _d(1, Ether() / Dot1Q(vlan=20) / inner)[:5] == ("10.1.0.1", "10.1.0.2", 5000, 53, 17)
    assert _d(1, Ether() / Dot1AD(vlan=100) / Dot1Q(vlan=20) / inner)[6] == b"q"


def test_ipv4_options_and_padding_trimmed():
    pkt = Ether() / IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x94\x04\x00\x00") / TCP(
        sport=1, dport=2, flags="PA") / Raw(b"abc")
    raw = bytes(pkt) + b"\x00" * 12                      # Ethernet trailer padding
    got = Decoder().decode(1, raw, len(raw))
    assert got[6] == b"abc" and got[7] == len(raw)


def test_ipv6_extension_headers_are_skipped():
    pkt = Ether() / IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() \
        / IPv6ExtHdrDestOpt() / TCP(sport=3000, dport=443, flags="PA") / Raw(b"hello")
    assert _d(1, pkt)[:7] == ("fd00::1", "fd00::2", 3000, 443, 6, 0x18, b"hello")


def test_ipv6_first_fragment_decoded_later_fragments_skipped():
    first = IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(offset=0, m=1) / UDP(sport=1, dport=2)
    later = IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(offset=100, m=0, nh=17) / Raw(b"x" * 8)
    dec = Decoder()
    assert dec.decode(229, bytes(first), 0)[3] == 2
    assert dec.decode(229, bytes(later), 0) is None
    assert dec.skipped["fragment"] == 1


def test_ipv4_non_first_fragment_counted():
    dec = Decoder()
    frag = IP(src="10.0.0.1", dst="10.0.0.2", frag=10, proto=17) / Raw(b"x" * 16)
    assert dec.decode(101, bytes(frag), 36) is None
    assert dec.skipped["fragment"] == 1


def test_linux_cooked_v1_v2_raw_and_loopback():
    ip = IP(src="10.9.0.1", dst="10.9.0.2") / UDP(sport=7, dport=9)
    assert _d(113, CookedLinux(pkttype=0) / ip)[:2] == ("10.9.0.1", "10.9.0.2")
    assert _d(276, CookedLinuxV2(proto=0x0800) / ip)[:2] == ("10.9.0.1", "10.9.0.2")
    assert _d(101, ip)[3] == 9
    assert _d(228, ip)[3] == 9
    assert _d(101, IPv6(src="::1", dst="::2") / UDP(sport=7, dport=9))[:2] == ("::1", "::2")
    assert _d(0, struct.pack("<I", 2) + bytes(ip))[3] == 9
    assert _d(108, struct.pack(">I", 2) + bytes(ip))[3] == 9


def test_garbage_is_counted_never_raised():
    dec = Decoder()
    for linktype, raw in [(1, b""), (1, b"\xff" * 9), (1, bytes(Ether(type=0x88B5) / Raw(bytes(30)))),
                          (1, bytes(Ether(type=0x0800) / Raw(b"\x45" + bytes(5)))),
                          (147, b"\x01\x02"), (1, bytes(Ether() / IP(proto=1) / Raw(b"ping"))),
                          (1, bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2", proto=6) / Raw(b"\x00" * 5)))]:
        assert dec.decode(linktype, raw, len(raw)) is None
    assert dec.skipped == {"fragment": 0, "malformed": 4, "non_ip": 1, "other_transport": 1,
                           "unsupported_link": 1}
