"""Parity, measured: one AWS account expressed twice — as Terraform (``estates/aws``) and as the
live estate seeded into moto through the AWS APIs below — gives the same (rule, resource name,
status) for every rule that applies before deployment.

Excluded, each with its reason: results the Terraform side gives as NOT_APPLICABLE "known only
after deployment" or live-only (they do not apply before deployment), and ``MOTO_GAPS``: rules
where moto answers differently from AWS, so the live side is not the truth to compare with.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aws"))

from tfhelpers import ESTATES, collect, evaluate

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ENV = "acc"

# rules where moto answers differently from AWS (the live side is then not the truth): none
# for this estate today; an entry needs its reason
MOTO_GAPS: dict[str, str] = {}

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _seed(session) -> None:
    """The estate of ``estates/aws``, created through the AWS APIs."""
    iam = session.client("iam")
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireNumbers=True)
    iam.create_user(UserName="beheerder")
    iam.put_user_policy(
        UserName="beheerder", PolicyName="everything", PolicyDocument=json.dumps(ADMIN)
    )
    iam.create_user(UserName="ci-deploy")
    pol = iam.create_policy(PolicyName="deploy-all", PolicyDocument=json.dumps(ADMIN))
    iam.attach_user_policy(UserName="ci-deploy", PolicyArn=pol["Policy"]["Arn"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="app-instance", AssumeRolePolicyDocument=json.dumps(trust))
    open_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="open-trust", AssumeRolePolicyDocument=json.dumps(open_trust))

    s3 = session.client("s3", region_name=REGION)
    where = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    logs = f"parity-logs-{ENV}"
    s3.create_bucket(Bucket=logs, **where)
    s3.put_bucket_encryption(
        Bucket=logs,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=logs,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=logs, VersioningConfiguration={"Status": "Enabled"})
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{logs}", f"arn:aws:s3:::{logs}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=logs, Policy=json.dumps(tls_only))
    backup = f"parity-backup-{ENV}"
    s3.create_bucket(Bucket=backup, ObjectLockEnabledForBucket=True, **where)
    s3.put_bucket_tagging(
        Bucket=backup, Tagging={"TagSet": [{"Key": "purpose", "Value": "backup"}]}
    )
    site = f"parity-site-{ENV}"
    s3.create_bucket(Bucket=site, **where)
    s3.put_bucket_acl(Bucket=site, ACL="public-read")

    ec2 = session.client("ec2", region_name=REGION)
    tag = lambda kind, name: [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]  # noqa: E731
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=tag("vpc", "main"))["Vpc"][
        "VpcId"
    ]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{logs}",
    )
    ec2.create_vpc(CidrBlock="10.30.0.0/16", TagSpecifications=tag("vpc", "pilot"))
    web = ec2.create_security_group(
        GroupName="web",
        Description="web",
        VpcId=vpc,
        TagSpecifications=tag("security-group", "web"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    admin = ec2.create_security_group(
        GroupName="beheer",
        Description="ssh en rdp",
        VpcId=vpc,
        TagSpecifications=tag("security-group", "beheer"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=admin,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
        ],
    )
    for name, enc in (("data", True), ("scratch", False)):
        ec2.create_volume(
            AvailabilityZone=f"{REGION}a",
            Size=20,
            Encrypted=enc,
            TagSpecifications=tag("volume", name),
        )

    logs_client = session.client("logs", region_name=REGION)
    for name, days in (("/security/cloudtrail", 30), ("/app/portaal", 400)):
        logs_client.create_log_group(logGroupName=name)
        logs_client.put_retention_policy(logGroupName=name, retentionInDays=days)

    sqs = session.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="meldingen", Attributes={"SqsManagedSseEnabled": "true"})
    plain = sqs.create_queue(
        QueueName="onversleuteld", Attributes={"SqsManagedSseEnabled": "false"}
    )
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
        ],
    }
    sqs.set_queue_attributes(QueueUrl=plain["QueueUrl"], Attributes={"Policy": json.dumps(public)})
    session.client("sns", region_name=REGION).create_topic(Name="alarmen")
    ecr = session.client("ecr", region_name=REGION)
    ecr.create_repository(
        repositoryName="portaal",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    ecr.create_repository(repositoryName="pilot")
    rds = session.client("rds", region_name=REGION)
    common = {
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "MasterUsername": "dbadmin",
        "MasterUserPassword": "not-a-secret-1",
        "AllocatedStorage": 20,
    }
    rds.create_db_instance(
        DBInstanceIdentifier="zaken",
        StorageEncrypted=True,
        MultiAZ=True,
        PubliclyAccessible=False,
        DeletionProtection=True,
        BackupRetentionPeriod=14,
        Tags=[{"Key": "environment", "Value": "production"}],
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="pilot-db",
        PubliclyAccessible=True,
        BackupRetentionPeriod=1,
        Tags=[{"Key": "environment", "Value": "test"}],
        **common,
    )
    session.client("secretsmanager", region_name=REGION).create_secret(
        Name="db-wachtwoord", SecretString="not-a-real-secret"
    )
    session.client("guardduty", region_name=REGION).create_detector(Enable=True)


@pytest.fixture(scope="module")
def both():
    import boto3
    from awsfixtures import moto_env
    from moto import mock_aws

    from bio2scan.collectors.aws import AwsCollector
    from bio2scan.collectors.base import CollectRequest

    tf = collect(ESTATES / "aws", account=ACCOUNT)
    types = {r.type for r in tf.resources}
    # and the related types the rules' functions read (security groups, policies, groups …)
    from bio2scan import api

    types |= {t for r in api.load_rules().values() for t in r.needs if t.startswith("aws.")}
    with moto_env(), mock_aws():
        _seed(boto3.Session(region_name=REGION))
        live = AwsCollector().collect(
            CollectRequest(
                options={"regions": [REGION]}, resource_types=frozenset(types), max_workers=4
            )
        )
    return tf, live


def _triples(results, names):
    return {
        (r.rule_id, r.resource_type, r.resource_name): (r.status.value, r.message)
        for r in results
        if r.resource_name in names
    }


def test_the_terraform_estate_reads_without_errors(both):
    tf, _ = both
    assert not tf.errors, tf.errors
    assert len(tf.resources) >= 25
    assert not [r for r in tf.resources if r.errors], [
        (r.id, r.errors) for r in tf.resources if r.errors
    ]


def test_parity_with_the_live_estate(both):
    tf, live = both
    tf_res = evaluate(tf, "aws")
    live_res = evaluate(live, "aws")
    names = {r.name for r in tf.resources}
    mine = _triples(tf_res, names)
    theirs = _triples(live_res, names)
    compared = mismatched = 0
    problems = []
    for key, (status, message) in sorted(mine.items()):
        if status == "NOT_APPLICABLE" and (
            message.startswith("known only after deployment") or "live data only" in message
        ):
            continue
        if key[0] in MOTO_GAPS:
            continue
        compared += 1
        other = theirs.get(key)
        if other is None or other[0] != status:
            mismatched += 1
            problems.append(f"{key}: terraform {status} ({message[:90]}) / live {other}")
    print(
        f"aws parity: {compared} results compared, {len(mine) - compared} not applicable before deployment"
    )
    assert not problems, "\n".join(problems)
    # the comparison covers a real share of the rule set, on both sides
    assert compared >= 60, compared
    assert len({k[0] for k in mine}) >= 40
