"""The command line: stage commands, re-runs, bad input and the store's safety."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"
FIXTURES = ROOT / "tests" / "fixtures"


def hdscan(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def small_estate(tmp_path: Path) -> Path:
    """A copy of the sample with its agents, nmap and one dump only (fast to run)."""
    estate = tmp_path / "estate"
    (estate / "inputs").mkdir(parents=True)
    shutil.copy(SAMPLE / "estate.yml", estate / "estate.yml")
    for sub in ("agents", "nmap", "sql/dpi-db01"):
        shutil.copytree(SAMPLE / "inputs" / sub, estate / "inputs" / sub)
    return estate


def rows(store: Path) -> tuple[int, int]:
    with sqlite3.connect(store) as db:
        return (db.execute("select count(*) from observations").fetchone()[0],
                db.execute("select count(*) from inputs").fetchone()[0])


@pytest.mark.parametrize("command", ["run", "import", "graph", "classify", "plan", "report",
                                     "export", "explain", "rules"])
def test_every_command_has_useful_help(command):
    proc = hdscan(command, "--help")
    assert proc.returncode == 0
    assert "Usage:" in proc.stdout and len(proc.stdout.splitlines()) > 4


def test_importing_the_same_inputs_twice_changes_nothing(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    first = hdscan("import", estate, "-o", out)
    assert first.returncode == 0, first.stderr
    before = rows(out / "store.sqlite")
    second = hdscan("import", estate, "-o", out)
    assert second.returncode == 0, second.stderr
    assert "(0 new)" in second.stderr
    assert rows(out / "store.sqlite") == before


def test_a_broken_input_is_refused_in_one_line_and_the_store_keeps_the_rest(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    assert hdscan("import", estate, "-o", out).returncode == 0
    before = rows(out / "store.sqlite")
    bad = estate / "inputs" / "sql" / "lab-db01"
    bad.mkdir(parents=True)
    shutil.copy(FIXTURES / "sql" / "lab-db01" / "truncated.sql", bad / "truncated.sql")
    proc = hdscan("run", estate, "-o", out)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("hdscan: error:")]
    assert len(errors) == 1
    assert "inputs/sql/lab-db01/truncated.sql" in errors[0] and "line" in errors[0]
    assert "Traceback" not in proc.stderr
    assert rows(out / "store.sqlite") == before


def test_a_truncated_capture_is_refused_without_a_traceback(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    (estate / "inputs" / "captures").mkdir()
    (estate / "inputs" / "captures" / "cut.pcap").write_bytes(
        (FIXTURES / "pcap" / "hospital.pcap").read_bytes()[:30])
    proc = hdscan("import", estate, "-o", out)
    assert proc.returncode == 1
    assert "inputs/captures/cut.pcap" in proc.stderr and "Traceback" not in proc.stderr


def test_a_stage_re_run_alone_gives_the_same_file(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    assert hdscan("run", estate, "-o", out, "-q").returncode == 0
    tags = (out / "tags.json").read_bytes()
    plan = (out / "plan.json").read_bytes()
    assert hdscan("classify", "-o", out).returncode == 0
    assert hdscan("plan", "-o", out).returncode == 0
    assert (out / "tags.json").read_bytes() == tags
    assert (out / "plan.json").read_bytes() == plan


def test_a_stage_without_its_input_says_which_command_to_run_first(tmp_path):
    proc = hdscan("plan", "-o", tmp_path / "nothing")
    assert proc.returncode == 1
    assert "hdscan: error:" in proc.stderr and "Traceback" not in proc.stderr


def test_explain_traces_a_tag_back_to_its_source_file(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    assert hdscan("run", estate, "-o", out, "-q").returncode == 0
    proc = hdscan("explain", "host:dpi-db01", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "inputs/" in proc.stdout and "core." in proc.stdout


def test_a_capture_cut_mid_packet_is_refused_unless_the_user_keeps_it(tmp_path):
    estate, out = small_estate(tmp_path), tmp_path / "out"
    assert hdscan("import", estate, "-o", out).returncode == 0
    before = rows(out / "store.sqlite")
    pcap = (SAMPLE / "inputs" / "captures" / "core-switch.pcap").read_bytes()
    (estate / "inputs" / "captures").mkdir()
    (estate / "inputs" / "captures" / "cut.pcap").write_bytes(pcap[: len(pcap) // 2])
    refused = hdscan("import", estate, "-o", out)
    assert refused.returncode == 1
    line = [x for x in refused.stderr.splitlines() if x.startswith("hdscan: error:")]
    assert len(line) == 1 and "inputs/captures/cut.pcap: frame" in line[0], refused.stderr
    assert rows(out / "store.sqlite") == before
    kept = hdscan("import", estate, "-o", out, "--keep-truncated")
    assert kept.returncode == 0, kept.stderr
    assert "hdscan: warning:" in kept.stderr and "cut.pcap: frame" in kept.stderr
    after = rows(out / "store.sqlite")
    assert after[0] > before[0] and after[1] == before[1] + 1
