"""Coverage, pinned: how many Azure rules give a verdict (PASS or FAIL) on ARM templates. The
estates (parity, coverage, subscription) hold every Azure resource type a template can
define, well and badly kept; a rule that gives no verdict on them is listed in NOT_ON_TEMPLATES
with the reason (docs/iac.md has the same table)."""

from __future__ import annotations

from pathlib import Path

from deployed import LOCATION, RG, SUB

from bio2scan import api

HERE = Path(__file__).resolve().parent / "estate"

ENTRA = "Entra ID: tenant objects read through Microsoft Graph; no ARM template deploys them"
NOT_ON_TEMPLATES = {
    "azure.iam.classic_administrators": "classic administrators exist only in the live subscription",
    "azure.iam.owner_count_max": "needs the subscription record and all its role assignments",
    "azure.iam.owner_count_min": "needs the subscription record and all its role assignments",
    **{r.id: ENTRA for r in api.load_rules().values() if r.id.startswith("azure.entra.")},
}


def _verdicts() -> tuple[dict[str, set[str]], int]:
    rules = [r for r in api.load_rules().values() if r.provider == "azure"]
    opts = {
        "paths": [str(HERE / f) for f in ("parity.json", "coverage.json", "subscription.json")],
        "parameters": [str(HERE / "parity.parameters.json")],
        "subscription": SUB,
        "resource_group": RG,
        "location": LOCATION,
    }
    _, doc = api.scan("arm", opts, rules=rules)
    seen: dict[str, set[str]] = {}
    for r in doc["results"]:
        seen.setdefault(r["rule_id"], set()).add(r["status"])
    return seen, len(rules)


def test_azure_rules_that_evaluate_on_arm_templates():
    seen, total = _verdicts()
    evaluated = {k for k, v in seen.items() if v & {"PASS", "FAIL"}}
    silent = {r.id for r in api.load_rules().values() if r.provider == "azure"} - evaluated
    assert silent == set(NOT_ON_TEMPLATES), silent ^ set(NOT_ON_TEMPLATES)
    assert (len(evaluated), total) == (79, 114)
    assert len([k for k in NOT_ON_TEMPLATES if k.startswith("azure.entra.")]) == 32
    assert len(evaluated) / total >= 0.6


def test_the_estates_raise_no_error():
    seen, _ = _verdicts()
    assert not [k for k, v in seen.items() if "ERROR" in v]


def test_docs_state_the_measured_coverage():
    """docs/iac.md states these figures (one line per format, beside Terraform's)."""
    seen, total = _verdicts()
    evaluated = len([k for k, v in seen.items() if v & {"PASS", "FAIL"}])
    live = len([r for r in api.load_rules().values() if r.provider == "azure" and r.live_only])
    line = (
        f"- Azure: {evaluated} of {total} rules evaluate on ARM templates "
        f"({round(100 * evaluated / total)}%); {live} are live-only; "
        f"{total - evaluated - live} cannot be decided from a template."
    )
    text = (Path(__file__).resolve().parents[3] / "docs" / "iac.md").read_text("utf-8")
    assert line in text, f"docs/iac.md should say:\n{line}"
    for rid in NOT_ON_TEMPLATES:
        if not rid.startswith("azure.entra."):
            assert rid in text, rid
