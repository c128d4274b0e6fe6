"""Functions for AWS service data beyond IAM: classic ELB negotiation policies, network ACL and
security-group exposure, Amazon Inspector status, EKS logging, version comparison.

Registered by ``load_builtin_functions`` like every built-in function module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import Read, Related, function
from .aws import _as_list
from .tls import DEFAULT_GUIDELINE, at_least, rate_settings


def classic_negotiation(policy: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Enabled protocols and ciphers of a classic ELB ``SSLNegotiationPolicyType`` policy."""
    protocols, ciphers = [], []
    for attr in _as_list(policy.get("PolicyAttributeDescriptions")):
        if not isinstance(attr, dict) or str(attr.get("AttributeValue")).lower() != "true":
            continue
        name = str(attr.get("AttributeName", ""))
        if name.startswith("Protocol-"):
            protocols.append(name[len("Protocol-") :])
        elif name in ("Server-Defined-Cipher-Order",) or name.startswith("Reference-"):
            continue
        else:
            ciphers.append(name)
    return protocols, ciphers


@function(
    "elb_classic_tls_at_least",
    kind="subject",
    args=("level", "guideline"),
    reads=(
        Read("ListenerDescriptions", "list"),
        Read("ListenerDescriptions[*]", "mapping"),
        Read("ListenerDescriptions[*].Listener", "mapping"),
        Read("ListenerDescriptions[*].Listener.Protocol", "string"),
        Read("ListenerDescriptions[*].PolicyNames", "list", absent="no policies"),
        Read("Policies", "list"),
        Read("Policies[*]", "mapping"),
        Read("Policies[*].PolicyName", "string"),
        Read("Policies[*].PolicyAttributeDescriptions", "list", absent="no attributes"),
        Read("Policies[*].PolicyAttributeDescriptions[*]", "mapping"),
        Read("Policies[*].PolicyAttributeDescriptions[*].AttributeName", "string"),
        Read("Policies[*].PolicyAttributeDescriptions[*].AttributeValue", "string"),
    ),
)
def elb_classic_tls_at_least(
    obj: Any, env: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> Any:
    """True when every SSL negotiation policy used by an HTTPS/SSL listener of a classic load
    balancer enables only protocols and ciphers rated at least ``level`` (NCSC TLS guideline)."""
    from ...model import Evidence

    used = set()
    for ld in _as_list(obj.get("ListenerDescriptions")):
        listener = (ld or {}).get("Listener") or {}
        if str(listener.get("Protocol", "")).upper() in ("HTTPS", "SSL"):
            used.update(_as_list(ld.get("PolicyNames")))
    bad: list[Evidence] = []
    seen: list[Evidence] = []
    for i, pol in enumerate(_as_list(obj.get("Policies"))):
        if not isinstance(pol, dict) or pol.get("PolicyName") not in used:
            continue
        protocols, ciphers = classic_negotiation(pol)
        rating = rate_settings(protocols, ciphers, guideline)
        ev = Evidence(f"Policies[{i}]", pol.get("PolicyName"), f"rated at least {level}: {rating}")
        (seen if at_least(rating, level) else bad).append(ev)
    if bad:
        return False, bad
    return True, seen or [Evidence("ListenerDescriptions", "no HTTPS/SSL listener", level)]


def _nacl_covers(entry: dict[str, Any], port: int) -> bool:
    rng = entry.get("PortRange")
    if str(entry.get("Protocol")) == "-1" or not isinstance(rng, dict):
        return True
    try:
        return int(rng["From"]) <= port <= int(rng["To"])
    except (KeyError, TypeError, ValueError):
        return False


@function(
    "nacl_port_denied_before",
    kind="subject",
    args=("ports",),
    reads=(
        Read("RuleNumber", "integer"),
        Read("Egress", "boolean"),
        Read("Protocol", "string"),
        Read("PortRange", "mapping", absent="every port (all protocols)"),
        Read("PortRange.From", "integer"),
        Read("PortRange.To", "integer"),
        Read("CidrBlock", "string", absent="an IPv6 entry"),
        Read("Ipv6CidrBlock", "string", absent="an IPv4 entry"),
        Read("Entries", "list", root="resource"),
        Read("Entries[*]", "mapping", root="resource"),
        Read("Entries[*].RuleNumber", "integer", root="resource"),
        Read("Entries[*].RuleAction", "string", root="resource"),
        Read("Entries[*].Egress", "boolean", root="resource"),
        Read("Entries[*].Protocol", "string", root="resource"),
        Read("Entries[*].PortRange", "mapping", absent="every port", root="resource"),
        Read("Entries[*].PortRange.From", "integer", root="resource"),
        Read("Entries[*].PortRange.To", "integer", root="resource"),
    ),
)
def nacl_port_denied_before(obj: Any, env: Any, ports: Iterable[int] = ()) -> Any:
    """For one allow entry of a network ACL: True when each of ``ports`` that the entry opens is
    already denied, for the same address family and direction, by an entry with a lower rule
    number (ACL entries are evaluated in rule-number order; the first match wins). A TCP deny
    counts for an all-protocol allow, because the administration protocols checked run over TCP."""
    from ...model import Evidence
    from .common import cidr_is_internet

    entries = [
        e
        for e in _as_list((env.resource.data if env.resource else {}).get("Entries"))
        if isinstance(e, dict)
    ]
    number = obj.get("RuleNumber", 0)
    family = "Ipv6CidrBlock" if obj.get("Ipv6CidrBlock") else "CidrBlock"
    open_ports = []
    for port in (int(p) for p in ports):
        if not _nacl_covers(obj, port):
            continue
        denied = any(
            e.get("RuleAction") == "deny"
            and e.get("Egress") == obj.get("Egress")
            and e.get("RuleNumber", 0) < number
            and cidr_is_internet(e.get(family))
            and str(e.get("Protocol")) in ("-1", str(obj.get("Protocol")), "6")
            and _nacl_covers(e, port)
            for e in entries
        )
        if not denied:
            open_ports.append(port)
    return not open_ports, [
        Evidence(
            "RuleNumber",
            number,
            f"ports {open_ports} denied by an earlier entry"
            if open_ports
            else "earlier deny entries",
        )
    ]


@function(
    "inspector_scans_enabled",
    kind="subject",
    args=("types",),
    reads=(
        Read("Status", "mapping", absent="Inspector was never enabled: nothing is scanned"),
        Read("Status.state", "mapping", absent="not enabled"),
        Read("Status.resourceState", "mapping", absent="no scan type enabled"),
    ),
)
def inspector_scans_enabled(obj: Any, env: Any, types: Iterable[str] = ("ec2", "ecr")) -> Any:
    """True when Amazon Inspector is enabled for the account (``Status.state.status``) and for
    every scan type in ``types`` (``Status.resourceState.<type>.status`` = ``ENABLED``)."""
    from ...model import Evidence

    status = obj.get("Status") or {}
    state = (status.get("state") or {}).get("status")
    if state != "ENABLED":
        return False, [Evidence("Status.state.status", state, "ENABLED")]
    rs = status.get("resourceState") or {}
    off = [t for t in types if ((rs.get(t) or {}).get("status")) != "ENABLED"]
    if off:
        return False, [
            Evidence(f"Status.resourceState.{t}.status", (rs.get(t) or {}).get("status"), "ENABLED")
            for t in off
        ]
    return True, [Evidence("Status.resourceState", sorted(types), "ENABLED")]


def _version_tuple(v: Any) -> tuple[int, ...]:
    parts = re.findall(r"\d+", str(v))
    if not parts:
        raise ValueError(f"not a version: {v!r}")
    return tuple(int(p) for p in parts)


@function("version_at_least", args=("minimum",), value="string|number")
def version_at_least(value: Any, minimum: str) -> bool:
    """True when a dotted version (``1.31``, ``v1.9``) is at least ``minimum``, compared number
    by number so that 1.10 > 1.9 (``{path: version, call: version_at_least, args: {minimum: "1.31"}}``)."""
    if value is None:
        return False
    return _version_tuple(value) >= _version_tuple(minimum)


@function(
    "eks_log_types_enabled",
    kind="subject",
    args=("types",),
    reads=(
        Read("logging", "mapping", absent="no control-plane logging"),
        Read("logging.clusterLogging", "list", absent="no control-plane logging"),
        Read("logging.clusterLogging[*]", "mapping"),
    ),
)
def eks_log_types_enabled(
    obj: Any, env: Any, types: Iterable[str] = ("audit", "authenticator")
) -> Any:
    """True when every control-plane log type in ``types`` is enabled in
    ``logging.clusterLogging`` of an EKS cluster."""
    from ...model import Evidence

    enabled: set[str] = set()
    for entry in _as_list((obj.get("logging") or {}).get("clusterLogging")):
        if isinstance(entry, dict) and entry.get("enabled"):
            enabled.update(str(t) for t in _as_list(entry.get("types")))
    missing = [t for t in types if t not in enabled]
    return not missing, [
        Evidence("logging.clusterLogging", sorted(enabled), f"includes {list(types)}")
    ]


def _perm_opens(perm: dict[str, Any], ports: Iterable[int]) -> list[int]:
    """Ports of ``ports`` that one security-group permission opens to the whole internet."""
    from .common import cidr_is_internet

    if str(perm.get("IpProtocol")) not in ("-1", "tcp", "udp", "6", "17"):
        return []
    sources = [r.get("CidrIp") for r in _as_list(perm.get("IpRanges")) if isinstance(r, dict)]
    sources += [r.get("CidrIpv6") for r in _as_list(perm.get("Ipv6Ranges")) if isinstance(r, dict)]
    if not any(cidr_is_internet(s) for s in sources):
        return []
    lo, hi = perm.get("FromPort"), perm.get("ToPort")
    if str(perm.get("IpProtocol")) == "-1" or lo is None or hi is None or lo == -1:
        return list(ports)
    return [p for p in ports if int(lo) <= int(p) <= int(hi)]


@function(
    "instance_exposes_ports",
    kind="subject",
    args=("ports",),
    reads=(
        Read("SecurityGroups", "list"),
        Read("SecurityGroups[*]", "mapping"),
        Read("SecurityGroups[*].GroupId", "string"),
    ),
    related=("aws.ec2.security_group",),
)
def instance_exposes_ports(obj: Any, env: Any, ports: Iterable[int] = ()) -> Any:
    """True when one of the instance's security groups (looked up among the
    ``aws.ec2.security_group`` resources of the same account) admits any of ``ports`` from
    0.0.0.0/0 or ::/0. A group the inventory does not hold (or could not read) makes the answer
    unknown: an instance whose firewall could not be read is an ERROR, not a PASS."""
    from ...model import Evidence

    wanted = [int(p) for p in ports]
    hits: list[Evidence] = []
    missing: list[Evidence] = []
    for i, ref in enumerate(obj["SecurityGroups"]):
        gid = ref["GroupId"]
        found = env.lookup("aws.ec2.security_group", "GroupId", gid)
        group = found[0] if found else None
        if group is None or "IpPermissions" in group.errors or "*" in group.errors:
            missing.append(Evidence(f"SecurityGroups[{i}].GroupId", gid, "a readable group"))
            continue
        for perm in _as_list(group.data.get("IpPermissions")):
            opened = _perm_opens(perm, wanted) if isinstance(perm, dict) else []
            if opened:
                hits.append(
                    Evidence(
                        f"SecurityGroups[{i}].GroupId",
                        gid,
                        f"admits none of {opened} from the internet",
                    )
                )
    if hits:
        return True, hits
    if missing:
        return None, missing
    return False, [
        Evidence(
            "SecurityGroups",
            [g.get("GroupId") for g in _as_list(obj.get("SecurityGroups")) if isinstance(g, dict)],
            "no internet ingress on these ports",
        )
    ]


def _trail_bucket(obj: Any, env: Any) -> Any:
    found = env.lookup("aws.s3.bucket", "Name", obj.get("S3BucketName"), same_scope=False)
    return found[0] if found else None


TRAIL_BUCKET = (Read("S3BucketName", "string"),)


@function(
    "trail_bucket_collected",
    kind="subject",
    reads=TRAIL_BUCKET,
    related=(Related("aws.s3.bucket", scope="any"),),
)
def trail_bucket_collected(obj: Any, env: Any) -> Any:
    """True when the S3 bucket a CloudTrail trail writes to (``S3BucketName``) is among the
    scanned buckets (of any scanned account). A bucket in an account outside the scan cannot be
    judged; when bucket collection failed, the engine reports ERROR before this runs."""
    from ...model import Evidence

    if _trail_bucket(obj, env) is not None:
        return True, [Evidence("S3BucketName", obj.get("S3BucketName"), "a scanned bucket")]
    return False, [Evidence("S3BucketName", obj.get("S3BucketName"), "a scanned bucket")]


_TRAIL_BUCKET_TESTS = ("access_logging", "not_public", "object_lock")


@function(
    "trail_bucket_is",
    kind="subject",
    args=("property",),
    reads=TRAIL_BUCKET,
    related=(Related("aws.s3.bucket", scope="any"),),
)
def trail_bucket_is(obj: Any, env: Any, property: str) -> Any:
    """True when the trail's S3 bucket has ``property``: ``access_logging`` (server access logs
    on), ``not_public`` (no public policy status, all four Block Public Access settings on) or
    ``object_lock`` (Object Lock enabled). A bucket not in the inventory, or an unreadable
    bucket detail, is unknown."""
    from ...model import Evidence
    from .aws import policy_is_public

    if property not in _TRAIL_BUCKET_TESTS:
        raise ValueError(f"unknown trail bucket property {property!r}")
    res = _trail_bucket(obj, env)
    if res is None:
        return None, [Evidence("S3BucketName", obj.get("S3BucketName"), "a scanned bucket")]
    keys = {
        "access_logging": ("Logging",),
        "object_lock": ("ObjectLock",),
        "not_public": ("PublicAccessBlock", "PolicyStatus", "Policy"),
    }[property]
    broken = [k for k in keys if k in res.errors or "*" in res.errors]
    if broken:
        return None, [
            Evidence("S3BucketName", res.data.get("Name"), f"a readable {', '.join(broken)}")
        ]
    d = res.data
    if property == "access_logging":
        ok = bool((d.get("Logging") or {}).get("TargetBucket"))
    elif property == "object_lock":
        ok = (d.get("ObjectLock") or {}).get("ObjectLockEnabled") == "Enabled"
    else:
        pab = d.get("PublicAccessBlock") or {}
        ok = (
            all(
                pab.get(k) is True
                for k in (
                    "BlockPublicAcls",
                    "IgnorePublicAcls",
                    "BlockPublicPolicy",
                    "RestrictPublicBuckets",
                )
            )
            and (d.get("PolicyStatus") or {}).get("IsPublic") is not True
            and (d.get("Policy") is None or not policy_is_public(d.get("Policy")))
        )
    return ok, [Evidence("S3BucketName", d.get("Name"), property.replace("_", " "))]
