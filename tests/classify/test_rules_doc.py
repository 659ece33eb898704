"""docs/rules.md cannot drift from the code: its generated tables (keys, modifiers, field
vocabulary, validators) equal what the code produces, and every validator, modifier, field
and key it must document is there."""

from __future__ import annotations

from pathlib import Path

from scanner.classify import docgen, fields, loader
from scanner.classify.conditions import GRAPH_MODIFIERS, MODIFIERS
from scanner.classify.validators import BY_ID, VALIDATORS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
TEXT = DOC.read_text(encoding="utf-8")


def test_generated_blocks_are_current():
    assert docgen.stale(TEXT) == [], \
        "docs/rules.md is stale: run python3 -m scanner.classify.docgen"


def test_every_field_relation_modifier_and_validator_is_documented():
    for name in fields.FIELDS:
        assert f"| `{name}` |" in TEXT, name
    for rel in fields.RELATIONS:
        assert f"| `graph.{rel}` |" in TEXT, rel
    for mod in MODIFIERS | GRAPH_MODIFIERS:
        assert f"| `{mod}` |" in TEXT, mod
    for v in VALIDATORS:
        assert f"| {v.id} | {v.name} | {v.severity} |" in TEXT, v.id
    for key in loader.RULE_REQUIRED + loader.RULE_OPTIONAL + loader.PACK_REQUIRED + \
            loader.PACK_OPTIONAL + loader.PROP_KEYS:
        assert f"`{key}`" in TEXT, key


def test_validator_ids_are_unique_and_every_doc_mention_exists():
    import re
    assert len(BY_ID) == len(VALIDATORS)
    assert sorted(BY_ID) == [f"R{i:03d}" for i in range(1, len(VALIDATORS) + 1)]
    for rid in set(re.findall(r"\bR\d{3}\b", TEXT)):
        assert rid in BY_ID, f"docs/rules.md cites {rid}, which no validator has"


def test_a_stale_block_is_detected_and_rewritten():
    broken = TEXT.replace("| `re` | yes | no |", "| `regex` | yes | no |")
    assert docgen.stale(broken) == ["modifiers"]
    assert docgen.update(broken) == TEXT
