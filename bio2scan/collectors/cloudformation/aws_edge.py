"""CloudFormation → live shapes at the edge: Application/Network Load Balancers (with their
listeners and the attributes ELB gives every new load balancer), Classic Load Balancers,
CloudFront distributions (the ``ListDistributions`` summary plus ``Logging``) and Route 53
hosted zones (with DNSSEC signing).
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown, deferred
from .shapes import (
    ANY,
    BOOL,
    BOOLSTR,
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
    name_of,
)

# Attributes ELB reports for a new load balancer that sets none (the ones rules read, and the
# other documented security-relevant ones).
ALB_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
}
NLB_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "deletion_protection.enabled": "false",
    "load_balancing.cross_zone.enabled": "false",
}


def load_balancer_v2(item: Item, b: Build) -> None:
    p = item.props
    name = p.get("Name", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.elbv2.load_balancer", item, name, {}, tags=p.get("Tags")))
    d = out.data
    d["LoadBalancerArn"] = item.physical
    d["LoadBalancerName"] = name_of(out, "LoadBalancerName", name)
    d["DNSName"] = Sym(f"${{{item.logical}.DNSName}}", ref=item.logical)
    d["State"] = {"Code": "active"}
    fill(
        d,
        item,
        [
            F("Scheme", "Scheme", ENUM, "internet-facing"),
            F("Type", "Type", ENUM, "application"),
            F("IpAddressType", "IpAddressType", ENUM, "ipv4"),
            F("SecurityGroups", "SecurityGroups", LIST(STR)),
        ],
    )
    subnets = p.get("Subnets", MISSING)
    if subnets is MISSING:
        maps = p.get("SubnetMappings", [])
        subnets = (
            maps
            if isinstance(maps, Unknown)
            else [m.get("SubnetId") for m in maps if isinstance(m, dict)]
        )
    d["AvailabilityZones"] = (
        subnets
        if isinstance(subnets, Unknown)
        else [{"SubnetId": s, "ZoneName": Sym(f"${{AZ of {s}}}")} for s in subnets]
        if isinstance(subnets, list)
        else deferred("the load balancer's subnets")
    )
    defaults = ALB_ATTRIBUTES if d.get("Type") == "application" else NLB_ATTRIBUTES
    attrs: dict[str, Any] = dict(defaults)
    given = p.get("LoadBalancerAttributes", [])
    if isinstance(given, Unknown):
        d["Attributes"] = given
    else:
        for a in given if isinstance(given, list) else []:
            if isinstance(a, dict) and isinstance(a.get("Key"), str):
                attrs[a["Key"]] = BOOLSTR(a.get("Value"))
        d["Attributes"] = attrs
    d["Listeners"] = []


def listener(item: Item, b: Build) -> None:
    p = item.props
    out = b.target(p.get("LoadBalancerArn"), ["AWS::ElasticLoadBalancingV2::LoadBalancer"])
    if out is None:
        b.skip(
            item, f"its load balancer {p.get('LoadBalancerArn')} is not defined in this template"
        )
        return
    lis: dict[str, Any] = {
        "ListenerArn": item.physical,
        "LoadBalancerArn": out.data["LoadBalancerArn"],
    }
    fill(
        lis,
        item,
        [
            F("Port", "Port", INT),
            F("Protocol", "Protocol", ENUM),
            F("SslPolicy", "SslPolicy", ENUM),
            F("Certificates", "Certificates", ANY),
            F("AlpnPolicy", "AlpnPolicy", ANY),
        ],
    )
    lis["DefaultActions"] = LIST(_action)(p.get("DefaultActions", []))
    if lis.get("Protocol") in ("HTTPS", "TLS") and "SslPolicy" not in lis:
        lis["SslPolicy"] = deferred("the security policy ELB picks for a listener that names none")
    out.data["Listeners"].append(lis)


def _action(a: Any) -> Any:
    if not isinstance(a, dict):
        return a
    act: dict[str, Any] = {"Type": ENUM(a.get("Type"))}
    for k in ("TargetGroupArn", "Order", "ForwardConfig", "FixedResponseConfig"):
        if k in a:
            act[k] = a[k]
    rc = a.get("RedirectConfig")
    if isinstance(rc, dict):
        act["RedirectConfig"] = {
            "Protocol": ENUM(rc.get("Protocol", "#{protocol}")),
            "Port": STR(rc.get("Port", "#{port}")),
            "Host": STR(rc.get("Host", "#{host}")),
            "Path": STR(rc.get("Path", "/#{path}")),
            "Query": STR(rc.get("Query", "#{query}")),
            "StatusCode": ENUM(rc.get("StatusCode")),
        }
    elif rc is not None:
        act["RedirectConfig"] = rc
    return act


def load_balancer_classic(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.elb.load_balancer", item, item.physical, {}, tags=p.get("Tags")))
    d = out.data
    d["LoadBalancerName"] = name_of(out, "LoadBalancerName", item.physical)
    fill(d, item, [F("Scheme", "Scheme", ENUM, "internet-facing")])
    zones = p.get("AvailabilityZones", p.get("Subnets", []))
    d["AvailabilityZones"] = zones if isinstance(zones, Unknown) else LIST(STR)(zones)
    listeners = p.get("Listeners", [])
    if isinstance(listeners, Unknown):
        d["ListenerDescriptions"] = listeners
    else:
        d["ListenerDescriptions"] = [
            {
                "Listener": {
                    "Protocol": ENUM(str(li.get("Protocol", "")).upper()),
                    "LoadBalancerPort": INT(li.get("LoadBalancerPort")),
                    "InstanceProtocol": ENUM(
                        str(li.get("InstanceProtocol", li.get("Protocol", ""))).upper()
                    ),
                    "InstancePort": INT(li.get("InstancePort")),
                    **(
                        {"SSLCertificateId": STR(li["SSLCertificateId"])}
                        if "SSLCertificateId" in li
                        else {}
                    ),
                },
                "PolicyNames": li.get("PolicyNames", []),
            }
            for li in listeners
            if isinstance(li, dict)
        ]
    pols = p.get("Policies", [])
    d["Policies"] = (
        pols
        if isinstance(pols, Unknown)
        else [
            {
                "PolicyName": STR(x.get("PolicyName")),
                "PolicyTypeName": STR(x.get("PolicyType")),
                "PolicyAttributeDescriptions": [
                    {"AttributeName": a.get("Name"), "AttributeValue": BOOLSTR(a.get("Value"))}
                    for a in (x.get("Attributes") or [])
                    if isinstance(a, dict)
                ],
            }
            for x in pols
            if isinstance(x, dict)
        ]
    )
    secure = (
        [
            li
            for li in d["ListenerDescriptions"]
            if isinstance(d["ListenerDescriptions"], list)
            and li["Listener"]["Protocol"] in ("HTTPS", "SSL")
        ]
        if isinstance(d["ListenerDescriptions"], list)
        else []
    )
    if any(not li["PolicyNames"] for li in secure):
        out.defer("Policies", "the TLS policy ELB gives a secure listener that names none")
    for pol in d["Policies"] if isinstance(d["Policies"], list) else []:
        names = [a["AttributeName"] for a in pol["PolicyAttributeDescriptions"]]
        if "Reference-Security-Policy" in names and not any(
            str(n).startswith("Protocol-") for n in names
        ):
            out.defer(
                "Policies",
                "ELB expands a predefined security policy into its settings at deployment",
            )


# --- CloudFront ------------------------------------------------------------------------------


def _items(v: Any, conv: Any = None) -> Any:
    """A CloudFormation list as CloudFront's ``{Quantity, Items}``."""
    if isinstance(v, Unknown):
        return v
    items = list(v) if isinstance(v, list) else []
    if conv is not None:
        items = [conv(x) for x in items]
    return {"Quantity": len(items), "Items": items}


