"""Config-collector tests: the fixture tree ``tests/fixtures/configs/<host>/…``."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"


@pytest.fixture
def configs() -> Path:
    return CONFIGS
