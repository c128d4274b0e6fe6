"""A plan in JSON (``terraform show -json``), from a fixture written by hand after Terraform's
documented JSON output format: known values, "known after apply", joins through the
configuration's references, modules, deletions, and bad plans."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import PLANS, by_name, collect, evaluate

from bio2scan.errors import UsageError


@pytest.fixture(scope="module")
def inv():
    return collect(PLANS / "plan.json", account="123456789012")


def test_resources_from_resource_changes(inv):
    types = sorted((r.type, r.name) for r in inv.resources)
    assert types == [
        ("aws.ec2.security_group", "web"),
        ("aws.ec2.volume", "data"),
        ("aws.rds.db_instance", "zaken"),
        ("aws.s3.bucket", "logs-prod"),
    ]  # the deleted instance and the data source are not resources to check
    sg = by_name(inv, "aws.ec2.security_group")["web"]
    assert sg.id == "module.net.aws_security_group.web[0]"
    assert sg.region == "eu-west-1" and sg.scope == "123456789012"
    assert sg.source.file.endswith("plan.json")
    assert sg.data["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]


def test_unknown_values_are_deferred_and_joins_use_the_references(inv):
    bucket = by_name(inv, "aws.s3.bucket")["logs-prod"]
    # bucket = aws_s3_bucket.logs.id is unknown in the plan, the reference still joins it
    assert bucket.data["PublicAccessBlock"]["RestrictPublicBuckets"] is False
    assert bucket.data["Policy"] is None  # a computed argument nobody set is not a policy
    assert not bucket.deferred, bucket.deferred
    vol = by_name(inv, "aws.ec2.volume")["data"]
    assert "Encrypted" in vol.deferred


def test_rules_on_the_plan(inv):
    res = {(r.rule_id, r.resource_name): r for r in evaluate(inv, "aws")}
    assert res[("aws.ec2.sg_admin_ports_not_public", "web")].status.value == "FAIL"
    assert res[("aws.s3.bucket_public_access_block", "logs-prod")].status.value == "FAIL"
    vol = res[("aws.ec2.volume_encrypted", "data")]
    assert vol.status.value == "NOT_APPLICABLE"
    assert vol.message.startswith("known only after deployment")
    assert res[("aws.rds.not_publicly_accessible", "zaken")].status.value == "PASS"


def test_bad_plans(tmp_path):
    p = tmp_path / "p.json"
    p.write_text('{"format_version": "1.0", "resource_changes": [', encoding="utf-8")
    with pytest.raises(UsageError, match=r"p.json:1: not a Terraform plan"):
        collect(p)
    p.write_text(json.dumps({"format_version": "2.0", "resource_changes": []}), encoding="utf-8")
    with pytest.raises(UsageError, match=r"format_version 2\.0 is not supported"):
        collect(p)
    p.write_text(json.dumps({"values": {}}), encoding="utf-8")
    with pytest.raises(UsageError, match="not a Terraform plan"):
        collect(p)
