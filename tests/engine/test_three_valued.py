"""The three-valued semantics of the condition language (docs/rule-language.md): absent, null and
wrongly typed values are unknown; ``absent:`` states what the platform makes of absence;
Kleene's connectives; quantifiers; unreadable and deferred values; the verdicts they give."""

from __future__ import annotations

import pytest
from engine_support import cond, resource, run

from bio2scan.engine.conditions import ConditionError
from bio2scan.engine.reads import Deferred, Unknown
from bio2scan.model import Status

T = {"path": "t", "equals": True}
F = {"path": "f", "equals": True}
U = {"path": "u", "equals": True}
DATA = {"t": True, "f": False}
VALUE = {True: T, False: F, None: U}


def truth(c, data=DATA):
    return cond(c, data)[0]


@pytest.mark.parametrize("a", [True, False, None])
@pytest.mark.parametrize("b", [True, False, None])
def test_kleene_and_or(a, b):
    want_and = False if False in (a, b) else None if None in (a, b) else True
    want_or = True if True in (a, b) else None if None in (a, b) else False
    assert truth({"all": [VALUE[a], VALUE[b]]}) is want_and
    assert truth({"any": [VALUE[a], VALUE[b]]}) is want_or


@pytest.mark.parametrize("a, want", [(True, False), (False, True), (None, None)])
def test_not_unknown_is_unknown(a, want):
    assert truth({"not": VALUE[a]}) is want


def test_unknown_evidence_says_why_and_where():
    _, ev = cond({"path": "spec.enabled", "equals": True}, {"spec": []}, prefix="data")
    assert type(ev[0]) is Unknown
    assert ev[0].path == "data.spec" and ev[0].expected == "is a list (needed: equals True)"
    _, ev = cond({"path": "a", "equals": True}, {"a": "true"})
    assert ev[0].expected == "is a string, not a boolean (needed: equals True)"
    _, ev = cond({"path": "a", "gte": 3}, {"a": None})
    assert ev[0].expected == "is absent (needed: gte 3)"


@pytest.mark.parametrize(
    "absent, data, want",
    [
        ("pass", {}, True),
        ("fail", {}, False),
        ("pass", {"a": None}, True),  # null is absent too
        ("pass", {"a": "yes"}, None),  # absent: never excuses a wrong kind
        ({"default": True}, {}, True),
        ({"default": False}, {}, False),
        ({"default": False}, {"a": True}, True),  # a value present is used as it is
    ],
)
def test_absent_defaults(absent, data, want):
    assert truth({"path": "a", "equals": True, "absent": absent}, data) is want


def test_absent_empty_is_an_empty_list():
    drop_all = {"path": "drop", "contains": "ALL", "absent": "empty"}
    assert truth(drop_all, {}) is False
    assert truth({"path": "x", "length_lte": 0, "absent": "empty"}, {}) is True


def test_a_default_the_operator_cannot_test_is_refused():
    with pytest.raises(ConditionError, match="cannot be tested"):
        cond({"path": "a", "gte": 3, "absent": {"default": "many"}}, {})
    with pytest.raises(ConditionError, match="absent") as info:
        cond({"path": "a", "equals": 1, "absent": "sometimes"}, {})
    assert info.value.field == "check.absent"
    with pytest.raises(ConditionError, match="decides on absence itself"):
        cond({"path": "a", "exists": True, "absent": "pass"}, {})


def test_wildcards_collection_and_elements():
    leaf = {"path": "rules[*].port", "not_equals": 22}
    assert truth(leaf, {"rules": [{"port": 443}, {"port": 22}]}) is False
    assert truth(leaf, {"rules": [{"port": 443}, {}]}) is None  # one element unknown
    assert truth({**leaf, "absent": "pass"}, {"rules": [{"port": 443}, {}]}) is True
    assert truth(leaf, {}) is None  # the collection itself is absent
    assert truth({**leaf, "absent": "empty"}, {}) is True  # …stated: no rules
    assert truth(leaf, {"rules": "all"}) is None  # [*] over a string
    any_leaf = {"path": "cidrs[*]", "equals": "0.0.0.0/0", "match": "any"}
    assert truth(any_leaf, {"cidrs": []}) is False
    assert truth({**any_leaf, "absent": {"default": ["0.0.0.0/0"]}}, {}) is True


