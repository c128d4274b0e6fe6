"""Rules × resources → results. Pure: no I/O; the clock comes in as an argument.

Each rule is compiled once (``compile_rule``) with its parameters fixed; evaluating it on one
resource is then one call of a closure. A rule's ``check`` is::

    subject: NAME        # optional extractor function: what to look at instead of the data
    applies_if: COND     # optional: when false the result is NOT_APPLICABLE
    assert: COND         # must hold for PASS

Conditions are three-valued (``conditions.py``, ``docs/rule-language.md``). The verdict on one
resource: ``assert`` true → PASS, false → FAIL, unknown → ERROR naming the path that was absent,
of the wrong kind or unreadable — or NOT_APPLICABLE "known only after deployment" when every
unknown is a deferred value (``Resource.deferred``), the one documented exception. ``applies_if``
false → NOT_APPLICABLE; unknown → the verdict of ``not applies_if or assert`` (Kleene). Also
NOT_APPLICABLE: live-only rules on manifests, and an extractor that finds nothing to check.
A collection error for the rule's type and scope gives one ERROR result per rule. A function that
raises gives ERROR. Never PASS without having looked.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import (
    Evidence,
    Inventory,
    Resource,
    Result,
    Rule,
    Status,
    rule_result,
)
from . import split as _split
from .conditions import ConditionError, Node, compile_condition
from .env import Env, Index
from .functions import REGISTRY, Function, KnownAfterDeployment, load_builtin_functions
from .reads import Deferred, Unknown, bind_related, check_reads, read_check
from .truth import resolve_params
from .unread import ErrorEntry, error_entries, error_result

MAX_EVIDENCE = 20


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    params: Mapping[str, Any]
    subject: Function | None
    applies_if: Node | None
    check: Node
    needs: frozenset[str]

    @property
    def id(self) -> str:
        return self.rule.id


def functions_used(check: Mapping[str, Any]) -> list[Function]:
    """The registered functions a check calls (its extractor first), in order, once each."""
    load_builtin_functions()
    names: dict[str, None] = {}
    if isinstance(check.get("subject"), str):
        names[check["subject"]] = None

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("call"), str):
                names[node["call"]] = None
            for k, v in node.items():
                if k != "args":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(check.get("applies_if"))
    walk(check.get("assert"))
    return [REGISTRY[n] for n in names if n in REGISTRY]


def needed_types(
    check: Mapping[str, Any], params: Mapping[str, Any] | None = None
) -> frozenset[str]:
    """The related resource types that the functions a check calls declare, with their
    arguments filled in: what the collectors must fetch for the rule (its ``needs``)."""
    load_builtin_functions()
    out: set[str] = set()
    extractor = REGISTRY.get(check.get("subject") or "")
    if extractor is not None:
        out.update(r.type for r in extractor.related)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            f = REGISTRY.get(node["call"]) if isinstance(node.get("call"), str) else None
            if f is not None:
                try:
                    args = resolve_params(node.get("args") or {}, dict(params or {}), "args")
                    bound = {**f.defaults(), **(args if isinstance(args, dict) else {})}
                    out.update(r.type for r in bind_related(f.related, bound))
                except ValueError:  # reported when the condition is compiled
                    pass
            for k, v in node.items():
                if k != "args":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(check.get("applies_if"))
    walk(check.get("assert"))
    return frozenset(out)


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
        subject = REGISTRY.get(check["subject"])
        if subject is None or subject.kind != "extractor":
            raise ConditionError(f"unknown extractor {check['subject']!r}", "check.subject")
    applies = (
        compile_condition(check["applies_if"], params, "check.applies_if")
        if "applies_if" in check
        else None
    )
    if "assert" not in check:
        raise ConditionError("'check' needs 'assert'", "check")
    node = compile_condition(check["assert"], params, "check.assert")
    needs = needed_types(check, params) | frozenset(rule.needs)
    return CompiledRule(rule, params, subject, applies, node, needs)


def _message(status: Status, evidence: list[Evidence]) -> str:
    if not evidence:
        return "no values to check" if status is Status.PASS else status.value
    if len(evidence) == 1:
        e = evidence[0]
        return f"{e.path} = {e.value!r} (expected {e.expected})"
    shown = "; ".join([f"{e.path} = {e.value!r} (expected {e.expected})" for e in evidence[:3]])
    return shown + (f" and {len(evidence) - 3} more" if len(evidence) > 3 else "")


_LATER = "is known only after deployment: "


def _why_later(expected: str) -> str:
    return expected[len(_LATER) :] if expected.startswith(_LATER) else expected


def _unknown_message(evidence: list[Evidence]) -> tuple[Status, str, list[Evidence]]:
    """The status and message of an unknown verdict: NOT_APPLICABLE when only deferred values
    stood in the way, ERROR otherwise (the unknowns that are not deferred come first)."""
    seen: dict[tuple[str, str], Evidence] = {}
    for e in evidence:
        seen.setdefault((e.path, e.expected), e)
    unique = list(seen.values())
    hard = [e for e in unique if not isinstance(e, Deferred)]
    if not unique:
        return Status.ERROR, "cannot decide (no evidence of why)", []
    if not hard:
        text = "; ".join(f"{e.path} ({_why_later(e.expected)})" for e in unique[:3])
        more = f" and {len(unique) - 3} more" if len(unique) > 3 else ""
        return Status.NOT_APPLICABLE, f"known only after deployment: {text}{more}", unique
    text = "; ".join(f"{e.path} {e.expected}" for e in hard[:3])
    more = f" and {len(hard) - 3} more" if len(hard) > 3 else ""
    return Status.ERROR, f"cannot decide: {text}{more}", hard


def evaluate(
    inventory: Inventory,
    rules: Iterable[CompiledRule],
    now: _dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    split: bool = False,
    released: Callable[[], object] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Result]:
    """Every rule on every resource of its types, plus ERROR results for what was not collected.

    Results come rule by rule, each rule's in the order of its ``resource_types`` and of the
    inventory. Internally the loop runs per resource type and resource, so that an extractor
    (``subject: pod_spec``) shared by many rules runs once per resource, not once per rule.
    ``progress`` (optional) is told the number of rule evaluations done after each resource.
    ``split=True``: a forked child takes units of the work from the back while this process
    takes them from the front (``split.py``; POSIX only, else ignored; ``split.wanted`` says
    when it pays). The results are the same either way. ``released`` (optional) is called once
    the evaluation needs only this process: at once without a child, else when the child has
    exited (the results it sent are then appended here) — a caller may start work for the
    other CPU then. ``meanwhile`` (optional) is called once by this process while the child
    evaluates (the child then takes more of the work), or before evaluating without a child:
    work of the caller's that does not depend on the results."""
    index = Index(inventory)
    env = Env(index, now or _dt.datetime.now(_dt.UTC))
    rules = list(rules)
    by_type: dict[str, list[tuple[int, CompiledRule]]] = {}
    for n, cr in enumerate(rules):
        for rtype in dict.fromkeys(cr.rule.resource_types):
            by_type.setdefault(rtype, []).append((n, cr))
    out: dict[tuple[int, str], list[Result]] = {}
    errors = list(dict.fromkeys(index.errors))  # the same error recorded twice is one
    plan: list[_split.Part] = []
    for rtype, group in by_type.items():
        lists = [out.setdefault((n, rtype), []) for n, _ in group]
        plan.append(([cr for _, cr in group], lists, index.by_type.get(rtype, ())))
    if not (
        split
        and _split.can_fork()
        and _split.evaluate(plan, env, _run, progress, released, meanwhile)
    ):
        if meanwhile is not None:
            meanwhile()
        if released is not None:
            released()
        for crs, lists, resources in plan:
            _run(crs, [lst.append for lst in lists], resources, env, progress)
    # per (provider, resource type): the ERROR results its errors ("*": of every type) give
    entries: dict[tuple[str, str], list[ErrorEntry]] = {}
    for (rtype, group), (_, lists, _) in zip(by_type.items(), plan):
        for (_, cr), lst in zip(group, lists):
            provider = cr.rule.provider
            found = entries.get((provider, rtype))
            if found is None:
                mine = [
                    e for e in errors if e.provider == provider and e.resource_type in (rtype, "*")
                ]
                found = entries[(provider, rtype)] = error_entries(mine, rtype)
            lst.extend(error_result(cr.rule, rtype, *entry) for entry in found)
    results: list[Result] = []
    for n, cr in enumerate(rules):
        for rtype in dict.fromkeys(cr.rule.resource_types):
            results.extend(out.get((n, rtype), ()))
    return results


