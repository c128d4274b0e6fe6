"""AWS provider → the live AWS shapes: IAM, CloudTrail, RDS, Lambda, SQS, SNS, ECR, EKS, load
balancers, the per-region security services, Backup, Secrets Manager, Route 53 and ACM."""

from __future__ import annotations

from typing import Any

from ..aws.awslambda import redact
from .aws_common import AwsCtx, Mapper, boolstr, name_of
from .config import Instance
from .mapping import DEFER, SKIP, M, apply, as_list, blocks, document, first
from .values import Unknown, Unresolved


def _self(inst: Instance, attr: str = "id") -> Unknown:
    return Unknown(f"{inst.address}.{attr}", ref=inst.address)


def _named(inst: Instance, *keys: str) -> Any:
    return name_of(inst, *keys) or Unknown(f"{inst.address}.{keys[0]}")


def _join(rtype: str, arg: str, what: str, fn: Any) -> Mapper:
    def join(inst: Instance, ctx: AwsCtx) -> None:
        ref = inst.values.get(arg)
        out = ctx.reg.find(rtype, ref, inst.module)
        if out is None:
            ctx.reg.unjoined(inst, what, ref)
            return
        fn(inst, out, ctx)

    return join


# --- IAM --------------------------------------------------------------------------------------
def _policy_name(arn: Any) -> Any:
    return arn.rsplit("/", 1)[-1] if isinstance(arn, str) else arn


def iam_user(inst: Instance, ctx: AwsCtx) -> None:
    name = _named(inst, "name")
    data: dict[str, Any] = {
        "UserName": name,
        "Arn": _self(inst, "arn"),
        "Path": inst.values.get("path") or "/",
        "MFADevices": Unknown("MFA devices are enrolled after deployment"),
        "AccessKeys": [],
        "AttachedPolicies": [],
        "InlinePolicies": {},
        "Groups": [],
        "LoginProfile": None,
        "CredentialReport": Unknown("the credential report exists after deployment"),
    }
    ctx.out("aws.iam.user", inst, name, data, regional=False)


