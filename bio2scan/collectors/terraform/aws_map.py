"""AWS provider → the live AWS shapes: S3, EC2/VPC, KMS, CloudWatch Logs, IAM.

A setting the configuration does not declare is what the live collector reads for a resource
created without it: "not configured" (``null``) where AWS's API answers so (moto answers the
same way), the provider's documented default where it has one, and *known only after
deployment* where the provider leaves the choice to AWS (an Optional+Computed argument, such
as ``encrypted`` of a volume).
"""

from __future__ import annotations

from typing import Any

from .aws_common import AwsCtx, Mapper, boolstr, name_of, own_bucket_arn, tag_list
from .config import Instance
from .mapping import DEFER, SKIP, M, Out, apply, as_list, blocks, document, first, put, tag_map
from .values import Unknown, Unresolved

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _self_id(inst: Instance, attr: str = "id") -> Unknown:
    return Unknown(f"{inst.address}.{attr}", ref=inst.address)


# --- S3 ---------------------------------------------------------------------------------------
def _canned(acl: Any, owner: Any) -> Any:
    if isinstance(acl, (Unknown, Unresolved)):
        return acl
    grants = [{"Grantee": {"ID": owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    extra = {
        "private": [],
        "public-read": [(ALL_USERS, "READ")],
        "public-read-write": [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")],
        "authenticated-read": [(AUTH_USERS, "READ")],
        "log-delivery-write": [(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")],
        "bucket-owner-read": [],
        "bucket-owner-full-control": [],
        "aws-exec-read": [],
    }.get(str(acl))
    if extra is None:
        return Unresolved(f"unknown canned ACL {acl!r}")
    for uri, perm in extra:
        grants.append({"Grantee": {"Type": "Group", "URI": uri}, "Permission": perm})
    return {"Owner": {"ID": owner}, "Grants": grants}


def _grants(policy: dict[str, Any], owner: Any) -> dict[str, Any]:
    grants = []
    for g in blocks(policy, "grant"):
        gr = first(g, "grantee") or {}
        grantee: dict[str, Any] = {"Type": gr.get("type")}
        for k, live in (("uri", "URI"), ("id", "ID"), ("email_address", "EmailAddress")):
            if gr.get(k) is not None:
                grantee[live] = gr[k]
        grants.append({"Grantee": grantee, "Permission": g.get("permission")})
    o = first(policy, "owner") or {}
    return {"Owner": {"ID": o.get("id", owner)}, "Grants": grants}


def _sse(rules: list[dict[str, Any]]) -> dict[str, Any]:
    out = []
    for r in rules:
        d = first(r, "apply_server_side_encryption_by_default") or {}
        rule: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": d.get("sse_algorithm")}
        }
        if d.get("kms_master_key_id") is not None:
            rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = d["kms_master_key_id"]
        rule["BucketKeyEnabled"] = bool(r.get("bucket_key_enabled") or False)
        out.append(rule)
    return {"Rules": out}


def _lifecycle(rules: list[dict[str, Any]], legacy: bool) -> list[dict[str, Any]]:
    out = []
    for r in rules:
        if legacy:
            status: Any = r.get("enabled")
            status = "Enabled" if status is True else "Disabled" if status is False else status
        else:
            status = r.get("status")
        out.append({"ID": r.get("id"), "Status": status})
    return out


def s3_bucket(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    name = name_of(inst, "bucket")
    if name is None:
        name = Unknown(f"{inst.address}.bucket (a generated name)")  # bucket_prefix or random
    owner = _self_id(inst, "owner_id")
    data: dict[str, Any] = {
        "Name": name,
        "Region": ctx.region(inst),
        "Encryption": None,
        "PublicAccessBlock": None,
        "Policy": None,
        "PolicyStatus": None,
        "Versioning": {"Status": None, "MFADelete": None},
        "Logging": None,
        "ObjectLock": None,
        "Acl": _canned("private", owner),
        "OwnershipControls": None,
        "Lifecycle": None,
    }
    # the arguments of provider v3 (deprecated in v4, still common); in a v4+ plan they are
    # computed ("known after apply") when unset, and those count as not set. One the
    # configuration sets from something unknown (acl = data.x.y.acl) is known after apply.
    v = {
        k: x
        for k, x in v.items()
        if not (isinstance(x, Unknown) and x.origin == f"{inst.address}.{k}")
    }
    if v.get("acl") is not None:
        data["Acl"] = _canned(v["acl"], owner)
    if v.get("policy") is not None:
        data["Policy"] = document(v["policy"])
    ver = first(v, "versioning")
    if ver is not None:
        data["Versioning"] = {
            "Status": "Enabled" if ver.get("enabled") is True else ver.get("enabled") or None,
            "MFADelete": "Enabled" if ver.get("mfa_delete") is True else None,
        }
    log = first(v, "logging")
    if log is not None:
        data["Logging"] = {
            "TargetBucket": log.get("target_bucket"),
            "TargetPrefix": log.get("target_prefix", ""),
        }
    sse = first(v, "server_side_encryption_configuration")
    if sse is not None:
        data["Encryption"] = _sse(blocks(sse, "rule"))
    if blocks(v, "lifecycle_rule"):
        data["Lifecycle"] = _lifecycle(blocks(v, "lifecycle_rule"), legacy=True)
    if v.get("object_lock_enabled") is True or first(v, "object_lock_configuration"):
        data["ObjectLock"] = {"ObjectLockEnabled": "Enabled"}
        # S3 switches versioning on with Object Lock, and it cannot be suspended after
        data["Versioning"] = {"Status": "Enabled", "MFADelete": None}
    region = ctx.region(inst)
    out = ctx.out("aws.s3.bucket", inst, name, data)
    out.rid = None
    out.region = region


def _bucket_join(key: str, build: Any) -> Mapper:
    def join(inst: Instance, ctx: AwsCtx) -> None:
        ref = inst.values.get("bucket")
        out = ctx.reg.find("aws.s3.bucket", ref, inst.module)
        if out is None:
            ctx.reg.unjoined(inst, "bucket", ref)
            return
        value = build(inst.values, out)
        if key == "Policy":
            out.data["Policy"] = value
        else:
            put(out.data, key, value)

    return join


def _pab(v: dict[str, Any], out: Out) -> Any:
    return {
        "BlockPublicAcls": v.get("block_public_acls", False) or False,
        "IgnorePublicAcls": v.get("ignore_public_acls", False) or False,
        "BlockPublicPolicy": v.get("block_public_policy", False) or False,
        "RestrictPublicBuckets": v.get("restrict_public_buckets", False) or False,
    }


def _versioning(v: dict[str, Any], out: Out) -> Any:
    c = first(v, "versioning_configuration") or {}
    status = c.get("status")
    return {
        "Status": None if status == "Disabled" else status,
        "MFADelete": c.get("mfa_delete"),
    }


def _acl(v: dict[str, Any], out: Out) -> Any:
    owner = (out.data.get("Acl") or {}).get("Owner", {}).get("ID")
    pol = first(v, "access_control_policy")
    if pol is not None:
        return _grants(pol, owner)
    return _canned(v.get("acl") or "private", owner)


def _object_lock(v: dict[str, Any], out: Out) -> Any:
    out.data["Versioning"] = {"Status": "Enabled", "MFADelete": None}
    lock: dict[str, Any] = {"ObjectLockEnabled": v.get("object_lock_enabled") or "Enabled"}
    rule = first(v, "rule")
    ret = first(rule, "default_retention") if rule else None
    if ret:
        dr = {"Mode": ret.get("mode")}
        for k, live in (("days", "Days"), ("years", "Years")):
            if ret.get(k) is not None:
                dr[live] = ret[k]
        lock["Rule"] = {"DefaultRetention": dr}
    return lock


S3_JOINS: dict[str, Mapper] = {
    "aws_s3_bucket_public_access_block": _bucket_join("PublicAccessBlock", _pab),
    "aws_s3_bucket_policy": _bucket_join(
        "Policy", lambda v, o: own_bucket_arn(document(v.get("policy")), o)
    ),
    "aws_s3_bucket_server_side_encryption_configuration": _bucket_join(
        "Encryption", lambda v, o: _sse(blocks(v, "rule"))
    ),
    "aws_s3_bucket_versioning": _bucket_join("Versioning", _versioning),
    "aws_s3_bucket_logging": _bucket_join(
        "Logging",
        lambda v, o: {
            "TargetBucket": v.get("target_bucket"),
            "TargetPrefix": v.get("target_prefix") or "",
        },
    ),
    "aws_s3_bucket_object_lock_configuration": _bucket_join("ObjectLock", _object_lock),
    "aws_s3_bucket_acl": _bucket_join("Acl", _acl),
    "aws_s3_bucket_ownership_controls": _bucket_join(
        "OwnershipControls",
        lambda v, o: {
            "Rules": [{"ObjectOwnership": r.get("object_ownership")} for r in blocks(v, "rule")]
        },
    ),
    "aws_s3_bucket_lifecycle_configuration": _bucket_join(
        "Lifecycle", lambda v, o: _lifecycle(blocks(v, "rule"), legacy=False)
    ),
}


def s3_account_block(inst: Instance, ctx: AwsCtx) -> None:
    acct = inst.values.get("account_id") or ctx.account
    ctx.out(
        "aws.s3.account_public_access_block",
        inst,
        acct,
        {"PublicAccessBlockConfiguration": _pab(inst.values, None)},  # type: ignore[arg-type]
        regional=False,
    )


# --- EC2 security groups ----------------------------------------------------------------------
_PROTO = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1", "-1": "-1", "6": "tcp"}
_PROTO.update({"17": "udp", "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6"})


def _proto(p: Any) -> Any:
    if isinstance(p, (int, float)) and not isinstance(p, bool):
        p = str(int(p))
    return _PROTO.get(str(p).lower(), p) if isinstance(p, str) else p


def _perm(
    proto: Any, lo: Any, hi: Any, v4: Any, v6: Any, groups: Any, prefixes: Any, desc: Any
) -> dict[str, Any]:
    p: dict[str, Any] = {"IpProtocol": _proto(proto)}
    if p["IpProtocol"] != "-1":
        p["FromPort"], p["ToPort"] = lo, hi
    p["IpRanges"] = [_desc({"CidrIp": c}, desc) for c in as_list(v4)]
    p["Ipv6Ranges"] = [_desc({"CidrIpv6": c}, desc) for c in as_list(v6)]
    p["UserIdGroupPairs"] = [_desc({"GroupId": g}, desc) for g in as_list(groups)]
    p["PrefixListIds"] = [{"PrefixListId": x} for x in as_list(prefixes)]
    return p


def _desc(d: dict[str, Any], desc: Any) -> dict[str, Any]:
    if desc:
        d["Description"] = desc
    return d


def _inline_perm(b: dict[str, Any], own: Any) -> dict[str, Any]:
    groups = as_list(b.get("security_groups"))
    if b.get("self") is True:
        groups = [*groups, own]
    return _perm(
        b.get("protocol"),
        b.get("from_port"),
        b.get("to_port"),
        b.get("cidr_blocks"),
        b.get("ipv6_cidr_blocks"),
        groups,
        b.get("prefix_list_ids"),
        b.get("description"),
    )


def _merge(perms: list[Any], new: Any) -> None:
    """AWS answers one permission per protocol and port range, with all its sources."""
    if not isinstance(new, dict):
        perms.append(new)
        return
    key = (new.get("IpProtocol"), new.get("FromPort"), new.get("ToPort"))
    for p in perms:
        if isinstance(p, dict) and (p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort")) == key:
            for k in ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds"):
                p[k] = list(p.get(k) or []) + list(new.get(k) or [])
            return
    perms.append(new)


def security_group(inst: Instance, ctx: AwsCtx, default: bool = False) -> None:
    v = inst.values
    own = _self_id(inst)
    gname = "default" if default else name_of(inst, "name")
    if gname is None:
        gname = Unknown(f"{inst.address}.name")  # name_prefix or a generated name
    ingress: list[Any] = []
    egress: list[Any] = []
    for b in blocks(v, "ingress"):
        _merge(ingress, _inline_perm(b, own))
    for b in blocks(v, "egress"):
        _merge(egress, _inline_perm(b, own))
    for key, lst in (("ingress", ingress), ("egress", egress)):
        if isinstance(v.get(key), (Unknown, Unresolved)):
            lst.append(v[key])
    data = {
        "GroupId": own,
        "GroupName": gname,
        "Description": v.get("description", "Managed by Terraform"),
        "VpcId": v.get("vpc_id"),
        "IpPermissions": ingress,
        "IpPermissionsEgress": egress,
    }
    tags = ctx.default_tags(inst) | tag_map(v.get("tags"))
    data["Tags"] = tag_list(tags)
    name = tags.get("Name") or (gname if isinstance(gname, str) else inst.address)
    ctx.out("aws.ec2.security_group", inst, name, data)


def sg_rule(inst: Instance, ctx: AwsCtx) -> None:
    """``aws_security_group_rule``, ``aws_vpc_security_group_ingress_rule`` / ``…egress_rule``."""
    v = inst.values
    ref = v.get("security_group_id")
    out = ctx.reg.find("aws.ec2.security_group", ref, inst.module)
    if out is None:
        ctx.reg.unjoined(inst, "security group", ref)
        return
    if inst.type == "aws_security_group_rule":
        egress = v.get("type") == "egress"
        groups = as_list(v.get("source_security_group_id"))
        if v.get("self") is True:
            groups.append(out.data["GroupId"])
        perm = _perm(
            v.get("protocol"),
            v.get("from_port"),
            v.get("to_port"),
            v.get("cidr_blocks"),
            v.get("ipv6_cidr_blocks"),
            groups,
            v.get("prefix_list_ids"),
            v.get("description"),
        )
    else:
        egress = inst.type.endswith("egress_rule")
        perm = _perm(
            v.get("ip_protocol"),
            v.get("from_port"),
            v.get("to_port"),
            v.get("cidr_ipv4"),
            v.get("cidr_ipv6"),
            v.get("referenced_security_group_id"),
            v.get("prefix_list_id"),
            v.get("description"),
        )
    _merge(out.data["IpPermissionsEgress" if egress else "IpPermissions"], perm)


# --- EC2 instances, volumes, snapshots, VPCs, ACLs, region settings ---------------------------
def instance(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    groups: list[Any] = [{"GroupId": g} for g in as_list(v.get("vpc_security_group_ids"))]
    for gname in as_list(v.get("security_groups")):
        sg = ctx.reg.find("aws.ec2.security_group", gname, inst.module)
        groups.append({"GroupId": sg.data["GroupId"] if sg else gname, "GroupName": gname})
    sgs: Any = groups
    if not groups and not isinstance(v.get("vpc_security_group_ids"), (Unknown, Unresolved)):
        sgs = Unknown(f"{inst.address}.vpc_security_group_ids (the VPC's default group)")
    elif isinstance(v.get("vpc_security_group_ids"), (Unknown, Unresolved)):
        sgs = v["vpc_security_group_ids"]
    public = v.get("associate_public_ip_address")
    data: dict[str, Any] = {
        "InstanceId": _self_id(inst),
        "ImageId": v.get("ami"),
        "InstanceType": v.get("instance_type"),
        "State": {"Name": "running"},
        "SecurityGroups": sgs,
        "NetworkInterfaces": [],
        "Tags": tag_list(ctx.default_tags(inst) | tag_map(v.get("tags"))),
    }
    if public is True:
        data["PublicIpAddress"] = Unknown(f"{inst.address}.public_ip", inst.address, present=True)
    elif public is None:
        data["PublicIpAddress"] = Unknown(f"{inst.address}.public_ip (the subnet decides)")
    elif isinstance(public, (Unknown, Unresolved)):
        data["PublicIpAddress"] = public
    md = first(v, "metadata_options") or {}
    data["MetadataOptions"] = {
        "HttpTokens": md.get("http_tokens")
        or Unknown(f"{inst.address}.metadata_options.http_tokens (the AMI decides)"),
        "HttpEndpoint": md.get("http_endpoint") or "enabled",
    }
    if v.get("iam_instance_profile") is not None:
        data["IamInstanceProfile"] = {"Arn": _self_id(inst, "iam_instance_profile_arn")}
    if v.get("ipv6_address_count") or v.get("ipv6_addresses"):
        data["NetworkInterfaces"] = Unknown(f"{inst.address}.ipv6_addresses")
    name = (v.get("tags") or {}).get("Name") if isinstance(v.get("tags"), dict) else None
    ctx.out("aws.ec2.instance", inst, name if isinstance(name, str) else inst.address, data)


def volume(inst: Instance, ctx: AwsCtx) -> None:
    data: dict[str, Any] = {"VolumeId": _self_id(inst)}
    apply(
        [
            M("encrypted", "Encrypted", DEFER),
            M("kms_key_id", "KmsKeyId", SKIP),
            M("size", "Size", SKIP),
            M("availability_zone", "AvailabilityZone"),
        ],
        inst.values,
        data,
        inst.address,
    )
    ctx.out("aws.ec2.volume", inst, _tag_name(inst), data)


def snapshot(inst: Instance, ctx: AwsCtx) -> None:
    data: dict[str, Any] = {
        "SnapshotId": _self_id(inst),
        "Encrypted": Unknown(f"{inst.address}.encrypted (from the volume)"),
        "CreateVolumePermissions": [],
    }
    ctx.out("aws.ec2.snapshot", inst, _tag_name(inst), data)


def snapshot_permission(inst: Instance, ctx: AwsCtx) -> None:
    ref = inst.values.get("snapshot_id")
    out = ctx.reg.find("aws.ec2.snapshot", ref, inst.module)
    if out is None:
        ctx.reg.unjoined(inst, "snapshot", ref)
        return
    acct = inst.values.get("account_id")
    out.data["CreateVolumePermissions"].append(
        {"Group": "all"} if acct == "all" else {"UserId": acct}
    )


def _tag_name(inst: Instance) -> str:
    tags = inst.values.get("tags")
    n = tags.get("Name") if isinstance(tags, dict) else None
    return n if isinstance(n, str) else inst.address


def vpc(inst: Instance, ctx: AwsCtx) -> None:
    data: dict[str, Any] = {
        "VpcId": _self_id(inst),
        "CidrBlock": inst.values.get("cidr_block"),
        "FlowLogs": [],
    }
    ctx.out("aws.ec2.vpc", inst, _tag_name(inst), data)


def flow_log(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    ref = v.get("vpc_id")
    if ref is None:
        if v.get("resource_id") is None:
            return
        ref = v.get("resource_id")
    out = ctx.reg.find("aws.ec2.vpc", ref, inst.module)
    if out is None:
        ctx.reg.unjoined(inst, "VPC", ref)
        return
    out.data["FlowLogs"].append(
        {
            "FlowLogId": _self_id(inst),
            "FlowLogStatus": "ACTIVE",
            "TrafficType": v.get("traffic_type"),
            "LogDestinationType": v.get("log_destination_type") or "cloud-watch-logs",
            "LogDestination": v.get("log_destination"),
        }
    )
    # whether the logs arrive (DeliverLogsStatus) shows only once the flow log runs
    n = len(out.data["FlowLogs"]) - 1
    out.deferred[f"FlowLogs[{n}].DeliverLogsStatus"] = "delivery is known only after apply"


_NACL_PROTO = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1", "-1": "-1"}


def _nacl_entry(b: dict[str, Any], egress: bool) -> dict[str, Any]:
    proto = b.get("protocol")
    if isinstance(proto, (int, float)) and not isinstance(proto, bool):
        proto = str(int(proto))
    if isinstance(proto, str):
        proto = _NACL_PROTO.get(proto.lower(), proto)
    e: dict[str, Any] = {
        "RuleNumber": b.get("rule_no", b.get("rule_number")),
        "Protocol": proto,
        "RuleAction": b.get("action", b.get("rule_action")),
        "Egress": egress,
    }
    if b.get("cidr_block"):
        e["CidrBlock"] = b["cidr_block"]
    if b.get("ipv6_cidr_block"):
        e["Ipv6CidrBlock"] = b["ipv6_cidr_block"]
    if proto != "-1":
        e["PortRange"] = {"From": b.get("from_port"), "To": b.get("to_port")}
    return e


def network_acl(inst: Instance, ctx: AwsCtx, default: bool = False) -> None:
    v = inst.values
    entries = [_nacl_entry(b, False) for b in blocks(v, "ingress")]
    entries += [_nacl_entry(b, True) for b in blocks(v, "egress")]
    for egress in (False, True):  # the rule AWS puts last in every ACL
        entries.append(
            {
                "RuleNumber": 32767,
                "Protocol": "-1",
                "RuleAction": "deny",
                "Egress": egress,
                "CidrBlock": "0.0.0.0/0",
            }
        )
    data = {
        "NetworkAclId": _self_id(inst),
        "VpcId": v.get("vpc_id"),
        "IsDefault": default,
        "Entries": entries,
    }
    ctx.out("aws.ec2.network_acl", inst, _tag_name(inst), data)


def nacl_rule(inst: Instance, ctx: AwsCtx) -> None:
    v = inst.values
    ref = v.get("network_acl_id")
    out = ctx.reg.find("aws.ec2.network_acl", ref, inst.module)
    if out is None:
        ctx.reg.unjoined(inst, "network ACL", ref)
        return
    out.data["Entries"].insert(0, _nacl_entry(v, v.get("egress") is True))


def _region_settings(key: str, value: Any) -> Mapper:
    def build(inst: Instance, ctx: AwsCtx) -> None:
        out = ctx.region_out(
            "aws.ec2.region_settings",
            inst,
            {
                "EbsEncryptionByDefault": Unknown("not declared in this configuration"),
                "SnapshotBlockPublicAccess": Unknown("not declared in this configuration"),
            },
        )
        out.data[key] = value(inst.values)

    return build


MAPPERS: dict[str, Mapper] = {
    "aws_s3_bucket": s3_bucket,
    "aws_s3_account_public_access_block": s3_account_block,
    "aws_security_group": security_group,
    "aws_default_security_group": lambda i, c: security_group(i, c, default=True),
    "aws_instance": instance,
    "aws_ebs_volume": volume,
    "aws_ebs_snapshot": snapshot,
    "aws_vpc": vpc,
    "aws_network_acl": network_acl,
    "aws_default_network_acl": lambda i, c: network_acl(i, c, default=True),
    "aws_ebs_encryption_by_default": _region_settings(
        "EbsEncryptionByDefault", lambda v: v.get("enabled", True)
    ),
    "aws_ebs_snapshot_block_public_access": _region_settings(
        "SnapshotBlockPublicAccess", lambda v: v.get("state")
    ),
}
JOINS: dict[str, Mapper] = {
    **S3_JOINS,
    "aws_security_group_rule": sg_rule,
    "aws_vpc_security_group_ingress_rule": sg_rule,
    "aws_vpc_security_group_egress_rule": sg_rule,
    "aws_flow_log": flow_log,
    "aws_network_acl_rule": nacl_rule,
    "aws_snapshot_create_volume_permission": snapshot_permission,
}
__all__ = ["JOINS", "MAPPERS", "boolstr"]
