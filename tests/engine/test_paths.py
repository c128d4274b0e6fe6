"""Path syntax: dotted keys, quoted keys, indexes (negative too), ``[*]`` over lists and maps."""

from __future__ import annotations

import pytest

from bio2scan.engine import paths
from bio2scan.engine.paths import MISSING, PathSyntaxError, compile_path, get, parse

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
