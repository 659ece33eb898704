"""Parallel parsing in ``hdscan import`` (issue #9, ``scanner/parse_pool.py``).

The same scenarios run with ``HDSCAN_IMPORT_WORKERS=0`` (parsed in the importing process)
and ``=2`` (two spawned workers): a generated estate with, in the middle of its file
list, a refused nmap file, a capture cut mid-record, the same inventory under two names
and a file no collector reads. Both give the same command output (progress, warnings,
errors, summary) and exit code, the same store rows byte for byte (rowids included),
and a re-import that adds nothing. Errors cross the process boundary located; a bug or a
dead worker surfaces instead of hanging; a killed or interrupted import leaves the
store consistent and no worker behind.
"""

from __future__ import annotations

import os
import pickle
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from click.testing import CliRunner

from sample_estates.generate import generate
from scanner import errors, parse_pool
from scanner.cli import main
from scanner.errors import InputError, RuleError, ScannerError, SourceLocation

ROOT = Path(__file__).resolve().parents[2]
ENV = parse_pool.ENV


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hP9-estate") / "estate"
    generate(folder, servers=150, sites=3, flow_records=4000)
    inputs = folder / "inputs"
    capture = sorted((inputs / "captures").glob("*.pcap"))[0]
    (inputs / "captures" / "cut.pcap").write_bytes(capture.read_bytes()[:-7])
    (inputs / "captures" / "notes.bin").write_bytes(b"\x00\x01 no collector reads this")
    (inputs / "nmap" / "broken.xml").write_text(
        '<?xml version="1.0"?>\n<nmaprun scanner="nmap">\n<host><address addr="10.0.0.1"\n',
        encoding="utf-8")
    agent = sorted((inputs / "agents").glob("*.json"))[0]
    shutil.copy(agent, agent.with_name(agent.stem + "-again.json"))
    return folder


def _children_cpu() -> float:
    got = resource.getrusage(resource.RUSAGE_CHILDREN)
    return got.ru_utime + got.ru_stime


def _import(target: Path, out: Path, workers: int, *flags: str) -> tuple[int, str, float]:
    """(exit code, everything printed, CPU seconds of the worker processes)."""
    before = _children_cpu()
    done = CliRunner().invoke(main, ["import", str(target), "-o", str(out), *flags],
                              env={ENV: str(workers)})
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    return done.exit_code, done.output, _children_cpu() - before


def _store(out: Path) -> dict[str, list]:
    db = sqlite3.connect(str(out / "store.sqlite"))
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {table: db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
                for table in ("meta", "inputs", "observations", "documents")}
    finally:
        db.close()


@pytest.mark.parametrize("flags", [(), ("--keep-truncated",)], ids=["refuse-cut", "keep-cut"])
def test_parallel_import_gives_the_sequential_output_and_store(estate, tmp_path, flags):
    code, said, _ = _import(estate, tmp_path / "seq", 0, *flags)
    *same, spent = _import(estate, tmp_path / "par", 2, *flags)
    assert same == [code, said] and spent > 0           # the workers did parse
    assert "hdscan: error: inputs/nmap/broken.xml: line 3 col 7: XML not well formed" in said
    assert "skipped inputs/captures/notes.bin: no collector reads this format" in said
    cut = "inputs/captures/cut.pcap: frame "
    assert (f"hdscan: warning: {cut}" in said, f"hdscan: error: {cut}" in said) == \
        ((True, False) if flags else (False, True))
    assert code == 1                                    # broken.xml is refused either way
    stored = _store(tmp_path / "seq")
    assert len(stored["observations"]) > 1000 and stored == _store(tmp_path / "par")

    again = [_import(estate, tmp_path / name, workers, *flags)
             for name, workers in (("seq", 0), ("par", 2))]
    assert again[0][:2] == again[1][:2] and " (0 new)" in again[0][1]
    assert _store(tmp_path / "seq") == _store(tmp_path / "par") == stored


def test_the_same_bytes_twice_are_stored_once_both_ways(estate, tmp_path):
    """The copy is parsed ahead by a worker, then skipped by the writer at its commit."""
    for name, workers in (("seq", 0), ("par", 2)):
        _import(estate, tmp_path / name, workers)
    stored = _store(tmp_path / "par")
    sources = [row[4] for row in stored["inputs"]]        # rowid, sha256, collector, version, source
    copy = next((estate / "inputs" / "agents").glob("*-again.json")).name
    twins = {"inputs/agents/" + copy, "inputs/agents/" + copy.replace("-again", "")}
    assert len(sources) > 100 and len(twins & set(sources)) == 1
    assert _store(tmp_path / "seq") == stored


class _Located(InputError):
    """A subclass whose arguments are all required (pickling's usual trap)."""

    def __init__(self, message: str, location: SourceLocation):
        super().__init__(message, location)


def _every_error_class(cls=ScannerError):
    yield cls
    for sub in cls.__subclasses__():
        yield from _every_error_class(sub)


