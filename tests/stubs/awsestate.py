"""AWS estates to seed into moto (in process or ``moto_server``): a realistic demo account and a
bulk estate of a chosen size for the benchmark.

``demo(session, regions)`` builds one account with a mix of well-kept and neglected resources in
two regions — what a municipality's first cloud account tends to look like: a tidy landing zone
in the first region, a forgotten pilot in the second. ``bulk(session, regions, n)`` creates about
``n`` resources spread over the regions, of the cheap kinds that dominate real estates (security
groups, volumes, log groups, queues, topics, buckets, roles).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _tls_only(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _bucket(s3: Any, name: str, region: str) -> None:
    kw = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **kw)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return 'ok'\n")
    return buf.getvalue()


def demo(session: Any, regions: list[str], account: str) -> None:
    """The demo account (``account`` names the buckets so they are unique across accounts)."""
    home, other = regions[0], regions[-1]
    iam = session.client("iam")
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireNumbers=True)
    iam.create_user(UserName="beheerder", Tags=[{"Key": "team", "Value": "platform"}])
    iam.create_login_profile(UserName="beheerder", Password="Initial-Passw0rd!")
    iam.put_user_policy(
        UserName="beheerder", PolicyName="everything", PolicyDocument=json.dumps(ADMIN)
    )
    iam.create_access_key(UserName="beheerder")
    iam.create_user(UserName="ci-deploy")
    pol = iam.create_policy(PolicyName="deploy-all", PolicyDocument=json.dumps(ADMIN))
    iam.attach_user_policy(UserName="ci-deploy", PolicyArn=pol["Policy"]["Arn"])
    iam.create_user(UserName="auditor")
    audit = iam.create_policy(
        PolicyName="audit-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Resource": "*", "Action": ["iam:Get*", "iam:List*"]}
                ],
            }
        ),
    )
    iam.attach_user_policy(UserName="auditor", PolicyArn=audit["Policy"]["Arn"])
    iam.create_group(GroupName="support")
    iam.put_group_policy(
        GroupName="support",
        PolicyName="reset-keys",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
                ],
            }
        ),
    )
    iam.add_user_to_group(GroupName="support", UserName="auditor")
    iam.create_role(RoleName="app-instance", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    role = iam.create_role(
        RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA)
    )["Role"]["Arn"]

    s3 = session.client("s3", region_name=home)
    logs_bucket = f"logs-{account}"
    _bucket(s3, logs_bucket, home)
    s3.put_bucket_encryption(
        Bucket=logs_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=logs_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=logs_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=logs_bucket, Policy=json.dumps(_tls_only(logs_bucket)))
    backup_bucket = f"backup-{account}"
    s3.create_bucket(
        Bucket=backup_bucket,
        ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": home},
    )
    s3.put_bucket_tagging(
        Bucket=backup_bucket, Tagging={"TagSet": [{"Key": "purpose", "Value": "backup"}]}
    )
    site = f"website-{account}"
    _bucket(session.client("s3", region_name=other), site, other)
    session.client("s3", region_name=other).put_bucket_acl(Bucket=site, ACL="public-read")

    for region in regions:
        _region(session, region, home, role, logs_bucket)


def _region(session: Any, region: str, home: str, lambda_role: str, logs_bucket: str) -> None:
    tidy = region == home
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    if tidy:
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{logs_bucket}",
        )
        ec2.enable_ebs_encryption_by_default()
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
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
    if not tidy:
        admin = ec2.create_security_group(GroupName="beheer", Description="ssh en rdp", VpcId=vpc)[
            "GroupId"
        ]
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
    image = ec2.describe_images(Owners=["amazon"])["Images"]
    ami = image[0]["ImageId"] if image else "ami-12c6146b"
    inst = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=subnet,
        MetadataOptions={"HttpTokens": "required" if tidy else "optional"},
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": "Name", "Value": "app" if tidy else "pilot"}],
            }
        ],
    )
    image = ec2.create_image(
        InstanceId=inst["Instances"][0]["InstanceId"], Name="golden" if tidy else "pilot-image"
    )["ImageId"]
    if not tidy:
        ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
        session.client("elb", region_name=region).create_load_balancer(
            LoadBalancerName="oud-portaal",
            AvailabilityZones=[f"{region}a"],
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        )
    az = f"{region}a"
    vol = ec2.create_volume(AvailabilityZone=az, Size=20, Encrypted=tidy)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=vol, Description="nightly")["SnapshotId"]
    if not tidy:
        ec2.modify_snapshot_attribute(
            SnapshotId=snap,
            Attribute="createVolumePermission",
            OperationType="add",
            GroupNames=["all"],
        )

    kms = session.client("kms", region_name=region)
    key = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
    if tidy:
        kms.enable_key_rotation(KeyId=key)
    logs = session.client("logs", region_name=region)
    logs.create_log_group(logGroupName="/security/cloudtrail")
    logs.put_retention_policy(
        logGroupName="/security/cloudtrail", retentionInDays=1827 if tidy else 30
    )

    if tidy:
        ct = session.client("cloudtrail", region_name=region)
        ct.create_trail(
            Name="organisatie",
            S3BucketName=logs_bucket,
            IsMultiRegionTrail=True,
            EnableLogFileValidation=True,
            KmsKeyId=key,
        )
        ct.start_logging(Name="organisatie")
        session.client("guardduty", region_name=region).create_detector(Enable=True)
        cfg = session.client("config", region_name=region)
        cfg.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": lambda_role,
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": logs_bucket})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        backup = session.client("backup", region_name=region)
        backup.create_backup_vault(BackupVaultName="kluis")
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "dagelijks",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "kluis",
                        "ScheduleExpression": "cron(0 3 * * ? *)",
                        "Lifecycle": {"DeleteAfterDays": 35},
                    }
                ],
            }
        )
        # moto implements no backup selections: the plan's ``Selections`` become an error
        del plan

    rds = session.client("rds", region_name=region)
    rds.create_db_instance(
        DBInstanceIdentifier="zaken" if tidy else "pilot-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
        StorageEncrypted=tidy,
        MultiAZ=tidy,
        PubliclyAccessible=not tidy,
        DeletionProtection=tidy,
        BackupRetentionPeriod=14 if tidy else 1,
        Tags=[{"Key": "environment", "Value": "production" if tidy else "test"}],
    )
    rds.create_db_snapshot(
        DBInstanceIdentifier="zaken" if tidy else "pilot-db", DBSnapshotIdentifier="handmatig"
    )

    elbv2 = session.client("elbv2", region_name=region)
    subnet2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24", AvailabilityZone=f"{region}b")[
        "Subnet"
    ]["SubnetId"]
    lb = elbv2.create_load_balancer(
        Name="portaal" if tidy else "pilot", Subnets=[subnet, subnet2], SecurityGroups=[web]
    )["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    if tidy:
        acm = session.client("acm", region_name=region)
        cert = acm.request_certificate(DomainName="portaal.example.nl")["CertificateArn"]
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTPS",
            Port=443,
            SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            Certificates=[{"CertificateArn": cert}],
            DefaultActions=forward,
        )
    else:
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward
        )

    lam = session.client("lambda", region_name=region)
    env = (
        {"LOG_LEVEL": "info"}
        if tidy
        else {
            "LOG_LEVEL": "debug",
            "DB_PASSWORD": "hunter2-not-real",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        }
    )
    lam.create_function(
        FunctionName="verwerk" if tidy else "pilot-hook",
        Runtime="python3.12" if tidy else "python3.7",
        Role=lambda_role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": env},
    )

    sqs = session.client("sqs", region_name=region)
    sqs.create_queue(
        QueueName="meldingen",
        Attributes={"SqsManagedSseEnabled": "true"} if tidy else {"SqsManagedSseEnabled": "false"},
    )
    sns = session.client("sns", region_name=region)
    sns.create_topic(Name="alarmen", Attributes={"KmsMasterKeyId": key} if tidy else {})
    ecr = session.client("ecr", region_name=region)
    ecr.create_repository(
        repositoryName="portaal",
        imageTagMutability="IMMUTABLE" if tidy else "MUTABLE",
        imageScanningConfiguration={"scanOnPush": tidy},
    )
    if not tidy:
        ecr.set_repository_policy(
            repositoryName="portaal",
            policyText=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "PullFromOffice",
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                            "Condition": {
                                "IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}
                            },
                        }
                    ],
                }
            ),
        )
    sm = session.client("secretsmanager", region_name=region)
    secret = sm.create_secret(Name="db-wachtwoord", SecretString="not-a-real-secret")["ARN"]
    sm.put_resource_policy(
        SecretId=secret,
        ResourcePolicy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5" if tidy else "*"}
                        },
                    }
                ],
            }
        ),
    )
    es = session.client("opensearch", region_name=region)
    es.create_domain(
        DomainName="zoeken",
        AccessPolicies=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": lambda_role.split(":role/")[0] + ":root"}
                        if tidy
                        else "*",
                        "Action": "es:*",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    session.client("glacier", region_name=region).create_vault(vaultName="archief")

    if tidy:
        r53 = session.client("route53")
        r53.create_hosted_zone(Name="gemeente.example.nl", CallerReference=f"demo-{region}")


def bulk(session: Any, regions: list[str], n: int, account: str) -> int:
    """About ``n`` resources: per region security groups, volumes, log groups, queues and
    topics; globally buckets and roles. Returns how many were created."""
    per_region = max(1, n // len(regions))
    buckets = max(1, per_region // 50)
    roles = max(1, per_region // 50)
    made = 0
    iam = session.client("iam")
    for i in range(roles):
        iam.create_role(RoleName=f"bench-{i}", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        made += 1
    for region in regions:
        s3 = session.client("s3", region_name=region)
        for i in range(buckets):
            _bucket(s3, f"bench-{account}-{region}-{i}", region)
            made += 1
        ec2 = session.client("ec2", region_name=region)
        logs = session.client("logs", region_name=region)
        sqs = session.client("sqs", region_name=region)
        sns = session.client("sns", region_name=region)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        left = per_region - buckets - (roles if region == regions[0] else 0)
        for i in range(max(0, left)):
            kind = i % 5
            if kind == 0:
                ec2.create_security_group(GroupName=f"bench-{i}", Description="b", VpcId=vpc)
            elif kind == 1:
                ec2.create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=i % 2 == 0)
            elif kind == 2:
                logs.create_log_group(logGroupName=f"/bench/{i}")
            elif kind == 3:
                sqs.create_queue(QueueName=f"bench-{i}")
            else:
                sns.create_topic(Name=f"bench-{i}")
            made += 1
    return made
