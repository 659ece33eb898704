"""Faults under load (issue #9 item 5): a killed import, two imports at once, a full disk.

* ``kill -9`` of ``python3 -m scanner import`` at the worst moment (every observation of
  a big input inserted, not yet committed; held there by the store's test hook) leaves a
  store that passes ``integrity_check``, without that input, and a re-import completes it.
* Two import processes on one store at once: both succeed, nothing is stored twice, and
  the store equals a single import's.
* A full disk while the report is written: one located error line, exit 1, the previous
  report byte-identical and no temporary file left (a real 3 MB tmpfs when this test may
  mount, and a simulated ENOSPC at the write in every case).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import fileio
from scanner.cli import main
from scanner.errors import ScannerError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_estates" / "ch-saint-aurelien"


def _conn_log(path: Path, lines: int) -> Path:
    header = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
              "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto"
              "\tservice\tduration\torig_ip_bytes\tresp_ip_bytes\n")
    with open(path, "w", encoding="ascii") as f:
        f.write(header)
        for i in range(lines):
            f.write(f"{1772438400 + i}.5\tC{i}\t10.20.{i % 200}.{i % 250 + 1}\t{50000 + i % 9000}"
                    f"\t10.30.{i % 97}.{i % 13 + 1}\t{443 + i % 50}\ttcp\tssl\t1.0\t300\t200\n")
    return path


def _rows(store: Path) -> tuple[int, int, list]:
    db = sqlite3.connect(str(store))
    try:
        check = db.execute("PRAGMA integrity_check").fetchall()
        obs = db.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
        inputs = db.execute("SELECT source, sha256 FROM inputs ORDER BY source").fetchall()
    finally:
        db.close()
    assert check == [("ok",)]
    return obs, len(inputs), inputs


def _scanner(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scanner", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def test_import_killed_before_commit_leaves_a_consistent_store(tmp_path):
    out = tmp_path / "out"
    first = _conn_log(tmp_path / "small-conn.log", 50)
    big = _conn_log(tmp_path / "big-conn.log", 60000)
    done = _scanner("import", str(first), "-o", str(out), "-q")
    assert done.wait(timeout=120) == 0, done.stderr.read()
    before_obs, before_inputs, _ = _rows(out / "store.sqlite")

    marker = tmp_path / f"hE1-paused-{uuid.uuid4().hex}"
    proc = _scanner("import", str(big), "-o", str(out), "-q",
                    env={"HDSCAN_TEST_PAUSE_BEFORE_COMMIT": str(marker)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the import never reached its commit"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    obs, inputs, names = _rows(out / "store.sqlite")
    assert (obs, inputs) == (before_obs, before_inputs)          # the big input is absent
    assert [n for n, _ in names] == ["small-conn.log"]

    again = _scanner("import", str(big), "-o", str(out), "-q")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    obs, inputs, names = _rows(out / "store.sqlite")
    assert inputs == 2 and obs > before_obs
    assert [n for n, _ in names] == ["big-conn.log", "small-conn.log"]


def test_two_imports_at_once_neither_corrupt_nor_duplicate(tmp_path):
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    procs = [_scanner("import", str(SAMPLE), "-o", str(shared), "-q") for _ in range(2)]
    try:
        codes = [p.wait(timeout=600) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    single = _scanner("import", str(SAMPLE), "-o", str(alone), "-q")
    assert single.wait(timeout=600) == 0
    obs, inputs, names = _rows(shared / "store.sqlite")
    assert len({sha for _, sha in names}) == inputs              # every input once
    assert (obs, inputs) == _rows(alone / "store.sqlite")[:2]


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    out = tmp_path_factory.mktemp("hE1-faults") / "out"
    result = CliRunner().invoke(main, ["run", str(SAMPLE), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_simulated_disk_full_keeps_the_previous_report(reported, monkeypatch):
    index = reported / "report" / "index.html"
    before = index.read_bytes()
    real_fsync = os.fsync

    def full(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    result = CliRunner().invoke(main, ["report", "-o", str(reported)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "No space left on device" in lines[0]
    assert "previous file is kept" in lines[0] and "report/" in lines[0]
    assert index.read_bytes() == before
    assert _leftovers(index.parent) == []


def test_real_full_tmpfs_keeps_the_previous_report(reported, tmp_path):
    mount = tmp_path / "hE1-tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "hE1-tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("tmpfs mount not permitted here")
    try:
        out = mount / "out"
        shutil.copytree(reported, out, ignore=shutil.ignore_patterns("export", "report"))
        try:
            fileio.write_atomic(out / "probe", b"")
        except ScannerError:
            pytest.skip("the store alone fills the 8 MB tmpfs")
        result = CliRunner().invoke(main, ["report", "-o", str(out)])
        assert result.exit_code == 0, result.output
        index = out / "report" / "index.html"
        before = index.read_bytes()
        free = shutil.disk_usage(mount).free
        filler = mount / "filler"
        with open(filler, "wb") as f:            # leave less room than the report needs
            f.write(b"\0" * max(0, free - len(before) // 2))
        result = CliRunner().invoke(main, ["report", "-o", str(out)])
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "No space left on device" in lines[0], result.output
        assert index.read_bytes() == before
        assert _leftovers(index.parent) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)
