"""Windows (structured or named) and the transfer fit of each wave: time, fit, pre-seed."""

from __future__ import annotations

import math

import pytest

from scanner.errors import InputError
from scanner.plan import build_plan
from scanner.plan.config import PlanConfig, load_plan_config, parse_plan_config
from scanner.plan.transfer import assess
from scanner.plan.windows import PRESETS
from tests.conftest import ROOT
from tests.plan.hospital import GB, hospital


def _cfg(body: str):
    return parse_plan_config("schema: hdscan-plan/1\n" + body, "plan.yml")


def test_named_windows_keep_working_and_presets_have_a_length():
    c = PlanConfig()
    assert c.window(1) == "weekend-night"
    spec = c.window_spec(1)
    assert (spec.days, spec.start, spec.hours) == (("sat",), "22:00", 8.0)
    assert "mon" not in {d for w in PRESETS.values() for d in w.days}      # never Monday
    free = _cfg("windows: {2: ask-the-lab}\n").window_spec(2)
    assert free.label == "ask-the-lab" and free.hours is None


def test_structured_windows_are_read():
    c = _cfg("windows:\n  1: {days: [Saturday, sun], start: 23:30, hours: 6.5, label: sat-night}\n"
             "  3: {hours: 10}\n")
    assert c.window(1) == "sat-night"
    assert c.window_spec(1).days == ("sat", "sun") and c.window_spec(1).start == "23:30"
    assert c.window_spec(1).hours == 6.5 and c.window_spec(3).hours == 10.0
    assert c.window(3) == "any day 10h"


@pytest.mark.parametrize("body, message", [
    ("windows: {1: {days: [someday], hours: 3}}\n",
     "plan.yml: line 2: windows.1.days[0]: expected one of mon"),
    ("windows:\n  1: {hours: 0}\n", "plan.yml: line 3: windows.1.hours: expected a number of hours"),
    ("windows:\n  1:\n    start: 25:00\n    hours: 2\n",
     "plan.yml: line 4: windows.1.start: expected a time HH:MM, got '25:00'"),
    ("windows: {1: {days: [sat]}}\n", "plan.yml: line 2: windows.1: a structured window needs hours"),
    ("transfer: {efficiency: 1.5}\n", "plan.yml: line 2: transfer.efficiency: expected a number (0, 1]"),
    ("transfer:\n  bandwidth_mbps: fast\n", "plan.yml: line 3: transfer.bandwidth_mbps: expected a number"),
    ("transfer: {speed: 1}\n", "plan.yml: line 2: transfer.speed: unknown key"),
])
def test_bad_windows_and_transfer_are_located(body, message):
    with pytest.raises(InputError) as exc:
        _cfg(body)
    assert str(exc.value).startswith(message)


def test_the_documented_example_has_transfer_and_a_structured_window():
    c = load_plan_config(ROOT / "docs" / "plan-config.example.yml")
    assert c.bandwidth_mbps > 0 and 0 < c.efficiency <= 1
    assert c.window_spec(1).hours and c.window_spec(1).days


def test_transfer_time_fit_and_preseed_amount():
    c = _cfg("transfer: {bandwidth_mbps: 1000, efficiency: 0.5, window_share: 0.5}\n")
    rate = 1000e6 / 8 * 0.5                       # 62.5 MB/s
    small = assess(100 * 10 ** 9, 1, c)           # 100 GB in the 8 h weekend night
    assert small["seconds"] == math.ceil(100e9 / rate) == 1600
    assert small["window_seconds"] == 4 * 3600 and small["fits"] is True
    assert small["preseed_bytes"] == 0
    big = assess(4 * 10 ** 12, 1, c)              # 4 TB: 17.8 h, 4 h of window for data
    assert big["fits"] is False
    assert big["preseed_bytes"] == 4 * 10 ** 12 - int(rate * 4 * 3600) == 3_100_000_000_000
    assert "pre-seed or replicate 3,100.0 GB beforehand" in big["text"]
    unknown = assess(None, 1, c)
    assert unknown["fits"] is None and "unknown" in unknown["text"]
    free = assess(10 ** 9, 2, _cfg("windows: {2: ask-the-lab}\n"))
    assert free["fits"] is None and free["seconds"] == 12     # 1 GB at 87.5 MB/s: 11.4 s


def test_every_wave_carries_its_transfer_and_the_pacs_needs_a_preseed():
    g, tags = hospital()
    plan = build_plan(g, tags, None)
    for w in plan["waves"]:
        t = w["transfer"]
        assert t["data_bytes"] == w["data_bytes"] and t["window"]["label"] == w["window"]
    pacs = next(w for w in plan["waves"] if "host:pacs01" in w["hosts"])
    t = pacs["transfer"]
    assert t["data_bytes"] == pacs["data_bytes"] >= 4000 * GB and t["fits"] is False
    assert t["preseed_bytes"] == t["data_bytes"] - t["window_bytes"] > 0
    assert plan["summary"]["preseed_waves"] == sum(1 for w in plan["waves"]
                                                   if w["transfer"]["fits"] is False)
    faster = build_plan(g, tags, _cfg("transfer: {bandwidth_mbps: 100000, efficiency: 1}\n"))
    assert all(w["transfer"]["fits"] for w in faster["waves"])   # 12.5 GB/s: everything fits
    assert faster["config"]["transfer"]["bandwidth_mbps"] == 100000


def test_wave_data_capacity_from_the_link_and_the_shortest_window():
    c = _cfg("wave_capacity: {data_bytes: from-window}\n"
             "transfer: {bandwidth_mbps: 1000, efficiency: 0.5, window_share: 0.5}\n")
    assert c.wave_data_bytes == int(62.5e6 * 0.5 * 7 * 3600)        # weeknight: 7 h
    c = _cfg("wave_capacity: {data_bytes: from-window}\n"
             "windows: {2: {hours: 2}}\n")
    assert c.wave_data_bytes == int(87.5e6 * 0.5 * 2 * 3600)
    with pytest.raises(InputError, match=r"^plan.yml: line 2: wave_capacity.data_bytes: "
                                         "from-window needs at least one window"):
        _cfg("wave_capacity: {data_bytes: from-window}\n"
             "windows: {1: a, 2: b, 3: c, 4: d, unknown: e}\n")
    g, tags = hospital()
    plan = build_plan(g, tags, c)
    pacs = next(w for w in plan["waves"] if "host:pacs01" in w["hosts"])
    assert pacs["hosts"] == ["host:pacs01"]                       # bigger than a wave: alone
    assert any(r["kind"] == "exceeds-capacity" for r in pacs["reasons"])
    assert all(w["data_bytes"] <= c.wave_data_bytes for w in plan["waves"]
               if len(w["groups"]) > 1 and w["action"] == "move")
