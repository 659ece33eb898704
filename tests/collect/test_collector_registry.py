"""Every file of the sample estate is read by the collector made for its format."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect import registry

SAMPLE = Path(__file__).resolve().parents[2] / "sample_estates" / "ch-saint-aurelien" / "inputs"

EXPECTED = {"agents": "agent-inventory", "captures": "pcap", "nmap": "nmap", "sql": "sql-dump",
            "configs": "config"}


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_input_folder_goes_to_its_collector(folder):
    files = sorted(p for p in (SAMPLE / folder).rglob("*") if p.is_file())
    assert files
    for path in files:
        collector = registry.collector_for(path)
        assert collector is not None, path
        assert collector.NAME == EXPECTED[folder], path


def test_a_file_no_collector_reads_is_not_claimed(tmp_path):
    stray = tmp_path / "notes.docx"
    stray.write_bytes(b"PK\x03\x04 not an input hdscan reads")
    assert registry.collector_for(stray) is None


def test_every_registered_collector_honours_the_contract():
    for module in registry.collectors():
        assert isinstance(module.NAME, str) and module.NAME
        assert isinstance(module.VERSION, str) and module.VERSION
        assert callable(module.accepts) and callable(module.collect)
