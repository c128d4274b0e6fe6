"""Helpers for testing rules, for built-in and third-party rule packs alike.

    from bio2scan.testing import rule_case_params, assert_case

    @pytest.mark.parametrize("rule, case", rule_case_params("my_pack/rules"))
    def test_rule_cases(rule, case):
        assert_case(rule, case)

``make_inventory`` builds an in-memory inventory from plain dicts; ``run_rule`` evaluates one rule.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .engine import compile_rule, evaluate, load_rules_dir, run_case
from .engine.cases import DEFAULT_NOW
from .model import Inventory, Resource, Result, Rule, ScanMeta, Source


def rule_case_params(rules: Iterable[Rule] | str | Path) -> list[Any]:
    """``pytest.param(rule, case, id="<rule id>::<case name>")`` for every case of every rule."""
    import pytest

    if isinstance(rules, (str, Path)):
        rules = load_rules_dir(Path(rules), pack=str(rules))
    return [pytest.param(r, c, id=f"{r.id}::{c['name']}") for r in rules for c in r.tests]


def assert_case(rule: Rule, case: Mapping[str, Any]) -> None:
    outcome = run_case(rule, case)
    if not outcome.ok:
        detail = outcome.problem or (outcome.result.message if outcome.result else "")
        raise AssertionError(
            f"{rule.id} :: {case['name']}: expected {outcome.expected}, got "
            f"{outcome.actual}: {detail} [{rule.file}]"
        )


def make_inventory(
    resources: Iterable[Mapping[str, Any] | Resource], errors: Iterable[Any] = ()
) -> Inventory:
    """An inventory from ``Resource``s or dicts in the inventory document's resource form."""
    res = tuple(
        r
        if isinstance(r, Resource)
        else Resource.from_dict(
            {"name": r.get("id", ""), "scope": "test", "source": {"api": "test"}, **r}
        )
        for r in resources
    )
    now = DEFAULT_NOW.isoformat()
    return Inventory(ScanMeta("test", now, now), res, tuple(errors))


def run_rule(
    rule: Rule,
    inventory: Inventory,
    params: Mapping[str, Any] | None = None,
    now: _dt.datetime | None = None,
) -> list[Result]:
    return evaluate(inventory, [compile_rule(rule, params)], now=now or DEFAULT_NOW)


__all__ = ["DEFAULT_NOW", "Source", "assert_case", "make_inventory", "rule_case_params", "run_rule"]
