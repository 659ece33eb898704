"""Owns running the tests each rule carries (``hdscan rules test``).

A test's ``given:`` is a minimal entity plus neighbours in the vocabulary of ``match``
(DESIGN §2.3); the rule alone is evaluated on it.  ``todo_match``/``todo_no_match``
document known gaps: they fail once the rule starts doing the right thing, so the case
gets promoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import evaluate_rule
from .views import given_view


@dataclass(frozen=True)
class Failure:
    """One failed rule test, printable as ``path:line:col: test 'name': expected …``."""

    rule: str
    test: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: test '{self.test}': {self.message}"


def _explain(results: dict) -> str:
    true = ", ".join(sorted(k for k, v in results.items() if v)) or "none"
    false = ", ".join(sorted(k for k, v in results.items() if not v)) or "none"
    return f"(selections true: {true}; false: {false})"


def run_test(rule, test, lists) -> Failure | None:
    """Run one test of one rule; None when it passes."""
    view = given_view(rule.applies_to, test.given)
    matched, results, _ = evaluate_rule(rule, view, lists)
    fail = None
    if test.expect == "match" and not matched:
        fail = f"expected match, rule did not match {_explain(results)}"
    elif test.expect == "no_match" and matched:
        fail = f"expected no_match, rule matched {_explain(results)}"
    elif test.expect == "todo_match" and matched:
        fail = "todo_match now matches: promote it to 'match'"
    elif test.expect == "todo_no_match" and not matched:
        fail = "todo_no_match no longer matches: promote it to 'no_match'"
    elif test.expect == "match" and test.expect_set:
        for dim, value in sorted(test.expect_set.items()):
            if str(rule.set.get(dim)) != str(value):
                fail = f"expected set {dim}={value}, rule sets {dim}={rule.set.get(dim)}"
                break
    if fail is None:
        return None
    return Failure(rule.id, test.name, str(test.loc), fail)


def run_tests(packs) -> list:
    """Run every rule's inline tests; the failures, sorted by location.

    Returns
    -------
    list of Failure
        Empty when every test passes.
    """
    out = []
    for rule in packs.rules:
        for test in rule.tests:
            f = run_test(rule, test, packs.lists)
            if f is not None:
                out.append(f)
    return sorted(out, key=lambda f: (f.location, f.test))
