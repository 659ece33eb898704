"""Owns the parsed forms of a rule pack: Pack, Rule, Selection, Matcher, RuleTest, Packs.

These are plain frozen dataclasses built by ``loader.py``; nothing here reads files
or evaluates anything.  Every object keeps where it came from (``Loc``) so errors,
self-test failures and lint issues all start with ``path:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Loc:
    """A place in a rule file: path, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Matcher:
    """One ``field|mod|mod: value`` leaf of a selection.

    ``relation`` is set for graph predicates (``graph.clients|any``); then ``nested`` is
    the selection neighbours are matched against and ``value`` the count bound, if any.
    """

    field: str
    modifiers: tuple
    value: object
    loc: Loc
    relation: str | None = None
    nested: "Selection | None" = None


@dataclass(frozen=True)
class Selection:
    """Named group of matchers: all must hold (keys AND)."""

    name: str
    matchers: tuple
    loc: Loc


@dataclass(frozen=True)
class RuleTest:
    """One inline test case of a rule."""

    name: str
    given: dict
    expect: str            # match | no_match | todo_match | todo_no_match
    expect_set: dict | None
    loc: Loc


@dataclass(frozen=True)
class Rule:
    """A parsed, validated rule."""

    id: str
    version: int
    title: str
    status: str
    applies_to: str
    selections: dict            # name -> Selection
    condition: object           # AST from conditions.parse_condition
    condition_text: str
    set: dict                   # dimension -> value
    confidence: str
    because: str
    boost_if: object | None
    references: tuple
    frameworks: tuple
    related: tuple
    tests: tuple
    pack: str                   # name@version of the pack that defines it
    loc: Loc
    overrides: bool = False
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def ref(self) -> str:
        """``id@version`` as recorded in tags."""
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class Dimension:
    """A closed vocabulary and how it resolves (``max`` over ``values`` order, or ``union``)."""

    name: str
    values: tuple
    resolve: str
    default: object = None


@dataclass(frozen=True)
class Propagation:
    """An engine feature from pack.yml: how a dimension's value travels along edges."""

    id: str
    dimension: str
    values: tuple
    flow: str | None            # to_server | to_client | None
    db_link: str | None         # to_reader | to_linked | None
    protocols: tuple            # empty = every protocol
    transitive: bool
    targets: tuple              # entity kinds that may receive the value
    origins: tuple              # entity kinds the value may start from
    confidence: str
    because: str
    finding: dict | None
    loc: Loc
    target_roles: tuple = ()    # empty = any target; else the target's host carries one


@dataclass(frozen=True)
class Pack:
    """One pack manifest (pack.yml) with its own rules."""

    name: str
    version: str
    path: str
    description: str
    requires: tuple
    dimensions: dict
    frameworks: dict
    lists: dict
    settings: dict
    propagation: tuple
    lint_exclusions: tuple
    rules: tuple

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Packs:
    """Every loaded pack, merged: the rules in effect (sorted by id), dimensions, lists."""

    packs: tuple
    rules: tuple
    dimensions: dict
    lists: dict
    settings: dict
    propagation: tuple
    generations: tuple = ()     # rule ids in dependency order: tuples, each sorted

    @property
    def refs(self) -> list:
        return [p.ref for p in self.packs]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)