def _run(
    crs: list[CompiledRule],
    appends: list[Callable[[Result], None]],
    resources: Iterable[Resource],
    env: Env,
    progress: Callable[[int], None] | None,
) -> None:
    """Every rule of ``crs`` (one resource type) on each of ``resources``, in order; each
    rule's results to its ``appends`` entry."""
    # per rule: its extractor's name (None: the subject is the resource's data)
    plan = [
        (cr, append, cr.subject.name if cr.subject is not None else None)
        for cr, append in zip(crs, appends)
    ]
    extractors = {cr.subject.name: cr.subject for cr in crs if cr.subject is not None}
    n = len(plan)
    for res in resources:
        if progress is not None:
            progress(n)
        env.enter(res)
        subjects: dict[str | None, Any] = {
            name: _extract(f, res, env) for name, f in extractors.items()
        }
        subjects[None] = [("", res.data)]  # what _subjects gives a rule without an extractor
        for cr, append, name in plan:
            append(evaluate_one(cr, res, env, subjects[name]))


def relevant_rules(
    rules: Iterable[Rule], inventory: Inventory, overrides: Mapping[str, Any] | None = None
) -> list[Rule]:
    """The rules that can give a result on ``inventory``: those with resources of their types or
    a collection error that reaches them (``engine.evaluate``: the error's type, or ``*`` of the
    rule's provider; see ``evaluate``). The others give no result, so their checks are not compiled (a manifest
    scan does not compile the AWS rules) — except a rule with an override, so that an override
    that breaks its check is still reported."""
    present = {r.type for r in inventory.resources}
    errors = {(e.resource_type, e.provider) for e in inventory.errors}
    out = []
    for r in rules:
        types = set(r.resource_types)
        if (
            (overrides and r.id in overrides)
            or not types.isdisjoint(present)
            or any(t in types or (t == "*" and p == r.provider) for t, p in errors)
        ):
            out.append(r)
    return out


