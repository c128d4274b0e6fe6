"""Deploy the parity estate (``estate/parity.yaml``) into in-process moto the way AWS would.

``cloudformation.create_stack`` creates every resource, but moto's CloudFormation provider
applies only some of the properties (an S3 bucket gets its encryption and tags, not its
versioning; a volume loses its tags; a KMS key policy is stored as an object where the API
returns text). ``finish`` makes the API calls that AWS CloudFormation makes for the rest, and
applies the defaults AWS gives every new resource where moto does not (S3 Block Public Access,
SSE-S3 and bucket-owner-enforced ownership since 2023). It is written by hand for this estate,
from the CloudFormation resource reference — it does not use the collector under test.
"""

from __future__ import annotations

import json
from typing import Any

STACK = "parity"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ALL_ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
ALL_OFF = dict.fromkeys(ALL_ON, False)


def deploy(session: Any, template: str) -> dict[str, str]:
    """Create the stack, finish what moto leaves out; return logical id → physical id."""
    cf = session.client("cloudformation", region_name=REGION)
    cf.create_stack(StackName=STACK, TemplateBody=template)
    status = cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", status
    phys = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
        for r in cf.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    }
    finish(session, phys)
    return phys


def finish(session: Any, phys: dict[str, str]) -> None:
    s3 = session.client("s3", region_name=REGION)
    logs, data, public = "parity-prod-logs", "parity-data", "parity-public"
    for bucket in (logs, data, public):  # new buckets: owner enforced (AWS, April 2023)
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    s3.put_public_access_block(Bucket=logs, PublicAccessBlockConfiguration=ALL_ON)  # default
    s3.put_public_access_block(Bucket=data, PublicAccessBlockConfiguration=ALL_ON)
    s3.put_public_access_block(Bucket=public, PublicAccessBlockConfiguration=ALL_OFF)
    s3.put_bucket_encryption(  # SSE-S3 for a bucket that sets nothing (AWS, January 2023)
        Bucket=public,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=logs, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=public, VersioningConfiguration={"Status": "Suspended"})
    s3.put_bucket_policy(
        Bucket=logs,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ServerAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": ["s3:PutObject"],
                        "Resource": f"arn:aws:s3:::{logs}/*",
                    }
                ],
            }
        ),
    )
    s3.put_bucket_logging(
        Bucket=data,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "data/"}},
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=data,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 365},
                }
            ]
        },
    )
    s3.put_bucket_policy(  # AWS::S3::BucketPolicy (moto has no CloudFormation support for it)
        Bucket=data,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{data}", f"arn:aws:s3:::{data}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    s3.put_bucket_policy(
        Bucket=public,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Read",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{public}/*",
                    }
                ],
            }
        ),
    )
    kms = session.client("kms", region_name=REGION)
    for logical, statement in (
        (
            "Key",
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
        ),
        (
            "OpenKey",
            {
                "Sid": "Everyone",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ),
    ):
        kms.put_key_policy(
            KeyId=phys[logical],
            PolicyName="default",
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    kms.enable_key_rotation(KeyId=phys["Key"])
    ec2 = session.client("ec2", region_name=REGION)
    for logical, name in (
        ("DataVolume", "parity-data-volume"),
        ("ScratchVolume", "parity-scratch"),
    ):
        ec2.create_tags(Resources=[phys[logical]], Tags=[{"Key": "Name", "Value": name}])
    iam = session.client("iam", region_name=REGION)
    iam.put_role_policy(  # moto stores a CloudFormation policy object as its repr()
        RoleName="parity-app",
        PolicyName="read-data",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::parity-data/*",
                    }
                ],
            }
        ),
    )
    iam.put_role_policy(
        RoleName="parity-admin",
        PolicyName="everything",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    iam.attach_user_policy(UserName="parity-operator", PolicyArn=phys["ReadPolicy"])
    iam.attach_user_policy(UserName="parity-admin-user", PolicyArn=phys["AdminPolicy"])
    iam.put_user_policy(
        UserName="parity-admin-user",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
            }
        ),
    )
    rds = session.client("rds", region_name=REGION)
    rds.modify_db_instance(
        DBInstanceIdentifier="parity-db",
        DeletionProtection=True,
        EnableIAMDatabaseAuthentication=True,
        AutoMinorVersionUpgrade=True,
        CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]},
        ApplyImmediately=True,
    )
    ecr = session.client("ecr", region_name=REGION)
    ecr.put_image_scanning_configuration(
        repositoryName="parity/app", imageScanningConfiguration={"scanOnPush": True}
    )
    elb = session.client("elbv2", region_name=REGION)
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=phys["Balancer"],
        Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
            {"Key": "routing.http.desync_mitigation_mode", "Value": "strictest"},
        ],
    )
    elb.add_tags(ResourceArns=[phys["Balancer"]], Tags=[{"Key": "exposure", "Value": "internet"}])
    # AWS::CloudTrail::Trail and AWS::GuardDuty::Detector: no moto CloudFormation support
    for bucket in ("parity-trail",):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_ON)
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    trail = session.client("cloudtrail", region_name=REGION)
    key_arn = kms.describe_key(KeyId=phys["Key"])["KeyMetadata"]["Arn"]
    trail.create_trail(
        Name="parity-trail",
        S3BucketName="parity-trail",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
    )
    trail.start_logging(Name="parity-trail")
    trail.put_event_selectors(  # the selector AWS gives a trail created without any
        TrailName="parity-trail",
        EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}
        ],
    )
    # RunInstances with a launch template and a network interface: AWS applies the template's
    # metadata options and shows the interface's groups on the instance; moto does neither
    ec2.modify_instance_metadata_options(
        InstanceId=phys["WebInstance"], HttpTokens="required", HttpEndpoint="enabled"
    )
    ec2.modify_instance_attribute(InstanceId=phys["WebInstance"], Groups=[phys["WebGroup"]])
    gd = session.client("guardduty", region_name=REGION)
    gd.create_detector(
        Enable=True,
        Features=[
            {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
            {"Name": "EKS_AUDIT_LOGS", "Status": "DISABLED"},
        ],
    )
    _policies(session, phys)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _policies(session: Any, phys: dict[str, str]) -> None:
    """Resource policies and IAM groups: the calls CloudFormation makes for the properties and
    types moto's provider ignores (RepositoryPolicyText, AWS::IAM::Group and
    UserToGroupAddition, AWS::SecretsManager::Secret and ResourcePolicy,
    AWS::OpenSearchService::Domain)."""
    ecr = session.client("ecr", region_name=REGION)
    ecr.set_repository_policy(
        repositoryName="parity/loose",
        policyText=_doc(
            {
                "Sid": "AnyonePulls",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            }
        ),
    )
    iam = session.client("iam", region_name=REGION)
    iam.create_group(GroupName="parity-ops")
    iam.put_group_policy(
        GroupName="parity-ops",
        PolicyName="break-glass",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*"}),
    )
    iam.create_group(GroupName="parity-readers")
    iam.attach_group_policy(GroupName="parity-readers", PolicyArn=phys["ReadPolicy"])
    iam.add_user_to_group(GroupName="parity-readers", UserName="parity-auditor")
    iam.add_user_to_group(GroupName="parity-ops", UserName="parity-operator")
    sm = session.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name="parity-db-secret", KmsKeyId=phys["Key"])
    sm.create_secret(Name="parity-shared-secret")
    sm.put_resource_policy(
        SecretId="parity-shared-secret",
        ResourcePolicy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ),
    )
    search = session.client("opensearch", region_name=REGION)
    search.create_domain(
        DomainName="parity-search",
        AccessPolicies=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "es:ESHttpGet",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
            }
        ),
    )
    search.create_domain(
        DomainName="parity-open",
        AccessPolicies=_doc(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}
        ),
    )