def test_evidence_of_a_wildcard_default_names_the_absent_path_not_an_invented_value():
    """S3 without an encryption configuration passes on the platform's SSE-S3 default; the
    evidence must say the configuration was absent, not show 'AES256' at Rules[0] as if read."""
    leaf = {
        "path": "Encryption.Rules[*].Default.Algorithm",
        "match": "any",
        "in": ["AES256", "aws:kms"],
        "absent": {"default": [{"Default": {"Algorithm": "AES256"}}]},
    }
    ok, ev = cond(leaf, {"Encryption": None})
    assert ok is True and [(e.path, e.value) for e in ev] == [("Encryption.Rules", None)]
    assert "(absent: default [{'Default': {'Algorithm': 'AES256'}}])" in ev[0].expected
    ok, ev = cond(leaf, {"Encryption": {"Rules": [{"Default": {"Algorithm": "aws:kms"}}]}})
    assert ok is True and [(e.path, e.value) for e in ev] == [
        ("Encryption.Rules[0].Default.Algorithm", "aws:kms")  # read: shown as read
    ]
    assert "absent" not in ev[0].expected
    # an element's absent part stood in for by the default: named at that element
    leaf = {"path": "nics[*].public", "equals": False, "absent": {"default": False}}
    ok, ev = cond(leaf, {"nics": [{"public": False}, {}]})
    assert ok is True and [(e.path, e.value) for e in ev] == [
        ("nics[0].public", False),
        ("nics[1].public", None),
    ]


def test_exists_decides_on_absence_and_fans_out():
    assert truth({"path": "a.b", "exists": False}, {"a": None}) is True
    assert truth({"path": "a.b", "exists": True}, {"a": "flat"}) is None  # wrong kind on the way
    leaf = {"path": "nics[*].ipv6", "exists": True, "match": "any"}
    assert truth(leaf, {"nics": [{}, {"ipv6": "2001:db8::1"}]}) is True
    assert truth(leaf, {"nics": [{}, {}]}) is False


def test_for_each_and_some_are_quantifiers_over_three_values():
    each = {
        "for_each": ["containers", {"path": "initContainers", "absent": "empty"}],
        "where": {"path": "name", "not_equals": "skip"},
        "assert": {"path": "ok", "equals": True},
    }
    assert truth(each, {"containers": [{"name": "a", "ok": True}]}) is True
    assert truth(each, {"containers": [{"name": "a", "ok": True}], "initContainers": None}) is True
    assert truth(each, {}) is None  # containers absent and not stated
    assert truth(each, {"containers": {"name": "a", "ok": True}}) is True  # one mapping
    assert truth(each, {"containers": "a"}) is None  # neither list nor mapping
    assert truth(each, {"containers": [{"name": "skip"}]}) is True  # filtered out
    # an unknown filter with a true assertion still holds (not W or A); otherwise unknown
    assert truth(each, {"containers": [{"ok": True}]}) is True
    assert truth(each, {"containers": [{"ok": False}]}) is None
    assert truth(each, {"containers": [{"name": "a", "ok": False}, {"ok": False}]}) is False
    some = {"some": "items", "where": {"path": "v", "equals": 1}}
    assert truth(some, {"items": [{"v": 2}, {}]}) is None
    assert truth(some, {"items": [{"v": 2}, {}, {"v": 1}]}) is True
    assert truth(some, {"items": []}) is False
    assert truth({"some": {"path": "items", "absent": "pass"}, "where": some["where"]}, {}) is True


def test_a_false_with_no_evidence_is_still_false():
    """A quantifier whose inner condition is false without evidence (an empty ``some``) is
    false: the verdict follows the truth value, never the evidence list."""
    each = {"for_each": "groups", "assert": {"some": "members", "where": T}}
    assert truth(each, {"groups": [{"members": []}]}) is False


