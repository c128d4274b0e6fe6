"""all / any / not / for_each / some, ``match: any``, named functions, parameters — and the
evidence each gives: the full path from the resource root and the element that decided."""

from __future__ import annotations

from engine_support import cond, resource, run

from bio2scan.engine.conditions import compile_condition
from bio2scan.model import Status

POD = {
    "containers": [
        {"name": "a", "securityContext": {"privileged": False}},
        {"name": "b", "securityContext": {"privileged": True}},
        {"name": "c"},
    ],
    "initContainers": [{"name": "i", "securityContext": {"privileged": True}}],
}


def test_all_stops_at_the_first_false_and_reports_it():
    ok, ev = cond(
        {
            "all": [
                {"path": "a", "equals": 1},
                {"path": "b", "equals": 2},
                {"path": "c", "equals": 3},
            ]
        },
        {"a": 1, "b": 5, "c": 9},
    )
    assert not ok
    assert [(e.path, e.value) for e in ev] == [("b", 5)]


def test_all_true_collects_every_evidence():
    ok, ev = cond(
        {"all": [{"path": "a", "equals": 1}, {"path": "b", "exists": True}]}, {"a": 1, "b": 2}
    )
    assert ok and [e.path for e in ev] == ["a", "b"]


def test_any_returns_the_first_true_or_all_falses():
    c = {"any": [{"path": "a", "equals": 1}, {"path": "b", "equals": 2}]}
    ok, ev = cond(c, {"a": 0, "b": 2})
    assert ok and [e.path for e in ev] == ["b"]
    ok, ev = cond(c, {"a": 0, "b": 0})
    assert not ok and [e.path for e in ev] == ["a", "b"]


def test_not_negates_and_says_so():
    ok, ev = cond({"not": {"path": "a", "equals": 1}}, {"a": 1})
    assert not ok and ev[0].expected == "not equals 1"


def test_for_each_names_the_failing_element_from_the_root():
    ok, ev = cond(
        {
            "for_each": ["containers", "initContainers"],
            "assert": {"path": "securityContext.privileged", "not_equals": True},
        },
        POD,
        prefix="spec.template.spec",
    )
    assert not ok
    assert [e.path for e in ev] == [
        "spec.template.spec.containers[1].securityContext.privileged",
        "spec.template.spec.initContainers[0].securityContext.privileged",
    ]
    assert all(e.value is True for e in ev)


def test_for_each_where_filters_and_empty_is_vacuously_true():
    c = {
        "for_each": "containers",
        "where": {"path": "name", "in": ["a", "c"]},
        "assert": {"path": "securityContext.privileged", "not_equals": True},
    }
    ok, ev = cond(c, POD)
    assert ok is None and [e.path for e in ev] == ["containers[2].securityContext.privileged"]
    c["assert"]["absent"] = {"default": False}
    ok, ev = cond(c, POD)
    assert ok and [e.path for e in ev] == [
        "containers[0].securityContext.privileged",
        "containers[2].securityContext.privileged",
    ]
    # an absent list is unknown, unless the path says what absence means
    each = {"for_each": "nothing", "assert": {"path": "x", "equals": 1}}
    assert cond(each, POD)[0] is None
    each["for_each"] = {"path": "nothing", "absent": "empty"}
    assert cond(each, POD) == (True, [])


def test_for_each_over_a_single_mapping_and_a_wildcard():
    ok, _ = cond(
        {"for_each": "securityContext", "assert": {"path": "privileged", "equals": True}},
        POD["containers"][1],
    )
    assert ok
    ok, ev = cond(
        {
            "for_each": "containers[*].securityContext",
            "assert": {"path": "privileged", "equals": False},
        },
        POD,
    )
    assert not ok and ev[0].path == "containers[1].securityContext.privileged"


def test_some_needs_one_match_and_reports_it():
    c = {"some": "containers", "where": {"path": "name", "equals": "b"}}
    ok, ev = cond(c, POD, prefix="spec")
    assert ok and ev[0].path == "spec.containers[1].name"
    ok, ev = cond({"some": "containers", "where": {"path": "name", "equals": "z"}}, POD)
    assert not ok and len(ev) == 3


def test_wildcard_leaf_all_and_any():
    data = {"rules": [{"port": 22}, {"port": 443}]}
    ok, ev = cond({"path": "rules[*].port", "not_in": [22, 3389]}, data)
    assert not ok and [e.path for e in ev] == ["rules[0].port"]
    ok, ev = cond({"path": "rules[*].port", "equals": 443, "match": "any"}, data)
    assert ok and [e.path for e in ev] == ["rules[1].port"]
    assert cond({"path": "none[*].port", "equals": 1, "match": "any"}, {"none": []})[0] is False
    assert cond({"path": "none[*].port", "equals": 1}, {"none": []})[0] is True


def test_missing_value_is_shown_as_none():
    ok, ev = cond({"path": "a.b", "exists": True}, {})
    assert not ok and ev[0].value is None and ev[0].path == "a.b"


def test_value_function_and_subject_function():
    ok, ev = cond({"path": "cidr", "call": "cidr_is_internet"}, {"cidr": "0.0.0.0/0"})
    assert ok and ev[0].expected == "cidr_is_internet()"
    assert cond({"path": "cidr", "call": "cidr_is_internet"}, {})[0] is None  # absent: unknown
    absent_fails = {"path": "cidr", "call": "cidr_is_internet", "absent": "fail"}
    assert cond(absent_fails, {})[0] is False
    assert cond({"path": "cidr", "call": "cidr_is_internet"}, {"cidr": 80})[0] is None  # kind
    data = {"from": 20, "to": 25}
    c = {
        "call": "port_range_includes",
        "args": {"from_path": "from", "to_path": "to", "ports": [22]},
    }
    ok, ev = compile_condition(c, {})(data, "rules[3]", None)
    assert ok and ev[0].path == "rules[3].from"


def test_params_are_substituted_everywhere():
    c = {
        "all": [
            {"path": "n", "gte": {"param": "min"}},
            {"path": "r", "in": {"param": "allowed"}},
            {
                "call": "port_range_includes",
                "args": {"from_path": "f", "to_path": "t", "ports": {"param": "ports"}},
            },
        ]
    }
    params = {"min": 3, "allowed": ["x"], "ports": [22]}
    assert cond(c, {"n": 3, "r": "x", "f": 22, "t": 22}, params)[0] is True
    assert cond(c, {"n": 2, "r": "x", "f": 22, "t": 22}, params)[0] is False
    assert cond(c, {"n": 3, "r": "x", "f": 22, "t": 22}, dict(params, ports=[80]))[0] is False


def test_param_override_changes_the_outcome():
    check = {"assert": {"path": "days", "gte": {"param": "min_days"}}}
    res = resource({"days": 90})
    kw = {"params": {"min_days": (365, "integer")}}
    assert run(check, res, **kw)[0].status is Status.FAIL
    assert run(check, res, overrides={"min_days": 30}, **kw)[0].status is Status.PASS