def _origin(o: Any) -> Any:
    if not isinstance(o, dict):
        return o
    out: dict[str, Any] = {
        "Id": STR(o.get("Id")),
        "DomainName": STR(o.get("DomainName")),
        "OriginPath": STR(o.get("OriginPath", "")),
        "OriginAccessControlId": STR(o.get("OriginAccessControlId", "")),
    }
    s3 = o.get("S3OriginConfig")
    if isinstance(s3, dict):
        out["S3OriginConfig"] = {"OriginAccessIdentity": STR(s3.get("OriginAccessIdentity", ""))}
    elif s3 is not None:
        out["S3OriginConfig"] = s3
    c = o.get("CustomOriginConfig")
    if isinstance(c, dict):
        out["CustomOriginConfig"] = {
            "HTTPPort": INT(c.get("HTTPPort", 80)),
            "HTTPSPort": INT(c.get("HTTPSPort", 443)),
            "OriginProtocolPolicy": ENUM(c.get("OriginProtocolPolicy")),
            "OriginSslProtocols": _items(c["OriginSSLProtocols"], ENUM)
            if "OriginSSLProtocols" in c
            else deferred("the origin TLS protocols CloudFront uses when none are named"),
            "OriginReadTimeout": INT(c.get("OriginReadTimeout", 30)),
            "OriginKeepaliveTimeout": INT(c.get("OriginKeepaliveTimeout", 5)),
        }
    elif c is not None:
        out["CustomOriginConfig"] = c
    return out


def _behavior(bh: Any) -> Any:
    if not isinstance(bh, dict):
        return bh
    out = {k: v for k, v in bh.items() if k != "ViewerProtocolPolicy"}
    out["ViewerProtocolPolicy"] = ENUM(bh.get("ViewerProtocolPolicy"))
    return out


