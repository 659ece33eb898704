"""Owns YAML configuration (``.yml``/``.yaml``: Spring Boot, Docker Compose, Ansible vars).

Read with ``yaml.compose_all`` and the safe loader, which gives each node its line
(no object is constructed, so no tag can run code).  Scalars become entries keyed by
their path: ``spring.datasource.url``, ``interfaces[0].host``.  A node reached twice
through an alias is walked once.  Malformed YAML is refused with its line.
"""

from __future__ import annotations

import yaml

from ...errors import InputError, SourceLocation
from .entries import Entry, make


def yaml_entries(text: str, source: str) -> list[Entry]:
    out: list[Entry] = []
    seen: set[int] = set()

    def walk(node, path: str) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else "?"
                walk(v, f"{path}.{name}" if path else str(name))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, f"{path}[{i}]")
        elif isinstance(node, yaml.ScalarNode):
            out.append(make(path or None, node.value, node.start_mark.line + 1))

    try:
        for doc in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if doc is not None:
                walk(doc, "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(f"malformed YAML: {exc.problem or exc.context}",
                         SourceLocation(source, place)) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", SourceLocation(source)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {type(exc).__name__}",
                         SourceLocation(source)) from None
    return out
