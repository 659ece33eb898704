"""The streaming pcap/pcapng reader against scapy's own reading of the same files."""

from __future__ import annotations

import struct

import pytest
from scapy.all import rdpcap

from scanner.collect.capture import pcapfile
from scanner.collect.capture.pcapfile import PcapReader, is_capture
from scanner.errors import InputError


def _scapy(path):
    return [(bytes(p), float(p.time), len(bytes(p)) if p.wirelen is None else p.wirelen)
            for p in rdpcap(str(path))]


@pytest.mark.parametrize("name", ["hospital.pcap", "hospital_ns.pcap", "hospital_be.pcap"])
def test_classic_pcap_matches_scapy(fix, name):
    ours = list(PcapReader(fix / name))
    theirs = _scapy(fix / name)
    assert [r[0] for r in ours] == list(range(1, len(theirs) + 1))
    assert [r[4] for r in ours] == [t[0] for t in theirs]
    assert [r[3] for r in ours] == [1] * len(theirs)
    for r, t in zip(ours, theirs):
        assert r[2] == pytest.approx(t[1], abs=1e-6)
        assert r[5] == len(t[0])


def test_offsets_point_at_record_headers(fix):
    blob = (fix / "hospital.pcap").read_bytes()
    for frame, offset, _ts, _lt, data, _wire in PcapReader(fix / "hospital.pcap"):
        caplen = struct.unpack_from("<I", blob, offset + 8)[0]
        assert caplen == len(data)
        assert blob[offset + 16:offset + 16 + caplen] == data


def test_nanosecond_timestamps_keep_precision(fix):
    times = [r[2] for r in PcapReader(fix / "hospital_ns.pcap")]
    assert times[0] == pytest.approx(1772438400.001, abs=1e-9)


@pytest.mark.parametrize("name", ["two_ifaces.pcapng", "two_ifaces_be_ns.pcapng"])
def test_pcapng_two_interfaces_with_their_link_types(fix, name):
    reader = PcapReader(fix / name)
    rows = list(reader)
    assert reader.format == "pcapng"
    assert [r[3] for r in rows] == [1, 113, 113, 1]
    theirs = [bytes(p) for p in rdpcap(str(fix / "two_ifaces.pcapng"))]
    assert [r[4] for r in rows] == theirs
    assert rows[1][2] == pytest.approx(1772438400.5, abs=1e-6)
    assert rows[3][2] == rows[2][2]          # a simple packet block takes the previous time


def test_reading_across_tiny_chunks_gives_the_same_records(fix, monkeypatch):
    whole = list(PcapReader(fix / "hospital.pcap"))
    ng = list(PcapReader(fix / "two_ifaces.pcapng"))
    monkeypatch.setattr(pcapfile, "CHUNK", 7)
    assert list(PcapReader(fix / "hospital.pcap")) == whole
    assert list(PcapReader(fix / "two_ifaces.pcapng")) == ng


def test_truncated_tail_keeps_what_was_read(fix):
    reader = PcapReader(fix / "truncated.pcap")
    rows = list(reader)
    full = _scapy(fix / "hospital.pcap")
    assert len(rows) == len(full) - 1
    expected_offset = 24 + sum(16 + len(t[0]) for t in full[:-1])
    assert reader.truncated == (len(full), expected_offset)


def test_truncated_record_header(fix, tmp_path):
    blob = (fix / "hospital.pcap").read_bytes()
    first = 24 + 16 + struct.unpack_from("<I", blob, 24 + 8)[0]
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(blob[:first + 5])
    reader = PcapReader(cut)
    assert len(list(reader)) == 1
    assert reader.truncated == (2, first)


def test_truncated_pcapng_block(fix, tmp_path):
    blob = (fix / "two_ifaces.pcapng").read_bytes()
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(blob[:-6])
    reader = PcapReader(cut)
    assert len(list(reader)) == 3
    assert reader.truncated is not None and reader.truncated[0] == 4


def test_bad_magic_names_file_and_byte_0(fix):
    with pytest.raises(InputError) as err:
        list(PcapReader(fix / "bad_magic.pcap", "inputs/bad_magic.pcap"))
    assert str(err.value) == ("inputs/bad_magic.pcap: byte 0: not a pcap or pcapng capture "
                              "(magic 4e4f5441)")


def _pcap(snaplen, records):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)
    for caplen, body in records:
        out += struct.pack("<IIII", 1, 0, caplen, caplen) + body
    return out


def test_caplen_larger_than_snaplen(tmp_path):
    path = tmp_path / "s.pcap"
    path.write_bytes(_pcap(100, [(60, bytes(60)), (200, bytes(200))]))
    with pytest.raises(InputError) as err:
        list(PcapReader(path, "s.pcap"))
    assert str(err.value) == ("s.pcap: frame 2 (byte 100): captured length 200 larger than "
                              "the snapshot length 100")


def test_absurd_caplen(tmp_path):
    path = tmp_path / "a.pcap"
    path.write_bytes(_pcap(0, [(0x7FFFFFFF, b"")]))
    with pytest.raises(InputError, match=r"a.pcap: frame 1 \(byte 24\): absurd captured length"):
        list(PcapReader(path, "a.pcap"))


def test_zero_length_record_is_a_frame(fix):
    rows = list(PcapReader(fix / "odd.pcap"))
    assert rows[0][4] == b"" and rows[0][0] == 1
    assert len(rows) == 5


def test_is_capture():
    assert is_capture(b"\xa1\xb2\x3c\x4d" + bytes(20))
    assert is_capture(b"\x0a\x0d\x0d\x0a" + bytes(4) + b"\x4d\x3c\x2b\x1a")
    assert not is_capture(b"\x0a\x0d\x0d\x0a" + bytes(8))
    assert not is_capture(b"<nmaprun")
