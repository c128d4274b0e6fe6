"""The condition language: a small, closed set of operators, compiled once into closures.

A condition is one of

* ``{all: [c, …]}``, ``{any: [c, …]}``, ``{not: c}``
* ``{for_each: PATH, where: c?, assert: c}`` — every element at PATH (that matches ``where``)
  satisfies ``assert``; ``{some: PATH, where: c}`` — at least one element matches ``where``
* ``{path: PATH, <operator>: VALUE}`` — a test of the value(s) at PATH; with ``[*]`` in PATH every
  value must satisfy it, or one of them with ``match: any``
* ``{path: PATH, call: NAME, args: {…}}`` / ``{call: NAME, args: {…}}`` — a named function

Any operator value or function argument may be ``{param: NAME}``, replaced by the rule's parameter
(after user overrides) when the rule is compiled.

A compiled condition is ``fn(obj, prefix, env) -> (ok, [Evidence, …])``: ``prefix`` is the path of
``obj`` inside the resource, so evidence always names the full path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from ..model import Evidence
from . import paths
from .functions import REGISTRY, load_builtin_functions

MISSING = paths.MISSING
Node = Callable[[Any, str, Any], "tuple[bool, list[Evidence]]"]


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None or v is MISSING:
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _contains(v: Any, x: Any) -> bool:
    if isinstance(v, (list, tuple, str)):
        return x in v
    if isinstance(v, dict):
        return x in v
    return False


def _equals(v: Any, x: Any) -> bool:
    if v is MISSING:
        v = None
    if (v is True or v is False) != (x is True or x is False):  # true never equals 1
        return False
    return bool(v == x)


def _not_equals(v: Any, x: Any) -> bool:
    return not _equals(v, x)


def _empty(v: Any) -> bool:
    return v is MISSING or v is None or (isinstance(v, (list, dict, str, tuple)) and len(v) == 0)


# name -> (test(value, expected) -> bool, JSON-schema of the operand, doc with an example).
# Every doc ends with "Example: ``COND`` is true for ``DATA`` and false for ``DATA``." — a test
# (tests/engine/test_operators.py) evaluates both, and docs/rules.md is checked against this table.
OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], dict[str, Any], str]] = {
    "equals": (
        _equals,
        {},
        "The value equals the operand; ``null`` matches an absent value, and ``true`` "
        "never equals ``1``. Example: ``{path: spec.hostNetwork, equals: true}`` is true "
        "for ``{spec: {hostNetwork: true}}`` and false for ``{spec: {}}``.",
    ),
    "not_equals": (
        _not_equals,
        {},
        "The value differs from the operand; an absent value differs from everything "
        "but ``null``. Example: ``{path: privileged, not_equals: true}`` is true for "
        "``{}`` and false for ``{privileged: true}``.",
    ),
    "in": (
        lambda v, x: v is not MISSING and v in x,
        {"type": "array"},
        "The value is one of the listed values. Example: ``{path: Protocol, in: [HTTPS, TLS]}`` "
        "is true for ``{Protocol: HTTPS}`` and false for ``{Protocol: HTTP}``.",
    ),
    "not_in": (
        lambda v, x: v is MISSING or v not in x,
        {"type": "array"},
        "The value is absent or none of the listed values. Example: "
        "``{path: procMount, not_in: [Unmasked]}`` is true for ``{}`` and false for "
        "``{procMount: Unmasked}``.",
    ),
    "exists": (
        lambda v, x: (v is not MISSING and v is not None) == bool(x),
        {"type": "boolean"},
        "With ``true``: the path is present and not null; with ``false``: it is absent or "
        "null. Example: ``{path: metadata.labels.owner, exists: true}`` is true for "
        "``{metadata: {labels: {owner: team-a}}}`` and false for "
        "``{metadata: {labels: {owner: null}}}``.",
    ),
    "empty": (
        lambda v, x: _empty(v) == bool(x),
        {"type": "boolean"},
        "With ``true``: absent, null, or an empty list, mapping or string; with ``false`` "
        "the opposite. Example: ``{path: spec.tls, empty: false}`` is true for "
        "``{spec: {tls: [{hosts: [a.nl]}]}}`` and false for ``{spec: {tls: []}}``.",
    ),
    "matches": (
        lambda v, x: isinstance(v, str) and x.search(v) is not None,
        {"type": "string"},
        "The value is a string in which the regular expression (Python syntax, "
        "unanchored) is found. Example: ``{path: image, matches: '@sha256:[0-9a-f]{64}$'}`` "
        "is true for ``{image: 'nginx@sha256:" + "0" * 64 + "'}`` and false for "
        "``{image: 'nginx:1.25'}``.",
    ),
    "not_matches": (
        lambda v, x: not (isinstance(v, str) and x.search(v) is not None),
        {"type": "string"},
        "The value is absent, not a string, or a string in which the regular "
        "expression is not found. Example: ``{path: image, not_matches: ':latest$'}`` "
        "is true for ``{image: 'redis:7.2'}`` and false for ``{image: 'redis:latest'}``.",
    ),
    "gt": (
        lambda v, x: (n := _num(v)) is not None and n > x,
        {"type": "number"},
        "The value is a number (or a numeric string) greater than the operand. Example: "
        "``{path: replicas, gt: 1}`` is true for ``{replicas: 3}`` and false for "
        "``{replicas: 1}``.",
    ),
    "gte": (
        lambda v, x: (n := _num(v)) is not None and n >= x,
        {"type": "number"},
        "The value is a number greater than or equal to the operand. Example: "
        "``{path: RetentionInDays, gte: 1096}`` is true for ``{RetentionInDays: 1096}`` and "
        "false for ``{RetentionInDays: 30}``.",
    ),
    "lt": (
        lambda v, x: (n := _num(v)) is not None and n < x,
        {"type": "number"},
        "The value is a number less than the operand. Example: "
        "``{path: MaxPasswordAge, lt: 366}`` is true for ``{MaxPasswordAge: 90}`` and false "
        "for ``{MaxPasswordAge: 400}``.",
    ),
    "lte": (
        lambda v, x: (n := _num(v)) is not None and n <= x,
        {"type": "number"},
        "The value is a number less than or equal to the operand; an absent value is no "
        "number. Example: ``{path: runAsUser, lte: 0}`` is true for ``{runAsUser: 0}`` and "
        "false for ``{}``.",
    ),
    "contains": (
        _contains,
        {},
        "The value (a list, a string, or a mapping's keys) contains the operand. "
        "Example: ``{path: capabilities.drop, contains: ALL}`` is true for "
        "``{capabilities: {drop: [ALL]}}`` and false for ``{capabilities: {drop: [NET_RAW]}}``.",
    ),
    "not_contains": (
        lambda v, x: not _contains(v, x),
        {},
        "The value is absent or does not contain the operand. Example: "
        "``{path: Action, not_contains: '*'}`` is true for ``{Action: [s3:GetObject]}`` "
        "and false for ``{Action: ['*']}``.",
    ),
    "length_gte": (
        lambda v, x: isinstance(v, (list, dict, str)) and len(v) >= x,
        {"type": "integer"},
        "The value is a list, mapping or string of at least N items. Example: "
        "``{path: subnets, length_gte: 2}`` is true for ``{subnets: [a, b]}`` and false "
        "for ``{subnets: [a]}``.",
    ),
    "length_lte": (
        lambda v, x: (
            v is MISSING or v is None or (isinstance(v, (list, dict, str)) and len(v) <= x)
        ),
        {"type": "integer"},
        "The value is absent or has at most N items. Example: "
        "``{path: owners, length_lte: 3}`` is true for ``{}`` and false for "
        "``{owners: [a, b, c, d]}``.",
    ),
}


class ConditionError(ValueError):
    """A condition that cannot be compiled. ``field`` is the path inside the rule's ``check``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _resolve_params(value: Any, params: dict[str, Any], where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"param"}:
            name = value["param"]
            if name not in params:
                raise ConditionError(f"unknown parameter {name!r}", where)
            return params[name]
        return {k: _resolve_params(v, params, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_params(v, params, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _show(v: Any) -> Any:
    return None if v is MISSING else v


def compile_condition(cond: Any, params: dict[str, Any], where: str = "check") -> Node:
    """Compile one condition (see the module docstring) into a closure."""
    if not isinstance(cond, dict):
        raise ConditionError("a condition must be a mapping", where)
    keys = set(cond)
    if "all" in keys or "any" in keys:
        op = "all" if "all" in keys else "any"
        if keys != {op}:
            raise ConditionError(f"'{op}' cannot be combined with {sorted(keys - {op})}", where)
        items = cond[op]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"'{op}' takes a non-empty list of conditions", f"{where}.{op}")
        subs = tuple(
            compile_condition(c, params, f"{where}.{op}[{i}]") for i, c in enumerate(items)
        )
        return _all(subs) if op == "all" else _any(subs)
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError(f"'not' cannot be combined with {sorted(keys - {'not'})}", where)
        return _not(compile_condition(cond["not"], params, f"{where}.not"))
    if "for_each" in keys or "some" in keys:
        return _compile_each(cond, params, where)
    if "call" in keys:
        return _compile_call(cond, params, where)
    if "path" in keys:
        return _compile_leaf(cond, params, where)
    raise ConditionError(
        "expected one of all, any, not, for_each, some, path, call "
        f"(got {sorted(keys) or 'nothing'})",
        where,
    )


def _all(subs: tuple[Node, ...]) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        ev: list[Evidence] = []
        for s in subs:
            ok, e = s(obj, prefix, env)
            if not ok:
                return False, e
            ev.extend(e)
        return True, ev

    return node


def _any(subs: tuple[Node, ...]) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        ev: list[Evidence] = []
        for s in subs:
            ok, e = s(obj, prefix, env)
            if ok:
                return True, e
            ev.extend(e)
        return False, ev

    return node


def _not(sub: Node) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        ok, e = sub(obj, prefix, env)
        return (not ok), [Evidence(x.path, x.value, "not " + x.expected) for x in e]

    return node


def _compile_leaf(cond: dict[str, Any], params: dict[str, Any], where: str) -> Node:
    keys = set(cond) - {"path", "match"}
    ops = [k for k in keys if k in OPERATORS]
    unknown = keys - set(OPERATORS)
    if unknown:
        raise ConditionError(
            f"unknown operator {sorted(unknown)[0]!r}; known: {', '.join(sorted(OPERATORS))}", where
        )
    if len(ops) != 1:
        raise ConditionError("a path condition takes exactly one operator", where)
    op = ops[0]
    try:
        getter = paths.compile_path(cond["path"])
    except paths.PathSyntaxError as exc:
        raise ConditionError(str(exc), f"{where}.path") from None
    operand = _resolve_params(cond[op], params, f"{where}.{op}")
    test = OPERATORS[op][0]
    shown = f"{op} {operand!r}"
    if op in ("matches", "not_matches"):
        try:
            operand = re.compile(operand)
        except (re.error, TypeError) as exc:
            raise ConditionError(f"bad regular expression: {exc}", f"{where}.{op}") from None
    if op in ("gt", "gte", "lt", "lte") and _num(operand) is None:
        raise ConditionError(f"'{op}' needs a number, got {operand!r}", f"{where}.{op}")
    if op in ("in", "not_in"):
        if not isinstance(operand, list):
            raise ConditionError(f"'{op}' needs a list, got {operand!r}", f"{where}.{op}")
        try:
            operand = frozenset(operand)
        except TypeError:
            operand = tuple(operand)
    match = cond.get("match", "all")
    value_of = paths.value_getter(cond["path"])
    if value_of is not None and match in ("all", "any"):
        return _single_leaf(value_of, cond["path"], test, operand, shown)
    return _quantified(getter, partial(_apply, test, operand), shown, match, where)


def _apply(test: Callable[[Any, Any], bool], operand: Any, value: Any) -> bool:
    return test(value, operand)


_new = tuple.__new__  # Evidence(...) without the NamedTuple constructor's extra Python call


def _single_leaf(
    value_of: Callable[[Any], Any],
    path: str,
    test: Callable[[Any, Any], bool],
    operand: Any,
    shown: str,
) -> Node:
    """A leaf whose path has no ``[*]``: one value, one evidence. The innermost call of almost
    every evaluation, so it does the least work possible."""
    tail = path if not path or path[0] == "[" else "." + path

    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        v = value_of(obj)
        return test(v, operand), [
            _new(Evidence, (prefix + tail if prefix else path, None if v is MISSING else v, shown))
        ]

    return node


def _quantified(
    getter: Callable[..., Any], test: Callable[[Any], bool], shown: str, match: str, where: str
) -> Node:
    if match not in ("all", "any"):
        raise ConditionError("'match' is 'all' or 'any'", f"{where}.match")
    want_all = match == "all"

    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        pairs = getter(obj, prefix)
        if len(pairs) == 1:
            p, v = pairs[0]
            return test(v), [Evidence(p, _show(v), shown)]
        if not pairs:
            return want_all, []
        good: list[Evidence] = []
        bad: list[Evidence] = []
        for p, v in pairs:
            (good if test(v) else bad).append(Evidence(p, _show(v), shown))
        if want_all:
            return (not bad), (bad or good)
        return bool(good), (good[:1] if good else bad)

    return node


def _function(name: str, kinds: tuple[str, ...], where: str) -> Any:
    load_builtin_functions()
    f = REGISTRY.get(name)
    if f is None:
        raise ConditionError(f"unknown function {name!r}", f"{where}.call")
    if f.kind not in kinds:
        raise ConditionError(
            f"function {name!r} is a {f.kind} function here a "
            f"{' or '.join(kinds)} function is needed",
            f"{where}.call",
        )
    return f


def _compile_call(cond: dict[str, Any], params: dict[str, Any], where: str) -> Node:
    extra = set(cond) - {"call", "args", "path", "match"}
    if extra:
        raise ConditionError(f"unexpected key {sorted(extra)[0]!r} beside 'call'", where)
    args = _resolve_params(cond.get("args") or {}, params, f"{where}.args")
    if not isinstance(args, dict):
        raise ConditionError("'args' must be a mapping", f"{where}.args")
    if "path" in cond:
        f = _function(cond["call"], ("value",), where)
        _check_args(f, args, where)
        try:
            getter = paths.compile_path(cond["path"])
        except paths.PathSyntaxError as exc:
            raise ConditionError(str(exc), f"{where}.path") from None
        fn = f.fn
        shown = f"{f.name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
        return _quantified(
            getter,
            partial(_call_on_value, fn, args),
            shown,
            cond.get("match", "all"),
            where,
        )
    f = _function(cond["call"], ("subject",), where)
    _check_args(f, args, where)
    fn, fname = f.fn, f.name

    def node(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        out = fn(obj, env, **args)
        if isinstance(out, tuple):
            ok, ev = out
            return bool(ok), [Evidence(_under(prefix, e.path), e.value, e.expected) for e in ev]
        return bool(out), [Evidence(prefix, None, fname)]

    return node


def _under(prefix: str, sub: str) -> str:
    """The path ``sub`` that a subject function reports, placed under ``prefix``. ``sub`` may be
    a path of several steps (``containers[1].securityContext``), already written in path syntax."""
    if not prefix or not sub:
        return sub or prefix
    if sub[0] == "[" or ("." not in sub and "[" not in sub):
        return paths.join(prefix, sub) if sub[0] != "[" else prefix + sub
    return f"{prefix}.{sub}"


def _check_args(f: Any, args: dict[str, Any], where: str) -> None:
    unknown = set(args) - set(f.args)
    if unknown:
        raise ConditionError(
            f"function {f.name!r} takes no argument {sorted(unknown)[0]!r} "
            f"(it takes: {', '.join(f.args) or 'none'})",
            f"{where}.args",
        )


def _compile_each(cond: dict[str, Any], params: dict[str, Any], where: str) -> Node:
    kind = "for_each" if "for_each" in cond else "some"
    allowed = {kind, "where", "assert"} if kind == "for_each" else {kind, "where"}
    extra = set(cond) - allowed
    if extra:
        raise ConditionError(f"unexpected key {sorted(extra)[0]!r} in '{kind}'", where)
    elements = _element_lister(cond[kind], f"{where}.{kind}")
    sel = compile_condition(cond["where"], params, f"{where}.where") if "where" in cond else None
    if kind == "some":
        if sel is None:
            raise ConditionError("'some' needs 'where'", where)

        def some(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
            seen: list[Evidence] = []
            for p, item in elements(obj, prefix):
                ok, ev = sel(item, p, env)
                if ok:
                    return True, ev
                seen.extend(ev)
            return False, seen

        return some
    if "assert" not in cond:
        raise ConditionError("'for_each' needs 'assert'", where)
    check = compile_condition(cond["assert"], params, f"{where}.assert")

    def each(obj: Any, prefix: str, env: Any) -> tuple[bool, list[Evidence]]:
        good: list[Evidence] = []
        bad: list[Evidence] = []
        for p, item in elements(obj, prefix):
            if sel is not None and not sel(item, p, env)[0]:
                continue
            ok, ev = check(item, p, env)
            if ok:
                good += ev
            else:
                bad += ev
        return (not bad), (bad or good)

    return each


def _element_lister(spec: Any, where: str) -> Callable[[Any, str], list[tuple[str, Any]]]:
    """``(obj, prefix) -> [(path, element), …]``: what ``for_each``/``some`` visit — each item of
    a list value (with its index in the path), or a single non-null value itself — for one path
    or a list of paths. Paths without ``[*]`` (the usual ``containers``, ``initContainers``) take
    a direct route that builds no path string for what is absent."""
    specs = spec if isinstance(spec, list) else [spec]
    try:
        if not all(isinstance(p, str) for p in specs):
            raise TypeError(f"paths must be strings, got {spec!r}")
        getters = [paths.compile_path(p) for p in specs]
    except (paths.PathSyntaxError, TypeError) as exc:
        raise ConditionError(str(exc), where) from None
    direct = [d for d in (paths.value_getter(p) for p in specs) if d is not None]
    if len(direct) == len(specs):
        plan = [(d, p, p if not p or p[0] == "[" else "." + p) for d, p in zip(direct, specs)]

        def lister(obj: Any, prefix: str) -> list[tuple[str, Any]]:
            out: list[tuple[str, Any]] = []
            for value_of, text, tail in plan:
                v = value_of(obj)
                if v is MISSING or v is None:
                    continue
                base = prefix + tail if prefix else text
                if type(v) is list:
                    out += [(f"{base}[{i}]", item) for i, item in enumerate(v)]
                else:
                    out.append((base, v))
            return out

        return lister

    def general(obj: Any, prefix: str) -> list[tuple[str, Any]]:
        return _elements([pair for g in getters for pair in g(obj, prefix)])

    return general


def _elements(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The elements of resolved ``(path, value)`` pairs: each item of a list value (with its
    index in the path), or a single non-null value itself."""
    out: list[tuple[str, Any]] = []
    for p, v in pairs:
        if type(v) is list:
            out += [(f"{p}[{i}]", item) for i, item in enumerate(v)]
        elif v is not MISSING and v is not None:
            out.append((p, v))
    return out


def operator_docs() -> dict[str, str]:
    return {k: v[2] for k, v in OPERATORS.items()}


def _call_on_value(fn: Callable[..., Any], args: dict[str, Any], value: Any) -> bool:
    return value is not MISSING and bool(fn(value, **args))
