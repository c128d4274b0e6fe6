"""CloudFormation → live shapes for storage, keys and logs: S3 buckets (and their bucket
policies), CloudWatch log groups, ECR repositories (with their repository policy), KMS keys, AWS
Backup vaults (with their access policy) and plans (and selections).

Where a template leaves a setting out, the live shape gets what AWS sets for a new resource
(documented defaults: SSE-S3 and Block Public Access on new buckets …); where that depends on
something outside the template, the field is deferred. A resource policy the template does not
set is ``Policy: null``, as the live collector records "no policy".
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown, deferred, unknown_within
from .shapes import (
    BOOL,
    ENUM,
    INT,
    LIST,
    MISSING,
    STR,
    Build,
    F,
    Item,
    Out,
    fill,
    get,
    joined,
    name_of,
    policy,
)

# --- S3 --------------------------------------------------------------------------------------

_OWNER = {"Type": "CanonicalUser", "ID": Sym("${BucketOwner}")}
_GROUPS = "http://acs.amazonaws.com/groups/"
_CANNED = {  # canned ACL → the grants besides the owner's FULL_CONTROL
    "Private": [],
    "BucketOwnerRead": [],
    "BucketOwnerFullControl": [],
    "PublicRead": [("global/AllUsers", "READ")],
    "PublicReadWrite": [("global/AllUsers", "READ"), ("global/AllUsers", "WRITE")],
    "AuthenticatedRead": [("global/AuthenticatedUsers", "READ")],
    "LogDeliveryWrite": [("s3/LogDelivery", "WRITE"), ("s3/LogDelivery", "READ_ACP")],
    "AwsExecRead": [],
}
_SSE_DEFAULT = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": False,
        }
    ]
}
_PAB = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def s3_bucket(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.s3.bucket", item, item.physical, {}, tags=p.get("Tags")))
    d = out.data
    d["Name"] = name_of(out, "Name", item.physical)
    d["Region"] = b.region
    enc = get(p, "BucketEncryption.ServerSideEncryptionConfiguration")
    # new buckets get SSE-S3 when the template sets nothing (AWS, January 2023)
    d["Encryption"] = _SSE_DEFAULT if enc is MISSING else _sse(enc)
    pab = get(p, "PublicAccessBlockConfiguration")
    if pab is MISSING:  # all four on for new buckets (AWS, April 2023)
        d["PublicAccessBlock"] = dict.fromkeys(_PAB, True)
    elif isinstance(pab, Unknown):
        d["PublicAccessBlock"] = pab
    else:
        d["PublicAccessBlock"] = fill(
            {}, item, [F(k, f"PublicAccessBlockConfiguration.{k}", BOOL, False) for k in _PAB]
        )
    d["Policy"] = None
    d["PolicyStatus"] = None
    d["Versioning"] = {"Status": None, "MFADelete": None}
    fill(d, item, [F("Versioning.Status", "VersioningConfiguration.Status", ENUM)])
    log = get(p, "LoggingConfiguration")
    if log is MISSING:
        d["Logging"] = None
    elif isinstance(log, Unknown):
        d["Logging"] = log
    else:
        log = log if isinstance(log, dict) else {}
        d["Logging"] = {
            "TargetBucket": log.get("DestinationBucketName", item.physical),
            "TargetPrefix": log.get("LogFilePrefix", ""),
        }
    lock = get(p, "ObjectLockConfiguration")
    enabled = BOOL(p["ObjectLockEnabled"]) if "ObjectLockEnabled" in p else False
    if (isinstance(lock, dict) and lock.get("ObjectLockEnabled") == "Enabled") or enabled is True:
        d["ObjectLock"] = {"ObjectLockEnabled": "Enabled"}
        if isinstance(lock, dict) and "Rule" in lock:
            d["ObjectLock"]["Rule"] = lock["Rule"]
    else:
        d["ObjectLock"] = (
            enabled
            if isinstance(enabled, Unknown)
            else (lock if isinstance(lock, Unknown) else None)
        )
    own = get(p, "OwnershipControls.Rules")
    d["OwnershipControls"] = (
        {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # the default since April 2023
        if own is MISSING
        else own
        if isinstance(own, Unknown)
        else {"Rules": LIST(_ownership)(own)}
    )
    d["Acl"] = _acl(p.get("AccessControl", "Private"))
    rules = get(p, "LifecycleConfiguration.Rules")
    d["Lifecycle"] = None if rules is MISSING else LIST(_lifecycle)(rules)


def _sse(rules: Any) -> Any:
    if isinstance(rules, Unknown):
        return rules

    def rule(r: Any) -> Any:
        if not isinstance(r, dict):
            return r
        by_default = r.get("ServerSideEncryptionByDefault")
        out: dict[str, Any] = {"BucketKeyEnabled": BOOL(r.get("BucketKeyEnabled", False))}
        if isinstance(by_default, dict):
            apply: dict[str, Any] = {"SSEAlgorithm": ENUM(by_default.get("SSEAlgorithm"))}
            if "KMSMasterKeyID" in by_default:
                apply["KMSMasterKeyID"] = STR(by_default["KMSMasterKeyID"])
            out["ApplyServerSideEncryptionByDefault"] = apply
        elif isinstance(by_default, Unknown):
            out["ApplyServerSideEncryptionByDefault"] = by_default
        return out

    return {"Rules": LIST(rule)(rules)}


def _ownership(r: Any) -> Any:
    return {"ObjectOwnership": ENUM(r.get("ObjectOwnership"))} if isinstance(r, dict) else r


def _lifecycle(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    out: dict[str, Any] = {"ID": STR(r.get("Id", "")), "Status": ENUM(r.get("Status"))}
    if "ExpirationInDays" in r:
        out["Expiration"] = {"Days": INT(r["ExpirationInDays"])}
    for k in (
        "Prefix",
        "Transitions",
        "NoncurrentVersionExpiration",
        "AbortIncompleteMultipartUpload",
    ):
        if k in r:
            out[k] = r[k]
    return out


def _acl(canned: Any) -> Any:
    if isinstance(canned, (Unknown, Sym)):
        return canned if isinstance(canned, Unknown) else deferred(f"the bucket ACL {canned}")
    extra = _CANNED.get(str(canned))
    if extra is None:
        return deferred(f"the canned ACL {canned!r} is not one bio2scan knows")
    grants: list[dict[str, Any]] = [{"Grantee": dict(_OWNER), "Permission": "FULL_CONTROL"}]
    for uri, perm in extra:
        grants.append({"Grantee": {"Type": "Group", "URI": _GROUPS + uri}, "Permission": perm})
    return {"Owner": {"ID": _OWNER["ID"]}, "Grants": grants}


def s3_bucket_policy(item: Item, b: Build) -> None:
    out = b.target(item.props.get("Bucket"), ["AWS::S3::Bucket"])
    if out is None:
        b.skip(item, f"its bucket {item.props.get('Bucket')} is not defined in this template")
        return
    doc = policy(item.props.get("PolicyDocument", {}))
    out.data["Policy"] = doc
    out.data["PolicyStatus"] = policy_status(doc)


def policy_status(doc: Any) -> Any:
    """What ``GetBucketPolicyStatus`` will say, where it is certain: not public when no Allow
    statement names every principal, public when one does without any condition. A statement
    for everyone with conditions is AWS's call at deployment."""
    bad = unknown_within(doc)
    if bad:
        return bad
    stmts = doc.get("Statement") if isinstance(doc, dict) else None
    stmts = [stmts] if isinstance(stmts, dict) else stmts if isinstance(stmts, list) else []
    verdict = False
    for s in stmts:
        if not isinstance(s, dict) or str(s.get("Effect", "")).lower() != "allow":
            continue
        pr = s.get("Principal")
        everyone = pr == "*" or (
            isinstance(pr, dict)
            and any("*" in (v if isinstance(v, list) else [v]) for v in pr.values())
        )
        if not everyone:
            continue
        if s.get("Condition"):
            return deferred(
                "whether AWS rates a policy for every principal with conditions as public"
            )
        verdict = True
    return {"IsPublic": verdict}


