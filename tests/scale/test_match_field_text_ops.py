"""match_field's text operators (eq, contains, startswith, endswith) answer as the pairwise
reference does: ``_one`` on every (value, expected) pair.

match_field normalises each value once (issue #9: it was the classification's hot spot at
5,000 servers); this compares it with the definition on random values, modifiers and lists.
"""

from __future__ import annotations

import random

from scanner.classify.conditions import _one, expected_values, match_field
from scanner.classify.rules import Matcher

WORDS = ["PostgreSQL", "postgres", "POST", "sql", "True", True, False, "false", 5432, "5432",
         "", "dpi-app01", "DPI", "app", 0, "0", "hl7", "HL7v2"]


def _reference(m: Matcher, elems: list, lists: dict) -> bool:
    op = next((o for o in ("contains", "startswith", "endswith") if o in m.modifiers), "eq")
    wanted = expected_values(m, lists)
    if "all" in m.modifiers:
        return bool(wanted) and all(any(_one(op, e, w) for e in elems) for w in wanted)
    return any(_one(op, e, w) for e in elems for w in wanted)


def test_text_operators_equal_the_pairwise_definition():
    rng = random.Random(42)
    lists = {"names": tuple(rng.sample(WORDS, 5)), "empty": ()}
    checked = {True: 0, False: 0}
    for _ in range(4000):
        op = rng.choice([(), ("contains",), ("startswith",), ("endswith",)])
        extra = rng.choice([(), ("all",), ("in_list",), ("all", "in_list")])
        mods = op + extra
        if "in_list" in mods:
            value = rng.choice(["names", "empty", ["names", "empty"]])
        else:
            value = rng.choice([rng.choice(WORDS), rng.sample(WORDS, rng.randint(0, 3))])
        m = Matcher("host.name", mods, value, None)
        elems = rng.sample(WORDS, rng.randint(0, 4))
        got = match_field(m, elems, lists)
        assert got == _reference(m, elems, lists), (mods, value, elems)
        checked[got] += 1
    assert checked[True] > 300 and checked[False] > 300      # both answers exercised