def distribution(item: Item, b: Build) -> None:
    cfg = item.props.get("DistributionConfig")
    domain = Sym(f"${{{item.logical}.DomainName}}", ref=item.logical)
    out = b.add(Out("aws.cloudfront.distribution", item, domain, {}, tags=item.props.get("Tags")))
    d = out.data
    d.update(
        {
            "Id": item.physical,
            "ARN": Sym(f"${{{item.logical}.Arn}}"),
            "DomainName": domain,
            "Status": "Deployed",
        }
    )
    if not isinstance(cfg, dict):
        d["DistributionConfig"] = (
            cfg if isinstance(cfg, Unknown) else deferred("the distribution configuration")
        )
        return
    c = Item(item.logical, item.type, cfg, item.line, item.physical)
    fill(
        d,
        c,
        [
            F("Enabled", "Enabled", BOOL),
            F("Comment", "Comment", STR, ""),
            F("PriceClass", "PriceClass", ENUM, "PriceClass_All"),
            F("HttpVersion", "HttpVersion", ENUM, "http1.1"),
            F("IsIPV6Enabled", "IPV6Enabled", BOOL, False),
            F("WebACLId", "WebACLId", STR, ""),
        ],
    )
    d["Aliases"] = _items(cfg.get("Aliases", []), STR)
    d["Origins"] = _items(cfg.get("Origins", []), _origin)
    groups = cfg.get("OriginGroups")
    d["OriginGroups"] = groups if isinstance(groups, (dict, Unknown)) else {"Quantity": 0}
    if isinstance(groups, dict) and "Quantity" in groups:
        d["OriginGroups"] = {**groups, "Quantity": INT(groups["Quantity"])}
    d["DefaultCacheBehavior"] = _behavior(cfg.get("DefaultCacheBehavior", {}))
    d["CacheBehaviors"] = _items(cfg.get("CacheBehaviors", []), _behavior)
    vc = cfg.get("ViewerCertificate", MISSING)
    if vc is MISSING:
        d["ViewerCertificate"] = {
            "CloudFrontDefaultCertificate": True,
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "cloudfront",
        }
    elif isinstance(vc, Unknown):
        d["ViewerCertificate"] = vc
    else:
        v: dict[str, Any] = {}
        fill(
            v,
            Item(item.logical, item.type, vc, item.line, None),
            [
                F("CloudFrontDefaultCertificate", "CloudFrontDefaultCertificate", BOOL, False),
                F("ACMCertificateArn", "AcmCertificateArn", STR),
                F("IAMCertificateId", "IamCertificateId", STR),
                F("SSLSupportMethod", "SslSupportMethod", ENUM),
                F("MinimumProtocolVersion", "MinimumProtocolVersion", ENUM, "TLSv1"),
            ],
        )
        v["CertificateSource"] = (
            "acm"
            if "ACMCertificateArn" in v
            else "iam"
            if "IAMCertificateId" in v
            else "cloudfront"
        )
        d["ViewerCertificate"] = v
    log = cfg.get("Logging", MISSING)
    if log is MISSING:
        d["Logging"] = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    elif isinstance(log, Unknown):
        d["Logging"] = log
    else:
        d["Logging"] = {
            "Enabled": True,
            "IncludeCookies": BOOL(log.get("IncludeCookies", False)),
            "Bucket": STR(log.get("Bucket", "")),
            "Prefix": STR(log.get("Prefix", "")),
        }


# --- Route 53 --------------------------------------------------------------------------------


def hosted_zone(item: Item, b: Build) -> None:
    p = item.props
    name = p.get("Name")
    if isinstance(name, str) and not name.endswith("."):
        name = type(name)(name + ".") if not isinstance(name, Sym) else Sym(name + ".")
    out = b.add(Out("aws.route53.hosted_zone", item, name, {}, tags=p.get("HostedZoneTags")))
    private = bool(p.get("VPCs")) if not isinstance(p.get("VPCs"), Unknown) else p["VPCs"]
    out.data.update(
        {
            "Id": Sym(f"/hostedzone/${{{item.logical}}}", ref=item.logical),
            "Name": name,
            "Config": {
                "PrivateZone": private,
                "Comment": get(p, "HostedZoneConfig.Comment")
                if get(p, "HostedZoneConfig.Comment") is not MISSING
                else "",
            },
            "DNSSEC": None if private is True else {"ServeSignature": "NOT_SIGNING"},
        }
    )


def dnssec(item: Item, b: Build) -> None:
    out = b.target(item.props.get("HostedZoneId"), ["AWS::Route53::HostedZone"])
    if out is None:
        b.skip(
            item,
            f"its hosted zone {item.props.get('HostedZoneId')} is not defined in this template",
        )
        return
    ksk = [
        k
        for k in b.of_type("AWS::Route53::KeySigningKey")
        if isinstance(k.props.get("HostedZoneId"), Sym)
        and k.props["HostedZoneId"].ref == out.item.logical
    ]
    active = [k for k in ksk if str(k.props.get("Status", "")).upper() == "ACTIVE"]
    out.data["DNSSEC"] = {"ServeSignature": "SIGNING" if active else "NOT_SIGNING"}


def key_signing_key(item: Item, b: Build) -> None:
    """Read by the DNSSEC resource of its zone."""


HANDLERS = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": load_balancer_v2,
    "AWS::ElasticLoadBalancing::LoadBalancer": load_balancer_classic,
    "AWS::CloudFront::Distribution": distribution,
    "AWS::Route53::HostedZone": hosted_zone,
    "AWS::Route53::KeySigningKey": key_signing_key,
}
JOINS = {
    "AWS::ElasticLoadBalancingV2::Listener": listener,
    "AWS::Route53::DNSSEC": dnssec,
}
