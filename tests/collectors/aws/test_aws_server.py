"""End to end: the real CLI against one moto_server over HTTP (``AWS_ENDPOINT_URL``), two
accounts through sts:AssumeRole, two regions; and a proxy in front of it that denies or
throttles one service, which must give ERROR with the reason and a finished scan (exit 3 with
--fail-on-error)."""

from __future__ import annotations

import gzip
import json

import pytest
from clirun import run_cli

from bio2scan import api

pytestmark = pytest.mark.slow

REGIONS = ["eu-west-1", "eu-central-1"]
ACCOUNTS = ["123456789012", "111111111111"]
RULES = "aws.s3.*,aws.kms.*,aws.sqs.*"


def _seed(url: str) -> None:
    import boto3

    base = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGIONS[0]
    )
    for acct in ACCOUNTS:
        c = base.client("sts", endpoint_url=url).assume_role(
            RoleArn=f"arn:aws:iam::{acct}:role/audit", RoleSessionName="seed"
        )["Credentials"]
        s = boto3.Session(
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        s.client("s3", endpoint_url=url, region_name=REGIONS[0]).create_bucket(
            Bucket=f"data-{acct}", CreateBucketConfiguration={"LocationConstraint": REGIONS[0]}
        )
        for region in REGIONS:
            s.client("kms", endpoint_url=url, region_name=region).create_key(Description="k")
            s.client("sqs", endpoint_url=url, region_name=region).create_queue(
                QueueName=f"q-{region}"
            )


@pytest.fixture(scope="module")
def aws_server():
    from stubs.aws import AwsProxy, MotoServer

    with MotoServer() as moto, AwsProxy(moto.url) as proxy:
        _seed(moto.url)
        yield proxy


def _env(proxy) -> dict[str, str]:
    from stubs.aws import MOTO_ENV

    return dict(MOTO_ENV, AWS_ENDPOINT_URL=proxy.url, BIO2SCAN_AWS_MAX_ATTEMPTS="2")


def _scan(proxy, tmp_path, *extra: str):
    out = tmp_path / "out"
    proc = run_cli(
        "scan",
        "aws",
        "--regions",
        ",".join(REGIONS),
        "--rules",
        RULES,
        "--format",
        "json",
        "-o",
        str(out),
        "--quiet",
        *extra,
        env=_env(proxy),
    )
    doc = api.load_results(out / "results.json") if (out / "results.json").exists() else None
    inv = (
        json.loads(gzip.decompress((out / "inventory.json.gz").read_bytes()))
        if (out / "inventory.json.gz").exists()
        else None
    )
    return proc, doc, inv


def test_two_accounts_two_regions(aws_server, tmp_path):
    proc, doc, inv = _scan(
        aws_server,
        tmp_path,
        "--assume-role",
        "audit",
        "--accounts",
        ",".join(ACCOUNTS),
        "--fail-on-error",
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    scopes = {(r["type"], r["scope"], r.get("region")) for r in inv["resources"]}
    for acct in ACCOUNTS:
        assert ("aws.s3.bucket", acct, "eu-west-1") in scopes
        for region in REGIONS:
            assert ("aws.sqs.queue", acct, region) in scopes
            assert ("aws.kms.key", acct, region) in scopes
    assert inv["errors"] == []
    calls = inv["meta"]["api_calls"]
    assert calls["sts:AssumeRole"] == 2 and calls["s3:ListBuckets"] == 2
    assert calls["sqs:ListQueues"] == 4 and "ec2:DescribeRegions" not in calls
    assert not any(c.startswith(("iam:", "ec2:", "lambda:")) for c in calls)
    statuses = {r["status"] for r in doc["results"]}
    assert "ERROR" not in statuses and {"PASS", "FAIL"} <= statuses
    assert inv["meta"]["targets"][0]["options"].get("external_id") is None


def test_access_denied_for_one_service(aws_server, tmp_path):
    aws_server.deny = {"kms"}
    try:
        proc, doc, inv = _scan(aws_server, tmp_path, "--fail-on-error")
    finally:
        aws_server.deny = set()
    assert proc.returncode == 3, proc.stderr.decode()
    kms = [r for r in doc["results"] if r["rule_id"].startswith("aws.kms.")]
    assert kms and {r["status"] for r in kms} == {"ERROR"}
    assert all("AccessDenied" in r["message"] for r in kms)
    errs = [e for e in inv["errors"] if e["resource_type"] == "aws.kms.key"]
    assert {e["region"] for e in errs} == set(REGIONS)
    assert all(
        e["code"] == "AccessDenied" and e["api"] == "kms:ListKeys" and e["scope"] == ACCOUNTS[0]
        for e in errs
    )
    others = [r for r in doc["results"] if r["rule_id"].startswith(("aws.s3.", "aws.sqs."))]
    assert others and "ERROR" not in {r["status"] for r in others}  # the scan went on


def test_throttling_after_retries(aws_server, tmp_path):
    aws_server.throttle = {"sqs"}
    before = aws_server.requests["sqs"]
    try:
        proc, doc, inv = _scan(aws_server, tmp_path, "--fail-on-error")
    finally:
        aws_server.throttle = set()
    assert proc.returncode == 3, proc.stderr.decode()
    errs = [e for e in inv["errors"] if e["resource_type"] == "aws.sqs.queue"]
    assert errs and all(e["code"] == "Throttled" for e in errs)
    # botocore reads retries.max_attempts as retries after the first request: 1 + 2 each
    assert aws_server.requests["sqs"] - before == 3 * len(REGIONS)
    sqs = [r for r in doc["results"] if r["rule_id"].startswith("aws.sqs.")]
    assert sqs and {r["status"] for r in sqs} == {"ERROR"}


def test_unknown_profile_is_an_error_not_a_crash(aws_server, tmp_path):
    proc, _doc, inv = _scan(aws_server, tmp_path, "--profile", "no-such-profile", "--fail-on-error")
    assert proc.returncode == 3, proc.stderr.decode()
    assert inv["errors"][0]["resource_type"] == "*"
    assert "no-such-profile" in inv["errors"][0]["reason"]


def test_permissions_command():
    proc = run_cli("permissions", "aws", "--rules", "aws.s3.*")
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    policy = json.loads(text[text.index("{") :])
    actions = policy["Statement"][0]["Action"]
    assert "s3:GetEncryptionConfiguration" in actions
    assert not any(a.startswith("kms:") for a in actions)


def test_timeout_is_recorded(aws_server, monkeypatch):
    """An answer later than the read timeout: a Timeout error for that service, the rest read."""
    from bio2scan.collectors.aws import AwsCollector
    from bio2scan.collectors.base import CollectRequest

    for k, v in dict(
        _env(aws_server), BIO2SCAN_AWS_READ_TIMEOUT="0.5", BIO2SCAN_AWS_MAX_ATTEMPTS="1"
    ).items():
        monkeypatch.setenv(k, v)
    aws_server.stall, aws_server.stall_s = {"sqs"}, 1.5
    try:
        inv = AwsCollector().collect(
            CollectRequest(
                options={"regions": REGIONS[:1]},
                resource_types=frozenset({"aws.sqs.queue", "aws.kms.key"}),
            )
        )
    finally:
        aws_server.stall = set()
    assert [(e.resource_type, e.code, e.api) for e in inv.errors] == [
        ("aws.sqs.queue", "Timeout", "sqs:ListQueues")
    ]
    assert "ReadTimeoutError" in inv.errors[0].reason
    assert {r.type for r in inv.resources} == {"aws.kms.key"}
