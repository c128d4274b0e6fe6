"""CloudFormation → live shapes for EC2 and VPC: security groups (with separate ingress and
egress resources joined in, as ``DescribeSecurityGroups`` shows them), instances (their launch
template, security groups and whether they get a public address), volumes, VPCs (with their
flow logs) and network ACLs (with their entries).
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown, deferred
from .shapes import (
    BOOL,
    CIDR,
    ENUM,
    INT,
    MISSING,
    STR,
    Build,
    F,
    Item,
    Out,
    fill,
    joined,
    name_of,
    tag_value,
)

_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
_ALL_EGRESS = {
    "IpProtocol": "-1",
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    "Ipv6Ranges": [],
    "PrefixListIds": [],
    "UserIdGroupPairs": [],
}


def _named(item: Item, fallback: Any) -> Any:
    """The live collector's name: the ``Name`` tag, else the id."""
    tag = tag_value(item.props.get("Tags"), "Name")
    return tag if isinstance(tag, str) else fallback


def _protocol(v: Any) -> Any:
    p = ENUM(v)
    return _PROTOCOLS.get(p.lower(), p.lower()) if isinstance(p, str) else p


def permission(rule: Any, egress: bool = False) -> Any:
    """One CloudFormation ingress/egress rule as an ``IpPermissions`` entry."""
    if not isinstance(rule, dict):
        return rule if isinstance(rule, Unknown) else deferred("a security group rule")
    proto = _protocol(rule.get("IpProtocol"))
    perm: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if proto != "-1":
        for key in ("FromPort", "ToPort"):
            if key in rule:
                perm[key] = INT(rule[key])
    desc = {"Description": rule["Description"]} if "Description" in rule else {}
    if "CidrIp" in rule:
        perm["IpRanges"].append({"CidrIp": CIDR(rule["CidrIp"]), **desc})
    if "CidrIpv6" in rule:
        perm["Ipv6Ranges"].append({"CidrIpv6": CIDR(rule["CidrIpv6"]), **desc})
    group = rule.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    if group is not None:
        pair = {"GroupId": STR(group), **desc}
        if "SourceSecurityGroupOwnerId" in rule:
            pair["UserId"] = STR(rule["SourceSecurityGroupOwnerId"])
        perm["UserIdGroupPairs"].append(pair)
    plist = rule.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    if plist is not None:
        perm["PrefixListIds"].append({"PrefixListId": STR(plist), **desc})
    return perm


def merge(perms: list[Any]) -> list[Any]:
    """Rules with the same protocol and ports are one entry in the live API."""
    out: dict[Any, dict[str, Any]] = {}
    rest: list[Any] = []
    for p in perms:
        if not isinstance(p, dict):
            rest.append(p)
            continue
        key = (repr(p["IpProtocol"]), repr(p.get("FromPort")), repr(p.get("ToPort")))
        if key not in out:
            out[key] = p
        else:
            for k in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
                out[key][k].extend(p[k])
    return [*out.values(), *rest]


