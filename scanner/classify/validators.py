"""Owns the table of rule-pack validators: id, name, severity, what each checks.

Every fault the loader or ``hdscan rules lint`` finds belongs to exactly one validator
here.  Errors stop a pack from loading (and make ``rules lint`` exit 1); warnings are
reported but the pack loads (``rules lint`` exits 0 on warnings only).  A lint line is
``path:line:col: [severity] ID message``.  ``docs/rules.md`` carries the same table
(a test compares them, so the doc cannot drift).

Load faults are raised with a validator name where the loader knows it, otherwise by
the wording of the message (``PATTERNS``, first match wins); a fault no pattern matches
is ``R009 structure``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Validator:
    """One check: its stable id (``R001``), short name, severity and meaning."""

    id: str
    name: str
    severity: str           # error | warning
    doc: str


VALIDATORS: tuple = (
    Validator("R001", "unknown-field", "error",
              "A selection, `because:` or test `given:` names a field outside the closed "
              "vocabulary (rules/FIELDS.md) or an unknown graph relation; did-you-mean given."),
    Validator("R002", "unknown-modifier", "error",
              "A modifier outside the closed set (`contains`, `startswith`, `endswith`, `re`, "
              "`cidr`, `in_list`, `any`, `all`, `count`, `gte`, `lte`)."),
    Validator("R003", "unknown-value", "error",
              "`set:`, `tags.<dimension>`, a propagation or an assertion names a dimension or "
              "value pack.yml does not declare."),
    Validator("R004", "because-field", "error",
              "`because:` cites a placeholder that is not a vocabulary field (it could print "
              "payload values, so it is refused)."),
    Validator("R005", "duplicate-id", "error",
              "Two rules share an id, or a site-pack rule replaces one without "
              "`overrides: true`, or overrides nothing."),
    Validator("R006", "dependency-cycle", "error",
              "Rules read each other's tags in a cycle (the message names every rule), or a "
              "rule reads the tag it sets."),
    Validator("R007", "yaml", "error",
              "Not YAML, not UTF-8, unreadable, or a key given twice in one mapping."),
    Validator("R008", "schema", "error",
              "Missing or unsupported `schema:` (pack.yml `hdscan-rules/1`, list files "
              "`hdscan-list/1`), or a folder with no pack.yml."),
    Validator("R009", "structure", "error",
              "Missing required key, unknown key (did-you-mean), wrong type, bad id, version, "
              "status, applies_to, confidence or test `expect`; an application rule setting "
              "`role` (the role defines the application); a propagation `origins`/`targets` "
              "kind it cannot use."),
    Validator("R010", "condition", "error",
              "`condition:`/`boost_if:` does not parse, names an undefined selection, or is "
              "missing while there are several selections."),
    Validator("R011", "bad-pattern", "error",
              "A `re` value that does not compile, a `cidr` value that is no prefix, a "
              "count/gte/lte bound that is no number."),
    Validator("R012", "unknown-list", "error",
              "`in_list` names a list that neither pack.yml nor `lists_from:` declares."),
    Validator("R013", "requires", "error",
              "A `requires:` entry names a pack not loaded before this one, or too old a "
              "version of it."),
    Validator("R014", "undated-snapshot", "error",
              "A list file (`lists_from:`) lacks `source:` or `retrieved:`: snapshots must be "
              "dated and sourced."),
    Validator("R015", "field-not-on-kind", "error",
              "A field that has no value on the rule's `applies_to` kind (e.g. `client.*` on a "
              "service rule, `flow.*` on an application rule) or a graph relation with no "
              "neighbours on that kind (`graph.members` outside application rules): the "
              "selection could never match."),
    Validator("R016", "failing-test", "error",
              "A test case of the rule fails (or a `todo_*` known gap now passes: promote it)."),
    Validator("R017", "missing-tests", "error",
              "The rule has no `match` or no `no_match` test case."),
    Validator("R018", "unused-selection", "warning",
              "A selection used in neither `condition` nor `boost_if`."),
    Validator("R019", "filename-mismatch", "warning",
              "The file name is not the id's last segment (`_` for `-`)."),
    Validator("R020", "no-reference", "warning",
              "The rule cites no `references:`."),
    Validator("R021", "deprecated-without-successor", "warning",
              "`status: deprecated` with no `related:` entry of type obsolete/renamed."),
)

BY_NAME: dict = {v.name: v for v in VALIDATORS}
BY_ID: dict = {v.id: v for v in VALIDATORS}

# (substring of the message, validator name); first match wins.
PATTERNS: tuple = (
    ("because cites", "because-field"),
    ("unknown field", "unknown-field"),
    ("unknown graph relation", "unknown-field"),
    ("unknown modifier", "unknown-modifier"),
    ("unknown list", "unknown-list"),
    ("unknown value", "unknown-value"),
    ("unknown dimension", "unknown-value"),
    ("undeclared dimension", "unknown-value"),
    ("unknown role", "unknown-value"),
    ("duplicate rule id", "duplicate-id"),
    ("overrides nothing", "duplicate-id"),
    ("duplicate key", "yaml"),
    ("unknown key", "structure"),
    ("not valid YAML", "yaml"),
    ("not UTF-8", "yaml"),
    ("cannot read:", "yaml"),
    ("mapping keys must be", "yaml"),
    ("schema", "schema"),
    ("not a rule pack", "schema"),
    ("requires pack", "requires"),
    ("requires ", "requires"),
    ("cannot read requirement", "requires"),
    ("snapshots must be dated", "undated-snapshot"),
    ("has no value on", "field-not-on-kind"),
    ("condition", "condition"),
    ("boost_if", "condition"),
    ("bad regular expression", "bad-pattern"),
    ("is not a network prefix", "bad-pattern"),
    ("needs a number", "bad-pattern"),
    ("needs an integer count", "bad-pattern"),
)


def validator_for(message: str, name: str | None = None) -> Validator:
    """The validator of a fault: by ``name`` when known, else by the message's wording."""
    if name in BY_NAME:
        return BY_NAME[name]
    for text, vname in PATTERNS:
        if text in message:
            return BY_NAME[vname]
    return BY_NAME["structure"]


def validators_markdown() -> str:
    """The validator table as Markdown (the block docs/rules.md carries)."""
    lines = ["| id | name | severity | what it finds |", "|---|---|---|---|"]
    lines += [f"| {v.id} | {v.name} | {v.severity} | {v.doc} |" for v in VALIDATORS]
    return "\n".join(lines)