# --- CloudWatch Logs, ECR, KMS ---------------------------------------------------------------


def log_group(item: Item, b: Build) -> None:
    out = b.add(Out("aws.logs.log_group", item, item.physical, {}))
    out.data["logGroupName"] = name_of(out, "logGroupName", item.physical)
    out.data["arn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    fill(
        out.data,
        item,
        [
            F("retentionInDays", "RetentionInDays", INT),
            F("kmsKeyId", "KmsKeyId", STR),
            F("logGroupClass", "LogGroupClass", ENUM, "STANDARD"),
        ],
    )


ECR_FIELDS = (
    F("repositoryArn", None, default=lambda i: Sym(f"${{{i.logical}.Arn}}", ref=i.logical)),
    F("imageTagMutability", "ImageTagMutability", ENUM, "MUTABLE"),
    F(
        "imageScanningConfiguration.scanOnPush",
        "ImageScanningConfiguration.ScanOnPush",
        BOOL,
        False,
    ),
    F(
        "encryptionConfiguration.encryptionType",
        "EncryptionConfiguration.EncryptionType",
        ENUM,
        "AES256",
    ),
    F("encryptionConfiguration.kmsKey", "EncryptionConfiguration.KmsKey", STR),
)


def ecr_repository(item: Item, b: Build) -> None:
    out = b.add(Out("aws.ecr.repository", item, item.physical, {}, tags=item.props.get("Tags")))
    out.data["repositoryName"] = name_of(out, "repositoryName", item.physical)
    fill(out.data, item, ECR_FIELDS)
    out.data["Policy"] = policy(item.props.get("RepositoryPolicyText"))