def security_group(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(
        Out("aws.ec2.security_group", item, _named(item, item.physical), {}, tags=p.get("Tags"))
    )
    d = out.data
    d["GroupId"] = item.physical
    d["GroupName"] = name_of(
        out, "GroupName", p.get("GroupName", Sym(f"${{{item.logical}}}", ref=item.logical))
    )
    d["OwnerId"] = b.account
    fill(d, item, [F("Description", "GroupDescription", STR), F("VpcId", "VpcId", STR)])
    d["IpPermissions"] = _rules(p.get("SecurityGroupIngress", []), False)
    egress = p.get("SecurityGroupEgress", MISSING)
    # CloudFormation keeps the default allow-all egress rule unless the group lists its own
    d["IpPermissionsEgress"] = [dict(_ALL_EGRESS)] if egress is MISSING else _rules(egress, True)


def _rules(rules: Any, egress: bool) -> Any:
    if isinstance(rules, Unknown):
        return rules
    if not isinstance(rules, list):
        return deferred("the security group rules")
    return merge([permission(r, egress) for r in rules])


def security_group_rule(item: Item, b: Build) -> None:
    egress = item.type.endswith("Egress")
    ref = item.props.get("GroupId", item.props.get("GroupName"))
    out = b.target(ref, ["AWS::EC2::SecurityGroup"])
    if out is None:
        b.skip(item, f"its security group {ref} is not defined in this template")
        return
    key = "IpPermissionsEgress" if egress else "IpPermissions"
    current = out.data.get(key)
    if isinstance(current, list):
        out.data[key] = merge([*current, permission(item.props, egress)])


# --- instances -------------------------------------------------------------------------------


def instance(item: Item, b: Build) -> None:
    p = dict(item.props)
    lt = _launch_template(p.get("LaunchTemplate"), b)
    data = lt.get("LaunchTemplateData") if isinstance(lt, dict) else None
    if isinstance(data, dict):  # the instance's own properties win over the launch template's
        p = {**{k: v for k, v in data.items() if k != "MetadataOptions"}, **p}
    out = b.add(Out("aws.ec2.instance", item, _named(item, item.physical), {}, tags=p.get("Tags")))
    d = out.data
    d["InstanceId"] = item.physical
    d["State"] = {"Code": 16, "Name": "running"}
    fill(
        d,
        Item(item.logical, item.type, p, item.line, item.physical),
        [
            F("ImageId", "ImageId", STR),
            F("InstanceType", "InstanceType", STR),
            F("KeyName", "KeyName", STR),
            F("SubnetId", "SubnetId", STR),
        ],
    )
    profile = p.get("IamInstanceProfile")
    if isinstance(profile, dict):  # a launch template names it {Arn} or {Name}
        profile = profile.get("Arn", profile.get("Name"))
    if isinstance(profile, Unknown):
        d["IamInstanceProfile"] = profile
    elif profile is not None:
        arn = (
            Sym(f"${{{profile.ref}.Arn}}", ref=profile.ref)
            if isinstance(profile, Sym) and profile.ref
            else (
                profile
                if str(profile).startswith("arn:")
                else joined("arn:aws:iam::", b.account, ":instance-profile/", profile)
            )
        )
        d["IamInstanceProfile"] = {"Arn": arn, "Id": Sym(f"${{{item.logical}.InstanceProfileId}}")}
    _metadata(out, data.get("MetadataOptions") if isinstance(data, dict) else None)
    nics = p.get("NetworkInterfaces")
    primary = (
        next(
            (n for n in nics if isinstance(n, dict) and str(n.get("DeviceIndex", "0")) == "0"), None
        )
        if isinstance(nics, list)
        else None
    )
    groups = p.get("SecurityGroupIds", p.get("SecurityGroups"))
    if primary is not None and groups is None:
        groups = primary.get("GroupSet", primary.get("Groups"))
    by_name = "SecurityGroupIds" not in p and "SecurityGroups" in p
    if isinstance(groups, Unknown):
        d["SecurityGroups"] = groups
    elif groups:
        d["SecurityGroups"] = [_group_ref(g, by_name, b) for g in groups]
    else:
        d["SecurityGroups"] = [{"GroupName": "default"}]
        out.defer(
            "SecurityGroups",
            "the instance uses its VPC's default security group, which this template does not define",
        )
    d["PublicIpAddress"] = _public_ip(item, p, primary, b)
    v6 = (primary or {}).get("Ipv6AddressCount", p.get("Ipv6AddressCount", 0))
    v6n = INT(v6)
    d["NetworkInterfaces"] = [
        {
            "Ipv6Addresses": [
                {"Ipv6Address": Sym(f"${{{item.logical}.Ipv6Address{i}}}")} for i in range(v6n)
            ]
            if isinstance(v6n, int)
            else v6n
        }
    ]


def _group_ref(g: Any, by_name: bool, b: Build) -> dict[str, Any]:
    t = b.target(g, ["AWS::EC2::SecurityGroup"])
    if t is None and by_name:
        t = next(
            (
                o
                for o in b.outs
                if o.rtype == "aws.ec2.security_group" and o.data.get("GroupName") == g
            ),
            None,
        )
    if t is not None:
        return {"GroupId": t.data["GroupId"], "GroupName": t.data.get("GroupName")}
    return {"GroupName" if by_name else "GroupId": g}


def _launch_template(spec: Any, b: Build) -> Any:
    if not isinstance(spec, dict):
        return None
    ref = spec.get("LaunchTemplateId", spec.get("LaunchTemplateName"))
    for item in b.of_type("AWS::EC2::LaunchTemplate"):
        if (isinstance(ref, Sym) and ref.ref == item.logical) or item.props.get(
            "LaunchTemplateName"
        ) == ref:
            return item.props
    return deferred(f"the launch template {ref} is not defined in this template")


def _metadata(out: Out, opts: Any) -> None:
    if isinstance(opts, Unknown):
        out.data["MetadataOptions"] = opts
        return
    opts = opts if isinstance(opts, dict) else {}
    m: dict[str, Any] = {}
    fill(
        m,
        Item("", "", opts, 0, None),
        [
            F("HttpTokens", "HttpTokens", ENUM),
            F("HttpEndpoint", "HttpEndpoint", ENUM, "enabled"),
            F("HttpPutResponseHopLimit", "HttpPutResponseHopLimit", INT),
        ],
    )
    out.data["MetadataOptions"] = m
    if "HttpTokens" not in m and m.get("HttpEndpoint") != "disabled":
        out.defer(
            "MetadataOptions.HttpTokens",
            "IMDS defaults depend on the AMI and the account's settings",
        )


def _public_ip(item: Item, p: dict[str, Any], primary: Any, b: Build) -> Any:
    ip = Sym(f"${{{item.logical}.PublicIp}}")
    if any(
        isinstance(e.props.get("InstanceId"), Sym) and e.props["InstanceId"].ref == item.logical
        for e in b.of_type("AWS::EC2::EIP", "AWS::EC2::EIPAssociation")
    ):
        return ip
    if primary is not None and "AssociatePublicIpAddress" in primary:
        assoc = BOOL(primary["AssociatePublicIpAddress"])
        return assoc if isinstance(assoc, Unknown) else ip if assoc else None
    subnet = (primary or {}).get("SubnetId", p.get("SubnetId"))
    if subnet is None:
        return ip  # a default subnet of the default VPC gives every instance a public address
    for s in b.of_type("AWS::EC2::Subnet"):
        if isinstance(subnet, Sym) and subnet.ref == s.logical:
            mapped = BOOL(s.props.get("MapPublicIpOnLaunch", False))
            return mapped if isinstance(mapped, Unknown) else ip if mapped else None
    return deferred(f"whether subnet {subnet} gives instances a public address")


# --- volumes, VPCs, network ACLs -------------------------------------------------------------


def volume(item: Item, b: Build) -> None:
    out = b.add(
        Out("aws.ec2.volume", item, _named(item, item.physical), {}, tags=item.props.get("Tags"))
    )
    out.data["VolumeId"] = item.physical
    fill(
        out.data,
        item,
        [
            F(
                "Encrypted",
                "Encrypted",
                BOOL,
                deferred(
                    "an unset Encrypted follows the region's EBS encryption-by-default setting"
                ),
            ),
            F("KmsKeyId", "KmsKeyId", STR),
            F("Size", "Size", INT),
            F("VolumeType", "VolumeType", ENUM, "gp2"),
            F("AvailabilityZone", "AvailabilityZone", STR),
        ],
    )


def vpc(item: Item, b: Build) -> None:
    out = b.add(
        Out("aws.ec2.vpc", item, _named(item, item.physical), {}, tags=item.props.get("Tags"))
    )
    out.data.update({"VpcId": item.physical, "IsDefault": False, "FlowLogs": []})
    fill(
        out.data,
        item,
        [
            F("CidrBlock", "CidrBlock", CIDR),
            F("InstanceTenancy", "InstanceTenancy", ENUM, "default"),
        ],
    )


def flow_log(item: Item, b: Build) -> None:
    p = item.props
    if str(p.get("ResourceType")) != "VPC":
        b.skip(item, f"flow logs of a {p.get('ResourceType')} are not checked (only those of VPCs)")
        return
    out = b.target(p.get("ResourceId"), ["AWS::EC2::VPC"])
    if out is None:
        b.skip(item, f"its VPC {p.get('ResourceId')} is not defined in this template")
        return
    log: dict[str, Any] = {
        "FlowLogId": item.physical,
        "FlowLogStatus": "ACTIVE",
        "ResourceId": out.data.get("VpcId"),
    }
    fill(
        log,
        item,
        [
            F("TrafficType", "TrafficType", ENUM),
            F("LogDestinationType", "LogDestinationType", ENUM, "cloud-watch-logs"),
            F("LogDestination", "LogDestination", STR),
            F("LogGroupName", "LogGroupName", STR),
            F("DeliverLogsPermissionArn", "DeliverLogsPermissionArn", STR),
        ],
    )
    out.data["FlowLogs"].append(log)
    # whether the logs arrive (DeliverLogsStatus) shows only once the flow log runs
    n = len(out.data["FlowLogs"]) - 1
    out.defer(f"FlowLogs[{n}].DeliverLogsStatus", "delivery is known only after deployment")


_DEFAULT_DENY = [
    {
        "RuleNumber": 32767,
        "Protocol": "-1",
        "RuleAction": "deny",
        "Egress": e,
        "CidrBlock": "0.0.0.0/0",
    }
    for e in (False, True)
]


def network_acl(item: Item, b: Build) -> None:
    out = b.add(
        Out(
            "aws.ec2.network_acl",
            item,
            _named(item, item.physical),
            {},
            tags=item.props.get("Tags"),
        )
    )
    out.data.update(
        {
            "NetworkAclId": item.physical,
            "IsDefault": False,
            "Entries": [dict(e) for e in _DEFAULT_DENY],
        }
    )
    fill(out.data, item, [F("VpcId", "VpcId", STR)])


def network_acl_entry(item: Item, b: Build) -> None:
    out = b.target(item.props.get("NetworkAclId"), ["AWS::EC2::NetworkAcl"])
    if out is None:
        b.skip(
            item,
            f"its network ACL {item.props.get('NetworkAclId')} is not defined in this template",
        )
        return
    proto = INT(item.props.get("Protocol"))
    entry: dict[str, Any] = {"Protocol": str(proto) if isinstance(proto, int) else proto}
    fill(
        entry,
        item,
        [
            F("RuleNumber", "RuleNumber", INT),
            F("RuleAction", "RuleAction", ENUM),
            F("Egress", "Egress", BOOL, False),
            F("CidrBlock", "CidrBlock", CIDR),
            F("Ipv6CidrBlock", "Ipv6CidrBlock", CIDR),
            F("PortRange.From", "PortRange.From", INT),
            F("PortRange.To", "PortRange.To", INT),
            F("IcmpTypeCode", "Icmp", lambda v: v),
        ],
    )
    out.data["Entries"].append(entry)


def launch_template(item: Item, b: Build) -> None:
    """Read by the instances that use it; checked through them."""


def instance_groups_known(b: Build) -> None:
    """An instance whose security group has rules known only after deployment (or not at all)
    cannot be judged on its exposure: say so on the instance, where its rules read."""
    groups = {id(o): o for o in b.outs if o.rtype == "aws.ec2.security_group"}
    for o in b.outs:
        if o.rtype != "aws.ec2.instance" or not isinstance(o.data.get("SecurityGroups"), list):
            continue
        for ref in o.data["SecurityGroups"]:
            gid = ref.get("GroupId") if isinstance(ref, dict) else None
            g = b.target(gid, ["AWS::EC2::SecurityGroup"]) if gid is not None else None
            if gid is not None and g is None and "SecurityGroups" not in o.later:
                o.defer("SecurityGroups", f"security group {gid} is not defined in this template")
            if g is not None and id(g) in groups:
                from ..template_values import unknown_within

                bad = unknown_within(g.data.get("IpPermissions"))
                if bad is not None:
                    if bad.kind == "unresolved":
                        o.errors["SecurityGroups"] = f"security group {gid}: {bad.reason}"
                    else:
                        o.defer("SecurityGroups", f"security group {gid}: {bad.reason}")


def prefix_list(item: Item, b: Build) -> None:
    """A customer-managed prefix list (``AWS::EC2::PrefixList``), as DescribeManagedPrefixLists
    and GetManagedPrefixListEntries show it: security group rules that name it are judged on
    its entries."""
    p = item.props
    name = p.get("PrefixListName", item.physical)
    out = b.add(Out("aws.ec2.prefix_list", item, name, {}, tags=p.get("Tags")))
    d = out.data
    d["PrefixListId"] = item.physical
    d["PrefixListArn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    d["PrefixListName"] = name
    d["OwnerId"] = b.account
    fill(d, item, [F("AddressFamily", "AddressFamily", ENUM), F("MaxEntries", "MaxEntries", INT)])
    entries = p.get("Entries", [])
    if isinstance(entries, Unknown) or not isinstance(entries, list):
        d["Entries"] = entries if isinstance(entries, Unknown) else deferred("the entries")
        return
    d["Entries"] = [
        {
            "Cidr": CIDR(e.get("Cidr")),
            **({"Description": e["Description"]} if "Description" in e else {}),
        }
        if isinstance(e, dict)
        else e
        if isinstance(e, Unknown)
        else deferred("a prefix list entry")
        for e in entries
    ]


HANDLERS = {
    "AWS::EC2::PrefixList": prefix_list,
    "AWS::EC2::SecurityGroup": security_group,
    "AWS::EC2::Instance": instance,
    "AWS::EC2::Volume": volume,
    "AWS::EC2::VPC": vpc,
    "AWS::EC2::NetworkAcl": network_acl,
    "AWS::EC2::LaunchTemplate": launch_template,
}
JOINS = {
    "AWS::EC2::SecurityGroupIngress": security_group_rule,
    "AWS::EC2::SecurityGroupEgress": security_group_rule,
    "AWS::EC2::FlowLog": flow_log,
    "AWS::EC2::NetworkAclEntry": network_acl_entry,
}
POST = (instance_groups_known,)
