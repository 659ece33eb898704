"""Owns ``hdscan rules lint``: every validator over every loaded pack, in one run.

Load faults keep their validator id (``unknown-field``, ``duplicate-id``…); lint adds
``missing-tests``, ``unused-selection``, ``filename-mismatch``, ``no-reference``,
``deprecated-without-successor`` and ``failing-test``.  A validator is silenced for a
rule only through ``lint.exclusions`` in pack.yml, with a reason.  Each issue is one line:
``path:line:col: [validator/severity] message``.
"""

from __future__ import annotations

from pathlib import Path

from .conditions import referenced
from .loader import Fault, collect
from .rules import Loc
from .selftest import run_tests

_BY_MESSAGE = (("unknown field", "unknown-field"), ("unknown graph relation", "unknown-field"),
               ("unknown modifier", "unknown-modifier"), ("unknown value", "unknown-value"),
               ("because cites", "phi-in-evidence"), ("duplicate rule id", "duplicate-id"))


def _classify(f: Fault) -> Fault:
    if f.validator != "load":
        return f
    for text, vid in _BY_MESSAGE:
        if text in f.message:
            return Fault(f.loc, f.message, vid, "high")
    return f


def _rule_issues(rule) -> list:
    out = []
    loc = rule.loc
    expects = {t.expect for t in rule.tests}
    if "match" not in expects or "no_match" not in expects:
        lacking = " and ".join(x for x in ("match", "no_match") if x not in expects)
        out.append(Fault(loc, f"rule '{rule.id}' has no {lacking} test", "missing-tests", "high"))
    used, _ = referenced(rule.condition, rule.selections)
    if rule.boost_if is not None:
        used |= referenced(rule.boost_if, rule.selections)[0]
    for name in sorted(set(rule.selections) - used):
        sel = rule.selections[name]
        out.append(Fault(sel.loc, f"selection '{name}' is used in neither condition nor boost_if",
                         "unused-selection", "medium"))
    stem = Path(rule.loc.path).stem
    if stem.replace("_", "-") != rule.id.rsplit(".", 1)[-1]:
        out.append(Fault(loc, f"file name '{stem}' does not match the id's last segment "
                              f"'{rule.id.rsplit('.', 1)[-1]}'", "filename-mismatch", "low"))
    if not rule.references:
        out.append(Fault(loc, f"rule '{rule.id}' cites no references", "no-reference", "low"))
    if rule.status == "deprecated" and not any(
            r.get("type") in ("obsolete", "renamed") for r in rule.related):
        out.append(Fault(loc, f"rule '{rule.id}' is deprecated with no successor in related",
                         "deprecated-without-successor", "medium"))
    return out


def lint(paths) -> list:
    """Lint rule packs; every issue as ``path:line:col: [validator/severity] message``.

    Parameters
    ----------
    paths : list of Path
        Pack directories, in load order.

    Returns
    -------
    list of str
        Sorted issues; empty when the packs are clean.
    """
    packs, faults = collect(paths)
    issues = [_classify(f) for f in faults]
    if packs is not None:
        excluded = {ex for p in packs.packs for ex in p.lint_exclusions}
        for rule in packs.rules:
            issues += [i for i in _rule_issues(rule) if (rule.id, i.validator) not in excluded]
        if not faults:
            for failure in run_tests(packs):
                path, line, col = failure.location.rsplit(":", 2)
                issues.append(Fault(Loc(path, int(line), int(col)),
                                    f"test '{failure.test}': {failure.message}",
                                    "failing-test", "high"))
    return sorted({i.lint_line() for i in issues},
                  key=lambda s: (s.split(":")[0], _num(s, 1), _num(s, 2), s))


def _num(line: str, index: int) -> int:
    try:
        return int(line.split(":")[index])
    except (ValueError, IndexError):
        return 0
