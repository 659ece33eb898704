"""Owns the rule index: which entities a rule could possibly match, from their fixed fields.

At 5,000 servers classification evaluated every rule on every entity of its kind, every
round (1.6 M rule evaluations, issue #9).  Most rules test a field most entities do not
have (``hl7.message_types``) or a value few have (``flow.protocol: dicom``).  This module
reads each rule's condition once and derives a *necessary* condition over the entity's
graph fields (not its tags, which change as rules fire):

* a plain field matcher (not ``|count``) never holds on an empty field, so the field must
  be present;
* an equality matcher (no ``contains``/``startswith``/``endswith``/``re``/``cidr``/
  ``gte``/``lte``) holds only if one of the field's values, normalised as
  ``conditions.match_field`` does, is one of the expected values;
* a selection needs all of its matchers' requirements, ``a and b`` both sides', ``a or b``
  either side's; ``not``, tag fields and graph relations require nothing.

The requirement is a list of alternatives, each a set of ``(field, values-or-None)``
terms; the rule's candidates are the union over alternatives of the entities meeting every
term, looked up in per-kind inverted indexes built once from the cached static views.
It only ever removes entities on which the rule is certain to be false, so the tags are
the same as evaluating everywhere (tests/classify/test_rule_index.py checks that on the
sample estate and on generated ones).  ``static_rule`` says whether a rule reads only
fixed fields, so that one evaluation pass is final for it.
"""

from __future__ import annotations

from .conditions import _norm, expand, expected_values
from .fields import TAG_PREFIX

MAX_ALTERNATIVES = 64           # past this many, a rule is evaluated everywhere
_NOT_EQ = frozenset(("contains", "startswith", "endswith", "re", "cidr", "gte", "lte"))
ANYTHING = [frozenset()]        # one alternative without terms: every entity is a candidate


def _matcher_term(m, lists: dict):
    """The term one matcher imposes, or None when it imposes none."""
    if m.relation is not None or m.field.startswith(TAG_PREFIX) or "count" in m.modifiers:
        return None
    if _NOT_EQ.isdisjoint(m.modifiers):
        return (m.field, frozenset(_norm(w) for w in expected_values(m, lists)))
    return (m.field, None)


def _selection_alternatives(sel, lists: dict) -> list:
    terms = frozenset(t for t in (_matcher_term(m, lists) for m in sel.matchers) if t is not None)
    return [terms]


def _both(a: list, b: list) -> list:
    out = {x | y for x in a for y in b}
    return list(out) if len(out) <= MAX_ALTERNATIVES else ANYTHING


def _either(a: list, b: list) -> list:
    if frozenset() in a or frozenset() in b:
        return ANYTHING
    out = set(a) | set(b)
    return list(out) if len(out) <= MAX_ALTERNATIVES else ANYTHING


def _alternatives(ast, selections: dict, lists: dict) -> list:
    kind = ast[0]
    if kind == "sel":
        return _selection_alternatives(selections[ast[1]], lists)
    if kind == "not":
        return ANYTHING
    if kind in ("and", "or"):
        left = _alternatives(ast[1], selections, lists)
        right = _alternatives(ast[2], selections, lists)
        return _both(left, right) if kind == "and" else _either(left, right)
    parts = [_selection_alternatives(selections[n], lists) for n in expand(ast[2], selections)]
    if not parts:
        return ANYTHING
    combine = _both if ast[1] == "all" else _either
    out = parts[0]
    for p in parts[1:]:
        out = combine(out, p)
    return out


def requirement(rule, lists: dict) -> list:
    """The rule's necessary condition: alternatives, each a frozenset of terms
    ``(field, frozenset of normalised values)`` or ``(field, None)`` (field present)."""
    return _alternatives(rule.condition, rule.selections, lists)


def _reads_tags(sel) -> bool:
    for m in sel.matchers:
        if m.field.startswith(TAG_PREFIX):
            return True
        if m.nested is not None and _reads_tags(m.nested):
            return True
    return False


def static_rule(rule) -> bool:
    """True when the rule reads no tag, here or on a neighbour: its answer on an entity
    never changes during classification (applications excepted: their members do)."""
    return rule.applies_to != "application" and not any(
        _reads_tags(s) for s in rule.selections.values())


class FieldIndex:
    """Inverted indexes over the static fields of one kind's entities, in their order."""

    def __init__(self, entities: list, static):
        self.entities = entities
        self.position = {e: i for i, e in enumerate(entities)}
        self.present: dict[str, set] = {}
        self.values: dict[tuple, set] = {}
        for e in entities:
            for field, vals in static(e)[0].items():
                if not vals:
                    continue
                self.present.setdefault(field, set()).add(e)
                for v in vals:
                    self.values.setdefault((field, _norm(v)), set()).add(e)

    def _term(self, term) -> set:
        field, wanted = term
        if wanted is None:
            return self.present.get(field, set())
        out: set = set()
        for w in wanted:
            out |= self.values.get((field, w), set())
        return out

    def candidates(self, alternatives: list) -> list:
        """The entities meeting every term of at least one alternative, in entity order."""
        if frozenset() in alternatives:
            return self.entities
        chosen: set = set()
        for alt in alternatives:
            sets = sorted((self._term(t) for t in alt), key=len)
            hit = set(sets[0])
            for s in sets[1:]:
                hit &= s
                if not hit:
                    break
            chosen |= hit
        return sorted(chosen, key=self.position.__getitem__)
