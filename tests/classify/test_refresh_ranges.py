"""`hdscan rules refresh-ranges`: provider range files read as downloaded (formats
recognised, located errors), the snapshot written atomically with date and hashes, no
network, and the refreshed prefixes used by the default pack's address-range rule."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.classify.conditions import _cidr_index, _in_index
from scanner.classify.loader import default_pack_path, load_packs
from scanner.classify.ranges import read_range_file, refresh
from scanner.classify.selftest import run_test
from scanner.classify.rules import RuleTest, Loc
from scanner.errors import InputError

ROOT = Path(__file__).resolve().parents[2]

AWS = {"syncToken": "1772323200", "createDate": "2026-11-20-08-13-14",
       "prefixes": [
           {"ip_prefix": "13.248.118.0/24", "region": "eu-west-1", "service": "AMAZON",
            "network_border_group": "eu-west-1"},
           {"ip_prefix": "13.248.118.0/24", "region": "eu-west-1", "service": "GLOBALACCELERATOR",
            "network_border_group": "eu-west-1"},
           {"ip_prefix": "18.34.0.0/19", "region": "us-east-1", "service": "AMAZON",
            "network_border_group": "us-east-1"},
           {"ip_prefix": "52.216.0.0/15", "region": "us-east-1", "service": "S3",
            "network_border_group": "us-east-1"}],
       "ipv6_prefixes": [
           {"ipv6_prefix": "2a05:d07a:a000::/40", "region": "eu-west-3", "service": "S3",
            "network_border_group": "eu-west-3"}]}
AZURE = {"changeNumber": 300, "cloud": "Public", "values": [
    {"name": "Storage.FranceCentral", "id": "Storage.FranceCentral",
     "properties": {"changeNumber": 30, "region": "francec", "regionId": 18, "platform": "Azure",
                    "systemService": "AzureStorage",
                    "addressPrefixes": ["20.38.104.0/23", "52.239.134.0/24", "2603:1020:805::/48"],
                    "networkFeatures": ["API", "NSG"]}},
    {"name": "AzureCloud.francec", "id": "AzureCloud.francec",
     "properties": {"changeNumber": 12, "region": "francec", "regionId": 18, "platform": "Azure",
                    "systemService": "", "addressPrefixes": ["20.38.105.0/24"],
                    "networkFeatures": ["API"]}}]}
GCP = {"syncToken": "1772323200000", "creationTime": "2026-11-19T23:01:02.123456",
       "prefixes": [{"ipv4Prefix": "34.1.208.0/20", "service": "Google Cloud", "scope": "africa-south1"},
                    {"ipv6Prefix": "2600:1900:8000::/44", "service": "Google Cloud", "scope": "us-east1"}]}
ORACLE = {"last_updated_timestamp": "2026-11-18T10:00:00.000000", "regions": [
    {"region": "eu-paris-1", "cidrs": [{"cidr": "134.70.176.0/22", "tags": ["OCI", "OSN"]}]}]}


def _write(folder: Path, name: str, doc) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1), encoding="utf-8")
    return p


@pytest.fixture
def files(tmp_path):
    d = tmp_path / "downloads"
    return [_write(d, "ip-ranges.json", AWS), _write(d, "ServiceTags_Public_20261116.json", AZURE),
            _write(d, "cloud.json", GCP), _write(d, "public_ip_ranges.json", ORACLE)]


def test_formats_recognised_with_dates_hashes_and_prefixes(files):
    got = {f.provider: f for f in map(read_range_file, files)}
    assert sorted(got) == ["aws", "azure", "gcp", "oracle"]
    assert got["aws"].published == "2026-11-20" and got["azure"].published == "2026-11-16"
    assert got["gcp"].published == "2026-11-19" and got["oracle"].published == "2026-11-18"
    assert got["aws"].sha256 == hashlib.sha256(files[0].read_bytes()).hexdigest()
    assert set(got["aws"].prefixes) == {"13.248.118.0/24", "18.34.0.0/19", "52.216.0.0/15",
                                        "2a05:d07a:a000::/40"}
    assert "2603:1020:805::/48" in got["azure"].prefixes and len(got["azure"].prefixes) == 4


def test_snapshot_written_with_date_sources_and_collapsed_prefixes(files, tmp_path):
    out = tmp_path / "site" / "lists" / "hyperscaler_ranges.yml"
    got = refresh(files, out, "2026-11-21")
    assert got["providers"] == ["aws", "azure", "gcp", "oracle"] and got["missing"] == []
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "hdscan-list/1" and doc["retrieved"] == "2026-11-21"
    assert [s["sha256"] for s in doc["sources"]] == \
        [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    spec = doc["list_files"]["hyperscaler_prefixes"]
    assert spec["file"] == "hyperscaler_ranges.prefixes.txt"
    text = (out.parent / spec["file"]).read_text(encoding="utf-8")
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == spec["sha256"]
    prefixes = [ln.split()[0] for ln in text.splitlines() if not ln.startswith("#")]
    assert "2600:1900:8000::/44 gcp" in text and "134.70.176.0/22 oracle" in text
    assert "20.38.104.0/22" not in prefixes and "20.38.104.0/23" in prefixes   # not adjacent-aligned
    assert prefixes.count("13.248.118.0/24") == 1                              # duplicates merged
    assert "2600:1900:8000::/44" in prefixes and "134.70.176.0/22" in prefixes
    # same files, same bytes, whatever the order given
    again = tmp_path / "again" / "hyperscaler_ranges.yml"
    refresh(list(reversed(files)), again, "2026-11-21")
    assert again.read_bytes() == out.read_bytes()
    assert (again.parent / spec["file"]).read_text(encoding="utf-8") == text


@pytest.mark.parametrize("name, text, where", [
    ("ip-ranges.json", '{"createDate": "x",\n "prefixes": [}', "line 2 col 15"),
    ("other.json", '{"hello": []}', None),
    ("ip-ranges.json", json.dumps({"createDate": "2026-01-01", "prefixes": [
        {"ip_prefix": "10.0.0.0/8"}, {"ip_prefix": "300.1.0.0/16"}]}), "prefixes[1].ip_prefix"),
    ("ServiceTags_Public_20260101.json", json.dumps({"changeNumber": 1, "values": [
        {"name": "x", "properties": {}}]}), "values[0]"),
    ("cloud.json", json.dumps({"creationTime": "2026", "prefixes": [{"scope": "x"}]}), "prefixes[0]"),
])
def test_bad_files_are_located_and_nothing_is_written(tmp_path, files, name, text, where):
    out = tmp_path / "ranges.yml"
    out.write_text("previous snapshot\n", encoding="utf-8")
    bad = _write(tmp_path / "bad", name, text)
    with pytest.raises(InputError) as exc:
        refresh(files[:2] + [bad], out, "2026-11-21")
    assert exc.value.location.path == str(bad)
    assert exc.value.location.place == where
    assert out.read_text(encoding="utf-8") == "previous snapshot\n"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".ranges")] == []


def test_never_touches_the_network(files, tmp_path, monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert refresh(files, tmp_path / "r.yml", "2026-11-21")["prefixes"] > 0


def test_refreshed_site_pack_snapshot_changes_what_the_rule_matches(files, tmp_path):
    pack = tmp_path / "core"
    shutil.copytree(default_pack_path(), pack)
    rule = load_packs([pack]).rule("core.exposure.hyperscaler-address-range")
    # a documentation prefix (RFC 5737), surely not in the bundled snapshot
    case = RuleTest("new range", {"endpoint": {"addresses": ["198.51.100.9"]}}, "match", None,
                    Loc("t", 1, 1))
    assert run_test(rule, case, load_packs([pack]).lists) is not None
    oracle = dict(ORACLE, regions=ORACLE["regions"] + [
        {"region": "eu-test-1", "cidrs": [{"cidr": "198.51.100.0/24", "tags": ["OCI"]}]}])
    files[3] = _write(tmp_path / "more", "public_ip_ranges.json", oracle)
    refresh(files, pack / "lists" / "hyperscaler_ranges.yml", "2026-11-21")
    packs = load_packs([pack])
    assert run_test(rule, case, packs.lists) is None


def test_provider_format_excerpts_still_refresh(tmp_path):
    """The hand-written provider-format excerpts (the bundled snapshot's source before the
    full cloudip-db one) stay readable, one provider each."""
    excerpts = sorted((ROOT / "tests" / "fixtures" / "ranges" / "provider-excerpts").glob("*.json"))
    got = refresh(excerpts, tmp_path / "r.yml", "2026-03-01")
    assert got["providers"] == ["aws", "azure", "gcp"] and got["missing"] == ["oracle"]
    assert got["prefixes"] == 10


def test_cli_refresh_ranges(files, tmp_path):
    out = tmp_path / "ranges.yml"
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "refresh-ranges",
                           *map(str, files[:3]), "--output", str(out), "--date", "2026-11-21"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("9 prefixes from aws, azure, gcp → ")
    assert "no file for oracle" in proc.stderr
    bad = _write(tmp_path, "x.json", "[1, 2]")
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "refresh-ranges", str(bad),
                           "--output", str(out)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"hdscan: error: {bad}: not a provider range file")


def test_cidr_index_agrees_with_plain_containment():
    rng = random.Random(6)
    nets = sorted({str(ipaddress.ip_network(f"{rng.randrange(1, 223)}.{rng.randrange(256)}."
                                            f"{rng.randrange(256)}.0/{rng.randrange(8, 25)}",
                                            strict=False)) for _ in range(3000)})
    index = _cidr_index(tuple(nets))
    parsed = [ipaddress.ip_network(n) for n in nets]
    for _ in range(400):
        ip = ipaddress.ip_address(rng.randrange(1 << 32))
        assert _in_index(index, str(ip)) == any(ip in n for n in parsed), ip
    assert not _in_index(index, "not-an-address")


def test_an_unwritable_output_is_a_located_error(files, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        refresh(files, blocker / "ranges.yml", "2026-11-21")
    assert exc.value.location.path == str(blocker / "ranges.yml")
    assert "cannot write the snapshot" in str(exc.value)
