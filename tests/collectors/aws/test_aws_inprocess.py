"""The AWS collector against in-process moto: data shapes, "not configured" versus errors, moto's
gaps as ERROR, redaction, call counts, pagination, sharding, declared permissions."""

from __future__ import annotations

import json

import pytest
from awsfixtures import ACCOUNT, REGIONS, by_type, collect


def test_every_declared_type_is_collected_with_its_keys(demo_inventory):
    from bio2scan.collectors.aws import AwsCollector

    seen = {r.type for r in demo_inventory.resources}
    errored = {e.resource_type for e in demo_inventory.errors}
    missing = set(AwsCollector().resource_types) - seen - errored
    # the demo estate has no CloudFront distribution, Aurora cluster or EKS cluster
    assert missing <= {"aws.cloudfront.distribution", "aws.rds.db_cluster", "aws.eks.cluster"}, (
        missing
    )
    acct = by_type(demo_inventory, "aws.iam.account")[ACCOUNT]
    assert acct.id == f"arn:aws:iam::{ACCOUNT}:root" and acct.region is None
    assert acct.data["PasswordPolicy"]["MinimumPasswordLength"] == 8
    assert acct.data["Summary"]["Users"] == 3
    # moto's credential report has no <root_account> row: an error, not "no root keys"
    assert acct.data["RootUser"] is None
    assert acct.errors["RootUser"].startswith("NoRootRow: ")


def test_iam_user_details(demo_inventory):
    users = by_type(demo_inventory, "aws.iam.user")
    admin = users["beheerder"].data
    assert admin["InlinePolicies"]["everything"]["Statement"][0]["Action"] == "*"
    assert admin["LoginProfile"]["UserName"] == "beheerder"
    assert admin["AccessKeys"][0]["Status"] == "Active" and "LastUsed" in admin["AccessKeys"][0]
    assert admin["CredentialReport"]["password_enabled"] == "true"
    assert admin["MFADevices"] == [] and admin["Groups"] == []
    assert users["auditor"].data["LoginProfile"] is None and not users["auditor"].errors
    assert users["ci-deploy"].data["AttachedPolicies"][0]["PolicyName"] == "deploy-all"
    policies = by_type(demo_inventory, "aws.iam.policy")
    assert policies["deploy-all"].data["Document"]["Statement"][0]["Resource"] == "*"
    role = by_type(demo_inventory, "aws.iam.role")["app-instance"].data
    assert (
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        == "ec2.amazonaws.com"
    )


