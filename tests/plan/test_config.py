"""Plan configuration: defaults, the documented example, and located errors."""

from __future__ import annotations

import pytest

from scanner.errors import InputError
from scanner.plan.config import PlanConfig, load_plan_config, parse_plan_config
from tests.conftest import ROOT

EXAMPLE = ROOT / "docs" / "plan-config.example.yml"


def test_defaults():
    c = PlanConfig()
    assert (c.wave_servers, c.max_tier1_groups_per_wave, c.shared_infrastructure) == \
        (10, 1, "replicate-first")
    assert c.window(1) == "weekend-night" and c.window(2) == "weeknight"
    assert c.window(4) == "business-hours" and c.window(None) == "weeknight"
    assert c.target_hosting["health"] == "hds"


def test_the_documented_example_loads():
    c = load_plan_config(EXAMPLE)
    assert c.source == str(EXAMPLE)
    assert c.wave_servers == 10 and c.pilot_enabled and c.pilot_max_servers == 5
    assert c.pins and c.orderings and c.exclusions
    assert all(p.line for p in c.pins)


def test_values_are_read():
    c = parse_plan_config(
        "schema: hdscan-plan/1\n"
        "wave_capacity: {servers: 4, data_bytes: 1000}\n"
        "windows: {1: sunday-night, unknown: ask}\n"
        "max_tier1_groups_per_wave: 2\n"
        "pilot: {enabled: false, max_servers: 3}\n"
        "shared_infrastructure: move-first\n"
        "pins:\n  - hosts: [Host:DPI-APP01, dpi-db01]\n    reason: vendor\n"
        "exclusions: [old-srv]\n"
        "orderings:\n  - {before: a, after: b, reason: r}\n"
        "target_hosting: {personal: hds}\n", "p.yml")
    assert (c.wave_servers, c.wave_data_bytes, c.max_tier1_groups_per_wave) == (4, 1000, 2)
    assert c.window(1) == "sunday-night" and c.window(None) == "ask" and c.window(2) == "weeknight"
    assert not c.pilot_enabled and c.shared_infrastructure == "move-first"
    assert c.pins[0].hosts == ("host:dpi-app01", "host:dpi-db01") and c.pins[0].line == 8
    assert c.exclusions == ("host:old-srv",)
    assert c.orderings[0].before == "host:a" and c.orderings[0].line == 12
    assert c.target_hosting == {"health": "hds", "personal": "hds", "none": "any"}


@pytest.mark.parametrize("body, message", [
    ("schema: hdscan-plan/1\nwaves: 3\n", "p.yml: line 2: waves: unknown key"),
    ("schema: hdscan-plan/1\nwave_capacity:\n  servers: ten\n",
     "p.yml: line 3: wave_capacity.servers: expected a positive integer, got 'ten'"),
    ("schema: hdscan-plan/1\nwave_capacity:\n  servers: 0\n",
     "p.yml: line 3: wave_capacity.servers: expected a positive integer, got 0"),
    ("schema: hdscan-plan/1\nwave_capacity: {sevrers: 3}\n",
     "p.yml: line 2: wave_capacity.sevrers: unknown key"),
    ("schema: hdscan-plan/1\npilot:\n  enabled: maybe\n",
     "p.yml: line 3: pilot.enabled: expected true or false"),
    ("schema: hdscan-plan/1\nshared_infrastructure: later\n",
     "p.yml: line 2: shared_infrastructure: expected one of replicate-first, move-first"),
    ("schema: hdscan-plan/1\npins:\n  - hosts: [a]\n    reason: r\n",
     "p.yml: line 3: pins[0].hosts: a pin needs at least two different hosts"),
    ("schema: hdscan-plan/1\npins:\n  - hosts: [a, b]\n", "p.yml: line 3: pins[0]: needs hosts and reason"),
    ("schema: hdscan-plan/1\norderings:\n  - {before: a, after: a, reason: r}\n",
     "p.yml: line 3: orderings[0]: before and after are the same host"),
    ("schema: hdscan-plan/1\nexclusions: [ok, 'bad name']\n",
     "p.yml: line 2: exclusions[1]: not a usable host name"),
    ("schema: hdscan-plan/1\ntarget_hosting: {health: cloud}\n",
     "p.yml: line 2: target_hosting.health: expected one of any, hds, secnumcloud"),
    ("schema: hdscan-plan/2\n", "p.yml: line 1: schema: expected hdscan-plan/1, got 'hdscan-plan/2'"),
    ("wave_capacity: {servers: 3}\n", "p.yml: line 1: schema: missing"),
    ("schema: hdscan-plan/1\nwave_capacity: {servers: 3\n", "p.yml: line 3: not valid YAML"),
    ("- a\n- b\n", "p.yml: line 1: the configuration: expected a mapping"),
    ("schema: hdscan-plan/1\nschema: hdscan-plan/1\n", "p.yml: line 2: schema: duplicate key"),
])
def test_faults_are_located(body, message):
    with pytest.raises(InputError) as exc:
        parse_plan_config(body, "p.yml")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such plan configuration"):
        load_plan_config(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"schema: hdscan-plan/1\n# \xff\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_plan_config(bad)
