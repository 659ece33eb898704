"""Owns reading rule-pack YAML with the line and column of every key.

``load_marked(path)`` returns plain Python values in which every mapping is an
``MDict`` (a dict that also knows where each of its keys and values sit) and every
sequence an ``MList``.  Duplicate keys are refused, as pySigma's loader does, and
scalars keep their raw text (so ``version: 2026.1`` stays ``"2026.1"`` when asked).
"""

from __future__ import annotations

from pathlib import Path

import yaml

Mark = tuple[int, int]          # 1-based line, 1-based column


class MDict(dict):
    """A mapping from YAML that remembers where its keys and values are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mark: Mark = (1, 1)
        self.key_marks: dict = {}
        self.value_marks: dict = {}
        self.raw: dict = {}

    def where(self, key) -> Mark:
        """Line and column of ``key`` (of the mapping itself when absent)."""
        return self.key_marks.get(key, self.mark)

    def where_value(self, key) -> Mark:
        return self.value_marks.get(key, self.where(key))


class MList(list):
    """A sequence from YAML that remembers where each item starts."""

    def __init__(self, *args):
        super().__init__(*args)
        self.mark: Mark = (1, 1)
        self.item_marks: list[Mark] = []

    def where(self, index: int) -> Mark:
        return self.item_marks[index] if index < len(self.item_marks) else self.mark


class YamlFault(Exception):
    """Raised with a 1-based mark when the text is not usable YAML."""

    def __init__(self, message: str, mark: Mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


def _mark(node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _convert(node, constructor: _Constructor):
    if isinstance(node, yaml.MappingNode):
        out = MDict()
        out.mark = _mark(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlFault("mapping keys must be plain scalars", _mark(key_node))
            key = constructor.construct_object(key_node, deep=True)
            if key in out:
                first = out.key_marks[key]
                raise YamlFault(f"duplicate key '{key}' (first at line {first[0]} col {first[1]})",
                                _mark(key_node))
            out[key] = _convert(value_node, constructor)
            out.key_marks[key] = _mark(key_node)
            out.value_marks[key] = _mark(value_node)
            if isinstance(value_node, yaml.ScalarNode):
                out.raw[key] = value_node.value
        return out
    if isinstance(node, yaml.SequenceNode):
        out = MList(_convert(item, constructor) for item in node.value)
        out.mark = _mark(node)
        out.item_marks = [_mark(item) for item in node.value]
        return out
    return constructor.construct_object(node, deep=True)


def loads_marked(text: str):
    """Parse one YAML document into ``MDict``/``MList``/scalars.

    Raises
    ------
    YamlFault
        Not YAML, anchors/aliases merged keys aside, or a duplicate key.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlFault(f"not valid YAML: {problem}", where) from None
    if node is None:
        return None
    return _convert(node, _Constructor())


def load_marked(path: Path):
    """Read ``path`` (UTF-8) and parse it with :func:`loads_marked`."""
    return loads_marked(Path(path).read_text(encoding="utf-8"))