@pytest.mark.parametrize("cls", sorted(set(_every_error_class()), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_scanner_errors_cross_processes_whole(cls):
    where = SourceLocation("inputs/lab.pcap", "frame 12 (byte 402)")
    sent = cls("truncated  TCP\nheader", where)
    back = pickle.loads(pickle.dumps(sent))
    assert type(back) is cls
    assert (str(back), back.message, back.location) == \
        ("inputs/lab.pcap: frame 12 (byte 402): truncated TCP header", "truncated TCP header", where)


def test_a_rule_error_keeps_its_list_across_processes():
    back = pickle.loads(pickle.dumps(RuleError("2 faults", SourceLocation("pack"), ["a", "b"])))
    assert (str(back), back.errors) == ("pack: 2 faults", ["a", "b"])
    assert errors.ScannerError.__reduce__ is not BaseException.__reduce__


def collect(path: Path, source: str):
    """A collector with a bug, for the tests below (loaded by name in a worker)."""
    if path.name == "dies":
        os._exit(3)
    raise ZeroDivisionError(f"a bug reading {source}")


def _one(job: parse_pool.Job, workers: int = 2):
    with parse_pool.Parser(workers) as parser:
        for _item, parsed in parser.parse([("item", job)]):
            return list(parsed.rows)


def test_a_bug_in_a_worker_surfaces_with_the_workers_traceback(tmp_path):
    job = parse_pool.Job(tmp_path / "any", "inputs/any", __name__, False)
    with pytest.raises(ZeroDivisionError, match="^a bug reading inputs/any$") as raised:
        _one(job)
    remote = str(raised.value.__cause__)
    assert "Traceback" in remote and "in collect" in remote and __file__ in remote


def test_a_dead_worker_breaks_the_import_instead_of_hanging(tmp_path):
    with pytest.raises(BrokenProcessPool):
        _one(parse_pool.Job(tmp_path / "dies", "inputs/dies", __name__, False))


def test_a_worker_refusal_is_the_located_error_of_the_sequential_path(estate):
    path = estate / "inputs" / "nmap" / "broken.xml"
    job = parse_pool.Job(path, "inputs/nmap/broken.xml", "scanner.collect.importers.nmap_xml",
                         False)
    got = []
    for workers in (0, 2):
        with pytest.raises(InputError) as raised:
            _one(job, workers)
        got.append((type(raised.value), str(raised.value), raised.value.location))
    assert got[0] == got[1] and got[0][2] == SourceLocation("inputs/nmap/broken.xml", "line 3 col 7")


@pytest.mark.parametrize("value, expected", [("0", 0), ("1", 0), ("2", 2), (" 3 ", 3)])
def test_the_environment_forces_the_worker_count(monkeypatch, value, expected):
    monkeypatch.setenv(ENV, value)
    assert parse_pool.workers_for(1, 1) == parse_pool.workers_for(10**6, 10**12) == expected


@pytest.mark.parametrize("bad", ["two", "\u00b2", "-1", "1.5", "\u0663"])
def test_a_bad_worker_count_is_a_located_error(monkeypatch, bad):
    monkeypatch.setenv(ENV, bad)        # also Unicode digits str.isdigit() would accept
    with pytest.raises(ScannerError, match=f"^environment: {ENV}: must be a number of worker "
                                           r"processes \(0 or 1: none\), not "):
        parse_pool.workers_for(1, 1)


def test_only_a_large_import_starts_workers(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    cpus = len(os.sched_getaffinity(0))
    large = cpus if cpus > 1 else 0
    assert parse_pool.workers_for(parse_pool.MIN_FILES - 1, parse_pool.MIN_BYTES - 1) == 0
    assert parse_pool.workers_for(parse_pool.MIN_FILES, 0) == large
    assert parse_pool.workers_for(1, parse_pool.MIN_BYTES) == large


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _paused_import(estate: Path, out: Path, tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    """A parallel import held before its first commit, and its worker processes."""
    marker = tmp_path / f"hP9-paused-{uuid.uuid4().hex}"
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "import", str(estate), "-o", str(out),
                             "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            env={**os.environ, ENV: "2",
                                 "HDSCAN_TEST_PAUSE_BEFORE_COMMIT": str(marker)})
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.stderr.read() if proc.poll() is not None else "never paused"
    return proc, _children(proc.pid)


def _all_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 60
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(map(_alive, pids))


@pytest.mark.parametrize("how", ["kill-9", "ctrl-c"])
def test_a_stopped_parallel_import_leaves_a_consistent_store_and_no_worker(estate, tmp_path, how):
    out = tmp_path / "out"
    proc, workers = _paused_import(estate, out, tmp_path)
    try:
        assert len(workers) >= 2
        if how == "kill-9":
            proc.send_signal(signal.SIGKILL)
        else:                               # what a terminal sends: the whole process group
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    gone = _all_gone(workers)
    for pid in filter(_alive, workers):     # do not leave them behind when this test fails
        os.kill(pid, signal.SIGKILL)
    assert gone                             # (before reading: a worker left would hold stderr)
    said = proc.stderr.read()
    if how == "kill-9":             # only the resource tracker may speak, freeing the pool's locks
        assert proc.returncode == -signal.SIGKILL and "Traceback" not in said, said
    else:
        assert (proc.returncode, said) == (1, "\nAborted!\n")      # click's answer to Ctrl-C
    assert _store(out)["inputs"] == [] and _store(out)["observations"] == []

    assert _import(estate, out, 2)[0] == 1              # broken.xml only
    assert _import(estate, tmp_path / "alone", 0)[0] == 1
    assert _store(out) == _store(tmp_path / "alone")
