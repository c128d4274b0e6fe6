"""Rules × resources → results. Pure: no I/O; the clock comes in as an argument.

Each rule is compiled once (``compile_rule``) with its parameters fixed; evaluating it on one
resource is then one call of a closure. A rule's ``check`` is::

    subject: NAME        # optional extractor function: what to look at instead of the data
    applies_if: COND     # optional: when false the result is NOT_APPLICABLE
    assert: COND         # must hold for PASS

Statuses: FAIL when ``assert`` is false; ERROR when the collector could not read what the rule
needs (a collection error for the type and scope, or a per-resource error on a path the rule
reads) or a function raised; NOT_APPLICABLE for live-only rules on manifests and when
``applies_if`` is false. Never PASS without having looked.
"""

from __future__ import annotations

import datetime as _dt
import gc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import CollectionError, Evidence, Inventory, Resource, Result, Rule, Source, Status
from . import paths
from .conditions import ConditionError, Node, compile_condition
from .functions import REGISTRY, KnownAfterDeployment, load_builtin_functions

MAX_EVIDENCE = 20


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    params: Mapping[str, Any]
    subject: Callable[[Resource], Any] | None
    applies_if: Node | None
    check: Node
    roots: frozenset[tuple[Any, ...]]  # the fixed heads of the paths the check reads

    @property
    def id(self) -> str:
        return self.rule.id


def compile_rule(rule: Rule, overrides: Mapping[str, Any] | None = None) -> CompiledRule:
    """Compile ``rule.check`` with the rule's parameters (defaults, then ``overrides``).

    Raises ``ConditionError`` (with ``field`` inside ``check``) on a bad condition.
    """
    params = {name: p.default for name, p in rule.params.items()}
    params.update(overrides or {})
    check = rule.check
    subject = None
    if "subject" in check:
        load_builtin_functions()
        f = REGISTRY.get(check["subject"])
        if f is None or f.kind != "extractor":
            raise ConditionError(f"unknown extractor {check['subject']!r}", "check.subject")
        subject = f.fn
    applies = (
        compile_condition(check["applies_if"], params, "check.applies_if")
        if "applies_if" in check
        else None
    )
    if "assert" not in check:
        raise ConditionError("'check' needs 'assert'", "check")
    node = compile_condition(check["assert"], params, "check.assert")
    return CompiledRule(rule, params, subject, applies, node, frozenset(_roots(check)))


# named functions that read the resource's tags (Resource.tags), not a data path
_READS_TAGS = frozenset({"has_tag"})


def _roots(cond: Any) -> Iterable[tuple[Any, ...]]:
    """The fixed heads (``paths.fixed_head``) of every path a check reads, for matching
    per-resource errors and deferred values: an error at ``config.properties.scmMinTlsVersion``
    concerns a rule reading ``config`` or that very field, not one reading
    ``config.properties.ftpsState``."""
    if isinstance(cond, dict):
        if cond.get("call") in _READS_TAGS:
            yield ("tags",)  # a tag that could not be read (errors["tags.KEY"]) decides nothing
        for k, v in cond.items():
            if k in ("path", "for_each", "some") and isinstance(v, (str, list)):
                for p in v if isinstance(v, list) else [v]:
                    if not isinstance(p, str):
                        continue
                    try:
                        steps = paths.parse(p)
                    except paths.PathSyntaxError:
                        continue
                    if steps and isinstance(steps[0], str):
                        yield paths.fixed_head(p)
            else:
                yield from _roots(v)
    elif isinstance(cond, list):
        for v in cond:
            yield from _roots(v)


class Env:
    """What subject functions may see besides their subject: the resource, the clock, and the
    other resources of the inventory (``related``)."""

    __slots__ = ("_index", "now", "resource")

    def __init__(self, index: _Index, now: _dt.datetime) -> None:
        self._index = index
        self.now = now
        self.resource: Resource | None = None

    def related(
        self, resource_type: str, *, same_scope: bool = True, namespace: str | bool | None = False
    ) -> list[Resource]:
        """Resources of ``resource_type`` in the same scope (and namespace, when ``namespace``
        is ``True``, or in the given namespace)."""
        r = self.resource
        items = self._index.by_type.get(resource_type, ())
        out = []
        for x in items:
            if same_scope and r is not None and x.scope != r.scope:
                continue
            if namespace is True and r is not None and x.namespace != r.namespace:
                continue
            if isinstance(namespace, str) and x.namespace != namespace:
                continue
            out.append(x)
        return out

    def collection_errors(self, resource_type: str) -> list[CollectionError]:
        """Collection errors that leave ``resource_type`` incomplete in this resource's scope."""
        r = self.resource
        return [
            e
            for e in self._index.errors
            if e.covers(resource_type, r.scope if r else None, None, None)
        ]


