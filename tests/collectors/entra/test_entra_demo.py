"""The demo tenant: collected without errors, and its report gives Entra evidence for 5.17.01
(MFA) and 5.18.01 (alerting on privileged-account changes), both PASS and FAIL."""

from __future__ import annotations

import sys
from pathlib import Path

from bio2scan import api

DEMO = Path(__file__).resolve().parents[3] / "demo"


def test_demo_tenant_gives_entra_evidence_for_mfa_and_role_changes(all_rules, monkeypatch):
    monkeypatch.syspath_prepend(str(DEMO))
    import entra_estate

    rules = [r for r in all_rules.values() if r.id.startswith("azure.entra.")]
    inv = entra_estate.collect(rules)
    assert inv.errors == ()
    doc = api.assess(inv, rules)
    for measure in ("5.17.01", "5.18.01"):
        statuses = {r["status"] for r in doc["results"] if measure in r["measures"]}
        assert {"PASS", "FAIL"} <= statuses, measure
    seen = {r["rule_id"] for r in doc["results"]}
    assert seen == {r.id for r in rules}
    sys.modules.pop("entra_estate", None)