KMS_FIELDS = (
    F("KeySpec", "KeySpec", ENUM, "SYMMETRIC_DEFAULT"),
    F("KeyUsage", "KeyUsage", ENUM, "ENCRYPT_DECRYPT"),
    F("Origin", "Origin", ENUM, "AWS_KMS"),
    F("MultiRegion", "MultiRegion", BOOL, False),
    F("Enabled", "Enabled", BOOL, True),
    F("Description", "Description", STR, ""),
    F("RotationEnabled", "EnableKeyRotation", BOOL, False),
    F("Policy", "KeyPolicy", policy),
)


def kms_key(item: Item, b: Build) -> None:
    out = b.add(Out("aws.kms.key", item, item.physical, {}, tags=item.props.get("Tags")))
    d = out.data
    d["KeyId"] = item.physical
    d["Arn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    d["KeyManager"] = "CUSTOMER"
    fill(d, item, KMS_FIELDS)
    enabled = d.get("Enabled")
    d["KeyState"] = (
        enabled if isinstance(enabled, Unknown) else "Enabled" if enabled else "Disabled"
    )
    if d.get("KeySpec") != "SYMMETRIC_DEFAULT" or d.get("Origin") != "AWS_KMS":
        d["RotationEnabled"] = None  # rotation does not exist for these keys (as live)
    if "Policy" not in d:  # the key policy AWS gives a key created without one
        d["Policy"] = {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": joined("arn:aws:iam::", b.account, ":root")},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }


# --- AWS Backup ------------------------------------------------------------------------------


def backup_vault(item: Item, b: Build) -> None:
    name = item.props.get("BackupVaultName", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.backup.vault", item, name, {}))
    d = out.data
    d["BackupVaultName"] = name
    d["BackupVaultArn"] = Sym(f"${{{item.logical}.BackupVaultArn}}", ref=item.logical)
    fill(d, item, [F("EncryptionKeyArn", "EncryptionKeyArn", STR)])
    d["Policy"] = policy(item.props.get("AccessPolicy"))
    lock = item.props.get("LockConfiguration")
    d["Locked"] = lock if isinstance(lock, Unknown) else lock is not None
    if isinstance(lock, dict):
        fill(
            d,
            item,
            [
                F("MinRetentionDays", "LockConfiguration.MinRetentionDays", INT),
                F("MaxRetentionDays", "LockConfiguration.MaxRetentionDays", INT),
            ],
        )


def _plan_rule(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    out: dict[str, Any] = {
        "RuleName": STR(r.get("RuleName")),
        "TargetBackupVaultName": STR(r.get("TargetBackupVault")),
    }
    for k in (
        "ScheduleExpression",
        "StartWindowMinutes",
        "CompletionWindowMinutes",
        "EnableContinuousBackup",
    ):
        if k in r:
            out[k] = r[k]
    if "Lifecycle" in r:
        out["Lifecycle"] = _lifecycle_days(r["Lifecycle"])
    out["CopyActions"] = (
        [
            {
                "DestinationBackupVaultArn": STR(c.get("DestinationBackupVaultArn")),
                **({"Lifecycle": _lifecycle_days(c["Lifecycle"])} if "Lifecycle" in c else {}),
            }
            if isinstance(c, dict)
            else c
            for c in (r.get("CopyActions") or [])
        ]
        if not isinstance(r.get("CopyActions"), Unknown)
        else r["CopyActions"]
    )
    return out


def _lifecycle_days(lc: Any) -> Any:
    if not isinstance(lc, dict):
        return lc
    return {k: INT(v) if k.endswith("Days") else v for k, v in lc.items()}


def backup_plan(item: Item, b: Build) -> None:
    plan = item.props.get("BackupPlan")
    name = plan.get("BackupPlanName") if isinstance(plan, dict) else plan
    out = b.add(Out("aws.backup.plan", item, name, {}))
    d = out.data
    d["BackupPlanId"] = item.physical
    d["BackupPlanArn"] = Sym(f"${{{item.logical}.BackupPlanArn}}", ref=item.logical)
    d["BackupPlanName"] = name
    if isinstance(plan, dict):
        rules = plan.get("BackupPlanRule")
        d["Plan"] = {
            "BackupPlanName": name,
            "Rules": LIST(_plan_rule)(rules if rules is not None else []),
        }
    else:
        d["Plan"] = plan if isinstance(plan, Unknown) else deferred("the backup plan")
    d["Selections"] = []


def backup_selection(item: Item, b: Build) -> None:
    out = b.target(item.props.get("BackupPlanId"), ["AWS::Backup::BackupPlan"])
    if out is None:
        b.skip(item, f"its plan {item.props.get('BackupPlanId')} is not defined in this template")
        return
    sel = item.props.get("BackupSelection")
    sel = sel if isinstance(sel, dict) else {}
    out.data["Selections"].append(
        {
            "SelectionId": Sym(f"${{{item.logical}.SelectionId}}", ref=item.logical),
            "SelectionName": sel.get("SelectionName"),
            "BackupPlanId": out.data.get("BackupPlanId"),
            "IamRoleArn": sel.get("IamRoleArn"),
        }
    )


HANDLERS = {
    "AWS::S3::Bucket": s3_bucket,
    "AWS::Logs::LogGroup": log_group,
    "AWS::ECR::Repository": ecr_repository,
    "AWS::KMS::Key": kms_key,
    "AWS::Backup::BackupVault": backup_vault,
    "AWS::Backup::BackupPlan": backup_plan,
}
JOINS = {
    "AWS::S3::BucketPolicy": s3_bucket_policy,
    "AWS::Backup::BackupSelection": backup_selection,
}
