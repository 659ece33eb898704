"""Protocol tests: hand-assembled messages live in tests/fixtures/pcap/protocol_bytes.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pcap"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))


@pytest.fixture
def fix() -> Path:
    return FIXTURES
