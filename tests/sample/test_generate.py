"""The generator: deterministic, committed copy up to date, scales, refuses bad requests."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import yaml

from sample_estates.generate import GenerateError, generate, main
from sample_estates.gen.estate import BASE_SERVERS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "sample_estates" / "ch-saint-aurelien"


def tree(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_runs_are_byte_identical(tmp_path, fresh):
    again = tmp_path / "again"
    generate(again)
    assert tree(again) == tree(fresh)
    assert len(tree(fresh)) > 50


def test_seed_changes_the_bytes(tmp_path, fresh):
    other = tmp_path / "other"
    generate(other, seed=7)
    a, b = tree(fresh), tree(other)
    assert a.keys() == b.keys()
    assert a["inputs/captures/core-switch.pcap"] != b["inputs/captures/core-switch.pcap"]


def test_committed_estate_equals_a_fresh_generation(fresh):
    """Nobody edits sample_estates/ch-saint-aurelien by hand: regenerate it instead."""
    assert tree(COMMITTED) == tree(fresh), "run: python3 -m sample_estates.generate"


def test_expected_layout(fresh):
    names = set(tree(fresh))
    for required in ("estate.yml", "truth.yml", "canaries.txt", "README.md", "inputs/captures/core-switch.pcap",
                     "inputs/nmap/servers.xml", "inputs/sql/dpi-db01/dpi.sql", "inputs/sql/eds-db01/eds.sql",
                     "inputs/sql/gef-db01/gef.sql", "inputs/agents/dpi-app01.json",
                     "inputs/configs/dpi-app01/mcrossway/application.properties"):
        assert required in names, required
    # devices and vendor appliances take no agent
    for no_agent in ("pacs01", "ct01", "mr01", "vcenter01"):
        assert f"inputs/agents/{no_agent}.json" not in names
    estate = yaml.safe_load((fresh / "estate.yml").read_text(encoding="utf-8"))
    assert estate["schema"] == "hdscan-estate/1"
    assert estate["sites"][0]["subnets"] == ["10.20.0.0/16"]
    truth = yaml.safe_load((fresh / "truth.yml").read_text(encoding="utf-8"))
    servers = [h for h, t in truth["hosts"].items() if t["device_class"] == "server"]
    assert 45 <= len(servers) <= 60
    devices = {h: t["name"] for h, t in truth["hosts"].items() if t["device_class"] == "medical_device"}
    assert devices == {"10.20.10.20": "ct01", "10.20.10.21": "mr01", "10.20.10.30": None}
    assert truth["hosts"]["bkp01"]["exposure"] == "extraterritorial_cloud"
    assert [f["entity"] for f in truth["findings"]] == ["host:bkp01"]


def test_three_sites_three_hundred_servers_quickly(tmp_path):
    out = tmp_path / "big"
    start = time.perf_counter()
    assert main(["--out", str(out), "--servers", "300", "--sites", "3", "--seed", "5"]) == 0
    elapsed = time.perf_counter() - start
    truth = yaml.safe_load((out / "truth.yml").read_text(encoding="utf-8"))
    servers = [t for t in truth["hosts"].values() if t["device_class"] == "server"]
    assert len(servers) == 300
    assert sorted({t["site"] for t in servers}) == ["s01", "s02", "s03"]
    estate = yaml.safe_load((out / "estate.yml").read_text(encoding="utf-8"))
    assert [s["subnets"] for s in estate["sites"]] == [["10.20.0.0/16"], ["10.21.0.0/16"], ["10.22.0.0/16"]]
    assert sorted(p.name for p in (out / "inputs" / "captures").iterdir()) == [
        "core-switch-s01.pcap", "core-switch-s02.pcap", "core-switch-s03.pcap"]
    agents = list((out / "inputs" / "agents").glob("*.json"))
    assert len(agents) == sum(1 for t in servers if t["agent"])
    assert elapsed < 15, f"took {elapsed:.1f} s"


def test_refuses_too_few_servers(tmp_path):
    with pytest.raises(GenerateError, match=f"at least {BASE_SERVERS * 2}"):
        generate(tmp_path / "x", servers=10, sites=2)
    assert main(["--out", str(tmp_path / "y"), "--sites", "0"]) == 1


def test_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(GenerateError, match="not a generated estate"):
        generate(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_regeneration_removes_stale_inputs(tmp_path):
    out = tmp_path / "e"
    generate(out)
    stale = out / "inputs" / "agents" / "old-host.json"
    stale.write_text("{}", encoding="utf-8")
    generate(out)
    assert not stale.exists()
