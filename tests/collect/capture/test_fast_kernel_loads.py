"""Where numba is installed (CI installs the ``fast`` extra), the compiled capture walk is
really used: a kernel module that fails to import must fail here, not pass as "numba not
installed" and silently skip every equality test of the accelerated path."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HAS_NUMBA = importlib.util.find_spec("numba") is not None
PROBE = "from scanner.collect.capture import fastwalk; print(fastwalk.available())"


def _available(**env) -> str:
    base = {k: v for k, v in os.environ.items() if k != "HDSCAN_PURE_PYTHON"}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={**base, "PYTHONPATH": str(ROOT), **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


@pytest.mark.skipif(not HAS_NUMBA, reason="numba (the fast extra) is not installed")
def test_compiled_walk_is_available_when_numba_is():
    assert _available() == "True"


def test_pure_python_switch_turns_it_off():
    assert _available(HDSCAN_PURE_PYTHON="1") == "False"
