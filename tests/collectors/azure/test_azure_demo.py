"""The demo estate: every Azure rule whose types the estate holds gives both a PASS and a FAIL
somewhere, and the one refused read shows as ERROR, not as PASS."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from bio2scan import api

DEMO = Path(__file__).resolve().parents[3] / "demo"


def test_demo_estate_exercises_the_rules(all_rules, monkeypatch):
    monkeypatch.syspath_prepend(str(DEMO))
    import azure_estate

    rules = [r for r in all_rules.values() if r.provider == "azure"]
    inv = azure_estate.collect(rules)
    assert inv.errors == ()
    assert {r.scope for r in inv.resources} == {
        "6b1f0d52-3c8e-4a17-9d2b-81e5c4a7f013",
        "c4d9e2a1-7f36-4b80-a5c1-2e9b6d3f8a47",
    }
    doc = api.assess(inv, rules)
    seen = defaultdict(set)
    for r in doc["results"]:
        seen[r["rule_id"]].add(r["status"])
    present = {r.type for r in inv.resources}
    for rule in rules:
        if not set(rule.resource_types) & present:
            continue
        assert rule.id in seen, rule.id
    errors = [r for r in doc["results"] if r["status"] == "ERROR"]
    assert [(r["rule_id"], r["resource_name"]) for r in errors] == [
        ("azure.keyvault.secret_expiry", "kv-bz-test")
    ]
    both = [rid for rid, st in seen.items() if {"PASS", "FAIL"} <= st]
    assert len(both) >= 60
    sys.modules.pop("azure_estate", None)
