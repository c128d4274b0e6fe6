"""Functions declare what they read; the engine enforces it before a function runs: a function
without declarations is refused at registration, a wrongly shaped or unreadable value never
reaches it, a related type that was not collected makes the answer unknown, and a lookup of an
undeclared type raises."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace

import pytest
from engine_support import inventory, resource, rule
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bio2scan.engine import compile_rule, evaluate
from bio2scan.engine.functions import (
    REGISTRY,
    DeclarationError,
    Read,
    Related,
    function,
    load_builtin_functions,
)
from bio2scan.engine.reads import SHAPES, check_reads, check_shape, read_check
from bio2scan.model import CollectionError, Inventory, ScanMeta, Status, Target

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
SEEN: list = []


def _register_once():
    if "test_reads_counts" in REGISTRY:
        return

    @function(
        "test_reads_counts",
        kind="subject",
        reads=(
            Read("items", "list"),
            Read("items[*]", "mapping"),
            Read("items[*].n", "integer", absent="counts as 0"),
            Read("label", "string", absent="no label"),
        ),
        related=(Related("test.svc.other", namespace=False),),
    )
    def counts(obj, env):
        """Sum of n over items (for the test)."""
        SEEN.append(obj)
        total = sum(i.get("n", 0) for i in obj["items"])
        env.related("test.svc.other")
        return total > 0

    @function("test_reads_sneaky", kind="subject", reads=())
    def sneaky(obj, env):
        """Looks up a type it did not declare (for the test)."""
        return bool(env.related("test.svc.other"))


def _run(data, *others, errors=(), targets=(), check=None):
    _register_once()
    r = rule(check or {"assert": {"call": "test_reads_counts"}})
    inv = Inventory(
        ScanMeta("t", "t", "t", targets=tuple(targets)), (resource(data), *others), tuple(errors)
    )
    return next(x for x in evaluate(inv, [compile_rule(r)], now=NOW) if x.resource_id == "r1")


@pytest.mark.parametrize(
    "kind, kw, words",
    [
        ("value", {}, "declares the kind of value"),
        ("subject", {}, "declares the paths it reads"),
        ("extractor", {"reads": ()}, "shape of what it yields"),
        ("value", {"value": "colour"}, "unknown shape 'colour'"),
        ("value", {"value": "string", "reads": ()}, "only value="),
        ("subject", {"reads": (), "value": "string"}, "value= is for value functions"),
        ("subject", {"reads": ("path",)}, "takes Read(…) entries"),
        ("sideways", {}, "unknown kind"),
    ],
)
def test_undeclared_functions_are_refused_at_registration(kind, kw, words):
    with pytest.raises(DeclarationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        function("test_reads_bad", kind=kind, **kw)(lambda *a: True)
    assert "test_reads_bad" not in REGISTRY


def test_every_builtin_function_is_declared():
    for f in load_builtin_functions().values():
        if f.kind == "value":
            assert f.value, f.name
        else:
            assert f.declaration(), f.name
        if f.kind == "extractor":
            assert f.yields, f.name


def test_the_function_runs_on_well_shaped_data():
    SEEN.clear()
    res = _run({"items": [{"n": 1}, {}]})
    assert res.status is Status.PASS and len(SEEN) == 1


@pytest.mark.parametrize(
    "data, words",
    [
        ({}, "items is absent"),
        ({"items": {"n": 1}}, "items is a mapping, not a list"),
        ({"items": ["a"]}, "items[0] is a string, not a mapping"),
        ({"items": [{"n": "1"}]}, "items[0].n is a string, not a integer"),
        ({"items": [], "label": 7}, "label is a number, not a string"),
    ],
)
def test_a_wrong_shape_never_reaches_the_function(data, words):
    SEEN.clear()
    res = _run(data)
    assert res.status is Status.ERROR and words in res.message
    assert SEEN == []


def test_an_unreadable_declared_path_is_error_and_a_deferred_one_not_applicable():
    SEEN.clear()
    res = _run({"items": [{"n": 1}]}, errors=())
    assert res.status is Status.PASS
    _register_once()
    r = rule({"assert": {"call": "test_reads_counts"}})
    blocked = resource({"items": [{"n": 1}]}, errors={"items[0].n": "AccessDenied"})
    later = replace(resource({"items": [{"n": 1}]}, rid="r2"), deferred={"label": "after apply"})
    out = evaluate(inventory(blocked, later), [compile_rule(r)], now=NOW)
    assert [x.status for x in out] == [Status.ERROR, Status.NOT_APPLICABLE]
    assert "could not be read: AccessDenied" in out[0].message


def test_a_related_type_that_was_not_collected_is_unknown():
    err = CollectionError("test", "test.svc.other", "acct", "denied", "AccessDenied")
    res = _run({"items": [{"n": 1}]}, errors=[err])
    assert res.status is Status.ERROR
    assert "test.svc.other not collected in acct (AccessDenied): denied" in res.message
    # a collector that was asked for other types only: the type was never collected
    asked = Target("test", ("acct",), (), {}, ("test.svc.thing",))
    res = _run({"items": [{"n": 1}]}, targets=[asked])
    assert res.status is Status.ERROR and "the scan did not ask for it" in res.message
    asked = Target("test", ("acct",), (), {}, ("test.svc.thing", "test.svc.other"))
    assert _run({"items": [{"n": 1}]}, targets=[asked]).status is Status.PASS


def test_looking_up_an_undeclared_type_is_error():
    _register_once()
    res = _run({}, check={"assert": {"call": "test_reads_sneaky"}})
    assert res.status is Status.ERROR
    assert "does not declare" in res.message


def test_needs_are_derived_from_the_declarations():
    _register_once()
    cr = compile_rule(rule({"assert": {"not": {"call": "test_reads_counts"}}}))
    assert cr.needs == {"test.svc.other"}
    templated = {"assert": {"call": "k8s_namespace_has", "args": {"type": "k8s.core.limitrange"}}}
    assert compile_rule(rule(templated)).needs == {"k8s.core.limitrange"}


def test_templated_reads_take_the_rule_arguments():
    check = {
        "assert": {"not": {"call": "older_than_days", "args": {"path": "Created", "days": 30}}}
    }
    old = resource({"Created": "2020-01-01T00:00:00Z"}, rid="old")
    gone = resource({}, rid="gone")
    wrong = resource({"Created": ["2020"]}, rid="wrong")
    out = evaluate(inventory(old, gone, wrong), [compile_rule(rule(check))], now=NOW)
    assert [r.status for r in out] == [Status.FAIL, Status.ERROR, Status.ERROR]
    assert "Created is absent" in out[1].message and "Created is a list" in out[2].message


def test_read_groups_are_checked_once_per_subject():
    group = (Read("a", "mapping"), Read("a.b", "string"))
    check = read_check((group,))
    cache: dict = {}
    obj = {"a": {"b": "x"}}
    assert check(obj, None, cache) is True and len(cache) == 1
    assert check({"a": {"b": 1}}, None, None) is False
    # the slow path names what is wrong
    bad = check_reads(group, {"a": {"b": 1}}, "spec", None, "f")
    assert [(e.path, e.expected) for e in bad] == [
        ("spec.a.b", "is a number, not a string (needed: f)")
    ]


def test_an_error_under_the_extractors_prefix_blocks_the_functions_that_read_it():
    """An error on a path inside the pod template blocks a function that reads it there (its
    reads are relative to the pod spec); an error on a path it does not read does not."""
    from bio2scan import api
    from bio2scan.model import Resource

    data = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "a:1", "securityContext": {"runAsNonRoot": True}}
                    ]
                }
            }
        },
    }
    rule = api.load_rules()["k8s.pod.run_as_non_root"]

    def status(errors):
        res = Resource(
            type="k8s.apps.deployment", id="d", name="web", scope="c", data=data, errors=errors
        )
        return evaluate(inventory(res), [compile_rule(rule)], now=NOW)[0].status

    assert status({}) is Status.PASS
    blocked = {"spec.template.spec.containers[0].securityContext": "redacted by policy"}
    assert status(blocked) is Status.ERROR
    assert status({"spec.template.spec.volumes": "unreadable"}) is Status.PASS


# --- the fast check and the evidence walk agree ------------------------------------------------

_KEYS = ("a", "b", "c")
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-1, 2), st.sampled_from(["x", ""]))
_INNER = st.one_of(
    _LEAF, st.dictionaries(st.sampled_from(_KEYS), _LEAF, max_size=3), st.lists(_LEAF, max_size=2)
)
_VALUES = st.one_of(
    _LEAF,
    st.lists(_INNER, max_size=3),
    st.dictionaries(
        st.sampled_from(_KEYS), st.one_of(_INNER, st.lists(_INNER, max_size=2)), max_size=3
    ),
)
_DATA = st.fixed_dictionaries({}, optional=dict.fromkeys(_KEYS, _VALUES))
_READS = st.lists(
    st.builds(
        Read,
        st.sampled_from(["a", "b", "a.b", "a.c", "a[*]", "a[*].b", "a[0]", "a[1].c", "b[*].a"]),
        st.sampled_from(["any", "mapping", "list", "string", "integer", "boolean", "string|list"]),
        st.sampled_from([None, "optional"]),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(_READS, _DATA)
@example([Read("a[*]")], {"a": [None, {}]})  # a null element where an element is required
@example([Read("a[*].b", "string", "optional")], {"a": [{"b": None}, 3]})
@example([Read("a[1].c")], {"a": {"1": {}}})  # an index into a mapping
def test_the_fast_read_check_says_yes_exactly_when_the_evidence_walk_finds_nothing(reads, data):
    """``read_check`` (compiled, no evidence) is what the engine asks first; ``check_reads``
    (the evidence) only when it says no. Both must give the same answer on any data."""
    reads = tuple(reads)
    fast = read_check((reads,))(data, data, None)
    assert fast is (check_reads(reads, data, "", data, "f") == [])
    # a read of the resource's own data goes the same way
    res_reads = tuple(replace(r, root="resource") for r in reads)
    assert read_check((res_reads,))({}, data, None) is (
        check_reads(res_reads, {}, "", data, "f") == []
    )


_SHAPE_NAMES = ["mapping", "list", "string", "boolean", "number", "integer", "any"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_SHAPE_NAMES), min_size=2, max_size=4, unique=True),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=3),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
        st.tuples(st.integers()),
    ),
)
def test_a_shape_of_several_parts_is_any_of_its_parts(parts, value):
    """``check_shape("string|number|boolean")`` is one ``isinstance``: the same answer as
    trying each part's own test."""
    assert check_shape("|".join(parts))(value) is any(SHAPES[p](value) for p in parts)
