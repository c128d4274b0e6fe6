"""Every operator of the condition language, run on the example its own docstring gives.

The examples are pulled out of ``OPERATORS`` so the documentation cannot rot: change an operator's
meaning and its example fails here; add an operator without an example and the test says so."""

from __future__ import annotations

import re

import pytest
import yaml
from engine_support import cond

from bio2scan.engine.conditions import OPERATORS, ConditionError
from bio2scan.engine.schema import rule_schema

EXAMPLE = re.compile(
    r"Example: ``(\{.*?\})`` is true for ``(\{.*?\})`` and false for "
    r"``(\{.*?\})``\.$",
    re.S,
)


def _example(name: str):
    doc = OPERATORS[name][2]
    m = EXAMPLE.search(doc)
    assert m, f"operator {name!r}: its doc must end with an executable example: {doc!r}"
    return tuple(yaml.safe_load(x) for x in m.groups())


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_doc_example_holds(name):
    condition, true_for, false_for = _example(name)
    assert name in condition, f"the example of {name!r} uses another operator: {condition}"
    ok, evidence = cond(condition, true_for)
    assert ok is True, (name, condition, true_for, evidence)
    ok, evidence = cond(condition, false_for)
    assert ok is False, (name, condition, false_for, evidence)
    assert evidence and evidence[0].path == condition["path"]
    assert name in evidence[0].expected


def test_every_operator_is_in_the_rule_schema():
    leaf = rule_schema()["$defs"]["condition"]["oneOf"][-1]
    assert set(OPERATORS) <= set(leaf["properties"])


@pytest.mark.parametrize(
    "condition, data, expected",
    [
        ({"path": "a", "equals": 1}, {}, None),  # absent is unknown
        ({"path": "a", "equals": 1}, {"a": True}, None),  # booleans are not numbers
        ({"path": "a", "equals": True}, {"a": 1}, None),
        ({"path": "a", "equals": True}, {"a": "true"}, None),  # a quoted "true" is no boolean
        ({"path": "a", "in": [1, 2]}, {}, None),
        ({"path": "a", "in": [1, 2]}, {"a": 3}, False),
        ({"path": "a", "gte": 5}, {"a": "7"}, True),  # numeric strings compare as numbers
        ({"path": "a", "gte": 5}, {"a": "seven"}, None),
        ({"path": "a", "gt": 0}, {"a": True}, None),
        ({"path": "a", "contains": "k"}, {"a": {"k": 1}}, True),  # mapping keys
        ({"path": "a", "contains": "x"}, {"a": 5}, None),
        ({"path": "a", "not_contains": "x"}, {}, None),
        ({"path": "a", "not_contains": "x"}, {"a": []}, True),
        ({"path": "a", "length_gte": 1}, {"a": None}, None),
        ({"path": "a", "empty": True}, {"a": ""}, True),
        ({"path": "a", "empty": True}, {"a": 0}, None),  # zero is a value, not a collection
        ({"path": "a", "exists": False}, {"a": None}, True),
        ({"path": "a", "matches": "^x"}, {"a": 5}, None),  # not a string
        ({"path": "a", "in": []}, {"a": "x"}, False),  # an empty list holds nothing
        ({"path": "a", "in": [[1], {"k": 1}]}, {"a": [1]}, True),  # unhashable operands work
    ],
)
def test_edge_semantics(condition, data, expected):
    assert cond(condition, data)[0] is expected


@pytest.mark.parametrize(
    "condition, field, words",
    [
        ({"path": "a", "matches": "("}, "check.matches", "bad regular expression"),
        ({"path": "a", "gt": "many"}, "check.gt", "needs a number"),
        ({"path": "a", "in": "abc"}, "check.in", "needs a list"),
        ({"path": "a", "bigger": 1}, "check", "unknown operator 'bigger'"),
        ({"path": "a", "equals": 1, "in": [1]}, "check", "exactly one operator"),
        ({"path": "a..b", "equals": 1}, "check.path", "empty key"),
        ({"path": "a", "equals": 1, "match": "most"}, "check.match", "'all' or 'any'"),
        ({"path": "a", "equals": {"param": "nope"}}, "check.equals", "unknown parameter 'nope'"),
        ({"all": []}, "check.all", "non-empty list"),
        ({"all": [{"path": "a", "equals": 1}], "any": []}, "check", "cannot be combined"),
        ({"for_each": "a"}, "check", "'for_each' needs 'assert'"),
        ({"some": "a"}, "check", "'some' needs 'where'"),
        ({"call": "no_such_function"}, "check.call", "unknown function"),
        ({"call": "cidr_is_internet"}, "check.call", "is a value function"),
        (
            {"path": "x", "call": "cidr_is_internet", "args": {"nope": 1}},
            "check.args",
            "takes no argument 'nope'",
        ),
        ({"frobnicate": 1}, "check", "expected one of"),
        ("just a string", "check", "must be a mapping"),
    ],
)
def test_compile_errors_name_the_field(condition, field, words):
    with pytest.raises(ConditionError) as info:
        cond(condition, {})
    assert info.value.field == field
    assert words in str(info.value)
