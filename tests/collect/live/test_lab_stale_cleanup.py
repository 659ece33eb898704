"""The lab fixtures drop what crashed test processes left behind (``hdscan_lab_*_<dead pid>``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab


def _fixtures():
    spec = importlib.util.spec_from_file_location("hdscan_live_lab_fixtures",
                                                  Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_names_are_those_of_dead_processes_only():
    lab = _fixtures()
    dead = _dead_pid()
    names = [f"hdscan_lab_live_dpi_{dead}", f"hdscan_lab_live_dpi_{os.getpid()}",
             f"hdscan_lab_live_dpi_{os.getppid()}", "hdscan_lab_live_dpi", "other_db_1",
             f"hdscan_lab_x_{dead}"]
    assert lab.stale(names, set()) == sorted([f"hdscan_lab_live_dpi_{dead}", f"hdscan_lab_x_{dead}"])
    assert lab.stale(names, {f"hdscan_lab_x_{dead}"}) == [f"hdscan_lab_live_dpi_{dead}"]


def test_a_crashed_runs_postgresql_database_is_dropped_at_start():
    lab = _fixtures()
    admin = lab._pg()
    name = f"hdscan_lab_live_crashed_hH_{_dead_pid()}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        lab._pg_drop_stale(admin)
        assert not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