@pytest.mark.parametrize(
    "data, errors, status",
    [
        ({"spec": {"enabled": True}}, {}, Status.PASS),
        ({"spec": {"enabled": False}}, {}, Status.FAIL),
        ({"spec": {}}, {}, Status.ERROR),
        ({"spec": {"enabled": "true"}}, {}, Status.ERROR),
        ({"spec": {"enabled": True}}, {"spec": "AccessDenied"}, Status.ERROR),
        ({"spec": {"enabled": True}}, {"spec.enabled.detail": "AccessDenied"}, Status.ERROR),
        ({"spec": {"enabled": True}}, {"status": "AccessDenied"}, Status.PASS),
    ],
)
def test_verdicts(data, errors, status):
    (res,) = run(
        {"assert": {"path": "spec.enabled", "equals": True}}, resource(data, errors=errors)
    )
    assert res.status is status


def test_error_message_names_the_path_and_the_reason():
    (res,) = run(
        {"assert": {"all": [{"path": "a", "equals": 1}, {"path": "b", "in": [1, 2]}]}},
        resource({"a": 1, "b": "two"}),
    )
    assert res.status is Status.ERROR
    assert res.message == "cannot decide: b is a string, not a number (needed: in [1, 2])"


def test_kleene_decides_what_it_can_despite_an_unreadable_branch():
    """false wins an all, true an any: an unreadable value that cannot change the verdict does
    not make it ERROR (and never makes it PASS)."""
    check = {"assert": {"all": [{"path": "a", "equals": 1}, {"path": "b", "equals": 1}]}}
    (res,) = run(check, resource({"a": 2, "b": 1}, errors={"b": "AccessDenied"}))
    assert res.status is Status.FAIL
    (res,) = run(check, resource({"a": 1, "b": 1}, errors={"b": "AccessDenied"}))
    assert res.status is Status.ERROR and "AccessDenied" in res.message


def test_deferred_only_is_not_applicable_mixed_is_error():
    from dataclasses import replace

    check = {"assert": {"all": [{"path": "a", "equals": 1}, {"path": "b", "equals": 1}]}}
    later = replace(resource({"a": 1}), deferred={"b": "known after apply"})
    (res,) = run(check, later)
    assert res.status is Status.NOT_APPLICABLE
    assert res.message == "known only after deployment: b (known after apply)"
    assert all(type(e) is Deferred for e in res.evidence)
    both = replace(resource({}), deferred={"b": "known after apply"})
    (res,) = run(check, both)
    assert res.status is Status.ERROR and res.message.startswith("cannot decide: a is absent")


def test_applies_if_unknown_follows_implication():
    check = {"applies_if": {"path": "kind", "equals": "public"}, "assert": T}
    (res,) = run(check, resource({"t": True}))  # kind unknown, assert true: holds either way
    assert res.status is Status.PASS
    check["assert"] = F
    (res,) = run(check, resource({"f": False}))
    assert res.status is Status.ERROR and "kind is absent" in res.message


def test_several_subjects_are_joined_with_kleene_and():
    """An extractor that yields several subjects: each gets ``not applies_if or assert``; the
    verdicts are joined (false wins, then unknown); all skipped is NOT_APPLICABLE."""
    from bio2scan.engine.functions import REGISTRY, function

    if "test_each_item" not in REGISTRY:

        @function("test_each_item", kind="extractor", reads=(), yields="mapping")
        def each_item(resource):
            """Every entry of ``items`` as its own subject (for the test)."""
            return [(f"items[{i}]", x) for i, x in enumerate(resource.data["items"])]

    check = {
        "subject": "test_each_item",
        "applies_if": {"path": "kind", "equals": "web"},
        "assert": {"path": "tls", "equals": True},
    }

    def status(items):
        (res,) = run(check, resource({"items": items}))
        return res.status, res.message

    web = {"kind": "web", "tls": True}
    assert status([web, {"kind": "db"}])[0] is Status.PASS
    assert status([{"kind": "db"}, {"kind": "db"}])[0] is Status.NOT_APPLICABLE
    bad = {"kind": "web", "tls": False}
    assert status([web, bad, {"tls": True}]) == (
        Status.FAIL,
        "items[1].tls = False (expected equals True)",
    )
    status_, message = status([web, {"tls": False}])  # kind unknown, assert false
    assert status_ is Status.ERROR and "items[1].kind is absent" in message
    status_, message = status([web, {"kind": "web"}])
    assert status_ is Status.ERROR and "items[1].tls is absent" in message
    assert status([web, {"tls": True}])[0] is Status.PASS  # kind unknown, assert true
    assert status([{"kind": "web", "tls": True}, "text"])[0] is Status.ERROR  # not a mapping
