"""Damaged inputs give observations or one InputError, never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.collect.config import collector
from scanner.errors import InputError

NOISE = b"()[]{}<>\"'=:;,\\/@#$%\n\x81 "


def _damage(data: bytes, rng: random.Random) -> bytes:
    d = bytearray(data)
    op = rng.random()
    if op < 0.3:
        return bytes(d[: rng.randrange(len(d) + 1)])
    if op < 0.6:
        for _ in range(rng.randrange(1, 5)):
            d[rng.randrange(len(d))] = rng.choice(NOISE)
        return bytes(d)
    j = rng.randrange(len(d))
    d[j:j] = bytes(rng.choice(NOISE) for _ in range(rng.randrange(1, 8)))
    return bytes(d)


def _fixtures(configs: Path):
    return sorted(p for p in configs.rglob("*") if p.is_file())


def test_damaged_fixtures(configs, tmp_path):
    rng = random.Random(20260302)
    tried = errors = 0
    for original in _fixtures(configs):
        target = tmp_path / "configs" / "h1" / original.name
        target.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(60):
            target.write_bytes(_damage(original.read_bytes(), rng))
            tried += 1
            try:
                for o in collector.collect(target, "configs/h1/" + original.name):
                    assert o.data["host"] == "h1"
            except InputError as exc:
                errors += 1
                assert "\n" not in str(exc) and str(exc).startswith("configs/h1/")
    assert tried == 60 * len(_fixtures(configs)) and errors > 0


@pytest.mark.parametrize("name, text, message", [
    ("deep.json", "[" * 5000 + "]" * 5000, "JSON nested too deeply"),
    ("deep.yml", "[" * 3000 + "]" * 3000, "YAML nested too deeply"),
])
def test_deep_nesting_is_refused(tmp_path, name, text, message):
    path = tmp_path / "configs" / "h1" / name
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        collector.collect(path, name)


def test_deep_xml_is_read(tmp_path):
    path = tmp_path / "configs" / "h1" / "deep.xml"
    path.parent.mkdir(parents=True)
    path.write_text("<a>" * 5000 + "jdbc:postgresql://pg01/x" + "</a>" * 5000)
    [obs] = collector.collect(path, "deep.xml")
    assert obs.data["target_host"] == "pg01" and obs.evidence.location == "line 1"
