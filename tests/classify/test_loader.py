"""Loader faults are collected, located and worded exactly, each with its validator id and
severity as lint prints them (``path:line:col: [error] R0xx message``)."""

from __future__ import annotations

import pytest

from classify_helpers import PACK_HEAD, rule_text, write_pack
from scanner.classify.loader import default_pack_path, load_packs
from scanner.errors import RuleError


def _errors(paths):
    with pytest.raises(RuleError) as exc:
        load_packs(paths)
    return exc.value


def test_duplicate_key_is_located(tmp_path):
    text = rule_text("t.role.a", "service", "s:\n  service.port: 104", "{role: PACS}")
    text = text.replace("confidence: high\n", "confidence: high\nconfidence: low\n")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    err = _errors([pack])
    assert err.errors == [f"{pack}/roles/a.yml:11:1: [error] R007 duplicate key 'confidence' (first at line 10 col 1)"]
    assert str(err) == f"{pack}/roles/a.yml: line 11 col 1: [error] R007 duplicate key 'confidence' (first at line 10 col 1)"


def test_unknown_field_suggests_nearest(tmp_path):
    text = rule_text("t.role.a", "service", "s:\n  hl7.message_type: ORU^R01", "{role: PACS}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    assert _errors([pack]).errors == [
        f"{pack}/roles/a.yml:8:5: [error] R001 unknown field 'hl7.message_type'; did you mean 'hl7.message_types'?"]


def test_unknown_modifier_and_bad_value_all_reported(tmp_path):
    text = rule_text("t.role.a", "service", "s:\n  service.port|startwith: 10", "{role: PAC}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    assert _errors([pack]).errors == [
        f"{pack}/roles/a.yml:8:5: [error] R002 unknown modifier 'startwith'; did you mean 'startswith'?",
        f"{pack}/roles/a.yml:9:13: [error] R003 unknown value 'PAC' for dimension 'role'; did you mean 'PACS'?",
    ]


def test_bad_schema_version_names_file_and_both_versions(tmp_path):
    pack = write_pack(tmp_path / "p", {}, head=PACK_HEAD.replace("hdscan-rules/1", "hdscan-rules/2"))
    err = _errors([pack])
    assert err.errors == [f"{pack}/pack.yml:1:1: [error] R008 unsupported schema 'hdscan-rules/2'; "
                          "this hdscan reads 'hdscan-rules/1'"]


def test_condition_must_name_defined_selections(tmp_path):
    text = rule_text("t.role.a", "service", "s:\n  service.port: 104", "{role: PACS}",
                     condition="s and not t")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    assert _errors([pack]).errors == [f"{pack}/roles/a.yml:9:12: [error] R010 condition names undefined selection 't'"]


def test_because_cites_only_vocabulary_fields(tmp_path):
    text = rule_text("t.role.a", "service", "s:\n  service.port: 104", "{role: PACS}",
                     because="'patient {pid.name} on {service.port}'")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    (msg,) = _errors([pack]).errors
    assert msg.startswith(f"{pack}/roles/a.yml:11:10: [error] R004 because cites '{{pid.name}}', which is not a field")


def test_field_not_available_on_kind(tmp_path):
    text = rule_text("t.role.a", "endpoint", "s:\n  db.columns: ipp", "{role: PACS}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": text})
    (msg,) = _errors([pack]).errors
    assert msg == (f"{pack}/roles/a.yml:8:5: [error] R015 field 'db.columns' has no value on endpoint rules "
                   "(it exists on: host, service, database)")


def test_faults_from_several_files_collected(tmp_path):
    a = rule_text("t.role.a", "service", "s:\n  service.prot: dicom", "{role: PACS}")
    b = rule_text("t.role.b", "service", "s:\n  service.port: 104", "{role: PACSS}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": a, "roles/b.yml": b})
    err = _errors([pack])
    assert len(err.errors) == 2
    assert str(err).endswith("(and 1 more)")


def test_site_pack_override_and_duplicate(tmp_path):
    core = write_pack(tmp_path / "core", {
        "roles/a.yml": rule_text("t.role.a", "service", "s:\n  service.port: 104", "{role: PACS}")})
    site_head = PACK_HEAD.replace("pack: test-pack", "pack: site").replace(
        "version: 2026.1", "version: 1\nrequires: ['test-pack >= 2026.1']")
    dup = write_pack(tmp_path / "dup", {
        "roles/a.yml": rule_text("t.role.a", "service", "s:\n  service.port: 11112", "{role: PACS}")},
        head=site_head)
    (msg,) = _errors([core, dup]).errors
    assert "duplicate rule id 't.role.a'" in msg and "add 'overrides: true'" in msg
    ok = write_pack(tmp_path / "ok", {
        "roles/a.yml": rule_text("t.role.a", "service", "s:\n  service.port: 11112", "{role: PACS}")
        + "overrides: true\n"}, head=site_head)
    packs = load_packs([core, ok])
    assert packs.refs == ["test-pack@2026.1", "site@1"]
    assert packs.rule("t.role.a").selections["s"].matchers[0].value == 11112


def test_requires_missing_pack(tmp_path):
    head = PACK_HEAD.replace("version: 2026.1", "version: 2026.1\nrequires: ['hdscan-core >= 2026.1']")
    pack = write_pack(tmp_path / "p", {}, head=head)
    assert _errors([pack]).errors == [
        f"{pack}/pack.yml:4:12: [error] R013 requires pack 'hdscan-core', which is not loaded before it"]


def test_dependency_cycle_names_rules(tmp_path):
    a = rule_text("t.role.a", "host", "s:\n  tags.role: DPI", "{role: EAI}")
    b = rule_text("t.role.b", "host", "s:\n  tags.role: EAI", "{role: DPI}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": a, "roles/b.yml": b})
    (msg,) = _errors([pack]).errors
    assert msg == f"{pack}/roles/a.yml:1:1: [error] R006 rules depend on each other's tags in a cycle: t.role.a, t.role.b"


def test_dependency_order(tmp_path):
    a = rule_text("t.role.z-first", "host", "s:\n  host.agent: true", "{role: DPI}")
    b = rule_text("t.role.a-second", "host", "s:\n  tags.role: DPI", "{data_class: health}")
    pack = write_pack(tmp_path / "p", {"roles/a.yml": a, "roles/b.yml": b})
    assert load_packs([pack]).generations == (("t.role.z-first",), ("t.role.a-second",))


def test_default_pack_path_finds_checkout():
    path = default_pack_path()
    assert (path / "pack.yml").is_file() and path.name == "core"
