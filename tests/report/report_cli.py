"""Running the CLI from the report tests (a module of its own: a test cannot import a
conftest by name, several test folders have one)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run_cli(*args) -> subprocess.CompletedProcess:
    """``python -m scanner ARGS`` from the repository root; fails the test on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done
