"""Coverage, pinned: how many AWS rules give a verdict (PASS or FAIL) on CloudFormation
templates. The two estates hold every AWS resource type bio2scan maps, well and badly kept; a
rule that gives no verdict on them is listed in NOT_ON_TEMPLATES with the reason
(docs/iac.md has the same table, and the figures: test_docs_state_the_measured_coverage)."""

from __future__ import annotations

from pathlib import Path

from bio2scan import api

HERE = Path(__file__).resolve().parent / "estate"
LIVE_ONLY = "live_only: a fact of the running account, decided after deployment"
LIVE_ONLY_ACCOUNT = "live_only: account-wide, and one template shows part of an account"
NOT_IN_CLOUDFORMATION = "no CloudFormation resource type sets it"
RUNTIME_ARTEFACT = "made at run time (snapshots, images), not by templates"
NO_CLOUDFORMATION_TYPE = "S3 Glacier vaults have no CloudFormation resource type"

NOT_ON_TEMPLATES = {
    "aws.acm.certificate_not_expiring": LIVE_ONLY,
    "aws.cloudtrail.delivering": LIVE_ONLY,
    "aws.config.recorder_recording": LIVE_ONLY,
    "aws.iam.access_key_rotated": LIVE_ONLY,
    "aws.iam.admin_user_mfa": LIVE_ONLY,
    "aws.iam.admin_user_phishing_resistant_mfa": LIVE_ONLY,
    "aws.iam.user_console_mfa": LIVE_ONLY,
    "aws.iam.user_unused_credentials": LIVE_ONLY,
    "aws.iam.root_mfa_enabled": LIVE_ONLY,
    "aws.iam.root_no_access_keys": LIVE_ONLY,
    "aws.iam.root_not_used_recently": LIVE_ONLY,
    "aws.secretsmanager.rotated_recently": LIVE_ONLY,
    "aws.iam.password_policy_min_length": NOT_IN_CLOUDFORMATION,
    "aws.iam.password_policy_reuse_prevention": NOT_IN_CLOUDFORMATION,
    "aws.iam.password_policy_strength": NOT_IN_CLOUDFORMATION,
    "aws.ec2.ebs_default_encryption": NOT_IN_CLOUDFORMATION,
    "aws.ec2.snapshot_block_public_access": NOT_IN_CLOUDFORMATION,
    "aws.inspector2.enabled": NOT_IN_CLOUDFORMATION,
    "aws.s3.account_public_access_block": NOT_IN_CLOUDFORMATION,
    "aws.ec2.default_sg_restricts_all": (
        "the default security group a VPC gets is not in the template (checked live)"
    ),
    "aws.cloudtrail.account_multi_region_logging": LIVE_ONLY_ACCOUNT,
    "aws.iam.security_audit_role_exists": LIVE_ONLY_ACCOUNT,
    "aws.kms.key_not_pending_deletion": LIVE_ONLY,
    "aws.ec2.image_not_public": RUNTIME_ARTEFACT,
    "aws.ec2.snapshot_encrypted": RUNTIME_ARTEFACT,
    "aws.ec2.snapshot_not_public": RUNTIME_ARTEFACT,
    "aws.rds.snapshot_encrypted": RUNTIME_ARTEFACT,
    "aws.rds.snapshot_not_public": RUNTIME_ARTEFACT,
    "aws.glacier.vault_not_public": NO_CLOUDFORMATION_TYPE,
}


def _verdicts() -> tuple[dict[str, set[str]], int]:
    rules = [r for r in api.load_rules().values() if r.provider == "aws"]
    opts = {
        "paths": [str(HERE / "parity.yaml"), str(HERE / "coverage.yaml")],
        "parameter": ["AWS::AccountId=123456789012", "AWS::Region=us-east-1"],
    }
    _, doc = api.scan("cloudformation", opts, rules=rules)
    seen: dict[str, set[str]] = {}
    for r in doc["results"]:
        seen.setdefault(r["rule_id"], set()).add(r["status"])
    return seen, len(rules)


def test_aws_rules_that_evaluate_on_cloudformation():
    seen, total = _verdicts()
    evaluated = {k for k, v in seen.items() if v & {"PASS", "FAIL"}}
    silent = {r.id for r in api.load_rules().values() if r.provider == "aws"} - evaluated
    assert silent == set(NOT_ON_TEMPLATES), silent ^ set(NOT_ON_TEMPLATES)
    assert (len(evaluated), total) == (110, 139)
    assert len(evaluated) / total >= 0.6


def test_docs_state_the_measured_coverage():
    """docs/iac.md states these figures (one line per format, beside Terraform's)."""
    seen, total = _verdicts()
    evaluated = len([k for k, v in seen.items() if v & {"PASS", "FAIL"}])
    live = len([r for r in api.load_rules().values() if r.provider == "aws" and r.live_only])
    line = (
        f"- AWS: {evaluated} of {total} rules evaluate on CloudFormation "
        f"({round(100 * evaluated / total)}%); {live} are live-only; "
        f"{total - evaluated - live} cannot be decided from a template."
    )
    text = (Path(__file__).resolve().parents[3] / "docs" / "iac.md").read_text("utf-8")
    assert line in text, f"docs/iac.md should say:\n{line}"
    # and names every rule that does not evaluate (a family as `…_reuse_prevention`)
    for rid in NOT_ON_TEMPLATES:
        short = rid.rsplit(".", 1)[1]
        assert rid in text or f"…_{short.split('_', 2)[-1]}" in text, rid


def test_live_only_rules_are_declared_so():
    rules = api.load_rules()
    for rid, why in NOT_ON_TEMPLATES.items():
        assert rules[rid].live_only is why.startswith("live_only"), rid


def test_the_estates_raise_no_error():
    seen, _ = _verdicts()
    assert not [k for k, v in seen.items() if "ERROR" in v]
