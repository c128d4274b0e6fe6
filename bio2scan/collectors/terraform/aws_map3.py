"""AWS provider → the live AWS shapes: load balancers, the per-region security services
(GuardDuty, Security Hub, Config, Inspector, Access Analyzer), Backup, Secrets Manager, Route 53
and ACM."""

from __future__ import annotations

from typing import Any

from .aws_common import AwsCtx, Mapper, boolstr, name_of
from .aws_map2 import _join, _named, _self
from .config import Instance
from .mapping import as_list, blocks, document, first
from .values import Unknown, Unresolved


# --- load balancers ---------------------------------------------------------------------------
def lb(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    lbtype = v.get("load_balancer_type") or "application"
    subnets = v.get("subnets")
    if subnets is None:
        subnets = [m.get("subnet_id") for m in blocks(v, "subnet_mapping")]
    azs: Any = [{"SubnetId": s} for s in subnets] if isinstance(subnets, list) else subnets
    logs = first(v, "access_logs") or {}
    attrs = {
        "access_logs.s3.enabled": boolstr(logs.get("enabled", bool(logs.get("bucket"))))
        if logs
        else "false",
        "deletion_protection.enabled": boolstr(v.get("enable_deletion_protection", False)),
    }
    if lbtype == "application":
        attrs["routing.http.drop_invalid_header_fields.enabled"] = boolstr(
            v.get("drop_invalid_header_fields", False)
        )
        attrs["routing.http.desync_mitigation_mode"] = (
            v.get("desync_mitigation_mode") or "defensive"
        )
    data = {
        "LoadBalancerName": name,
        "LoadBalancerArn": _self(inst, "arn"),
        "Type": lbtype,
        "Scheme": "internal" if v.get("internal") is True else "internet-facing",
        "AvailabilityZones": azs,
        "Listeners": [],
        "Attributes": attrs,
    }
    ctx.out("aws.elbv2.load_balancer", inst, name, data)


def _listener(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    v = inst.values
    actions = []
    for a in blocks(v, "default_action"):
        act: dict[str, Any] = {"Type": a.get("type")}
        r = first(a, "redirect")
        if r is not None:
            act["RedirectConfig"] = {
                "Protocol": r.get("protocol") or "#{protocol}",
                "Port": r.get("port") or "#{port}",
                "StatusCode": r.get("status_code"),
            }
        actions.append(act)
    proto = v.get("protocol") or ("HTTP" if out.data["Type"] == "application" else "TCP")
    lst: dict[str, Any] = {"Port": v.get("port"), "Protocol": proto, "DefaultActions": actions}
    if proto in ("HTTPS", "TLS"):
        lst["SslPolicy"] = v.get("ssl_policy") or "ELBSecurityPolicy-2016-08"
    out.data["Listeners"].append(lst)


def classic_elb(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    listeners = [
        {
            "Listener": {
                "Protocol": str(b.get("lb_protocol") or "").upper(),
                "LoadBalancerPort": b.get("lb_port"),
                "InstanceProtocol": str(b.get("instance_protocol") or "").upper(),
                "InstancePort": b.get("instance_port"),
                "SSLCertificateId": b.get("ssl_certificate_id"),
            },
            "PolicyNames": Unknown(f"{inst.address}: listener policies are set at apply"),
        }
        for b in blocks(v, "listener")
    ]
    zones = v.get("availability_zones") or v.get("subnets") or []
    data = {
        "LoadBalancerName": name,
        "Scheme": "internal" if v.get("internal") is True else "internet-facing",
        "ListenerDescriptions": listeners,
        "AvailabilityZones": zones,
        "Policies": Unknown(f"{inst.address}: the ELB's default TLS policy is chosen at apply"),
    }
    ctx.out("aws.elb.load_balancer", inst, name, data)


# --- per-region security services -------------------------------------------------------------
def guardduty(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    ds = first(v, "datasources") or {}
    det: dict[str, Any] = {
        "DetectorId": _self(inst),
        "Status": "ENABLED" if v.get("enable", True) is True else "DISABLED",
        "DataSources": {
            "S3Logs": {
                "Status": "ENABLED" if (first(ds, "s3_logs") or {}).get("enable") else "DISABLED"
            },
        },
        "Features": [],
    }
    ctx.region_out("aws.guardduty.region", inst, {"Detectors": []}).data["Detectors"].append(det)


def _gd_feature(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    ref = v.get("detector_id")
    out = ctx.reg.find("aws.guardduty.region", f"{ctx.account}/{ctx.region(inst) or '(region)'}")
    dets = [
        d
        for d in (out.data["Detectors"] if out else [])
        if d["DetectorId"].ref == getattr(ref, "ref", None)
    ]
    if not dets:
        ctx.reg.unjoined(inst, "detector", ref)
        return
    dets[0]["Features"].append({"Name": v.get("name"), "Status": v.get("status")})


def securityhub(inst: Instance, ctx: AwsCtx) -> None:
    out = ctx.region_out("aws.securityhub.region", inst, {"Hub": None, "Standards": []})
    out.data["Hub"] = {"HubArn": _self(inst, "arn")}


def _sh_standard(inst: Instance, ctx: AwsCtx) -> None:
    out = ctx.region_out("aws.securityhub.region", inst, {"Hub": None, "Standards": []})
    out.data["Standards"].append(
        {"StandardsArn": inst.values.get("standards_arn"), "StandardsStatus": "READY"}
    )


def config_recorder(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    rg = first(v, "recording_group") or {}
    rec = {
        "name": v.get("name") or "default",
        "roleARN": v.get("role_arn"),
        "recordingGroup": {
            "allSupported": rg.get("all_supported", True),
            "includeGlobalResourceTypes": rg.get("include_global_resource_types", False),
        },
    }
    _config(inst, ctx).data["Recorders"].append(rec)


def _config(inst: Instance, ctx: AwsCtx) -> Any:
    return ctx.region_out(
        "aws.config.region", inst, {"Recorders": [], "RecorderStatus": [], "DeliveryChannels": []}
    )


def _config_status(inst: Instance, ctx: AwsCtx) -> None:
    _config(inst, ctx).data["RecorderStatus"].append(
        {
            "name": inst.values.get("name"),
            "recording": inst.values.get("is_enabled"),
            "lastStatus": Unknown("the recorder's last status is known after deployment"),
        }
    )


def _config_channel(inst: Instance, ctx: AwsCtx) -> None:
    _config(inst, ctx).data["DeliveryChannels"].append(
        {
            "name": inst.values.get("name") or "default",
            "s3BucketName": inst.values.get("s3_bucket_name"),
        }
    )


def inspector(inst: Instance, ctx: AwsCtx) -> None:
    types = [
        str(t).upper() for t in as_list(inst.values.get("resource_types")) if isinstance(t, str)
    ]
    status = {
        "accountId": ctx.account,
        "state": {"status": "ENABLED"},
        "resourceState": {
            t.lower(): {"status": "ENABLED" if t.upper() in types else "DISABLED"}
            for t in ("EC2", "ECR", "LAMBDA", "LAMBDA_CODE")
        },
    }
    ctx.region_out("aws.inspector2.region", inst, {"Status": status})


def analyzer(inst: Instance, ctx: AwsCtx) -> None:
    a = {
        "name": inst.values.get("analyzer_name"),
        "type": inst.values.get("type") or "ACCOUNT",
        "status": "ACTIVE",
    }
    ctx.region_out("aws.accessanalyzer.region", inst, {"Analyzers": []}).data["Analyzers"].append(a)


# --- Backup, Secrets Manager, Route 53, ACM ---------------------------------------------------
def backup_vault(inst: Instance, ctx: AwsCtx) -> None:
    name = _named(inst, "name")
    data = {
        "BackupVaultName": name,
        "BackupVaultArn": _self(inst, "arn"),
        "Locked": False,
        "Policy": None,
    }
    ctx.out("aws.backup.vault", inst, name, data)


def _vault_lock(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["Locked"] = True
    out.data["MinRetentionDays"] = inst.values.get("min_retention_days")
    if inst.values.get("max_retention_days") is not None:
        out.data["MaxRetentionDays"] = inst.values["max_retention_days"]


def backup_plan(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "name")
    rules = []
    for r in blocks(v, "rule"):
        rule: dict[str, Any] = {
            "RuleName": r.get("rule_name"),
            "TargetBackupVaultName": r.get("target_vault_name"),
            "CopyActions": [
                {"DestinationBackupVaultArn": c.get("destination_vault_arn")}
                for c in blocks(r, "copy_action")
            ],
        }
        lc = first(r, "lifecycle")
        if lc is not None and lc.get("delete_after") is not None:
            rule["Lifecycle"] = {"DeleteAfterDays": lc["delete_after"]}
        rules.append(rule)
    data = {
        "BackupPlanName": name,
        "BackupPlanArn": _self(inst, "arn"),
        "Plan": {"BackupPlanName": name, "Rules": rules},
        "Selections": [],
    }
    ctx.out("aws.backup.plan", inst, name, data)


def _selection(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["Selections"].append({"SelectionName": inst.values.get("name")})


def secret(inst: Instance, ctx: AwsCtx) -> None:
    name = _named(inst, "name")
    data = {"Name": name, "ARN": _self(inst, "arn"), "RotationEnabled": False}
    data["Policy"] = document(inst.values["policy"]) if inst.values.get("policy") else None
    ctx.out("aws.secretsmanager.secret", inst, name, data)


def _set_policy(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["Policy"] = document(inst.values.get("policy"))


def _rotation(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    out.data["RotationEnabled"] = True
    rules = first(inst.values, "rotation_rules") or {}
    out.data["RotationRules"] = {"AutomaticallyAfterDays": rules.get("automatically_after_days")}
    out.data["LastRotatedDate"] = Unknown("rotated after deployment")


def zone(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = v.get("name")
    if isinstance(name, str) and not name.endswith("."):
        name += "."
    private = bool(blocks(v, "vpc"))
    data = {
        "Id": _self(inst, "zone_id"),
        "Name": name,
        "Config": {"PrivateZone": private},
        "DNSSEC": None if private else {"ServeSignature": "NOT_SIGNING"},
    }
    ctx.out("aws.route53.hosted_zone", inst, name, data, regional=False)


def _dnssec(inst: Instance, out: Any, ctx: AwsCtx) -> None:
    status = inst.values.get("signing_status") or "SIGNING"
    out.data["DNSSEC"] = {"ServeSignature": "SIGNING" if status == "SIGNING" else "NOT_SIGNING"}


def certificate(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = _named(inst, "domain_name")
    opts = first(v, "options") or {}
    data = {
        "CertificateArn": _self(inst, "arn"),
        "DomainName": name,
        "Type": "IMPORTED" if v.get("certificate_body") else "AMAZON_ISSUED",
        "Status": Unknown("issued after deployment"),
        "KeyAlgorithm": _key_algorithm(v.get("key_algorithm")),
        "NotAfter": Unknown("issued after deployment"),
        "Options": {
            "CertificateTransparencyLoggingPreference": opts.get(
                "certificate_transparency_logging_preference", "ENABLED"
            )
        },
    }
    if v.get("certificate_body"):
        data["KeyAlgorithm"] = Unknown("read from the imported certificate")
    ctx.out("aws.acm.certificate", inst, name, data)


def _key_algorithm(v: Any) -> Any:
    if v is None:
        return "RSA-2048"
    if isinstance(v, str):
        return v.replace("RSA_", "RSA-").replace("EC_", "EC-")
    return v


# --- KMS and CloudWatch Logs ------------------------------------------------------------------
def kms_key(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    spec = v.get("customer_master_key_spec") or v.get("key_spec") or "SYMMETRIC_DEFAULT"
    enabled = v.get("is_enabled")
    data: dict[str, Any] = {
        "KeyId": _self(inst),
        "Arn": _self(inst, "arn"),
        "KeyManager": "CUSTOMER",
        "KeySpec": spec,
        "KeyUsage": v.get("key_usage") or "ENCRYPT_DECRYPT",
        "KeyState": "Disabled"
        if enabled is False
        else enabled
        if isinstance(enabled, (Unknown, Unresolved))
        else "Enabled",
        "Origin": "AWS_KMS",
        "MultiRegion": v.get("multi_region") or False,
        "Description": v.get("description") or "",
        "RotationEnabled": (v.get("enable_key_rotation") or False)
        if spec == "SYMMETRIC_DEFAULT"
        else None,
        "Policy": document(v.get("policy"))
        if v.get("policy") is not None
        else _default_key_policy(ctx),
    }
    ctx.out("aws.kms.key", inst, inst.address, data)


def _default_key_policy(ctx: AwsCtx) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ctx.account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def log_group(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = name_of(inst, "name") or Unknown(f"{inst.address}.name")
    data: dict[str, Any] = {"logGroupName": name, "arn": _self(inst, "arn")}
    if v.get("retention_in_days") not in (None, 0):
        data["retentionInDays"] = v["retention_in_days"]
    if v.get("kms_key_id") is not None:
        data["kmsKeyId"] = v["kms_key_id"]
    ctx.out("aws.logs.log_group", inst, name, data)


MAPPERS: dict[str, Mapper] = {
    "aws_kms_key": kms_key,
    "aws_cloudwatch_log_group": log_group,
    "aws_lb": lb,
    "aws_alb": lb,
    "aws_elb": classic_elb,
    "aws_guardduty_detector": guardduty,
    "aws_securityhub_account": securityhub,
    "aws_config_configuration_recorder": config_recorder,
    "aws_inspector2_enabler": inspector,
    "aws_accessanalyzer_analyzer": analyzer,
    "aws_backup_vault": backup_vault,
    "aws_backup_plan": backup_plan,
    "aws_secretsmanager_secret": secret,
    "aws_route53_zone": zone,
    "aws_acm_certificate": certificate,
}
JOINS: dict[str, Mapper] = {
    "aws_lb_listener": _join(
        "aws.elbv2.load_balancer", "load_balancer_arn", "load balancer", _listener
    ),
    "aws_alb_listener": _join(
        "aws.elbv2.load_balancer", "load_balancer_arn", "load balancer", _listener
    ),
    "aws_guardduty_detector_feature": _gd_feature,
    "aws_securityhub_standards_subscription": _sh_standard,
    "aws_config_configuration_recorder_status": _config_status,
    "aws_config_delivery_channel": _config_channel,
    "aws_backup_vault_lock_configuration": _join(
        "aws.backup.vault", "backup_vault_name", "backup vault", _vault_lock
    ),
    "aws_backup_selection": _join("aws.backup.plan", "plan_id", "backup plan", _selection),
    "aws_secretsmanager_secret_policy": _join(
        "aws.secretsmanager.secret", "secret_arn", "secret", _set_policy
    ),
    "aws_backup_vault_policy": _join(
        "aws.backup.vault", "backup_vault_name", "backup vault", _set_policy
    ),
    "aws_secretsmanager_secret_rotation": _join(
        "aws.secretsmanager.secret", "secret_id", "secret", _rotation
    ),
    "aws_route53_hosted_zone_dnssec": _join(
        "aws.route53.hosted_zone", "hosted_zone_id", "hosted zone", _dnssec
    ),
}