def iam_role(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    inline = {p.get("name"): document(p.get("policy")) for p in blocks(v, "inline_policy")}
    data: dict[str, Any] = {
        "RoleName": name,
        "Arn": _self(inst, "arn"),
        "Path": v.get("path") or "/",
        "AssumeRolePolicyDocument": document(v.get("assume_role_policy")),
        "AttachedPolicies": [
            {"PolicyArn": a, "PolicyName": _policy_name(a)}
            for a in as_list(v.get("managed_policy_arns"))
        ],
        "InlinePolicies": {k: x for k, x in inline.items() if isinstance(k, str)},
    }
    ctx.out("aws.iam.role", inst, name, data, regional=False)


def iam_policy(inst: Instance, ctx: AwsCtx) -> None:
    name = _named(inst, "name")
    data = {
        "PolicyName": name,
        "Arn": _self(inst, "arn"),
        "Path": inst.values.get("path") or "/",
        "DefaultVersionId": "v1",
        "Document": document(inst.values.get("policy")),
    }
    ctx.out("aws.iam.policy", inst, name, data, regional=False)


def _attach(key: str) -> Any:
    def fn(inst: Instance, out: Any, ctx: AwsCtx) -> None:
        arn = inst.values.get("policy_arn")
        pol = ctx.reg.find("aws.iam.policy", arn, inst.module)
        name = pol.data.get("PolicyName") if pol is not None else _policy_name(arn)
        out.data[key].append({"PolicyName": name, "PolicyArn": arn})

    return fn


def _inline(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    name = inst.values.get("name") or inst.address
    out.data["InlinePolicies"][name if isinstance(name, str) else inst.address] = document(
        inst.values.get("policy")
    )


def _login(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["LoginProfile"] = {
        "UserName": out.data["UserName"],
        "CreateDate": Unknown("created at deployment"),
    }


def _access_key(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["AccessKeys"].append(
        {
            "AccessKeyId": _self(inst),
            "Status": inst.values.get("status") or "Active",
            "CreateDate": Unknown("created at deployment"),
        }
    )


def _groups(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    users = (
        [v.get("user")] if inst.type == "aws_iam_user_group_membership" else as_list(v.get("users"))
    )
    groups = as_list(v.get("groups")) if "groups" in v else [v.get("group")]
    for u in users:
        out = ctx.reg.find("aws.iam.user", u, inst.module)
        if out is None:
            ctx.reg.unjoined(inst, "user", u)
            continue
        out.data["Groups"].extend({"GroupName": g} for g in groups)


def password_policy(inst: Instance, ctx: AwsCtx) -> None:
    pp: dict[str, Any] = {}
    apply(
        [
            M("minimum_password_length", "MinimumPasswordLength", 6),
            M("require_symbols", "RequireSymbols", False),
            M("require_numbers", "RequireNumbers", False),
            M("require_uppercase_characters", "RequireUppercaseCharacters", False),
            M("require_lowercase_characters", "RequireLowercaseCharacters", False),
            M("allow_users_to_change_password", "AllowUsersToChangePassword", True),
            M("max_password_age", "MaxPasswordAge", SKIP),
            M("password_reuse_prevention", "PasswordReusePrevention", SKIP),
            M("hard_expiry", "HardExpiry", False),
        ],
        inst.values,
        pp,
        inst.address,
    )
    data = {
        "PasswordPolicy": pp,
        "Summary": Unknown("the account summary exists after deployment"),
        "RootUser": Unknown("the root user's use is known after deployment"),
    }
    out = ctx.out("aws.iam.account", inst, ctx.account, data, regional=False)
    out.rid = f"arn:aws:iam::{ctx.account}:root"


# --- CloudTrail -------------------------------------------------------------------------------
def _selectors(v: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    basic = []
    for s in blocks(v, "event_selector"):
        basic.append(
            {
                "ReadWriteType": s.get("read_write_type") or "All",
                "IncludeManagementEvents": s.get("include_management_events", True),
                "DataResources": [
                    {"Type": d.get("type"), "Values": d.get("values")}
                    for d in blocks(s, "data_resource")
                ],
                "ExcludeManagementEventSources": s.get("exclude_management_event_sources") or [],
            }
        )
    advanced = []
    for s in blocks(v, "advanced_event_selector"):
        fields = []
        for f in blocks(s, "field_selector"):
            fs: dict[str, Any] = {"Field": f.get("field")}
            for k, live in (
                ("equals", "Equals"),
                ("not_equals", "NotEquals"),
                ("starts_with", "StartsWith"),
                ("not_starts_with", "NotStartsWith"),
                ("ends_with", "EndsWith"),
                ("not_ends_with", "NotEndsWith"),
            ):
                if f.get(k) is not None:
                    fs[live] = f[k]
            fields.append(fs)
        advanced.append({"Name": s.get("name"), "FieldSelectors": fields})
    if not basic and not advanced:  # CloudTrail's default: all management events
        basic = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]
    return basic, advanced


def trail(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    basic, advanced = _selectors(v)
    data: dict[str, Any] = {
        "Name": name,
        "TrailARN": _self(inst, "arn"),
        "HomeRegion": ctx.region(inst),
    }
    apply(
        [
            M("s3_bucket_name", "S3BucketName"),
            M("s3_key_prefix", "S3KeyPrefix", SKIP),
            M("is_multi_region_trail", "IsMultiRegionTrail", False),
            M("include_global_service_events", "IncludeGlobalServiceEvents", True),
            M("enable_log_file_validation", "LogFileValidationEnabled", False),
            M("kms_key_id", "KmsKeyId", SKIP),
            M("cloud_watch_logs_group_arn", "CloudWatchLogsLogGroupArn", SKIP),
            M("is_organization_trail", "IsOrganizationTrail", False),
        ],
        v,
        data,
        inst.address,
    )
    data["Status"] = {
        "IsLogging": v.get("enable_logging", True),
        "LatestDeliveryError": Unknown("delivery errors are known after deployment"),
    }
    data["EventSelectors"] = basic
    data["AdvancedEventSelectors"] = advanced
    ctx.out("aws.cloudtrail.trail", inst, name, data)


# --- RDS --------------------------------------------------------------------------------------
_DB_COMMON = [
    M("engine", "Engine"),
    M("storage_encrypted", "StorageEncrypted", False),
    M("deletion_protection", "DeletionProtection", False),
    M("copy_tags_to_snapshot", "CopyTagsToSnapshot", False),
    M("iam_database_authentication_enabled", "IAMDatabaseAuthenticationEnabled", False),
    M("enabled_cloudwatch_logs_exports", "EnabledCloudwatchLogsExports", []),
    M("kms_key_id", "KmsKeyId", SKIP),
]


def db_instance(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    cluster = inst.type == "aws_rds_cluster_instance"
    name = _named(inst, "identifier")
    data: dict[str, Any] = {"DBInstanceIdentifier": name, "DBInstanceArn": _self(inst, "arn")}
    table = [
        *_DB_COMMON,
        M("multi_az", "MultiAZ", False),
        M("publicly_accessible", "PubliclyAccessible", False),
        M("auto_minor_version_upgrade", "AutoMinorVersionUpgrade", True),
        M("backup_retention_period", "BackupRetentionPeriod", DEFER),
    ]
    if cluster:
        table = [
            M("engine", "Engine"),
            M("publicly_accessible", "PubliclyAccessible", False),
            M("auto_minor_version_upgrade", "AutoMinorVersionUpgrade", True),
            M("copy_tags_to_snapshot", "CopyTagsToSnapshot", False),
            M("cluster_identifier", "DBClusterIdentifier"),
        ]
    apply(table, v, data, inst.address)
    data["TagList"] = [{"Key": k, "Value": x} for k, x in ctx.default_tags(inst).items()] + [
        {"Key": k, "Value": x} for k, x in (v.get("tags") or {}).items() if isinstance(x, str)
    ]
    ctx.out("aws.rds.db_instance", inst, name, data)


def db_cluster(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "cluster_identifier")
    data: dict[str, Any] = {"DBClusterIdentifier": name, "DBClusterArn": _self(inst, "arn")}
    apply(
        [*_DB_COMMON, M("backup_retention_period", "BackupRetentionPeriod", 1)],
        v,
        data,
        inst.address,
    )
    data["MultiAZ"] = Unknown(f"{inst.address}: Multi-AZ follows the instances placed at apply")
    data["TagList"] = [
        {"Key": k, "Value": x} for k, x in (v.get("tags") or {}).items() if isinstance(x, str)
    ]
    ctx.out("aws.rds.db_cluster", inst, name, data)


def db_snapshot(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "db_snapshot_identifier")
    data = {
        "DBSnapshotIdentifier": name,
        "DBSnapshotArn": _self(inst, "arn"),
        "Encrypted": Unknown(f"{inst.address}.encrypted (from the database)"),
        "Attributes": [
            {"AttributeName": "restore", "AttributeValues": v.get("shared_accounts") or []}
        ],
    }
    ctx.out("aws.rds.snapshot", inst, name, data)


# --- Lambda, SQS, SNS, ECR, EKS ---------------------------------------------------------------
def lambda_function(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "function_name")
    data: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": _self(inst, "arn"),
        "PackageType": v.get("package_type") or "Zip",
        "Role": v.get("role"),
        "Policy": None,
    }
    if data["PackageType"] == "Zip":
        data["Runtime"] = v.get("runtime")
    env = first(v, "environment")
    if env is not None:
        data["Environment"] = {"Variables": env.get("variables") or {}}
    vpc = first(v, "vpc_config")
    subnets = vpc.get("subnet_ids") if vpc else None
    data["VpcConfig"] = {
        "SubnetIds": subnets or [],
        "SecurityGroupIds": (vpc or {}).get("security_group_ids") or [],
        "VpcId": _self(inst, "vpc_config.vpc_id") if subnets else "",
    }
    if isinstance(subnets, (Unknown, Unresolved)):
        data["VpcConfig"]["VpcId"] = subnets
    ctx.out("aws.lambda.function", inst, name, redact(data))


def _permission(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    v = inst.values
    principal = v.get("principal")
    if principal == "*":
        who: Any = "*"
    elif isinstance(principal, str) and principal.endswith(".amazonaws.com"):
        who = {"Service": principal}
    elif isinstance(principal, str) and principal.isdigit():
        who = {"AWS": f"arn:aws:iam::{principal}:root"}
    else:
        who = {"AWS": principal}
    st: dict[str, Any] = {
        "Sid": v.get("statement_id") or inst.address,
        "Effect": "Allow",
        "Principal": who,
        "Action": v.get("action"),
        "Resource": out.data["FunctionArn"],
    }
    cond: dict[str, Any] = {}
    if v.get("source_arn") is not None:
        cond["ArnLike"] = {"AWS:SourceArn": v["source_arn"]}
    if v.get("source_account") is not None:
        cond.setdefault("StringEquals", {})["AWS:SourceAccount"] = v["source_account"]
    if v.get("principal_org_id") is not None:
        cond.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = v["principal_org_id"]
    if v.get("function_url_auth_type") is not None:
        cond.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = v[
            "function_url_auth_type"
        ]
    if cond:
        st["Condition"] = cond
    if out.data["Policy"] is None:
        out.data["Policy"] = {"Version": "2012-10-17", "Id": "default", "Statement": []}
    out.data["Policy"]["Statement"].append(st)


def sqs_queue(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    attrs: dict[str, Any] = {"QueueArn": _self(inst, "arn")}
    if v.get("kms_master_key_id") is not None:
        attrs["KmsMasterKeyId"] = v["kms_master_key_id"]
        attrs["SqsManagedSseEnabled"] = "false"
    else:
        sse = v.get("sqs_managed_sse_enabled")
        attrs["SqsManagedSseEnabled"] = (
            boolstr(sse) if sse is not None else Unknown(f"{inst.address}.sqs_managed_sse_enabled")
        )
    attrs["Policy"] = document(v["policy"]) if v.get("policy") is not None else None
    data = {"QueueUrl": _self(inst, "url"), "Attributes": attrs}
    ctx.out("aws.sqs.queue", inst, name, data)


def sns_topic(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    attrs: dict[str, Any] = {"TopicArn": _self(inst, "arn")}
    if v.get("kms_master_key_id") is not None:
        attrs["KmsMasterKeyId"] = v["kms_master_key_id"]
    attrs["Policy"] = document(v["policy"]) if v.get("policy") is not None else None
    ctx.out("aws.sns.topic", inst, name, {"TopicArn": _self(inst, "arn"), "Attributes": attrs})


def _policy_into(key: str) -> Any:
    def fn(inst: Instance, out: Any, ctx: AwsCtx) -> None:
        out.data["Attributes"][key] = document(inst.values.get("policy"))

    return fn


def _repo_policy(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["Policy"] = document(inst.values.get("policy"))


def ecr_repository(inst: Instance, ctx: AwsCtx) -> None:
    name = _named(inst, "name")
    data: dict[str, Any] = {
        "repositoryName": name,
        "repositoryArn": _self(inst, "arn"),
        "Policy": None,
    }
    apply(
        [
            M("image_tag_mutability", "imageTagMutability", "MUTABLE"),
            M(
                "image_scanning_configuration[0].scan_on_push",
                "imageScanningConfiguration.scanOnPush",
                False,
            ),
            M(
                "encryption_configuration[0].encryption_type",
                "encryptionConfiguration.encryptionType",
                "AES256",
            ),
            M("encryption_configuration[0].kms_key", "encryptionConfiguration.kmsKey", SKIP),
        ],
        inst.values,
        data,
        inst.address,
    )
    ctx.out("aws.ecr.repository", inst, name, data)


def eks_cluster(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    data: dict[str, Any] = {"name": name, "arn": _self(inst, "arn")}
    apply(
        [
            M("version", "version", DEFER),
            M(
                "vpc_config[0].endpoint_public_access",
                "resourcesVpcConfig.endpointPublicAccess",
                True,
            ),
            M(
                "vpc_config[0].endpoint_private_access",
                "resourcesVpcConfig.endpointPrivateAccess",
                False,
            ),
            M(
                "vpc_config[0].public_access_cidrs",
                "resourcesVpcConfig.publicAccessCidrs",
                ["0.0.0.0/0"],
            ),
        ],
        v,
        data,
        inst.address,
    )
    data["encryptionConfig"] = [
        {
            "resources": e.get("resources"),
            "provider": {"keyArn": (first(e, "provider") or {}).get("key_arn")},
        }
        for e in blocks(v, "encryption_config")
    ]
    types = v.get("enabled_cluster_log_types") or []
    data["logging"] = {"clusterLogging": [{"types": types, "enabled": True}] if types else []}
    ctx.out("aws.eks.cluster", inst, name, data)


def _user_join(fn: Any) -> Mapper:
    return _join("aws.iam.user", "user", "user", fn)


MAPPERS: dict[str, Mapper] = {
    "aws_iam_user": iam_user,
    "aws_iam_role": iam_role,
    "aws_iam_policy": iam_policy,
    "aws_iam_account_password_policy": password_policy,
    "aws_cloudtrail": trail,
    "aws_db_instance": db_instance,
    "aws_rds_cluster_instance": db_instance,
    "aws_rds_cluster": db_cluster,
    "aws_db_snapshot": db_snapshot,
    "aws_lambda_function": lambda_function,
    "aws_sqs_queue": sqs_queue,
    "aws_sns_topic": sns_topic,
    "aws_ecr_repository": ecr_repository,
    "aws_eks_cluster": eks_cluster,
}
JOINS: dict[str, Mapper] = {
    "aws_iam_user_policy_attachment": _user_join(_attach("AttachedPolicies")),
    "aws_iam_user_policy": _user_join(_inline),
    "aws_iam_user_login_profile": _user_join(_login),
    "aws_iam_access_key": _user_join(_access_key),
    "aws_iam_user_group_membership": _groups,
    "aws_iam_group_membership": _groups,
    "aws_iam_role_policy_attachment": _join(
        "aws.iam.role", "role", "role", _attach("AttachedPolicies")
    ),
    "aws_iam_role_policy": _join("aws.iam.role", "role", "role", _inline),
    "aws_lambda_permission": _join("aws.lambda.function", "function_name", "function", _permission),
    "aws_ecr_repository_policy": _join(
        "aws.ecr.repository", "repository", "repository", _repo_policy
    ),
    "aws_sqs_queue_policy": _join("aws.sqs.queue", "queue_url", "queue", _policy_into("Policy")),
    "aws_sns_topic_policy": _join("aws.sns.topic", "arn", "topic", _policy_into("Policy")),
}
