"""A rule's own test cases: each names a resource (and related resources) and the status the rule
must give it. ``bio2scan rules test`` and pytest both run them through ``run_case``."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Inventory, Resource, Result, Rule, ScanMeta, Source
from .evaluate import compile_rule, evaluate

# Test cases run at a fixed instant so that ages and expiry dates are reproducible.
DEFAULT_NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


@dataclass(frozen=True)
class CaseOutcome:
    rule_id: str
    case: str
    expected: str
    actual: str
    result: Result | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.expected == self.actual


def case_resource(rule: Rule, spec: Mapping[str, Any], default_id: str) -> Resource:
    rtype = spec.get("type") or rule.resource_types[0]
    rid = spec.get("id") or default_id
    src = spec.get("source") or {"api": "test"}
    return Resource(
        type=rtype,
        id=rid,
        name=spec.get("name", rid.rsplit("/", 1)[-1]),
        scope=spec.get("scope", "test"),
        data=spec["data"],
        source=Source.from_dict(src),
        region=spec.get("region"),
        namespace=spec.get("namespace"),
        tags=spec.get("tags", {}),
        errors=spec.get("errors", {}),
        deferred=spec.get("deferred", {}),
    )


def run_case(rule: Rule, case: Mapping[str, Any]) -> CaseOutcome:
    name = case["name"]
    subject = case_resource(rule, case["resource"], f"test/{name}")
    related = tuple(
        case_resource(rule, r, f"test/{name}/related-{i}")
        for i, r in enumerate(case.get("related", ()))
    )
    now = DEFAULT_NOW
    if case.get("now"):
        now = _dt.datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    inv = Inventory(ScanMeta("test", now.isoformat(), now.isoformat()), (subject,) + related)
    try:
        compiled = compile_rule(rule, case.get("params") or {})
        results = [r for r in evaluate(inv, [compiled], now=now) if r.resource_id == subject.id]
    except Exception as exc:  # noqa: BLE001 - reported, never raised: one bad case must not hide the others
        return CaseOutcome(
            rule.id, name, case["expect"], "EXCEPTION", None, f"{type(exc).__name__}: {exc}"
        )
    if len(results) != 1:
        return CaseOutcome(
            rule.id,
            name,
            case["expect"],
            "NONE",
            None,
            f"the rule gave {len(results)} results for the test resource "
            f"(is its type {subject.type} among the rule's resource_types?)",
        )
    res = results[0]
    return CaseOutcome(rule.id, name, case["expect"], res.status.value, res)


def run_rule_cases(rule: Rule) -> list[CaseOutcome]:
    return [run_case(rule, c) for c in rule.tests]
