"""Small builders for engine tests: a rule from a check, an inventory from data, one evaluation."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from bio2scan.engine import compile_rule, evaluate
from bio2scan.engine.conditions import compile_condition
from bio2scan.model import (
    CollectionError,
    Inventory,
    Param,
    Resource,
    Rule,
    ScanMeta,
    Severity,
    Source,
)

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
TEXT = {"en": "text", "nl": "tekst"}


def rule(
    check: Mapping[str, Any],
    *,
    rid: str = "test.svc.rule",
    types=("test.svc.thing",),
    params: Mapping[str, tuple[Any, str]] | None = None,
    live_only: bool = False,
    severity: str = "high",
) -> Rule:
    ps = {n: Param(n, d, t, TEXT) for n, (d, t) in (params or {}).items()}
    return Rule(
        id=rid,
        title=TEXT,
        rationale=TEXT,
        remediation=TEXT,
        severity=Severity(severity),
        resource_types=tuple(types),
        controls=("8.9",),
        params=ps,
        check=check,
        live_only=live_only,
    )


def resource(
    data: Any,
    *,
    rid: str = "r1",
    rtype: str = "test.svc.thing",
    scope: str = "acct",
    errors: Mapping[str, str] | None = None,
    source: Source | None = None,
    region: str | None = None,
) -> Resource:
    return Resource(
        type=rtype,
        id=rid,
        name=rid,
        scope=scope,
        data=data,
        source=source or Source(api="test"),
        region=region,
        errors=errors or {},
    )


def inventory(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    return Inventory(ScanMeta("test", NOW.isoformat(), NOW.isoformat()), resources, errors)


def run(check: Mapping[str, Any], *resources: Resource, overrides=None, **kw: Any):
    """Evaluate one rule with ``check`` over ``resources``; return the results."""
    r = rule(check, **kw)
    return evaluate(inventory(*resources), [compile_rule(r, overrides)], now=NOW)


def cond(condition: Any, data: Any, params: dict | None = None, prefix: str = ""):
    """``(ok, evidence)`` of one compiled condition on ``data``."""
    return compile_condition(condition, params or {})(data, prefix, None)
