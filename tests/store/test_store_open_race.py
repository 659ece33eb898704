"""Processes opening one new store at the same instant all succeed.

The first opening of a store switches it to WAL and creates the schema; a concurrent
opener then gets "database is locked" at once (SQLite does not wait where waiting could
deadlock). ``Store`` retries its idempotent opening: before it did, this test failed about
one opening in ten (CI saw it as a failed `hdscan import` running beside another)."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.conftest import ROOT

OPEN = """
import sys, time
from pathlib import Path
from scanner.store import Store
start = float(sys.argv[2])
while time.time() < start:
    pass
with Store(Path(sys.argv[1])) as s:
    s.inputs()
"""


def test_simultaneous_openings_of_a_new_store_all_succeed(tmp_path):
    failures = []
    for rnd in range(12):
        store = tmp_path / f"r{rnd}" / "store.sqlite"
        store.parent.mkdir()
        start = time.time() + 0.8          # every process past its imports by then
        procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(store), repr(start)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            if p.returncode != 0:
                failures.append(err.strip().splitlines()[-1])
    assert failures == []
