"""Owns the condition language and field matching.

``parse_condition`` turns ``a and not (b or c)`` / ``1 of sel_*`` / ``all of them`` into
a small tuple AST; ``evaluate_rule`` decides a rule on one entity view and returns which
selections held and the evidence they read.

Matching semantics (documented in rules/FIELDS.md): every field value is a list; strings
compare case-insensitively; a list of expected values means OR; a list field matches
when any element matches; ``|all`` requires every expected value to be matched;
``|count`` compares the number of distinct elements (or neighbours); ``|gte``/``|lte``
compare numbers; ``|in_list`` takes its values from a list named in pack.yml.  Graph
predicates (``graph.clients|any: {selection}``) evaluate a nested selection on the
neighbours that ``View.neighbours`` returns.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from functools import lru_cache

from .rules import Matcher, Rule, Selection

VALUE_OPS = ("contains", "startswith", "endswith", "re", "cidr")
MODIFIERS = frozenset(VALUE_OPS + ("any", "all", "count", "gte", "lte", "in_list"))
GRAPH_MODIFIERS = frozenset(("any", "all", "count", "gte", "lte"))


class ConditionSyntaxError(ValueError):
    """A condition string that cannot be parsed; ``offset`` is 0-based in the string."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.offset = offset


_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_*][\w*\-]*|\d+)")


