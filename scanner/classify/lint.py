"""Owns ``hdscan rules lint``: every validator over every loaded pack, in one run.

Load faults (``loader.collect``) and lint's own checks (missing tests, unused selections,
file names, references, deprecation, failing test cases) are all reported, each as one
line ``path:line:col: [severity] ID message`` with its validator from ``validators.py``.
A validator is silenced for one rule only through ``lint.exclusions`` in pack.yml
(``{rule, validator, reason}``; the validator by id or name).  ``has_errors`` tells the
CLI whether to exit 1 (any error) or 0 (warnings only).
"""

from __future__ import annotations

from pathlib import Path

from .conditions import referenced
from .loader import Fault, collect
from .rules import Loc
from .selftest import run_tests


def _rule_issues(rule) -> list:
    out = []
    loc = rule.loc
    expects = {t.expect for t in rule.tests}
    if "match" not in expects or "no_match" not in expects:
        lacking = " and ".join(x for x in ("match", "no_match") if x not in expects)
        out.append(Fault(loc, f"rule '{rule.id}' has no {lacking} test", "missing-tests"))
    used, _ = referenced(rule.condition, rule.selections)
    if rule.boost_if is not None:
        used |= referenced(rule.boost_if, rule.selections)[0]
    for name in sorted(set(rule.selections) - used):
        sel = rule.selections[name]
        out.append(Fault(sel.loc, f"selection '{name}' is used in neither condition nor boost_if",
                         "unused-selection"))
    stem = Path(rule.loc.path).stem
    if stem.replace("_", "-") != rule.id.rsplit(".", 1)[-1]:
        out.append(Fault(loc, f"file name '{stem}' does not match the id's last segment "
                              f"'{rule.id.rsplit('.', 1)[-1]}'", "filename-mismatch"))
    if not rule.references:
        out.append(Fault(loc, f"rule '{rule.id}' cites no references", "no-reference"))
    if rule.status == "deprecated" and not any(
            r.get("type") in ("obsolete", "renamed") for r in rule.related):
        out.append(Fault(loc, f"rule '{rule.id}' is deprecated with no successor in related",
                         "deprecated-without-successor"))
    return out


def lint(paths) -> list:
    """Lint rule packs; every issue as ``path:line:col: [severity] ID message``.

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
    issues = list(faults)
    if packs is not None:
        excluded = {ex for p in packs.packs for ex in p.lint_exclusions}
        for rule in packs.rules:
            issues += [i for i in _rule_issues(rule)
                       if (rule.id, i.check.id) not in excluded
                       and (rule.id, i.check.name) not in excluded]
        for failure in run_tests(packs):
            path, line, col = failure.location.rsplit(":", 2)
            issues.append(Fault(Loc(path, int(line), int(col)),
                                f"test '{failure.test}': {failure.message}", "failing-test"))
    return sorted({i.lint_line() for i in issues},
                  key=lambda s: (s.split(":")[0], _num(s, 1), _num(s, 2), s))


def _num(line: str, index: int) -> int:
    try:
        return int(line.split(":")[index])
    except (ValueError, IndexError):
        return 0


def has_errors(lines) -> bool:
    """True when any lint line is an error (the CLI then exits 1)."""
    return any(": [error] " in line for line in lines)


def lint_paths(paths) -> list:
    """The packs ``hdscan rules lint PATHS`` reads: the shipped pack first, then PATHS.

    A path that is itself a copy of the shipped pack (same ``pack:`` name) replaces it,
    so a fork of the default pack lints alone.
    """
    from .loader import default_pack_path
    from .yamlio import YamlFault, load_marked
    default = default_pack_path()
    name = load_marked(default / "pack.yml").get("pack")
    out = [default]
    for p in paths:
        try:
            data = load_marked(Path(p) / "pack.yml")
        except (OSError, UnicodeDecodeError, YamlFault):
            data = None
        if Path(p).resolve() == default.resolve() or \
                (isinstance(data, dict) and data.get("pack") == name):
            out = [x for x in out if x != default]
        out.append(Path(p))
    return out