_NO_SUBJECT: Any = object()


class _Raised:
    """An extractor that raised: every rule using it on the resource gets ``_failed``'s result.
    The exception is kept without its traceback and never raised again: raised once per rule,
    it would gather each raise's frames, which hold this object — a cycle per rule and
    resource (2,000 workloads without a pod spec left 115,007 objects, 104,002 of them
    frames, to the cyclic collector)."""

    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc.with_traceback(None)


def _failed(cr: CompiledRule, res: Resource, exc: Exception) -> Result:
    """The result of a rule whose evaluation raised ``exc``: NOT_APPLICABLE when a function met
    a value a template cannot give yet, else ERROR (a function that breaks never makes a
    PASS)."""
    if isinstance(exc, KnownAfterDeployment):
        return _result(
            cr,
            res,
            Status.NOT_APPLICABLE,
            [Evidence(exc.path, None, "known after deployment")],
            f"known only after deployment: {exc.path} ({exc.reason})",
        )
    return _result(cr, res, Status.ERROR, [], f"evaluation failed: {type(exc).__name__}: {exc}")


class _Undecided:
    """An extractor that could not run: its declared reads were unknown (evidence)."""

    __slots__ = ("evidence",)

    def __init__(self, evidence: list[Evidence]) -> None:
        self.evidence = evidence


def _extract(f: Function, res: Resource, env: Env) -> Any:
    """The extractor's subjects for ``res``; ``_Undecided`` when what it reads is unreadable,
    deferred or of the wrong kind; ``_Raised`` when it raised (ERROR for each rule using it)."""
    if env.blocked is not None:
        # an extractor only locates its subjects: a part of a subject is the rules' business
        hits = [h for r in f.reads for h in env.blocked.hits(r.path, f.name, descendants=False)]
        if hits:
            return _Undecided(hits)
    if not _read_check(f)(res.data, res.data, None):
        return _Undecided(check_reads(f.reads, res.data, "", res.data, f.name))
    try:
        found = f.fn(res)
    except Exception as exc:  # noqa: BLE001 - turned into ERROR results
        return _Raised(exc)
    test = f.yields_test
    if found and test is not None:
        wrong: list[Evidence] = [
            Unknown(p, None, f"is a {type(obj).__name__}, not a {f.yields} (needed: {f.name})")
            for p, obj in found
            if not test(obj)
        ]
        if wrong:
            return _Undecided(wrong)
    return found


_CHECKS: dict[str, Callable[[Any, Any, Any], bool]] = {}


def _read_check(f: Function) -> Callable[[Any, Any, Any], bool]:
    check = _CHECKS.get(f.name)
    if check is None:
        check = _CHECKS[f.name] = read_check(f.groups)
    return check


def _subjects(cr: CompiledRule, res: Resource, env: Env, subjects: Any) -> Any:
    if subjects is _NO_SUBJECT:
        if cr.subject is None:
            return [("", res.data)]
        subjects = _extract(cr.subject, res, env)
    return subjects


