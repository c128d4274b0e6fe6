"""The condition language: three-valued, closed, compiled once into closures.

Every condition evaluates to true, false or *unknown* (``None``). A leaf is unknown when the value
it tests is absent or null, of a kind its operator cannot judge, unreadable (``Resource.errors``)
or known only after deployment (``Resource.deferred``) — unless the leaf states, with
``absent:``, what the platform defines an absent value to mean. ``all``/``any``/``not``/
``for_each``/``some`` follow Kleene's logic: ``false`` wins an ``all``, ``true`` wins an ``any``,
otherwise any unknown makes the whole unknown; ``not unknown`` is unknown. The full semantics,
with truth tables, is ``docs/rule-language.md``.

A condition is one of

* ``{all: [c, …]}``, ``{any: [c, …]}``, ``{not: c}``
* ``{for_each: PATHS, where: c?, assert: c}`` — every element at PATHS (that matches ``where``)
  satisfies ``assert``; ``{some: PATHS, where: c}`` — at least one element matches ``where``.
  PATHS is a path, ``{path: P, absent: A}``, or a list of these.
* ``{path: PATH, <operator>: VALUE, absent: A?, match: all|any?}`` — a test of the value(s) at
  PATH; with ``[*]`` every value must pass (``match: any``: one of them)
* ``{path: PATH, call: NAME, args: {…}, absent: A?}`` / ``{call: NAME, args: {…}}`` — a named
  function, on the value at PATH or on the subject

``absent`` is ``pass`` (an absent value makes the leaf true), ``fail`` (false), ``empty`` (the
value is taken as an empty list) or ``{default: VALUE}`` (the value the platform uses).

Any operator value, ``absent`` default or function argument may be ``{param: NAME}``.

A compiled condition is ``fn(obj, prefix, env) -> (truth, [Evidence, …])``: ``prefix`` is the path
of ``obj`` inside the resource, so evidence always names the full path; the evidence of an
unknown is ``reads.Unknown`` (``reads.Deferred``), saying what was missing and what needed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..model import Evidence
from . import paths
from .each import compile_each
from .env import RelatedIncomplete
from .functions import REGISTRY, CannotJudge, Function, KnownAfterDeployment, load_builtin_functions
from .operators import OPERATORS, kind, prepare
from .paths import MISSING, STAR, Mistyped
from .reads import Deferred, Read, Related, Unknown, bind, bind_related, check_reads, read_check
from .truth import (
    Absent,
    ConditionError,
    Node,
    Truth,
    absent_outcome,
    mistyped,
    parse_absent,
    resolve_params,
    resolve_segments,
    segments,
    shown_value,
    step_path,
)

__all__ = ["OPERATORS", "Absent", "ConditionError", "Node", "compile_condition", "operator_docs"]


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
        return compile_each(cond, params, where, compile_condition)
    if "call" in keys:
        return _compile_call(cond, params, where)
    if "path" in keys:
        return _compile_leaf(cond, params, where)
    raise ConditionError(
        "expected one of all, any, not, for_each, some, path, call "
        f"(got {sorted(keys) or 'nothing'})",
        where,
    )


# --- Kleene's connectives ----------------------------------------------------------------


def _all(subs: tuple[Node, ...]) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        ev: list[Evidence] = []
        unknown: list[Evidence] | None = None
        for s in subs:
            ok, e = s(obj, prefix, env)
            if ok is False:
                return False, e
            if ok is None:
                unknown = e if unknown is None else unknown + e
            else:
                ev += e
        if unknown is not None:
            return None, unknown
        return True, ev

    return node


def _any(subs: tuple[Node, ...]) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        ev: list[Evidence] = []
        unknown: list[Evidence] | None = None
        for s in subs:
            ok, e = s(obj, prefix, env)
            if ok is True:
                return True, e
            if ok is None:
                unknown = e if unknown is None else unknown + e
            else:
                ev += e
        if unknown is not None:
            return None, unknown
        return False, ev

    return node


def _not(sub: Node) -> Node:
    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        ok, e = sub(obj, prefix, env)
        if ok is None:
            return None, e
        return (not ok), [_new(Evidence, (x.path, x.value, "not " + x.expected)) for x in e]

    return node


# --- leaves --------------------------------------------------------------------------------

_new = tuple.__new__  # Evidence(...) without the NamedTuple constructor's extra Python call


def _full(prefix: str, tail: str, path: str) -> str:
    return prefix + tail if prefix else path


def _tail(path: str) -> str:
    return path if not path or path[0] == "[" else "." + path


def _compile_leaf(cond: dict[str, Any], params: dict[str, Any], where: str) -> Node:
    keys = set(cond) - {"path", "match", "absent"}
    ops = [k for k in keys if k in OPERATORS]
    unknown = keys - set(OPERATORS)
    if unknown:
        raise ConditionError(
            f"unknown operator {sorted(unknown)[0]!r}; known: {', '.join(sorted(OPERATORS))}", where
        )
    if len(ops) != 1:
        raise ConditionError("a path condition takes exactly one operator", where)
    op = ops[0]
    raw = resolve_params(cond[op], params, f"{where}.{op}")
    shown = f"{op} {raw!r}"
    if op in ("matches", "not_matches"):
        try:
            raw = re.compile(raw)
        except (re.error, TypeError) as exc:
            raise ConditionError(f"bad regular expression: {exc}", f"{where}.{op}") from None
    operand, problem = prepare(op, raw)
    if problem:
        raise ConditionError(problem, f"{where}.{op}")
    absent = parse_absent(resolve_params(cond.get("absent"), params, where), where)
    if op == "exists":
        if absent is not None:
            raise ConditionError("'exists' decides on absence itself: no 'absent'", where)
        return _exists_leaf(cond["path"], bool(operand), shown, where, cond.get("match", "all"))
    test = OPERATORS[op].test
    accepts = OPERATORS[op].accepts
    if op in ("equals", "not_equals"):
        accepts = kind(operand[1])
    elif op in ("in", "not_in"):
        accepts = " or ".join(sorted(operand[0]))
    return _leaf(cond, test, operand, shown, accepts, absent, where)


def _leaf(
    cond: dict[str, Any],
    test: Callable[[Any, Any], bool | None],
    operand: Any,
    shown: str,
    accepts: str,
    absent: Absent | None,
    where: str,
) -> Node:
    path = cond["path"]
    if not isinstance(path, str):
        raise ConditionError("'path' must be a string", f"{where}.path")
    try:
        steps = paths.parse(path)
    except paths.PathSyntaxError as exc:
        raise ConditionError(str(exc), f"{where}.path") from None
    match = cond.get("match", "all")
    if match not in ("all", "any"):
        raise ConditionError("'match' is 'all' or 'any'", f"{where}.match")
    if STAR in steps:
        return _wildcard_leaf(path, steps, test, operand, shown, accepts, absent, match == "all")
    if absent is not None and absent.mode == "value" and test(absent.value, operand) is None:
        raise ConditionError(
            f"the absent default {absent.value!r} cannot be tested with this condition",
            f"{where}.absent",
        )
    value_of = paths.plain_getter(steps)
    tail = _tail(path)
    pass_absent = absent is not None and absent.mode != "value"
    default = absent.value if absent is not None and absent.mode == "value" else MISSING
    defaulted = f"{shown} ({absent.text})" if absent is not None else ""

    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        """The innermost call of almost every evaluation: it does the least work possible."""
        if env is not None and env.blocked is not None:
            hits = env.blocked.hits(_full(prefix, tail, path), shown)
            if hits:
                return None, hits
        v = value_of(obj)
        if v is None or v is MISSING:
            if default is MISSING or pass_absent:
                return absent_outcome(absent, prefix + tail if prefix else path, shown)
            r = test(default, operand)
            return r, [_new(Evidence, (prefix + tail if prefix else path, None, defaulted))]
        if type(v) is Mistyped:
            return None, [mistyped(step_path(prefix, steps, v.depth), v.found, shown)]
        r = test(v, operand)
        if r is None:
            return None, [
                Unknown(
                    _full(prefix, tail, path),
                    shown_value(v),
                    f"is a {paths.kind_of(v)}, not a {accepts} (needed: {shown})",
                )
            ]
        return r, [_new(Evidence, (prefix + tail if prefix else path, v, shown))]

    return node


def _exists_leaf(path: str, want: bool, shown: str, where: str, cond_match: Any) -> Node:
    try:
        steps = paths.parse(path)
    except paths.PathSyntaxError as exc:
        raise ConditionError(str(exc), f"{where}.path") from None
    if STAR in steps:  # every (match: any — some) branch reaches a value, or none does
        match = cond_match
        if match not in ("all", "any"):
            raise ConditionError("'match' is 'all' or 'any'", f"{where}.match")
        gone = Absent("fail" if want else "pass", None, "absent")
        return _wildcard_leaf(
            path, steps, lambda v, _x: want, None, shown, "any value", gone, match == "all"
        )
    value_of = paths.plain_getter(steps)
    tail = _tail(path)

    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        full = _full(prefix, tail, path)
        if env is not None and env.blocked is not None:
            hits = env.blocked.hits(full, shown)
            if hits:
                return None, hits
        v = value_of(obj)
        if type(v) is Mistyped:
            return None, [mistyped(step_path(prefix, steps, v.depth), v.found, shown)]
        present = v is not MISSING and v is not None
        return present == want, [Evidence(full, None if v is MISSING else v, shown)]

    return node


def _wildcard_leaf(
    path: str,
    steps: tuple[Any, ...],
    test: Callable[[Any, Any], bool | None],
    operand: Any,
    shown: str,
    accepts: str,
    absent: Absent | None,
    want_all: bool,
) -> Node:
    segs = segments(steps)
    tail = _tail(path)

    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        if env is not None and env.blocked is not None:
            hits = env.blocked.hits(_full(prefix, tail, path), shown)
            if hits:
                return None, hits
        stood_in: dict[str, str] = {}
        values, settled = resolve_segments(obj, prefix, segs, absent, shown, stood_in)
        good: list[Evidence] = []
        bad: list[Evidence] = []
        unknown: list[Evidence] = []
        for ok, e in settled:
            (good if ok is True else bad if ok is False else unknown).append(e)
        for p, v in values:
            r = test(v, operand)
            if r is None:
                unknown.append(
                    Unknown(
                        p,
                        shown_value(v),
                        f"is a {paths.kind_of(v)}, not a {accepts} (needed: {shown})",
                    )
                )
            elif p in stood_in and absent is not None:  # the platform's default, not a value read
                e = Evidence(stood_in[p], None, f"{shown} ({absent.text})")
                (good if r else bad).append(e)
            else:
                (good if r else bad).append(Evidence(p, v, shown))
        if want_all:
            if bad:
                return False, bad
            if unknown:
                return None, unknown
            return True, good
        if good:
            return True, good[:1]
        if unknown:
            return None, unknown
        return False, bad

    return node


# --- named functions -------------------------------------------------------------------------


def _function(name: str, kinds: tuple[str, ...], where: str) -> Function:
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


def _check_args(f: Function, args: dict[str, Any], where: str) -> None:
    unknown = set(args) - set(f.args)
    if unknown:
        raise ConditionError(
            f"function {f.name!r} takes no argument {sorted(unknown)[0]!r} "
            f"(it takes: {', '.join(f.args) or 'none'})",
            f"{where}.args",
        )


def _compile_call(cond: dict[str, Any], params: dict[str, Any], where: str) -> Node:
    extra = set(cond) - {"call", "args", "path", "match", "absent"}
    if extra:
        raise ConditionError(f"unexpected key {sorted(extra)[0]!r} beside 'call'", where)
    args = resolve_params(cond.get("args") or {}, params, f"{where}.args")
    if not isinstance(args, dict):
        raise ConditionError("'args' must be a mapping", f"{where}.args")
    if "path" in cond:
        f = _function(cond["call"], ("value",), where)
        _check_args(f, args, where)
        shown = f"{f.name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
        fn, accepts = f.fn, f.value_test

        def test(v: Any, _operand: Any) -> bool | None:
            if accepts is not None and not accepts(v):
                return None
            try:
                return bool(fn(v, **args))
            except CannotJudge:
                return None

        absent = parse_absent(resolve_params(cond.get("absent"), params, where), where)
        return _leaf(cond, test, None, shown, str(f.value), absent, where)
    if "absent" in cond or "match" in cond:
        raise ConditionError("'absent' and 'match' go with a path", where)
    f = _function(cond["call"], ("subject",), where)
    _check_args(f, args, where)
    try:
        bound = {**f.defaults(), **args}
        groups = tuple(bind(g, bound) for g in f.groups)
        related = bind_related(f.related, bound)
    except ValueError as exc:
        raise ConditionError(f"function {f.name!r}: {exc}", f"{where}.args") from None
    return _subject_call(f, args, groups, related)


def _subject_call(
    f: Function,
    args: dict[str, Any],
    groups: tuple[tuple[Read, ...], ...],
    related: tuple[Related, ...],
) -> Node:
    fn, fname = f.fn, f.name
    needed = f"{fname}"
    reads = tuple(r for g in groups for r in g)
    holds = read_check(groups)
    checked = tuple(rel for rel in related if not rel.on_use)  # before the call
    allowed = frozenset(r.type for r in related)
    on_use = {r.type: r for r in related if r.on_use}

    def node(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        if env is None:
            return _run(obj, prefix, env)
        if env.blocked is not None:
            hits: list[Evidence] = []
            for r in reads:
                full = _full(prefix, _tail(r.path), r.path) if r.root == "subject" else r.path
                hits += env.blocked.hits(full, needed)
            if hits:
                return None, hits
        if reads:
            data = env.resource.data if env.resource is not None else None
            if not holds(obj, data, env.shapes):
                return None, check_reads(reads, obj, prefix, data, needed)
        for rel in checked:  # an on_use type is checked when the function looks it up
            why = env.incomplete(rel)
            if why:
                return None, [Unknown(rel.type, None, f"{why} (needed: {needed})")]
        env.calling(fname, related, allowed, on_use)
        try:
            return _run(obj, prefix, env)
        finally:
            env.done()

    def _run(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        if env is None and reads and not holds(obj, None, None):
            return None, check_reads(reads, obj, prefix, None, needed)
        try:
            out = fn(obj, env, **args)
        except RelatedIncomplete as exc:
            return None, [Unknown(exc.rel.type, None, f"{exc.why} (needed: {needed})")]
        except KnownAfterDeployment as exc:
            where = _under(prefix, exc.path)
            return None, [Deferred(where, None, f"is known only after deployment: {exc.reason}")]
        except CannotJudge as exc:
            return None, [Unknown(prefix, None, f"{fname} cannot judge it: {exc}")]
        if isinstance(out, tuple):
            ok, ev = out
            if ok is None:
                return None, [Unknown(_under(prefix, e.path), e.value, e.expected) for e in ev]
            return bool(ok), _placed(prefix, ev)
        if out is None:
            return None, [Unknown(prefix, None, f"{fname} could not decide")]
        return bool(out), [_new(Evidence, (prefix, None, fname))]

    return node


def _placed(prefix: str, ev: Any) -> list[Evidence]:
    """The evidence a subject function reports, as ``Evidence`` with each path placed under
    ``prefix`` (``_under``; a path of several steps, the usual case, without the call)."""
    if not prefix:
        return [_new(Evidence, (e.path or prefix, e.value, e.expected)) for e in ev]
    dot = prefix + "."
    return [
        _new(
            Evidence,
            (
                dot + p if p and p[0] != "[" and ("." in p or "[" in p) else _under(prefix, p),
                e.value,
                e.expected,
            ),
        )
        for e in ev
        for p in (e.path,)
    ]


def _under(prefix: str, sub: str) -> str:
    """The path ``sub`` that a subject function reports, placed under ``prefix``. ``sub`` may be
    a path of several steps (``containers[1].securityContext``), already written in path syntax."""
    if not prefix or not sub:
        return sub or prefix
    if sub[0] == "[" or ("." not in sub and "[" not in sub):
        return paths.join(prefix, sub) if sub[0] != "[" else prefix + sub
    return f"{prefix}.{sub}"


def operator_docs() -> dict[str, str]:
    return {k: v.doc for k, v in OPERATORS.items()}
