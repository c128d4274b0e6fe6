"""Path syntax: dotted keys, quoted keys, indexes (negative too), ``[*]`` over lists and maps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bio2scan.engine import paths
from bio2scan.engine.paths import (
    MISSING,
    Mistyped,
    PathSyntaxError,
    compile_path,
    get,
    parse,
    plain_getter,
    step_into,
)

DATA = {
    "spec": {"containers": [{"name": "a", "ports": [{"p": 80}, {"p": 443}]}, {"name": "b"}]},
    "metadata": {"annotations": {"kubernetes.io/ingress.class": "nginx", "x": "y"}},
    "Tags": {"env": {"v": 1}, "team": {"v": 2}},
    "empty": [],
}


@pytest.mark.parametrize(
    "path, steps",
    [
        ("a.b.c", ("a", "b", "c")),
        ("a[0][-1]", ("a", 0, -1)),
        ("a[*].b", ("a", paths.STAR, "b")),
        (
            "metadata.annotations['kubernetes.io/ingress.class']",
            ("metadata", "annotations", "kubernetes.io/ingress.class"),
        ),
        ('a["x y"]', ("a", "x y")),
        ("", ()),
        (".", ()),
    ],
)
def test_parse(path, steps):
    assert parse(path) == steps


@pytest.mark.parametrize(
    "path, words",
    [
        ("a..b", "empty key"),
        ("a.", "ends with '.'"),
        ("a[x]", "cannot parse"),
        ("a[0]b", "missing '.'"),
        (".a", "empty key"),
        ("a['unterminated]", "cannot parse"),
    ],
)
def test_syntax_errors(path, words):
    with pytest.raises(PathSyntaxError, match=words.replace("[", r"\[").replace(".", r"\.")):
        parse(path)


@pytest.mark.parametrize(
    "path, pairs",
    [
        ("spec.containers[0].name", [("spec.containers[0].name", "a")]),
        ("spec.containers[-1].name", [("spec.containers[-1].name", "b")]),
        ("spec.containers[5].name", [("spec.containers[5].name", MISSING)]),
        (
            "spec.containers[*].name",
            [("spec.containers[0].name", "a"), ("spec.containers[1].name", "b")],
        ),
        (
            "spec.containers[*].ports[*].p",
            [
                ("spec.containers[0].ports[0].p", 80),
                ("spec.containers[0].ports[1].p", 443),
                ("spec.containers[1].ports", MISSING),
            ],
        ),
        (
            "metadata.annotations['kubernetes.io/ingress.class']",
            [("metadata.annotations['kubernetes.io/ingress.class']", "nginx")],
        ),
        (
            "metadata.annotations[*]",
            [
                ("metadata.annotations['kubernetes.io/ingress.class']", "nginx"),
                ("metadata.annotations.x", "y"),
            ],
        ),
        ("Tags[*].v", [("Tags.env.v", 1), ("Tags.team.v", 2)]),
        ("empty[*]", []),
        ("spec.containers[0].name.deeper", [("spec.containers[0].name.deeper", MISSING)]),
        ("nothing[*].x", [("nothing", MISSING)]),
        ("spec.containers[*].name[*]", []),  # [*] over a string gives nothing
    ],
)
def test_resolve(path, pairs):
    assert compile_path(path)(DATA, "") == pairs


def test_prefix_is_put_in_front_of_every_path():
    assert compile_path("name")(DATA["spec"]["containers"][0], "spec.containers[0]") == [
        ("spec.containers[0].name", "a")
    ]
    assert compile_path("[1]")(["x", "y"], "list") == [("list[1]", "y")]
    assert compile_path("ports[*].p")(DATA["spec"]["containers"][0], "c[0]") == [
        ("c[0].ports[0].p", 80),
        ("c[0].ports[1].p", 443),
    ]


def test_get_for_functions():
    assert get(DATA, "spec.containers[1].name") == "b"
    assert get(DATA, "spec.nothing", "dflt") == "dflt"
    assert get({"a": None}, "a", 5) is None


def test_missing_is_falsy_and_named():
    assert not MISSING
    assert repr(MISSING) == "MISSING"


_KEYS = st.sampled_from(["a", "b", "c"])
_VALUE = st.recursive(
    st.one_of(st.none(), st.integers(0, 2), st.sampled_from(["x", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_KEYS, min_size=1, max_size=4), _VALUE)
def test_a_getter_gives_what_one_step_at_a_time_gives(keys, obj):
    """The getters of plain paths (with their inline forms for two and three keys) agree with
    stepping one key at a time: the value, MISSING, or where and what was of the wrong kind."""
    steps = tuple(keys)
    cur = obj
    for n, s in enumerate(steps):
        cur = step_into(cur, s, n)
        if cur is MISSING or type(cur) is Mistyped:
            break
    got = plain_getter(steps)(obj)
    if type(cur) is Mistyped:
        assert type(got) is Mistyped and (got.depth, got.found) == (cur.depth, cur.found)
    else:
        assert got is cur
