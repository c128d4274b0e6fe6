"""Properties of the condition language, checked with hypothesis over generated conditions and
data, and over every shipped rule with its own test resources:

* ``not not c`` is ``c``; De Morgan's laws hold with unknown values (Kleene's logic);
* removing a value can only make a condition unknown, never decide it the other way
  (information monotonicity);
* removing a path that a shipped rule reads without an ``absent:`` default (or ``exists``, or a
  function's stated default) never turns its FAIL or ERROR into PASS.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bio2scan import api
from bio2scan.engine import run_case
from bio2scan.engine.conditions import compile_condition
from bio2scan.engine.functions import REGISTRY
from bio2scan.engine.paths import STAR, parse
from bio2scan.engine.reads import bind
from bio2scan.engine.truth import resolve_params

KEYS = ("a", "b", "c")
SCALARS = st.one_of(st.booleans(), st.integers(-2, 3), st.sampled_from(["x", "y", "7", ""]))
VALUES = st.recursive(
    st.one_of(st.none(), SCALARS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)
DATA = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=3)
PATHS = st.sampled_from(["a", "b", "c", "a.b", "a.c", "b.a", "a[*]", "a[*].b", "c[0]"])
OPS = st.sampled_from(
    [
        ("equals", True),
        ("equals", 1),
        ("not_equals", "x"),
        ("in", [1, 2, "x"]),
        ("not_in", [True]),
        ("exists", True),
        ("exists", False),
        ("empty", False),
        ("matches", "^x"),
        ("gt", 0),
        ("lte", 1),
        ("contains", "x"),
        ("length_gte", 1),
    ]
)
ABSENT = st.sampled_from([None, "pass", "fail", "empty"])


@st.composite
def leaves(draw: Any) -> dict[str, Any]:
    op, operand = draw(OPS)
    leaf: dict[str, Any] = {"path": draw(PATHS), op: operand}
    absent = draw(ABSENT)
    if "[*]" in leaf["path"]:
        leaf["match"] = draw(st.sampled_from(["all", "any"]))
    # an empty list is no default for operators that judge scalars (refused at load)
    scalar = ("matches", "gt", "lte", "equals", "not_equals", "in", "not_in")
    if absent is not None and op != "exists" and not (absent == "empty" and op in scalar):
        leaf["absent"] = absent
    return leaf


CONDITIONS = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
        st.builds(
            lambda p, x: {"for_each": {"path": p, "absent": "empty"}, "assert": x},
            st.sampled_from(["a", "b"]),
            inner,
        ),
        st.builds(lambda p, x: {"some": p, "where": x}, st.sampled_from(["a", "c"]), inner),
    ),
    max_leaves=6,
)


def truth(c: Any, data: Any) -> bool | None:
    return compile_condition(c, {}, "check")(data, "", None)[0]


@given(CONDITIONS, DATA)
def test_double_negation(c, data):
    assert truth({"not": {"not": c}}, data) is truth(c, data)


@given(CONDITIONS, CONDITIONS, DATA)
def test_de_morgan_over_unknown(a, b, data):
    assert truth({"not": {"all": [a, b]}}, data) is truth({"any": [{"not": a}, {"not": b}]}, data)
    assert truth({"not": {"any": [a, b]}}, data) is truth({"all": [{"not": a}, {"not": b}]}, data)


def _strip(c: Any) -> Any:
    """The condition without its absent: defaults and exists leaves (which state absence), and
    without the operators that judge a whole collection (empty, contains, length_gte): taking
    an element out of a mapping or list changes the value they judge — ``{a: null}`` is not
    empty, ``{}`` is — it does not hide it."""
    if isinstance(c, dict):
        if "exists" in c or {"empty", "contains", "length_gte"} & set(c):
            return {"path": "zz_never", "equals": True}
        return {k: _strip(v) for k, v in c.items() if k != "absent"}
    if isinstance(c, list):
        return [_strip(x) for x in c]
    return c


def _keys(data: Any, base: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((*base, k))
            out += _keys(v, (*base, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _keys(v, (*base, i))
    return out


def _without(data: Any, key: tuple) -> Any:
    out = copy.deepcopy(data)
    cur = out
    for s in key[:-1]:
        cur = cur[s]
    del cur[key[-1]]
    return out


@given(CONDITIONS, DATA, st.data())
def test_removing_a_value_never_decides_the_other_way(c, data, pick):
    """Without absent: defaults, a condition only loses information when a value goes: the
    truth it had stays, or becomes unknown."""
    strict = _strip(c)
    keys = _keys(data)
    if not keys:
        return
    key = pick.draw(st.sampled_from(keys))
    if any(_matches(key, p, element=True) for p in _iterated(strict)):
        return  # one member of an iterated collection: the rest is another whole collection
    before, after = truth(strict, data), truth(strict, _without(data, key))
    assert after is before or after is None


def _iterated(c: Any) -> list[tuple]:
    """The collections a condition iterates: paths with ``[*]``, and for_each/some paths (their
    members as ``#``). Taking a member out leaves a complete, smaller collection: ``[*]`` with
    ``match: all`` over no values is true, so ``a[*] equals true`` is unknown over
    ``{a: {k: null}}`` and true over ``{a: {}}``, as documented (docs/rules.md)."""
    out: list[tuple] = []
    if isinstance(c, dict):
        if isinstance(c.get("path"), str) and "[*]" in c["path"]:
            out.append(_norm(parse(c["path"])))
        for key in ("for_each", "some"):
            entries = c.get(key)
            for e in entries if isinstance(entries, list) else [entries]:
                p = e.get("path") if isinstance(e, dict) else e
                if isinstance(p, str):
                    out.append((*_norm(parse(p)), "#"))
        for v in c.values():
            out += _iterated(v)
    elif isinstance(c, list):
        for v in c:
            out += _iterated(v)
    return out


@pytest.mark.parametrize(
    "value, match, expected",
    [
        ([], "all", True),
        ({}, "all", True),
        ([], "any", False),
        ({}, "any", False),
        ([None], "all", None),
        ({"k": None}, "all", None),
        ([False], "all", False),
        ([True, None], "any", True),
    ],
)
def test_a_wildcard_over_no_values_decides(value, match, expected):
    assert truth({"path": "a[*]", "equals": True, "match": match}, {"a": value}) is expected


# --- every shipped rule, with its own test resources ----------------------------------------

RULES = list(api.load_rules().values())


def _norm(steps: Any) -> tuple:
    return tuple("#" if (s is STAR or isinstance(s, int)) else s for s in steps)


def _reads(rule: Any) -> tuple[list[tuple], list[tuple]]:
    """``(aware, every)``: the paths a rule reads with a stated meaning of absence (leaves with
    absent: or exists, for_each/some entries with absent:, the optional reads of its functions,
    bound to the rule's arguments), and every path it reads."""
    aware: list[tuple] = []
    every: list[tuple] = []
    members: list[tuple] = []
    params = {n: p.default for n, p in rule.params.items()}
    extractor = REGISTRY.get(rule.check.get("subject") or "")

    def note(path: str, stated: bool) -> None:
        steps = _norm(parse(path))
        every.append(steps)
        if stated:
            aware.append(steps)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("path"), str):
                note(node["path"], "absent" in node or "exists" in node)
                if set(node) & {"empty", "length_gte", "length_lte", "contains", "not_contains"}:
                    members.append(_norm(parse(node["path"])))
            for key in ("for_each", "some"):
                entries = node.get(key)
                for e in entries if isinstance(entries, list) else [entries]:
                    if isinstance(e, dict):
                        note(e["path"], "absent" in e)
                    elif isinstance(e, str):
                        note(e, False)
            f = REGISTRY.get(node["call"]) if isinstance(node.get("call"), str) else None
            if f is not None:
                args = resolve_params(node.get("args") or {}, params, "args")
                for r in bind(f.reads, {**f.defaults(), **args}):
                    note(r.path, r.absent is not None)
            for k, v in node.items():
                if k != "args":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(rule.check.get("applies_if"))
    walk(rule.check.get("assert"))
    for r in extractor.reads if extractor is not None else ():
        note(r.path, r.absent is not None)
    # a collection judged as a whole (empty, length, contains): its members, as if under [*]
    every += [(*m, "#") for m in members]
    return aware, every


def _matches(key: tuple, path: tuple, *, element: bool = False) -> bool:
    """Does some tail of ``key`` run along ``path`` (element indexes matching ``[*]``)? With
    ``element``, the key's last step must meet a ``[*]``: it is one member of a collection."""
    k = _norm(key)
    for start in range(len(k)):
        tail = k[start:]
        if len(tail) > len(path):
            continue
        runs = all(x == y or "#" in (x, y) for x, y in zip(tail, path))
        if runs and (not element or path[len(tail) - 1] == "#"):
            return True
    return False


def _excused(key: tuple, aware: list[tuple], every: list[tuple]) -> bool:
    """A removed key is excused when it lies on the way to a path read with a stated absence,
    when it is one member of a collection the rule iterates (removing a member gives another
    complete collection, not a missing value), or when it is (part of) a condition of a policy
    statement: IAM's own semantics, a statement without a condition is unconditional."""
    return (
        "Condition" in key
        or any(_matches(key, a) for a in aware)
        or any(_matches(key, p, element=True) for p in every)
    )


CASES = [(r, c) for r in RULES for c in r.tests if c["expect"] in ("FAIL", "ERROR")]


@pytest.mark.parametrize("rule, case", CASES, ids=[f"{r.id}::{c['name']}" for r, c in CASES])
def test_removing_a_path_a_rule_reads_never_turns_fail_or_error_into_pass(rule, case):
    data = case["resource"]["data"]
    aware, every = _reads(rule)
    for key in _keys(data):
        if _excused(key, aware, every):
            continue
        changed = copy.deepcopy(dict(case))
        changed["resource"] = {**case["resource"], "data": _without(data, key)}
        outcome = run_case(rule, changed)
        assert outcome.actual != "PASS", (
            f"{rule.id} :: {case['name']}: removing {'.'.join(map(str, key))} turned "
            f"{case['expect']} into PASS ({outcome.result.message if outcome.result else ''})"
        )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_removing_several_paths_at_once(pick):
    rule, case = pick.draw(st.sampled_from(CASES))
    data = case["resource"]["data"]
    aware, every = _reads(rule)
    keys = [k for k in _keys(data) if not _excused(k, aware, every)]
    if not keys:
        return
    chosen = pick.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))
    changed_data = data
    for key in sorted(chosen, key=len, reverse=True):
        try:
            changed_data = _without(changed_data, key)
        except (KeyError, IndexError, TypeError):
            continue  # an ancestor went first
    changed = {**case, "resource": {**case["resource"], "data": changed_data}}
    assert run_case(rule, changed).actual != "PASS"
