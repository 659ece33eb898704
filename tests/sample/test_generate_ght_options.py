"""Generator options for GHT-scale and incremental runs: --flow-records and --days.

The default estate carries neither (the committed sample stays byte-identical, checked
in test_generate.py); with them, the Zeek conn logs hold exactly the records asked for,
readable by hdscan's own importer, with inter-site flows, and each extra day adds agent
bundles without changing a byte of the earlier files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sample_estates.generate import GenerateError, generate, main
from sample_estates.gen.estate import BASE_SERVERS, END
from scanner.collect.importers import zeek


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _data_lines(path: Path) -> int:
    with open(path, encoding="ascii") as f:
        return sum(1 for line in f if not line.startswith("#"))


@pytest.fixture(scope="module")
def ght(tmp_path_factory):
    out = tmp_path_factory.mktemp("hE1-ght") / "ght"
    counts = generate(out, servers=BASE_SERVERS * 2 + 4, sites=2, flow_records=2001, days=3)
    return out, counts


def test_default_estate_has_no_flow_logs_and_one_day(fresh):
    names = set(_tree(fresh))
    assert not any(n.startswith("inputs/flows/") or n.startswith("inputs/agents-day") for n in names)


def test_flow_records_are_exactly_those_asked_for_and_import(ght):
    out, counts = ght
    logs = sorted((out / "inputs" / "flows").iterdir())
    assert [p.name for p in logs] == ["conn-s01.log", "conn-s02.log"]
    assert [_data_lines(p) for p in logs] == [1001, 1000]
    assert counts["flow_records"] == 2001
    connections = 0
    for log in logs:
        flows = [o for o in zeek.read(log, log.name) if o.kind == "flow"]
        connections += sum(o.data["connections"] for o in flows)
    assert connections == 2001


def test_second_site_also_reaches_the_hub(ght):
    out, _ = ght
    flows = [o.data for o in zeek.read(out / "inputs" / "flows" / "conn-s02.log", "s02")
             if o.kind == "flow"]
    to_hub = [d for d in flows if d["client_ip"].startswith("10.21.") and d["server_ip"].startswith("10.20.")]
    local = [d for d in flows if d["server_ip"].startswith("10.21.")]
    assert to_hub and len(local) > 5 * len(to_hub)


def test_generation_with_options_is_deterministic(ght, tmp_path):
    out, _ = ght
    again = tmp_path / "again"
    generate(again, servers=BASE_SERVERS * 2 + 4, sites=2, flow_records=2001, days=3)
    assert _tree(again) == _tree(out)


def test_extra_days_add_bundles_and_change_no_earlier_byte(ght, tmp_path):
    out, counts = ght
    one_day = tmp_path / "one-day"
    generate(one_day, servers=BASE_SERVERS * 2 + 4, sites=2, flow_records=2001)
    base, more = _tree(one_day), _tree(out)
    assert all(more[name] == sha for name, sha in base.items())
    added = sorted(set(more) - set(base))
    day1 = sorted(n for n in base if n.startswith("inputs/agents/"))
    assert {n.split("/")[1] for n in added} == {"agents-day2", "agents-day3"}
    assert len(added) == 2 * len(day1)
    doc = json.loads((out / "inputs" / "agents-day2" / Path(day1[0]).name).read_text(encoding="utf-8"))
    assert doc["collected_from"] == END and doc["collected_to"] == "2026-03-10T08:00:00Z"
    assert all(END <= c["first_seen"] <= c["last_seen"] <= doc["collected_to"] for c in doc["connections"])
    assert counts["agents"] == 3 * len(day1)


@pytest.mark.parametrize("kwargs, message", [({"flow_records": -1}, "--flow-records -1"),
                                             ({"days": 0}, "--days 0")])
def test_bad_option_values_are_refused(tmp_path, kwargs, message):
    with pytest.raises(GenerateError, match=message):
        generate(tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


def test_command_line_options(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "e"), "--flow-records", "10"]) == 0
    assert "10 flow records" in capsys.readouterr().out
    assert main(["--out", str(tmp_path / "e"), "--days", "0"]) == 1
    assert "error: --days 0" in capsys.readouterr().err
