"""Owns the generated parts of the rule-format docs, so doc and code cannot drift.

``docs/rules.md`` carries blocks between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``
whose text is generated here from the code: the field vocabulary and graph relations
(``fields.py``), the modifiers (``conditions.py``), the rule, manifest and propagation
keys (``loader.py``) and the lint validators (``validators.py``).  ``stale(text)`` names
the blocks that differ (a test requires none); ``python3 -m scanner.classify.docgen``
rewrites them and rules/FIELDS.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import fields, loader
from .conditions import GRAPH_MODIFIERS, MODIFIERS
from .validators import validators_markdown

MODIFIER_DOCS = {
    "contains": "the value contains the text",
    "startswith": "the value starts with the text",
    "endswith": "the value ends with the text (DNS suffixes, with `in_list`)",
    "re": "a Python regular expression found in the value (case-insensitive)",
    "cidr": "an address inside the prefix (`10.0.0.0/8`, IPv6 too)",
    "in_list": "the expected values are those of the named list(s) of pack.yml",
    "any": "one expected value matches (the default); on a relation: one neighbour matches",
    "all": "every expected value matches; on a relation: every neighbour matches",
    "count": "compare the number of distinct values (or of matching neighbours)",
    "gte": "number ≥ the bound (alone, or after `count`)",
    "lte": "number ≤ the bound (alone, or after `count`)",
}


def modifiers_markdown() -> str:
    """Modifier table: name, where it applies, meaning."""
    lines = ["| modifier | on fields | on graph relations | meaning |", "|---|---|---|---|"]
    for name in sorted(MODIFIERS | GRAPH_MODIFIERS):
        lines.append(f"| `{name}` | {'yes' if name in MODIFIERS else 'no'} | "
                     f"{'yes' if name in GRAPH_MODIFIERS else 'no'} | {MODIFIER_DOCS[name]} |")
    return "\n".join(lines)


def keys_markdown() -> str:
    """The keys a rule file, a pack.yml and a propagation entry accept."""
    def row(what, required, optional):
        return (f"| {what} | {', '.join(f'`{k}`' for k in required) or '—'} | "
                f"{', '.join(f'`{k}`' for k in optional)} |")
    return "\n".join([
        "| file | required keys | optional keys |", "|---|---|---|",
        row("rule (`<dimension>/<name>.yml`)", loader.RULE_REQUIRED, loader.RULE_OPTIONAL),
        row("pack manifest (`pack.yml`)", loader.PACK_REQUIRED, loader.PACK_OPTIONAL),
        row("`propagation:` entry", ("dimension",),
            [k for k in loader.PROP_KEYS if k != "dimension"]),
        row("test case (`tests:` item)", ("expect",), ("name", "given", "expect_set")),
    ])


BLOCKS = {
    "vocabulary": fields.vocabulary_markdown,
    "modifiers": modifiers_markdown,
    "keys": keys_markdown,
    "validators": validators_markdown,
}


def _pattern(name: str):
    return re.compile(rf"(<!-- {name}:begin -->\n)(.*?)(\n<!-- {name}:end -->)", re.S)


def stale(text: str) -> list:
    """Names of the generated blocks missing from ``text`` or differing from the code."""
    out = []
    for name, make in BLOCKS.items():
        m = _pattern(name).search(text)
        if not m or m.group(2) != make():
            out.append(name)
    return out


def update(text: str) -> str:
    """``text`` with every generated block present rewritten from the code."""
    for name, make in BLOCKS.items():
        text = _pattern(name).sub(lambda m, make=make: m.group(1) + make() + m.group(3), text)
    return text


def main(argv=None) -> int:
    """Rewrite the generated blocks of docs/rules.md and rules/FIELDS.md in a checkout."""
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[2]
    doc = root / "docs" / "rules.md"
    doc.write_text(update(doc.read_text(encoding="utf-8")), encoding="utf-8")
    fields.write_fields_md(root / "rules" / "FIELDS.md")
    return 0


if __name__ == "__main__":
    main(sys.argv[1:])