def _tokens(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionSyntaxError(f"unexpected character {text[pos:].strip()[0]!r}", pos)
        out.append((m.group(1), m.start(1)))
        pos = m.end()
    return out


def parse_condition(text: str):
    """Parse a condition into an AST of tuples.

    ``("sel", name)``, ``("not", a)``, ``("and", a, b)``, ``("or", a, b)``,
    ``("of", "one" | "all", pattern)`` where pattern may be ``them`` or use ``*``.

    Raises
    ------
    ConditionSyntaxError
        Unbalanced parentheses, a dangling operator or an unknown token.
    """
    toks = _tokens(str(text))
    pos = 0

    def peek():
        return toks[pos][0] if pos < len(toks) else None

    def take():
        nonlocal pos
        if pos >= len(toks):
            raise ConditionSyntaxError("condition ends too early", len(text))
        tok = toks[pos]
        pos += 1
        return tok

    def expr():
        node = term()
        while peek() == "or":
            take()
            node = ("or", node, term())
        return node

    def term():
        node = factor()
        while peek() == "and":
            take()
            node = ("and", node, factor())
        return node

    def factor():
        tok, off = take()
        if tok == "not":
            return ("not", factor())
        if tok == "(":
            node = expr()
            close, off2 = take()
            if close != ")":
                raise ConditionSyntaxError(f"expected ')' but found {close!r}", off2)
            return node
        if tok in ("1", "all", "any") and peek() == "of":
            take()
            pattern, _ = take()
            return ("of", "all" if tok == "all" else "one", pattern)
        if tok in ("and", "or", ")", "of") or tok.isdigit():
            raise ConditionSyntaxError(f"unexpected {tok!r}", off)
        return ("sel", tok)

    node = expr()
    if pos != len(toks):
        tok, off = toks[pos]
        raise ConditionSyntaxError(f"unexpected {tok!r}", off)
    return node


def expand(pattern: str, names) -> list[str]:
    """Selection names an ``of`` pattern covers (``them`` = all)."""
    if pattern == "them":
        return sorted(names)
    return sorted(n for n in names if fnmatch.fnmatchcase(n, pattern))


def referenced(ast, names) -> tuple[set, list]:
    """(selection names used, names or patterns that match nothing)."""
    used, missing = set(), []
    kind = ast[0]
    if kind == "sel":
        if ast[1] in names:
            used.add(ast[1])
        else:
            missing.append(ast[1])
    elif kind == "of":
        got = expand(ast[2], names)
        used.update(got)
        if not got:
            missing.append(ast[2])
    elif kind == "not":
        u, m = referenced(ast[1], names)
        used |= u
        missing += m
    else:
        for sub in ast[1:]:
            u, m = referenced(sub, names)
            used |= u
            missing += m
    return used, missing


def truth(ast, results: dict) -> bool:
    """Evaluate an AST given each selection's truth value."""
    kind = ast[0]
    if kind == "sel":
        return results[ast[1]]
    if kind == "not":
        return not truth(ast[1], results)
    if kind == "and":
        return truth(ast[1], results) and truth(ast[2], results)
    if kind == "or":
        return truth(ast[1], results) or truth(ast[2], results)
    names = expand(ast[2], results)
    return all(results[n] for n in names) if ast[1] == "all" else any(results[n] for n in names)


# -- field matching ---------------------------------------------------------------------

def _norm(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


@lru_cache(maxsize=4096)
def _regex(pattern: str):
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=4096)
def _network(prefix: str):
    return ipaddress.ip_network(prefix, strict=False)


def _one(op: str, elem, expected) -> bool:
    if op == "eq":
        return _norm(elem) == _norm(expected)
    if op == "contains":
        return _norm(expected) in _norm(elem)
    if op == "startswith":
        return _norm(elem).startswith(_norm(expected))
    if op == "endswith":
        return _norm(elem).endswith(_norm(expected))
    if op == "re":
        return _regex(str(expected)).search(str(elem)) is not None
    if op == "cidr":
        try:
            ip = ipaddress.ip_address(str(elem))
        except ValueError:
            return False
        net = _network(str(expected))
        return ip.version == net.version and ip in net
    if op in ("gte", "lte"):
        try:
            a, b = float(elem), float(expected)
        except (TypeError, ValueError):
            return False
        return a >= b if op == "gte" else a <= b
    raise ValueError(op)


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _compare_count(n: int, mods: tuple, bound) -> bool:
    if "gte" in mods and n < int(bound):
        return False
    if "lte" in mods and n > int(bound):
        return False
    if "gte" not in mods and "lte" not in mods:
        return n == int(bound)
    return True


def expected_values(m: Matcher, lists: dict) -> list:
    """The values a matcher compares against (``in_list`` names resolved)."""
    if "in_list" in m.modifiers:
        out = []
        for name in _as_list(m.value):
            out += list(lists.get(name, ()))
        return out
    return _as_list(m.value)


def match_field(m: Matcher, elems: list, lists: dict) -> bool:
    """Decide one non-graph matcher against the field's values."""
    mods = m.modifiers
    if "count" in mods:
        return _compare_count(len({_norm(e) for e in elems}), mods, m.value)
    op = next((o for o in VALUE_OPS if o in mods), None)
    if op is None:
        op = "gte" if "gte" in mods else "lte" if "lte" in mods else "eq"
    if op == "cidr" and "in_list" in mods and "all" not in mods:
        indexes = [_list_index(lists.get(name, ())) for name in _as_list(m.value)]
        return any(_in_index(ix, e) for ix in indexes for e in elems)
    if op in _TEXT_OPS:
        # Same answers as _one, with each value normalised once instead of once per pair
        # (this was the classification's hot spot at 5,000 servers, issue #9).
        have = [_norm(e) for e in elems]
        want = _normalised_wanted(m, lists)
        test = _TEXT_OPS[op]
        if op == "eq":
            if "all" in mods:
                have_set = set(have)
                return bool(want) and all(w in have_set for w in want)
            return not _WANT_SETS[id(m)][2].isdisjoint(have)
        if "all" in mods:
            return bool(want) and all(any(test(e, w) for e in have) for w in want)
        return any(test(e, w) for e in have for w in want)
    wanted = expected_values(m, lists)
    if "all" in mods:
        return bool(wanted) and all(any(_one(op, e, w) for e in elems) for w in wanted)
    return any(_one(op, e, w) for e in elems for w in wanted)


_WANT_SETS: dict = {}


def _normalised_wanted(m: Matcher, lists: dict) -> list:
    """``expected_values`` normalised, computed once per (matcher, lists) object pair."""
    hit = _WANT_SETS.get(id(m))
    if hit is None or hit[0] is not m or hit[1] is not lists:
        if len(_WANT_SETS) > 8192:
            _WANT_SETS.clear()
        want = [_norm(w) for w in expected_values(m, lists)]
        hit = _WANT_SETS[id(m)] = (m, lists, frozenset(want), want)
    return hit[3]


_TEXT_OPS = {"eq": str.__eq__, "contains": lambda e, w: w in e,
             "startswith": str.startswith, "endswith": str.endswith}


_LIST_INDEXES: dict = {}


def _list_index(values: tuple) -> dict:
    """The prefix index of one pack list, built once per list object (a refreshed
    hyperscaler snapshot holds tens of thousands of prefixes)."""
    hit = _LIST_INDEXES.get(id(values))
    if hit is None or hit[0] is not values:
        if len(_LIST_INDEXES) > 64:
            _LIST_INDEXES.clear()
        hit = (values, _cidr_index(tuple(str(v) for v in values)))
        _LIST_INDEXES[id(values)] = hit
    return hit[1]


def _cidr_index(prefixes: tuple) -> dict:
    """{(ip version, prefix length): {network address as int}} for a long prefix list
    (a refreshed hyperscaler snapshot holds tens of thousands)."""
    index: dict = {}
    for p in prefixes:
        try:
            net = ipaddress.ip_network(p, strict=False)
        except ValueError:
            continue
        index.setdefault((net.version, net.prefixlen), set()).add(int(net.network_address))
    return index


def _in_index(index: dict, elem) -> bool:
    try:
        ip = ipaddress.ip_address(str(elem))
    except ValueError:
        return False
    bits = 32 if ip.version == 4 else 128
    value = int(ip)
    for (version, length), nets in index.items():
        if version == ip.version and (value >> (bits - length) << (bits - length)) in nets:
            return True
    return False


def eval_selection(sel: Selection, view, lists: dict) -> tuple[bool, set]:
    """(holds, evidence read) for one selection on one view."""
    evidence: set = set()
    for m in sel.matchers:
        if m.relation is not None:
            ok, ev = _eval_relation(m, view, lists)
        else:
            ok = match_field(m, view.get(m.field), lists)
            ev = view.evidence(m.field) if ok else set()
        if not ok:
            return False, set()
        evidence |= ev
    return True, evidence


def _eval_relation(m: Matcher, view, lists: dict) -> tuple[bool, set]:
    neighbours = view.neighbours(m.relation)
    mods = m.modifiers
    where = m.nested
    hits, evidence = 0, set()
    for nview, edge_ev in neighbours:
        if where is None:
            ok, ev = True, set()
        else:
            ok, ev = eval_selection(where, nview, lists)
        if ok:
            hits += 1
            evidence |= ev | set(edge_ev) | nview.evidence(None)
    if "count" in mods:
        bound = m.value
        return _compare_count(hits, mods, bound), evidence
    if "all" in mods:
        return bool(neighbours) and hits == len(neighbours), evidence
    return hits > 0, evidence


def evaluate_rule(rule: Rule, view, lists: dict) -> tuple[bool, dict, set]:
    """Decide ``rule`` on ``view``: (matched, {selection: bool}, evidence of true selections)."""
    results, evidence = {}, set()
    for name in sorted(rule.selections):
        ok, ev = eval_selection(rule.selections[name], view, lists)
        results[name] = ok
        if ok:
            evidence |= ev
    return truth(rule.condition, results), results, evidence


# -- deciding a rule cheaply ---------------------------------------------------------------

def _matcher_cost(m: Matcher) -> int:
    """Graph relations read every neighbour's view: far dearer than a field."""
    return 1 if m.relation is None else 100 + (_selection_cost(m.nested) if m.nested else 0)


def _selection_cost(sel: Selection) -> int:
    return sum(_matcher_cost(m) for m in sel.matchers)


def _cheap_first(ast, costs: dict) -> tuple:
    """(cost, ast) with every ``and``/``or`` and ``of`` list ordered cheapest operand first."""
    kind = ast[0]
    if kind == "sel":
        return costs[ast[1]], ast
    if kind == "not":
        cost, sub = _cheap_first(ast[1], costs)
        return cost, ("not", sub)
    if kind in ("and", "or"):
        a, b = sorted((_cheap_first(ast[1], costs), _cheap_first(ast[2], costs)),
                      key=lambda x: x[0])
        return a[0] + b[0], (kind, a[1], b[1])
    names = sorted(expand(ast[2], costs), key=lambda n: (costs[n], n))
    return sum(costs[n] for n in names), ("names", ast[1], tuple(names))


_PLANS: dict = {}


def _plan(rule: Rule) -> tuple:
    hit = _PLANS.get(id(rule))
    if hit is None or hit[0] is not rule:
        if len(_PLANS) > 8192:
            _PLANS.clear()
        costs = {n: _selection_cost(s) for n, s in rule.selections.items()}
        order = {n: tuple(sorted(s.matchers, key=_matcher_cost)) for n, s in rule.selections.items()}
        hit = _PLANS[id(rule)] = (rule, _cheap_first(rule.condition, costs)[1], order)
    return hit


def holds(rule: Rule, view, lists: dict) -> bool:
    """Whether ``rule`` matches ``view``: the same answer as ``evaluate_rule(...)[0]``, but
    each selection is decided only when the condition needs it, cheapest first (fields
    before graph relations), and each selection's matchers cheapest first.  The engine
    calls ``evaluate_rule`` for the evidence only where this says yes."""
    _, ast, order = _plan(rule)
    known: dict = {}

    def sel(name: str) -> bool:
        got = known.get(name)
        if got is None:
            got = known[name] = all(
                (_eval_relation(m, view, lists)[0] if m.relation is not None
                 else match_field(m, view.get(m.field), lists)) for m in order[name])
        return got

    def decide(node) -> bool:
        kind = node[0]
        if kind == "sel":
            return sel(node[1])
        if kind == "not":
            return not decide(node[1])
        if kind == "and":
            return decide(node[1]) and decide(node[2])
        if kind == "or":
            return decide(node[1]) or decide(node[2])
        if node[1] == "all":
            return all(sel(n) for n in node[2])
        return any(sel(n) for n in node[2])

    return decide(ast)