def evaluate_one(cr: CompiledRule, res: Resource, env: Env, subjects: Any = _NO_SUBJECT) -> Result:
    """One rule on one resource. ``subjects`` is the rule's extractor output when the caller
    already has it (``evaluate`` shares it between the rules that use the same extractor)."""
    rule = cr.rule
    if env.resource is not res:
        env.enter(res)
    if rule.live_only and res.source.file is not None:
        return _result(
            cr,
            res,
            Status.NOT_APPLICABLE,
            [],
            "evaluated on live data only; a manifest cannot show this",
        )
    try:
        if subjects is _NO_SUBJECT or type(subjects) is not list:
            subjects = _subjects(cr, res, env, subjects)
            if type(subjects) is _Raised:  # (returned, not raised again: see _Raised)
                return _failed(cr, res, subjects.exc)
            if type(subjects) is _Undecided:
                status, message, ev = _unknown_message(subjects.evidence)
                return _result(cr, res, status, ev[:MAX_EVIDENCE], message)
        if not subjects:
            return _result(cr, res, Status.NOT_APPLICABLE, [], "nothing to check on this kind")
        check = cr.check
        applies = cr.applies_if
        if len(subjects) == 1:  # the usual case, without the lists of _over_subjects
            prefix, obj = subjects[0]
            if applies is None:
                passed, evidence = check(obj, prefix, env)
            else:
                a, aev = applies(obj, prefix, env)
                if a is False:
                    return _result(
                        cr,
                        res,
                        Status.NOT_APPLICABLE,
                        aev[:MAX_EVIDENCE],
                        "does not apply: " + _message(Status.FAIL, aev),
                    )
                passed, evidence = check(obj, prefix, env)
                if a is None and passed is not True:  # not applies_if or assert, Kleene
                    # unknown either way; what the check could not read counts too (an
                    # unreadable firewall is ERROR even where applicability waits for deployment)
                    passed, evidence = None, aev + evidence if passed is None else aev
        else:
            passed, evidence = _over_subjects(cr, subjects, env)
            if passed is _NOT_APPLICABLE:
                return _result(
                    cr,
                    res,
                    Status.NOT_APPLICABLE,
                    evidence[:MAX_EVIDENCE],
                    "does not apply: " + _message(Status.FAIL, evidence),
                )
    except Exception as exc:  # noqa: BLE001 - a function that breaks must not make a PASS
        return _failed(cr, res, exc)
    if passed is None:
        status, message, evidence = _unknown_message(evidence)
        return _result(cr, res, status, evidence[:MAX_EVIDENCE], message)
    # the common ending, inlined (_result, model.rule_result and _message): this runs for
    # nearly every result, and a call per result is measurable
    if len(evidence) == 1:
        e = evidence[0]
        message = f"{e.path} = {e.value!r} (expected {e.expected})"
    else:
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[:MAX_EVIDENCE]
        message = _message(_PASS if passed else _FAIL, evidence)
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


_NOT_APPLICABLE: Any = object()


def _over_subjects(
    cr: CompiledRule, subjects: list[tuple[str, Any]], env: Env
) -> tuple[Any, list[Evidence]]:
    """The verdict over several subjects (or one with ``applies_if``): per subject, ``not
    applies_if or assert``; all of them together (Kleene's ``and``). ``_NOT_APPLICABLE`` when
    ``applies_if`` is false for every subject."""
    good: list[Evidence] = []
    bad: list[Evidence] = []
    unknown: list[Evidence] = []
    skipped: list[Evidence] = []
    applied = failed = undecided = False
    for prefix, obj in subjects:
        a: bool | None = True
        if cr.applies_if is not None:
            a, aev = cr.applies_if(obj, prefix, env)
            if a is False:
                skipped += aev
                continue
        applied = True
        ok, ev = cr.check(obj, prefix, env)
        if ok is True:
            good += ev
        elif a is None:
            undecided = True
            unknown += aev
            if ok is None:
                unknown += ev
        elif ok is False:
            failed = True
            bad += ev
        else:
            undecided = True
            unknown += ev
    if not applied:
        return _NOT_APPLICABLE, skipped
    if failed:
        return False, bad
    if undecided:
        return None, unknown
    return True, good


_PASS, _FAIL = Status.PASS, Status.FAIL


_new_result = tuple.__new__  # Result(...) without the NamedTuple constructor's extra call


def _result(
    cr: CompiledRule, res: Resource, status: Status, evidence: list[Evidence], message: str
) -> Result:
    return rule_result(cr.rule, res, status, message, tuple(evidence))
