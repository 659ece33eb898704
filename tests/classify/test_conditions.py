"""Condition language, each modifier and graph predicates."""

from __future__ import annotations

import pytest

from scanner.classify.conditions import ConditionSyntaxError, match_field, parse_condition, truth
from scanner.classify.rules import Loc, Matcher, Selection
from scanner.classify.conditions import eval_selection
from scanner.classify.views import given_view


@pytest.mark.parametrize("text, values, expected", [
    ("a and not b", {"a": True, "b": False}, True),
    ("a and not b", {"a": True, "b": True}, False),
    ("a or b and c", {"a": False, "b": True, "c": False}, False),
    ("(a or b) and c", {"a": True, "b": False, "c": True}, True),
    ("1 of sel_*", {"sel_x": False, "sel_y": True, "a": False}, True),
    ("all of sel_*", {"sel_x": False, "sel_y": True}, False),
    ("all of them", {"x": True, "y": True}, True),
])
def test_condition_truth(text, values, expected):
    assert truth(parse_condition(text), values) is expected


@pytest.mark.parametrize("text", ["a and", "(a or b", "a b", "and a", "a ) b"])
def test_condition_syntax_errors(text):
    with pytest.raises(ConditionSyntaxError):
        parse_condition(text)


def _m(key, value):
    field, *mods = key.split("|")
    return Matcher(field, tuple(mods), value, Loc("t"))


LISTS = {"cloud": ["core.windows.net"], "nets": ["52.216.0.0/15"]}


@pytest.mark.parametrize("key, value, elems, expected", [
    ("service.protocol", "DICOM", ["dicom"], True),                  # case-insensitive equality
    ("service.protocol", ["ldap", "dicom"], ["dicom"], True),        # list value = OR
    ("service.protocol", "dic", ["dicom"], False),                   # exact by default
    ("service.port", 104, [104], True),
    ("host.name|contains", "PACS", ["srv-pacs-01"], True),
    ("host.name|startswith", "srv", ["srv-pacs-01"], True),
    ("host.name|endswith", "01", ["srv-pacs-02"], False),
    ("host.name|re", r"^srv-\w+-\d+$", ["srv-pacs-01"], True),
    ("host.addresses|cidr", "10.0.0.0/8", ["192.168.1.1", "10.2.3.4"], True),
    ("host.addresses|cidr", "10.0.0.0/8", ["not-an-ip"], False),
    ("hl7.message_types|any", ["ORU^R01", "OUL^R22"], ["ADT^A01", "OUL^R22"], True),
    ("hl7.message_types|all", ["ORU^R01", "OUL^R22"], ["ORU^R01"], False),
    ("hl7.message_types|all", ["ORU^R01", "OUL^R22"], ["OUL^R22", "ORU^R01", "ACK"], True),
    ("db.columns|count", 2, ["a", "b"], True),
    ("db.columns|count|gte", 3, ["a", "b"], False),
    ("db.columns|count|lte", 3, ["a", "b"], True),
    ("db.rows|gte", 1000, [5000], True),
    ("db.rows|lte", 1000, [5000], False),
    ("endpoint.names|endswith|in_list", "cloud", ["x.blob.core.windows.net"], True),
    ("endpoint.names|in_list", "cloud", ["x.blob.core.windows.net"], False),
    ("endpoint.addresses|cidr|in_list", "nets", ["52.217.1.1"], True),
    ("host.agent", False, [False], True),
    ("host.agent", True, [False], False),
    ("service.protocol", "dicom", [], False),
])
def test_modifiers(key, value, elems, expected):
    assert match_field(_m(key, value), elems, LISTS) is expected


def _graph_sel(rel, mods, nested=None, value=None):
    inner = Selection("n", tuple(_m(k, v) for k, v in (nested or {}).items()), Loc("t")) if nested else None
    return Selection("s", (Matcher(f"graph.{rel}", tuple(mods), value, Loc("t"), rel, inner),), Loc("t"))


def test_graph_predicates_any_all_count():
    view = given_view("service", {"service": {"protocol": "dicom"}, "graph": {"clients": [
        {"tags": {"role": "modality"}}, {"tags": {"role": "workstation"}}]}})
    assert eval_selection(_graph_sel("clients", ["any"], {"tags.role": "modality"}), view, {})[0]
    assert not eval_selection(_graph_sel("clients", ["all"], {"tags.role": "modality"}), view, {})[0]
    assert eval_selection(_graph_sel("clients", ["count", "gte"], value=2), view, {})[0]
    assert not eval_selection(_graph_sel("clients", ["count", "gte"], {"tags.role": "modality"}, 2),
                              view, {})[0]
    assert not eval_selection(_graph_sel("servers", ["any"], {"tags.role": "modality"}), view, {})[0]
    empty = given_view("service", {})
    assert not eval_selection(_graph_sel("clients", ["all"], {"tags.role": "modality"}), empty, {})[0]