class _Index:
    def __init__(self, inventory: Inventory) -> None:
        self.by_type: dict[str, list[Resource]] = {}
        for r in inventory.resources:
            self.by_type.setdefault(r.type, []).append(r)
        self.errors = inventory.errors


def _message(status: Status, evidence: list[Evidence]) -> str:
    if not evidence:
        return "no values to check" if status is Status.PASS else status.value
    if len(evidence) == 1:
        e = evidence[0]
        return f"{e.path} = {e.value!r} (expected {e.expected})"
    shown = "; ".join([f"{e.path} = {e.value!r} (expected {e.expected})" for e in evidence[:3]])
    return shown + (f" and {len(evidence) - 3} more" if len(evidence) > 3 else "")


def evaluate(
    inventory: Inventory,
    rules: Iterable[CompiledRule],
    now: _dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """Every rule on every resource of its types, plus ERROR results for what was not collected.

    Results come rule by rule, each rule's in the order of its ``resource_types`` and of the
    inventory. Internally the loop runs per resource type and resource, so that an extractor
    (``subject: pod_spec``) shared by many rules runs once per resource, not once per rule.
    ``progress`` (optional) is told the number of rule evaluations done after each resource."""
    index = _Index(inventory)
    env = Env(index, now or _dt.datetime.now(_dt.UTC))
    rules = list(rules)
    by_type: dict[str, list[tuple[int, CompiledRule]]] = {}
    for n, cr in enumerate(rules):
        for rtype in dict.fromkeys(cr.rule.resource_types):
            by_type.setdefault(rtype, []).append((n, cr))
    out: dict[tuple[int, str], list[Result]] = {}
    # Evaluation allocates millions of small acyclic objects (results, evidence, tuples); the
    # cyclic collector would walk the whole inventory again and again for nothing (2.5x the
    # time at 100k resources, see bench/engine.py). Reference counting frees all of it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for rtype, group in by_type.items():
            resources = index.by_type.get(rtype, ())
            lists = [out.setdefault((n, rtype), []) for n, _ in group]
            pairs = [(cr, lst.append) for (_, cr), lst in zip(group, lists)]
            extractors = {cr.subject for cr, _ in pairs if cr.subject is not None}
            for res in resources:
                if progress is not None:
                    progress(len(pairs))
                env.resource = res
                subjects = {fn: _extract(fn, res) for fn in extractors}
                for cr, append in pairs:
                    append(
                        evaluate_one(
                            cr,
                            res,
                            env,
                            subjects[cr.subject] if cr.subject is not None else _NO_SUBJECT,
                        )
                    )
            for (_, cr), lst in zip(group, lists):
                for err in index.errors:
                    if err.resource_type in (rtype, "*") and err.provider == cr.rule.provider:
                        lst.append(_error_result(cr, rtype, err))
    finally:
        if collecting:
            gc.enable()
    results: list[Result] = []
    for n, cr in enumerate(rules):
        for rtype in dict.fromkeys(cr.rule.resource_types):
            results.extend(out.get((n, rtype), ()))
    return results


_NO_SUBJECT: Any = object()


def _extract(fn: Callable[[Resource], Any], res: Resource) -> Any:
    """The extractor's subjects for ``res``, or the exception it raised (reported as ERROR by
    each rule that uses it)."""
    try:
        return fn(res)
    except Exception as exc:  # noqa: BLE001 - turned into ERROR results
        return _Raised(exc)


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


def _reads(cr: CompiledRule, path: str) -> bool:
    """The rule reads the value at ``path`` (or a part of it, or something within it)."""
    if path == "*":
        return True
    head = paths.fixed_head(path)
    return any(paths.overlap(root, head) for root in cr.roots)


def evaluate_one(cr: CompiledRule, res: Resource, env: Env, subjects: Any = _NO_SUBJECT) -> Result:
    """One rule on one resource. ``subjects`` is the rule's extractor output when the caller
    already has it (``evaluate`` shares it between the rules that use the same extractor)."""
    rule = cr.rule
    env.resource = res
    if rule.live_only and res.source.file is not None:
        return _result(
            cr,
            res,
            Status.NOT_APPLICABLE,
            [],
            "evaluated on live data only; a manifest cannot show this",
        )
    if res.errors:
        blocked = [(p, why) for p, why in res.errors.items() if _reads(cr, p)]
        if blocked:
            return _result(
                cr,
                res,
                Status.ERROR,
                [Evidence(p, None, "readable") for p, _ in blocked],
                "could not read " + "; ".join(f"{p}: {w}" for p, w in blocked),
            )
    if res.deferred:
        later = [(p, why) for p, why in res.deferred.items() if _reads(cr, p)]
        if later:
            return _result(
                cr,
                res,
                Status.NOT_APPLICABLE,
                [Evidence(p, None, "known after deployment") for p, _ in later],
                "known only after deployment: " + "; ".join(f"{p} ({w})" for p, w in later),
            )
    try:
        if subjects is _NO_SUBJECT:
            subjects = [("", res.data)] if cr.subject is None else cr.subject(res)
        elif type(subjects) is _Raised:
            raise subjects.exc
        if not subjects:
            return _result(cr, res, Status.NOT_APPLICABLE, [], "nothing to check on this kind")
        if cr.applies_if is not None:
            for prefix, obj in subjects:
                ok, ev = cr.applies_if(obj, prefix, env)
                if not ok:
                    return _result(
                        cr,
                        res,
                        Status.NOT_APPLICABLE,
                        ev[:MAX_EVIDENCE],
                        "does not apply: " + _message(Status.FAIL, ev),
                    )
        check = cr.check
        if len(subjects) == 1:
            prefix, obj = subjects[0]
            passed, evidence = check(obj, prefix, env)
        else:
            evidence = []
            passed = True
            for prefix, obj in subjects:
                ok, ev = check(obj, prefix, env)
                if not ok:
                    if passed:
                        evidence = []
                    passed = False
                    evidence.extend(ev)
                elif passed:
                    evidence.extend(ev)
    except KnownAfterDeployment as exc:  # a function met a value a template cannot give yet
        return _result(
            cr,
            res,
            Status.NOT_APPLICABLE,
            [Evidence(exc.path, None, "known after deployment")],
            f"known only after deployment: {exc.path} ({exc.reason})",
        )
    except Exception as exc:  # noqa: BLE001 - a function that breaks must not make a PASS
        return _result(cr, res, Status.ERROR, [], f"evaluation failed: {type(exc).__name__}: {exc}")
    # the common ending, inlined (_result and _message): this runs for nearly every result
    if len(evidence) == 1:
        e = evidence[0]
        message = f"{e.path} = {e.value!r} (expected {e.expected})"
    else:
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[:MAX_EVIDENCE]
        message = _message(Status.PASS if passed else Status.FAIL, evidence)
    return _new_result(
        Result,
        (
            rule.id,
            res.id,
            res.type,
            res.name,
            res.scope,
            res.region,
            res.namespace,
            _PASS if passed else _FAIL,
            rule.severity,
            rule.controls,
            rule.measures,
            message,
            tuple(evidence),
            res.source,
            None,
            None,
        ),
    )


_PASS, _FAIL = Status.PASS, Status.FAIL


_new_result = tuple.__new__  # Result(...) without the NamedTuple constructor's extra call


def _result(
    cr: CompiledRule, res: Resource, status: Status, evidence: list[Evidence], message: str
) -> Result:
    rule = cr.rule
    return _new_result(
        Result,
        (
            rule.id,
            res.id,
            res.type,
            res.name,
            res.scope,
            res.region,
            res.namespace,
            status,
            rule.severity,
            rule.controls,
            rule.measures,
            message,
            tuple(evidence),
            res.source,
            None,
            None,
        ),
    )


def _error_result(cr: CompiledRule, rtype: str, err: CollectionError) -> Result:
    rule = cr.rule
    where = "/".join(x for x in (err.scope, err.region, err.namespace) if x)
    return Result(
        rule.id,
        f"{where or '*'}:{rtype}",
        rtype,
        f"{rtype} in {where or 'all scopes'}",
        err.scope,
        err.region,
        err.namespace,
        Status.ERROR,
        rule.severity,
        rule.controls,
        rule.measures,
        f"not collected ({err.code}): {err.reason}",
        (Evidence(err.api or rtype, None, "collected"),),
        Source(api=err.api, region=err.region),
    )
