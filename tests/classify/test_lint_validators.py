"""`hdscan rules lint`: every validator of validators.py fires on a broken pack, all in one
run, as `path:line:col: [severity] ID message`; errors exit 1, warnings alone exit 0."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from classify_helpers import PACK_HEAD, rule_text, write_pack
from scanner.classify.lint import has_errors, lint
from scanner.classify.loader import load_packs
from scanner.classify.validators import VALIDATORS
from scanner.errors import RuleError

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): \[(?P<sev>error|warning)\] "
                  r"(?P<id>R\d{3}) (?P<msg>.+)$")
TESTS = """tests:
- name: with agent
  given: {host: {agent: true}}
  expect: match
- name: without agent
  given: {host: {agent: false}}
  expect: no_match
"""


def _ok(rid, match="s:\n  host.agent: true", set_="{data_class: health}", applies="host",
        tests=TESTS, **kw):
    return rule_text(rid, applies, match, set_, **kw) + tests


def _broken_pack(root: Path) -> Path:
    head = PACK_HEAD.replace("version: 2026.1",
                             "version: 2026.1\nrequires: ['hdscan-core >= 2026.1']")
    head += "lists_from: [lists/bad_schema.yml, lists/undated.yml]\n"
    rules = {
        # R001..R004, R009..R012, R015: one file each
        "roles/r001.yml": _ok("t.role.r001", "s:\n  hl7.message_type: ORU^R01"),
        "roles/r002.yml": _ok("t.role.r002", "s:\n  service.port|startwith: 10"),
        "roles/r003.yml": _ok("t.role.r003", set_="{role: PAC}"),
        "roles/r004.yml": _ok("t.role.r004", because="'patient {pid.name}'"),
        "roles/r009.yml": _ok("t.role.r009").replace("title: t", "titel: t"),
        "roles/r010.yml": _ok("t.role.r010", condition="s and not t"),
        "roles/r011.yml": _ok("t.role.r011", 's:\n  host.name|re: "(["'),
        "roles/r012.yml": _ok("t.role.r012", "s:\n  host.name|in_list: no_such_list"),
        "roles/r015.yml": _ok("t.role.r015", "s:\n  client.protocols: hl7v2-mllp",
                              applies="service",
                              tests=TESTS.replace("host: {agent: true}", "service: {port: 1}")
                                         .replace("host: {agent: false}", "service: {port: 2}")),
        # R005: the same id twice; R006: a cycle; R007: a duplicate key
        "roles/dup_a.yml": _ok("t.role.dup"),
        "roles/dup_b.yml": _ok("t.role.dup"),
        "roles/cycle_a.yml": _ok("t.role.cycle-a", "s:\n  tags.role: DPI", "{role: EAI}"),
        "roles/cycle_b.yml": _ok("t.role.cycle-b", "s:\n  tags.role: EAI", "{role: DPI}"),
        "roles/r007.yml": _ok("t.role.r007").replace("confidence: high\n",
                                                     "confidence: high\nconfidence: low\n"),
        # R016..R021: rules that load, with what lint alone finds
        "roles/r016.yml": _ok("t.role.r016", tests=TESTS.replace("expect: no_match", "expect: match")
                              .replace("expect: match\n- name: without", "expect: no_match\n- name: without")),
        "roles/r017.yml": _ok("t.role.r017", tests=""),
        "roles/r018.yml": _ok("t.role.r018", "s:\n  host.agent: true\nspare:\n  host.os: linux",
                              condition="s"),
        "roles/not_the_id.yml": _ok("t.role.r019"),
        "roles/r020.yml": _ok("t.role.r020").replace("references: [x]\n", ""),
        "roles/r021.yml": _ok("t.role.r021").replace("status: test", "status: deprecated"),
        # R008 and R014: list files
        "lists/bad_schema.yml": "schema: hdscan-list/9\nsource: x\nretrieved: 2026-01-01\nlists: {}\n",
        "lists/undated.yml": "schema: hdscan-list/1\nsource: x\nlists: {a: [b]}\n",
    }
    return write_pack(root, rules, head=head)


@pytest.fixture(scope="module")
def issues(tmp_path_factory):
    return lint([_broken_pack(tmp_path_factory.mktemp("hC-lint") / "site")])


def test_every_line_is_located_with_severity_and_validator_id(issues):
    assert issues
    for line in issues:
        m = LINE.match(line)
        assert m, line
        assert Path(m["path"]).is_file(), line


@pytest.mark.parametrize("v", VALIDATORS, ids=[v.id for v in VALIDATORS])
def test_each_validator_fires_once_at_least_in_one_run(issues, v):
    got = [LINE.match(i) for i in issues]
    mine = [m for m in got if m["id"] == v.id]
    assert mine, f"{v.id} {v.name} did not fire:\n" + "\n".join(issues)
    assert {m["sev"] for m in mine} == {v.severity}


def test_validators_point_at_the_right_file_and_place(issues):
    def one(vid):
        return [LINE.match(i) for i in issues if LINE.match(i)["id"] == vid]
    (r001,) = one("R001")
    assert r001["path"].endswith("r001.yml") and (r001["line"], r001["col"]) == ("8", "5")
    assert "did you mean 'hl7.message_types'" in r001["msg"]
    assert any(m["path"].endswith("r002.yml") for m in one("R002"))
    assert any(m["path"].endswith("r003.yml") and "'PAC'" in m["msg"] for m in one("R003"))
    assert any("t.role.cycle-a, t.role.cycle-b" in m["msg"] for m in one("R006"))
    assert any(m["path"].endswith("r007.yml") and m["line"] == "11" for m in one("R007"))
    assert any(m["path"].endswith("bad_schema.yml") for m in one("R008"))
    assert any(m["path"].endswith("undated.yml") for m in one("R014"))
    assert any(m["path"].endswith("r016.yml") and "test 'with agent'" in m["msg"] for m in one("R016"))
    assert any(m["path"].endswith("not_the_id.yml") for m in one("R019"))
    assert has_errors(issues)


def test_a_pack_with_a_failing_case_does_not_load(tmp_path):
    bad = _ok("t.role.bad", tests=TESTS.replace("agent: false", "agent: true"))
    pack = write_pack(tmp_path / "p", {"roles/bad.yml": bad})
    with pytest.raises(RuleError) as exc:
        load_packs([pack])
    assert exc.value.errors == [f"{pack}/roles/bad.yml:17:3: [error] R016 test 'without agent': expected no_match, "
                                "rule matched (selections true: s; false: none)"]
    assert load_packs([pack], selftest=False).rules[0].id == "t.role.bad"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_cli_warnings_only_exit_0_errors_exit_1(tmp_path):
    warn = write_pack(tmp_path / "warn", {
        "roles/local_thing.yml": _ok("site.role.local-thing").replace("references: [x]\n", "")},
        head=PACK_HEAD.replace("pack: test-pack", "pack: hC-site"))
    proc = _cli("rules", "lint", str(warn))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"{warn}/roles/local_thing.yml:1:1: [warning] R020 rule 'site.role.local-thing' "
        "cites no references", "no errors"]
    proc = _cli("rules", "lint", str(_broken_pack(tmp_path / "broken")))
    assert proc.returncode == 1
    assert "[error] R001" in proc.stdout and "[warning] R018" in proc.stdout


def test_cli_rules_test_fails_on_a_failing_case(tmp_path):
    bad = _ok("site.role.bad", tests=TESTS.replace("agent: false", "agent: true"))
    pack = write_pack(tmp_path / "p", {"roles/bad.yml": bad},
                      head=PACK_HEAD.replace("pack: test-pack", "pack: hC-site"))
    proc = _cli("rules", "test", str(pack))
    assert proc.returncode == 1
    assert proc.stdout.strip() == (f"{pack}/roles/bad.yml:17:3: test 'without agent': expected no_match, "
                                   "rule matched (selections true: s; false: none)")
    proc = _cli("classify", "-o", str(tmp_path / "nowhere"), "--rules", str(pack))
    assert proc.returncode == 1 and "hdscan: error:" in proc.stderr


@pytest.mark.parametrize("validator", ["R020", "no-reference"])
def test_an_exclusion_with_a_reason_silences_one_validator_for_one_rule(tmp_path, validator):
    rules = {"roles/quiet.yml": _ok("t.role.quiet").replace("references: [x]\n", ""),
             "roles/loud.yml": _ok("t.role.loud").replace("references: [x]\n", "")}
    extra = f"lint:\n  exclusions:\n  - {{rule: t.role.quiet, validator: {validator}, reason: internal}}\n"
    pack = write_pack(tmp_path / "p", rules, extra=extra)
    issues = lint([pack])
    assert [LINE.match(i)["id"] for i in issues] == ["R020"]
    assert issues[0].startswith(f"{pack}/roles/loud.yml:1:1: [warning] R020 ")
    assert not has_errors(issues)