def test_s3_not_configured_is_null_not_an_error(demo_inventory):
    buckets = by_type(demo_inventory, "aws.s3.bucket")
    site = buckets[f"website-{ACCOUNT}"]
    assert site.region == "eu-central-1" and site.data["Region"] == "eu-central-1"
    assert not site.errors
    for key in (
        "Encryption",
        "PublicAccessBlock",
        "Policy",
        "PolicyStatus",
        "Logging",
        "ObjectLock",
        "OwnershipControls",
        "Lifecycle",
    ):
        assert site.data[key] is None, key
    assert any("AllUsers" in json.dumps(g) for g in site.data["Acl"]["Grants"])
    logs = buckets[f"logs-{ACCOUNT}"].data
    assert (
        logs["Encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        == "aws:kms"
    )
    assert logs["PublicAccessBlock"]["BlockPublicAcls"] is True
    assert logs["Policy"]["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    assert logs["Versioning"] == {"Status": "Enabled", "MFADelete": None}
    backup = buckets[f"backup-{ACCOUNT}"]
    assert backup.data["ObjectLock"]["ObjectLockEnabled"] == "Enabled"
    assert backup.tags == {"purpose": "backup"}
    assert backup.id == f"arn:aws:s3:::backup-{ACCOUNT}"
    block = by_type(demo_inventory, "aws.s3.account_public_access_block")[ACCOUNT]
    assert block.data == {"PublicAccessBlockConfiguration": None} and not block.errors


def test_regional_shapes(demo_inventory):
    snaps = [r for r in demo_inventory.resources if r.type == "aws.ec2.snapshot"]
    public = {r.region for r in snaps if {"Group": "all"} in r.data["CreateVolumePermissions"]}
    assert public == {"eu-central-1"} and len(snaps) == 4  # a volume's and an image's each
    vpcs = [
        r
        for r in demo_inventory.resources
        if r.type == "aws.ec2.vpc" and not r.data.get("IsDefault")
    ]
    flow = {r.region: len(r.data["FlowLogs"]) for r in vpcs}
    assert flow == {"eu-west-1": 1, "eu-central-1": 0}
    settings = {
        r.region: r for r in demo_inventory.resources if r.type == "aws.ec2.region_settings"
    }
    assert settings["eu-west-1"].data["EbsEncryptionByDefault"] is True
    assert settings["eu-central-1"].data["EbsEncryptionByDefault"] is False
    assert settings["eu-west-1"].id == f"arn:aws:ec2:eu-west-1:{ACCOUNT}:settings"
    lbs = {
        r.region: r.data for r in demo_inventory.resources if r.type == "aws.elbv2.load_balancer"
    }
    assert lbs["eu-west-1"]["Listeners"][0]["Protocol"] == "HTTPS"
    assert isinstance(lbs["eu-west-1"]["Attributes"], dict)
    keys = {
        r.region: r.data
        for r in demo_inventory.resources
        if r.type == "aws.kms.key" and r.data.get("Description") == "data"
    }
    assert keys["eu-west-1"]["RotationEnabled"] is True
    assert keys["eu-central-1"]["RotationEnabled"] is False
    assert keys["eu-west-1"]["Policy"]["Statement"]
    trails = [r for r in demo_inventory.resources if r.type == "aws.cloudtrail.trail"]
    assert len(trails) == 1 and trails[0].region == "eu-west-1"  # listed once, in its home
    assert trails[0].data["Status"]["IsLogging"] is True
    account = by_type(demo_inventory, "aws.cloudtrail.account")[ACCOUNT].data
    # the collector records each multi-region trail's status; it does not judge
    assert "MultiRegionLogging" not in account
    assert account["Trails"][0]["IsMultiRegionTrail"] is True
    assert account["Trails"][0]["Status"]["IsLogging"] is True
    gd = {r.region: r.data for r in demo_inventory.resources if r.type == "aws.guardduty.region"}
    assert len(gd["eu-west-1"]["Detectors"]) == 1 and gd["eu-central-1"]["Detectors"] == []
    hub = [r.data for r in demo_inventory.resources if r.type == "aws.securityhub.region"]
    assert hub and all(h["Hub"] is None for h in hub)  # not subscribed = off, not an error
    cfg = {r.region: r.data for r in demo_inventory.resources if r.type == "aws.config.region"}
    assert cfg["eu-west-1"]["Recorders"] and cfg["eu-central-1"]["Recorders"] == []
    zone = next(r for r in demo_inventory.resources if r.type == "aws.route53.hosted_zone")
    assert zone.region is None and "DNSSEC" in zone.data
    dt = [r.data["CreateDate"] for r in demo_inventory.resources if r.type == "aws.iam.user"]
    assert all(isinstance(d, str) and "T" in d for d in dt)  # ISO 8601, not datetime


def test_lambda_credentials_are_redacted(demo_inventory):
    fns = by_type(demo_inventory, "aws.lambda.function")
    env = fns["pilot-hook"].data["Environment"]["Variables"]
    assert env["LOG_LEVEL"] == "debug"
    assert env["DB_PASSWORD"] == "<redacted>"  # no hash of the secret either
    assert env["AWS_SECRET_ACCESS_KEY"] == "<redacted>"
    text = json.dumps(demo_inventory.to_dict())
    assert "hunter2-not-real" not in text and "bPxRfiCYEXAMPLEKEY" not in text
    assert fns["verwerk"].data["Policy"] is None and not fns["verwerk"].errors


def test_moto_gaps_become_errors_never_pass(demo_inventory, all_rules):
    from bio2scan import api

    errs = {(e.resource_type, e.region): e for e in demo_inventory.errors}
    for region in REGIONS:
        aa = errs[("aws.accessanalyzer.region", region)]
        assert aa.code == "Unsupported" and aa.api == "accessanalyzer:ListAnalyzers"
        assert aa.scope == ACCOUNT
        assert errs[("aws.inspector2.region", region)].code == "Unsupported"
    plan = next(r for r in demo_inventory.resources if r.type == "aws.backup.plan")
    assert "Selections" in plan.errors and plan.data["Plan"]["BackupPlanName"] == "dagelijks"
    rules = [r for r in all_rules.values() if r.provider == "aws"]
    doc = api.assess(demo_inventory, rules)
    status = {}
    for res in doc["results"]:
        status.setdefault(res["rule_id"], set()).add(res["status"])
    for rid in ("aws.accessanalyzer.enabled", "aws.inspector2.enabled"):
        if rid in status:
            assert status[rid] == {"ERROR"}, (rid, status[rid])
    assert "FAIL" in status["aws.ec2.snapshot_not_public"]
    assert doc["summary"]["complete"] is False


def test_each_api_once_per_scope_and_all_declared(demo_inventory):
    from bio2scan.collectors.aws import AwsCollector, services

    calls = demo_inventory.meta.api_calls
    assert calls["iam:ListUsers"] == 1 and calls["s3:ListBuckets"] == 1
    assert calls["ec2:DescribeSecurityGroups"] == len(REGIONS)
    assert calls["cloudtrail:GetEventSelectors"] == 1
    assert "ec2:DescribeRegions" not in calls  # --regions given
    declared = {
        f"{(op.rpartition(':')[0] or s.client)}:{op.rpartition(':')[2]}"
        for s in services()
        for k in s.kinds
        for op in k.ops
    }
    undeclared = {c for c in calls if c not in declared and not c.startswith("sts:")}
    assert not undeclared
    policy = AwsCollector().permissions(set(AwsCollector().resource_types))
    actions = policy["Statement"][0]["Action"]
    assert "s3:GetEncryptionConfiguration" in actions and "s3:ListAllMyBuckets" in actions
    assert all(
        not a.split(":")[1].startswith(("Put", "Create", "Delete", "Update")) for a in actions
    )
    srcs = {r.source.api for r in demo_inventory.resources}
    assert "s3:ListBuckets" in srcs and all(":" in s for s in srcs)


def test_only_wanted_services_are_called(moto):
    import boto3

    boto3.client("logs", region_name="eu-west-1").create_log_group(logGroupName="a")
    inv = collect({"aws.logs.log_group"})
    assert {c.split(":")[0] for c in inv.meta.api_calls} == {"logs", "sts"}
    assert [r.name for r in inv.resources] == ["a"]
    assert inv.resources[0].id == f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:a"


def test_pagination_reads_every_page(moto):
    import boto3

    logs = boto3.client("logs", region_name="eu-west-1")
    for i in range(60):
        logs.create_log_group(logGroupName=f"/g/{i:02d}")
    inv = collect({"aws.logs.log_group"}, regions=["eu-west-1"])
    assert len(inv.resources) == 60
    assert inv.meta.api_calls["logs:DescribeLogGroups"] == 2  # moto pages by 50
    # the longest chain of dependent calls: the caller's identity, then the two pages
    assert sum(inv.meta.api_calls.values()) == 3 and inv.meta.timings["aws.chain_calls"] == 3


def test_bucket_detail_reads_run_side_by_side_with_one_order(moto):
    """A bucket's twelve detail reads are jobs of their own: the longest chain of dependent
    calls is identity → ListBuckets → location → one read, not twelve reads in a row; the
    bucket's data keeps one key order whatever read finishes first."""
    import boto3

    s3 = boto3.client("s3", region_name="eu-west-1")
    for i in range(3):
        s3.create_bucket(
            Bucket=f"fan-{i}", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    s3.put_bucket_tagging(Bucket="fan-0", Tagging={"TagSet": [{"Key": "env", "Value": "p"}]})
    inv = collect({"aws.s3.bucket"}, regions=["eu-west-1"])
    assert sorted(r.name for r in inv.resources) == ["fan-0", "fan-1", "fan-2"]
    calls = inv.meta.api_calls
    assert calls["s3:GetBucketAcl"] == 3 and calls["s3:GetBucketTagging"] == 3
    assert inv.meta.timings["aws.chain_calls"] <= 4
    keys = [list(r.data) for r in inv.resources]
    assert keys[0] == keys[1] == keys[2] and keys[0].index("Encryption") < keys[0].index("Acl")
    tagged = next(r for r in inv.resources if r.name == "fan-0")
    assert tagged.tags == {"env": "p"} and "Tags" not in tagged.errors


def test_chain_of_dependent_calls_follows_the_jobs_that_queued_them():
    from bio2scan.collectors.aws.scheduler import WorkQueue

    q = WorkQueue(lambda job, exc: None)

    def detail() -> None:
        for _ in range(3):
            q.step()

    def listing() -> None:
        q.step()
        q.step()
        for _ in range(4):
            q.submit(detail)  # each detail read waits for the two listing calls

    def other() -> None:
        q.step()

    q.step()  # the caller's own call (the account's identity) before the pool runs
    q.submit(listing)
    q.submit(other)
    q.run(3)
    assert q.longest == 1 + 2 + 3


def test_default_regions_and_shards(moto):
    import boto3

    for region in ("eu-west-1", "us-east-2"):
        boto3.client("sqs", region_name=region).create_queue(QueueName=f"q-{region}")
    full = collect({"aws.sqs.queue"}, regions=None)
    assert full.meta.api_calls["ec2:DescribeRegions"] == 1
    assert {r.region for r in full.resources} == {"eu-west-1", "us-east-2"}
    regions = full.meta.targets[0].regions
    assert len(regions) > 10 and full.meta.api_calls["sqs:ListQueues"] == len(regions)
    from bio2scan.collectors.aws import AwsCollector
    from bio2scan.collectors.base import CollectRequest, Shard

    parts = [
        AwsCollector().collect(
            CollectRequest(
                options={}, resource_types=frozenset({"aws.sqs.queue"}), shard=Shard(i, 2)
            )
        )
        for i in range(2)
    ]
    ids = [sorted(r.id for r in p.resources) for p in parts]
    assert sorted(ids[0] + ids[1]) == sorted(r.id for r in full.resources)
    assert not set(ids[0]) & set(ids[1])
    calls = sum(p.meta.api_calls["sqs:ListQueues"] for p in parts)
    assert calls == len(regions)


@pytest.mark.parametrize(
    "code,status,expected",
    [
        ("AccessDenied", 403, "AccessDenied"),
        ("UnauthorizedOperation", 403, "AccessDenied"),
        ("AccessDeniedException", 400, "AccessDenied"),
        ("OptInRequired", 401, "Unsupported"),
        ("Throttling", 400, "Throttled"),
        ("TooManyRequestsException", 429, "Throttled"),
        ("SlowDown", 503, "Throttled"),
        ("NoSuchEntity", 404, "NotFound"),
        ("ResourceNotFoundException", 400, "NotFound"),
        ("InternalError", 500, "Error"),
        ("404", 404, "NotFound"),
    ],
)
def test_error_codes(code, status, expected):
    from botocore.exceptions import ClientError

    from bio2scan.collectors.aws.calls import classify

    exc = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "ListThings",
    )
    err = classify(exc, "svc:ListThings")
    assert err.code == expected and err.reason == f"{code}: m" and err.api == "svc:ListThings"


def test_timeouts_and_not_implemented():
    from botocore.exceptions import ClientError, ReadTimeoutError

    from bio2scan.collectors.aws.calls import classify

    assert classify(ReadTimeoutError(endpoint_url="http://x"), "a:B").code == "Timeout"
    answer = {"Error": {"Code": "NotImplemented", "Message": "m"}}
    answer["ResponseMetadata"] = {"HTTPStatusCode": 501}
    assert classify(ClientError(answer, "B"), "a:B").code == "Unsupported"
    # a Python exception is a bug somewhere, not an AWS answer: an Error, never Unsupported
    assert classify(NotImplementedError("x"), "a:B").code == "Error"


def test_readme_policy_is_the_generated_one():
    """The README's IAM policy is not hand-kept: it must equal what the modules declare."""
    import re
    from pathlib import Path

    from bio2scan.collectors.aws import AwsCollector

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme[readme.index("### AWS") :]
    block = re.search(r"```json\n(.*?)\n```", section, re.S).group(1)
    shown = json.loads(block)["Statement"][0]["Action"]
    c = AwsCollector()
    assert shown == c.permissions(set(c.resource_types))["Statement"][0]["Action"]


@pytest.mark.parametrize(
    "options", [{"assume_role": "audit"}, {"accounts": ["111111111111"]}, {"organization": True}]
)
def test_inconsistent_account_options_are_usage_errors(options):
    from bio2scan.errors import UsageError

    with pytest.raises(UsageError):
        collect(set(), **options)


def test_organization_accounts_through_assume_role(moto):
    import boto3

    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="zaken", Email="zaken@example.nl")
    ids = {a["Id"] for a in org.list_accounts()["Accounts"]}
    assert len(ids) == 2  # the management account and the new one
    inv = collect(
        {"aws.s3.account_public_access_block"},
        assume_role="Bio2scanAudit",
        organization=True,
        external_id="x-123",
    )
    assert {r.scope for r in inv.resources} == ids and not inv.errors
    assert inv.meta.api_calls["sts:AssumeRole"] == 2
    assert inv.meta.api_calls["organizations:ListAccounts"] == 1
    assert "external_id" not in inv.meta.targets[0].options  # a secret: never recorded


def test_kinds_the_demo_lacks(moto):
    """CloudFront (global, + Logging from the full config), Aurora clusters, EKS, and a private
    hosted zone (no DNSSEC call)."""
    import boto3

    cf = boto3.client("cloudfront", region_name="us-east-1")
    cf.create_distribution(
        DistributionConfig={
            "CallerReference": "r1",
            "Comment": "site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "o",
                        "DomainName": "site.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
            },
            "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
        }
    )
    boto3.client("rds", region_name="eu-west-1").create_db_cluster(
        DBClusterIdentifier="aurora",
        Engine="aurora-postgresql",
        MasterUsername="a",
        MasterUserPassword="not-a-secret-1",
        StorageEncrypted=True,
    )
    boto3.client("eks", region_name="eu-west-1").create_cluster(
        name="k8s", roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    r53 = boto3.client("route53")
    r53.create_hosted_zone(
        Name="intern.example.nl",
        CallerReference="p",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": "eu-west-1", "VPCId": "vpc-12345678"},
    )
    inv = collect(
        {
            "aws.cloudfront.distribution",
            "aws.rds.db_cluster",
            "aws.eks.cluster",
            "aws.route53.hosted_zone",
        },
        regions=["eu-west-1"],
    )
    assert not inv.errors
    got = {r.type: r for r in inv.resources}
    dist = got["aws.cloudfront.distribution"]
    assert dist.region is None and dist.id.startswith("arn:aws:cloudfront::")
    assert dist.data["Logging"]["Enabled"] is False and "ViewerCertificate" in dist.data
    assert got["aws.rds.db_cluster"].data["StorageEncrypted"] is True
    assert got["aws.eks.cluster"].data["name"] == "k8s"
    zone = got["aws.route53.hosted_zone"]
    assert zone.data["DNSSEC"] is None and zone.data["Config"]["PrivateZone"] is True
    assert "route53:GetDNSSEC" not in inv.meta.api_calls
    assert inv.meta.api_calls["cloudfront:ListDistributions"] == 1
