"""The planner's message catalogue (scanner/plan/messages.py): both languages for every id,
the same placeholders in both, no id the code does not use and no id the code uses that the
catalogue lacks; the formatting of numbers, lists and hosts; structured reasons and the
fallback for a plan.json written before the catalogue."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import scanner.plan
from scanner.plan import messages
from scanner.plan.messages import (MESSAGES, fixed_words, localize_plan, localized, message,
                                   placeholders, render, text)
from scanner.plan.reasons import reason

PLAN_DIR = Path(scanner.plan.__file__).parent
# every planner module imported: some register their messages when imported (storage.py)
for _m in pkgutil.iter_modules([str(PLAN_DIR)]):
    importlib.import_module(f"scanner.plan.{_m.name}")

SAMPLE = {"": "x1", "n": 1234567, "g": 2.5, "gb": 3_100_000_000_000, "dur": 5400,
          "host": "host:dpi-db01", "hosts": ["host:a", "host:b"], "list": ["HL7", "DICOM"],
          "and": ["a", "b", "c"], "data": "health", "msg": None,
          "msgs": [{"msg": "names.list", "params": {"hosts": ["host:a"]}}, "plain text"],
          "msglist": [{"msg": "names.list", "params": {"hosts": ["host:b"]}}]}


def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(PLAN_DIR.glob("*.py"))}


def _params(msg_id: str) -> dict:
    out = {}
    for lang in ("en", "fr"):
        for name, spec in placeholders(MESSAGES[msg_id][lang]):
            out[name] = SAMPLE[spec]
    return out


def test_every_message_has_both_languages_with_the_same_placeholders():
    assert len(MESSAGES) > 100
    for msg_id, texts in MESSAGES.items():
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9-]+", msg_id), msg_id
        assert set(texts) == {"en", "fr"}, msg_id
        assert texts["en"].strip() and texts["fr"].strip(), msg_id
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msg_id
        for name, spec in placeholders(texts["en"]):
            assert spec in SAMPLE, (msg_id, name, spec)      # a format the renderer knows


def test_every_message_renders_in_both_languages_and_french_is_french():
    for msg_id in MESSAGES:
        params = _params(msg_id)
        en, fr = render(msg_id, params, "en"), render(msg_id, params, "fr")
        assert "{" not in en and "{" not in fr, msg_id
        if MESSAGES[msg_id]["en"] != MESSAGES[msg_id]["fr"]:
            assert en != fr, msg_id
        # French punctuation: a space before a colon or a semicolon of the sentence
        bare = re.sub(r"\{[^{}]*\}", "", MESSAGES[msg_id]["fr"])
        bare = re.sub(r"\b[a-z_]+: [a-z-]+\)", "", bare)      # config values quoted as such
        assert not re.search(r"\S[:;](\s|$)", bare), (msg_id, MESSAGES[msg_id]["fr"])


def test_every_message_id_is_used_by_the_planner_and_none_is_missing():
    sources = _sources()
    used = set()
    for name, src in sources.items():
        # an id in a definition (``"id": {``) is not a use
        for m in re.finditer(r'"([a-z0-9]+\.[a-z0-9-]+)"(?!\s*:\s*\{)', src):
            used.add(m.group(1))
    prefixes = {k.split(".")[0] for k in MESSAGES}
    dead = sorted(k for k in MESSAGES if k not in used)
    assert not dead, f"message ids no planner module uses: {dead}"
    # every id-shaped string handed to the message API (reason, message, text, a checklist
    # item, a renderer), directly or through a conditional, is an id of the catalogue
    api = {"reason", "message", "text", "_item", "say", "render", "render_msg", "_violation"}
    missing, seen = [], 0
    for name, src in sources.items():
        for call in ast.walk(ast.parse(src)):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) in api):
                continue
            for arg in call.args[:3]:
                for node in ast.walk(arg):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                            and re.fullmatch(r"[a-z0-9]+\.[a-z0-9-]+", node.value) \
                            and node.value.split(".")[0] in prefixes:
                        seen += 1
                        if node.value not in MESSAGES:
                            missing.append((name, node.value))
    assert seen > 100
    assert not missing, f"message ids used but not in the catalogue: {missing}"
    # and the tables of ids (stay rules) hold catalogue ids only
    from scanner.plan.hosts import STAY_DEVICE_CLASSES, STAY_ROLES
    assert set(STAY_DEVICE_CLASSES.values()) | set(STAY_ROLES.values()) <= set(MESSAGES)
    assert not missing, f"message ids used but not in the catalogue: {missing}"


def test_numbers_lists_hosts_and_durations_are_formatted_per_language():
    nb = "\u00a0"
    took = message("transfer.took", bytes=3_100_000_000_000, seconds=5400, mbps=1000.0,
                   efficiency=0.7)
    assert render(took["msg"], took["params"], "en") == \
        "3,100.0 GB take about 1.5 h at 1000 Mbit/s × 0.7"
    assert render(took["msg"], took["params"], "fr") == \
        f"3{nb}100,0 Go demandent environ 1,5 h à 1000 Mbit/s × 0,7"
    big = message("wave.new-bytes", group="G01 (pacs)", bytes=12_345_678, limit=10_000_000)
    assert "12,345,678 bytes" in render(big["msg"], big["params"], "en")
    assert f"12{nb}345{nb}678 octets" in render(big["msg"], big["params"], "fr")
    unknown = reason("exceeds-capacity", "wave.exceeds", group="G02", servers=9,
                     volume=message("wave.bytes-unknown"), limit=8, limit_bytes=None)
    assert "9 servers and an unknown data volume, more than one wave (8 servers)" in unknown["text"]
    assert "9 serveurs et un volume de données inconnu, plus qu'une vague (8 serveurs)" in \
        localized(unknown, "text", "fr")
    wait = message("check.capacity-bytes", bytes=None, groups=2, limit=10)
    assert render(wait["msg"], wait["params"], "en").startswith("unknown bytes")
    more = message("names.more", hosts=["host:a", "host:b"], more=3)
    assert render(more["msg"], more["params"], "en") == "a, b and 3 more"
    assert render(more["msg"], more["params"], "fr") == "a, b et 3 autres"
    days = message("transfer.took", bytes=10 ** 12, seconds=4 * 86400, mbps=10.0, efficiency=1.0)
    assert "4.0 days" in render(days["msg"], days["params"], "en")
    assert "4,0 jours" in render(days["msg"], days["params"], "fr")
    pilot = message("wave.pilot", group="G03 (lis)", tier=message("wave.tier", tier=3),
                    data="health", degree=2)
    assert render(pilot["msg"], pilot["params"], "fr").startswith(
        "G03 (lis) est peu risqué (criticité 3, données santé, flux avec 2 autre(s) groupe(s))")


def test_params_are_canonical_so_plan_json_is_deterministic():
    a = message("group.pin", why="contrat", hosts=("host:b", "host:a"))
    assert a == {"msg": "group.pin", "params": {"hosts": ["host:b", "host:a"], "why": "contrat"}}
    assert list(a["params"]) == sorted(a["params"])
    s = message("join.db-link-objects", objects={"t2", "t1"})
    assert s["params"]["objects"] == ["t1", "t2"]
    with pytest.raises(KeyError):
        message("no.such-id")
    with pytest.raises(KeyError):
        message("group.pin", why="x")                      # a missing parameter fails early


def test_reasons_are_structured_and_the_old_text_form_still_works():
    r = reason("single", "group.single", ["obs:2", "obs:1", "obs:2"], host="host:fs01")
    assert r == {"kind": "single", "msg": "group.single", "params": {"host": "host:fs01"},
                 "text": render("group.single", {"host": "host:fs01"}), "evidence": ["obs:1", "obs:2"]}
    assert r["text"].startswith("fs01 has no replication")
    assert localized(r, "text", "fr").startswith("fs01 n'a ni réplication")
    old = reason("pin", "pinned together by hand")
    assert old == {"kind": "pin", "text": "pinned together by hand"}
    with pytest.raises(KeyError):
        reason("pin", "not an id", host="x")
    with pytest.raises(ValueError):
        reason("no-such-kind", "group.single", host="x")


def test_an_older_plan_json_falls_back_to_its_text():
    assert localized({"kind": "pin", "text": "as written"}, "text", "fr") == "as written"
    assert localized({"reason": "flow text"}, "reason", "fr") == "flow text"
    broken = {"text": "kept", "msg": "group.single", "params": {}}         # parameter missing
    assert localized(broken, "text", "fr") == "kept"
    foreign = {"text": "kept", "msg": "from.a-newer-hdscan", "params": {}}
    assert localized(foreign, "text", "fr") == "kept"
    said = text("stay.excluded", host="host:ct01")
    stay = {"host": "host:ct01", "reason": said["text"],
            "reason_msg": {"msg": said["msg"], "params": said["params"]}}
    plan = {"stays": [stay], "waves": [{"reasons": [{"kind": "pin", "text": "old"}]}]}
    fr = localize_plan(plan, "fr")
    assert fr["stays"][0]["reason"] == "ct01 est exclue par la configuration du plan"
    assert fr["stays"][0]["reason_msg"] == stay["reason_msg"]
    assert fr["waves"][0]["reasons"][0]["text"] == "old"
    assert plan["stays"][0]["reason"].startswith("ct01 is excluded")      # the input untouched
    assert localize_plan(plan, "en") is plan
    with pytest.raises(ValueError):
        localize_plan(plan, "de")


def test_fixed_words_come_from_the_template_only():
    assert fixed_words("stay.excluded", "en") == ["is", "excluded", "by", "the", "plan", "configuration"]
    assert "exclue" in fixed_words("stay.excluded", "fr")
    assert messages.DEFAULT_LANG == "en"
