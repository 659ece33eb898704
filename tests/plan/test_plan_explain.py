"""`hdscan plan --explain HOST` and `hdscan plan check` end to end, and explain's reasons."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scanner import pipeline
from scanner.errors import InputError
from scanner.plan import build_plan
from scanner.plan.check import Constraints
from scanner.plan.config import PlanConfig, parse_plan_config
from scanner.plan.explain import explain, render
from tests.conftest import ROOT, SAMPLE
from tests.plan.hospital import hospital
from tests.plan.plan_edits import moved_to_pilot


def hdscan(*args):
    return subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def small():
    g, tags = hospital()
    return build_plan(g, tags, None), Constraints(g, tags, PlanConfig())


def _blockers(e, kind):
    return [(x["wave"], b["text"]) for x in e["earlier"] for b in x["blockers"] if b["kind"] == kind]


def test_every_earlier_wave_gets_a_reason(small):
    plan, c = small
    for host in ("dpi-db01", "pacs01", "eai01", "wh-db01", "lis01", "fin-app01", "gam01"):
        e = explain(plan, c, host)
        earlier = [w["number"] for w in plan["waves"] if w["number"] < e["wave"]]
        assert [x["wave"] for x in e["earlier"]] == earlier
        assert all(x["blockers"] for x in e["earlier"])


def test_explain_names_the_constraint_that_blocked_each_wave(small):
    plan, c = small
    e = explain(plan, c, "host:pacs01")
    assert e["group"] == c.group_of["host:pacs01"]["id"] and e["care_tier"] == 1
    pilot = next(w["number"] for w in plan["waves"] if w["name"] == "pilot")
    assert any(w == pilot and "never takes a tier-1 group" in t for w, t in _blockers(e, "pilot"))
    assert _blockers(e, "foundation")
    wh = explain(plan, c, "wh-db01")
    dpi = next(w["number"] for w in plan["waves"] if "host:dpi-db01" in w["hosts"])
    follows = _blockers(wh, "follows")
    assert [w for w, _ in follows] == [w["number"] for w in plan["waves"] if w["number"] < dpi]
    assert all("reads dpi-db01" in t for _, t in follows)
    dpi_e = explain(plan, c, "dpi-app01")
    assert any("already moves tier-1" in t for _, t in _blockers(dpi_e, "tier1-limit"))
    lines = render(dpi_e)
    assert lines[0].startswith(f"dpi-app01 moves in wave {dpi_e['wave']}")
    assert "why these hosts move together:" in lines and "why not an earlier wave:" in lines


def test_configured_ordering_is_named(small):
    g, tags = hospital()
    cfg = parse_plan_config("schema: hdscan-plan/1\norderings:\n  - before: fin-app01\n"
                            "    after: gam01\n    reason: finance rehearses first\n", "p.yml")
    plan = build_plan(g, tags, cfg)
    e = explain(plan, Constraints(g, tags, cfg), "gam01")
    fin = next(w["number"] for w in plan["waves"] if "host:fin-app01" in w["hosts"])
    assert any(w == fin and "orderings[0] (finance rehearses first)" in t
               for w, t in _blockers(e, "ordering"))


def test_staying_and_unknown_hosts(small):
    plan, c = small
    e = explain(plan, c, "ct01")
    assert e["wave"] is None and "medical device" in e["stays"]
    assert render(e)[0].startswith("ct01 stays on site")
    with pytest.raises(InputError, match="dpi-db99 is not a host of the estate"):
        explain(plan, c, "dpi-db99")
    with pytest.raises(InputError, match=r"did you mean dpi-app01, dpi-db01"):
        explain(plan, c, "dpi")


# --- the sample estate, through the command line --------------------------------------

@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("hA-sample") / "out"
    summary = pipeline.import_inputs([SAMPLE], out, lambda _m: None, False)
    assert not summary.errors
    pipeline.stage_graph(out)
    pipeline.stage_classify(out)
    return out


def test_sample_explain_dpi_database(sample_out):
    proc = hdscan("plan", "-o", sample_out, "--explain", "host:dpi-db01", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    wave = next(w for w in plan["waves"] if "host:dpi-db01" in w["hosts"])
    head = next(x for x in lines if x.startswith("dpi-db01 moves in wave"))
    assert head.startswith(f"dpi-db01 moves in wave {wave['number']} ") and "dpi-app01" in head
    assert any("[database]" in x and "dpi-db01" in x for x in lines)     # kept with its DPI
    earlier = [x for x in lines if x.startswith("  wave ")]
    assert {int(x.split()[1].rstrip(":")) for x in earlier} == \
        {w["number"] for w in plan["waves"] if w["number"] < wave["number"]}
    assert any("[pilot]" in x for x in earlier) and any("[tier1-limit]" in x for x in earlier)
    bad = hdscan("plan", "-o", sample_out, "--explain", "nosuchhost")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "nosuchhost is not a host of the estate" in bad.stderr


def test_sample_plan_checks_clean_and_a_hand_edit_does_not(sample_out, tmp_path):
    assert hdscan("plan", "-o", sample_out).returncode == 0
    ok = hdscan("plan", "check", sample_out / "plan.json", "-o", sample_out)
    assert ok.returncode == 0, ok.stderr
    assert "no violation" in ok.stdout
    edited, pilot = moved_to_pilot(sample_out, tmp_path)
    proc = hdscan("plan", "check", edited, "-o", sample_out, "--lang", "en")
    assert proc.returncode == 1
    errors = [x for x in proc.stderr.splitlines() if x.startswith("hdscan: violation:")]
    assert any(f"edited.json: waves[{pilot}].hosts[" in x and "split-group: dpi-db01" in x
               for x in errors), errors
    assert any(": pilot: the pilot holds" in x for x in errors)
    assert "violation(s)" in proc.stdout
