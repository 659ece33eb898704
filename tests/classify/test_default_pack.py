"""The shipped pack loads, lints clean, every inline test passes, FIELDS.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.classify.fields import fields_markdown
from scanner.classify.lint import lint
from scanner.classify.loader import default_pack_path, load_packs
from scanner.classify.selftest import run_test, run_tests

PACKS = load_packs([default_pack_path()])
CASES = [(r, t) for r in PACKS.rules for t in r.tests]


def test_pack_identity_and_size():
    assert PACKS.refs == ["hdscan-core@2026.1"]
    assert 30 <= len(PACKS.rules) <= 90
    assert run_tests(PACKS) == []


@pytest.mark.parametrize("rule, test", CASES, ids=[f"{r.id}::{t.name}" for r, t in CASES])
def test_inline_case(rule, test):
    failure = run_test(rule, test, PACKS.lists)
    assert failure is None, str(failure)


def test_every_rule_has_match_and_no_match_and_reference():
    for rule in PACKS.rules:
        expects = {t.expect for t in rule.tests}
        assert {"match", "no_match"} <= expects, rule.id
        assert rule.references, rule.id


def test_lint_clean():
    assert lint([default_pack_path()]) == []


def test_fields_md_in_sync():
    path = Path(__file__).resolve().parents[2] / "rules" / "FIELDS.md"
    assert path.read_text(encoding="utf-8") == fields_markdown(), \
        "rules/FIELDS.md is stale: regenerate with scanner.classify.fields.write_fields_md"


def test_selftest_failure_is_located(tmp_path):
    import shutil
    pack = tmp_path / "core"
    shutil.copytree(default_pack_path(), pack)
    f = pack / "roles" / "identity_pix_pdq.yml"
    f.write_text(f.read_text().replace("expect: no_match", "expect: match"))
    (failure,) = run_tests(load_packs([pack], selftest=False))
    assert str(failure).startswith(f"{f}:")
    assert str(failure).endswith("test 'ADT listener': expected match, rule did not match "
                                 "(selections true: none; false: queries)")


def test_lint_reports_issues(tmp_path):
    import shutil
    pack = tmp_path / "core"
    shutil.copytree(default_pack_path(), pack)
    f = pack / "roles" / "workstation.yml"
    text = f.read_text().replace("references: [docs/architecture.md]\n", "")
    text = text.replace("match:\n", "match:\n  spare:\n    host.agent: true\n")
    text = text.replace("set:\n", "condition: class\nset:\n", 1)
    f.rename(pack / "roles" / "pc.yml")
    (pack / "roles" / "pc.yml").write_text(text)
    issues = lint([pack])
    path = pack / "roles" / "pc.yml"
    assert any(i.startswith(f"{path}:") and "[warning] R020 " in i for i in issues)
    assert any("[warning] R019 " in i for i in issues)
    assert any("[warning] R018 selection 'spare'" in i for i in issues)
