"""Mutation testing of a rule's own test cases: do they pin the logic of its check?

A *mutant* is the rule with one small change to its ``check`` — one element of an ``all``/``any``
dropped, one leaf negated, one path of a ``for_each``/``some`` list dropped, one ``absent:``
default flipped. A mutant *survives* when every test case of the rule still gives its expected
status: then no test case shows why that part of the check is there, and a later edit could
break it unnoticed. ``bio2scan rules test --mutate`` reports the survivors; the shipped rules
have none.

A mutant that cannot change any verdict (an *equivalent* mutant) may be declared in the rule,
with the reason, under ``check.equivalent``::

    check:
      assert: …
      equivalent:
        - {mutant: "assert.any[1]: drop", why: "…"}

A declared mutant that is not (or no longer) a survivor is reported too, so the declarations
stay true. Mutants are judged by the cases the rule itself passes: a case the rule fails would
kill every mutant and hide the survivors, so it is reported (``broken``) instead.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..model import Rule
from .cases import run_case

LEAF_KEYS = ("path", "call")


@dataclass(frozen=True, slots=True)
class Mutant:
    """One mutant of a rule's check: ``id`` is ``"<where>: <kind>"`` (``assert.all[1]: drop``)."""

    where: str
    kind: str
    check: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.where}: {self.kind}"


@dataclass(frozen=True, slots=True)
class MutationReport:
    rule_id: str
    file: str | None
    mutants: int
    survivors: tuple[Mutant, ...]
    equivalent: tuple[tuple[Mutant, str], ...]  # survivors declared equivalent, with the reason
    stale: tuple[str, ...]  # declared equivalent, but killed by a test case (or no such mutant)
    broken: tuple[str, ...] = ()  # cases the rule itself fails: "case: expected X, got Y"


def _at(root: Any, steps: tuple[Any, ...]) -> Any:
    for s in steps:
        root = root[s]
    return root


def _show(steps: tuple[Any, ...]) -> str:
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else str(s))
    return out


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and any(k in node for k in LEAF_KEYS) and "for_each" not in node


def _sites(node: Any, steps: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """``(kind, steps, detail)`` of every mutation site in a condition."""
    if not isinstance(node, dict):
        return
    for op in ("all", "any"):
        items = node.get(op)
        if isinstance(items, list):
            if len(items) >= 2:
                for i in range(len(items)):
                    yield "drop", (*steps, op, i), None
            for i, c in enumerate(items):
                yield from _sites(c, (*steps, op, i))
    if "not" in node:
        yield from _sites(node["not"], (*steps, "not"))
    for key in ("for_each", "some"):
        if key in node:
            paths = node[key]
            if isinstance(paths, list):
                if len(paths) >= 2:
                    for i in range(len(paths)):
                        yield "drop", (*steps, key, i), None
                for i, p in enumerate(paths):
                    if isinstance(p, dict) and "absent" in p:
                        yield "flip", (*steps, key, i), key
            elif isinstance(paths, dict) and "absent" in paths:
                yield "flip", (*steps, key), key
            for sub in ("where", "assert"):
                if sub in node:
                    yield from _sites(node[sub], (*steps, sub))
    if _is_leaf(node):
        yield "negate", steps, None
        if "absent" in node:
            yield "flip", steps, "leaf"


def _flipped(spec: Any, where: str, leaf: Any, params: Mapping[str, Any]) -> Any:
    """The opposite ``absent:`` default: pass ↔ fail; ``empty``/``default`` become the outcome
    opposite to the one they give (for a leaf: evaluated on an absent value)."""
    if spec == "pass":
        return "fail"
    if spec == "fail":
        return "pass"
    if where == "for_each":  # an empty list makes for_each hold: the opposite is fail
        return "fail"
    if where == "some":  # and makes some not hold
        return "pass"
    from .conditions import compile_condition

    ok, _ = compile_condition(dict(leaf), dict(params), "probe")({}, "", None)
    return "pass" if ok is False else "fail"


def mutants(check: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> list[Mutant]:
    """Every mutant of a check (its ``applies_if`` and its ``assert``); ``params`` are the
    rule's parameter values (to find what an ``absent`` default amounts to)."""
    params = params or {}
    out: list[Mutant] = []
    for part in ("applies_if", "assert"):
        if part not in check:
            continue
        for kind, steps, detail in _sites(check[part], (part,)):
            m = copy.deepcopy(dict(check))
            m.pop("equivalent", None)
            parent, last = _at(m, steps[:-1]), steps[-1]
            if kind == "drop":
                del parent[last]
            elif kind == "negate":
                parent[last] = {"not": parent[last]}
            else:
                target = parent[last]
                kind_of = "leaf" if detail == "leaf" else str(detail)
                target["absent"] = _flipped(target["absent"], kind_of, target, params)
            out.append(Mutant(_show(steps), kind, m))
    return out


def _survives(rule: Rule, mutant: Mutant, cases: list[Mapping[str, Any]]) -> bool:
    mutated = replace(rule, check=mutant.check)
    return all(run_case(mutated, case).ok for case in cases)


def declared_equivalent(rule: Rule) -> dict[str, str]:
    """``{mutant id: reason}`` of the rule's ``check.equivalent`` declarations."""
    out: dict[str, str] = {}
    for item in rule.check.get("equivalent") or ():
        if isinstance(item, dict) and "mutant" in item:
            out[str(item["mutant"])] = str(item.get("why", ""))
    return out


def mutate_rule(rule: Rule) -> MutationReport:
    """Run every mutant of ``rule`` against the rule's own test cases."""
    declared = declared_equivalent(rule)
    all_mutants = mutants(rule.check, {n: p.default for n, p in rule.params.items()})
    outcomes = [(case, run_case(rule, case)) for case in rule.tests]
    passing = [case for case, o in outcomes if o.ok]
    broken = tuple(
        f"{o.case}: expected {o.expected}, got {o.actual}" for _, o in outcomes if not o.ok
    )
    survivors: list[Mutant] = []
    equivalent: list[tuple[Mutant, str]] = []
    for m in all_mutants:
        if not _survives(rule, m, passing):
            continue
        if m.id in declared:
            equivalent.append((m, declared[m.id]))
        else:
            survivors.append(m)
    seen = {m.id for m, _ in equivalent}
    stale = tuple(k for k in declared if k not in seen)
    return MutationReport(
        rule.id, rule.file, len(all_mutants), tuple(survivors), tuple(equivalent), stale, broken
    )
