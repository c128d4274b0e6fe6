"""Functions for AWS service data beyond IAM: classic ELB negotiation policies, Amazon Inspector
status, EKS logging, version comparison, CloudTrail buckets (network exposure: ``aws_exposure``).

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


def _trail_bucket(obj: Any, env: Any) -> Any:
    found = env.lookup("aws.s3.bucket", "Name", obj.get("S3BucketName"), same_scope=False)
    return found[0] if found else None


TRAIL_BUCKET = (Read("S3BucketName", "string"),)
ANY_BUCKET = (Related("aws.s3.bucket", scope="any"),)


@function("trail_bucket_collected", kind="subject", reads=TRAIL_BUCKET, related=ANY_BUCKET)
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
    "trail_bucket_is", kind="subject", args=("property",), reads=TRAIL_BUCKET, related=ANY_BUCKET
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


_LOCK_MODES = ("COMPLIANCE", "GOVERNANCE")


def _retention_days(rule: Any) -> int | None:
    """Days of an Object Lock default retention (``Years`` counted as 365.25 days each, so
    three years are 1096 days); None when there is no default retention."""
    import math

    retention = (rule or {}).get("DefaultRetention") if isinstance(rule, dict) else None
    if not isinstance(retention, dict):
        return None
    if isinstance(retention.get("Days"), int):
        return int(retention["Days"])
    years = retention.get("Years")
    if isinstance(years, int):
        return math.ceil(years * 365.25)
    return None


def _lifecycle_prefix(rule: dict[str, Any]) -> str:
    f = rule.get("Filter") or {}
    if isinstance(f, dict):
        if isinstance(f.get("Prefix"), str):
            return str(f["Prefix"])
        if isinstance(f.get("And"), dict) and isinstance(f["And"].get("Prefix"), str):
            return str(f["And"]["Prefix"])
    return str(rule.get("Prefix") or "")


@function(
    "trail_bucket_retention",
    kind="subject",
    args=("min_days",),
    reads=(*TRAIL_BUCKET, Read("S3KeyPrefix", "string", absent="the bucket's root")),
    related=ANY_BUCKET,
)
def trail_bucket_retention(obj: Any, env: Any, min_days: int) -> Any:
    """True when the trail's S3 bucket keeps the trail's log files at least ``min_days``: Object
    Lock enabled with a default retention in COMPLIANCE or GOVERNANCE mode of at least
    ``min_days`` (``Years`` count as 365.25 days), and no enabled lifecycle rule that could
    reach the trail's objects (``<S3KeyPrefix>/AWSLogs/``) expires them sooner (an expiry date
    counts as sooner). A bucket not in the inventory, or an unreadable Object Lock or lifecycle
    configuration, is unknown."""
    import datetime as dt

    from ...model import Evidence

    res = _trail_bucket(obj, env)
    if res is None:
        return None, [Evidence("S3BucketName", obj.get("S3BucketName"), "a scanned bucket")]
    broken = [k for k in ("ObjectLock", "Lifecycle") if k in res.errors or "*" in res.errors]
    if broken:
        return None, [
            Evidence("S3BucketName", res.data.get("Name"), f"a readable {', '.join(broken)}")
        ]
    lock = res.data.get("ObjectLock") or {}
    rule = lock.get("Rule") if isinstance(lock, dict) else None
    days = _retention_days(rule)
    mode = ((rule or {}).get("DefaultRetention") or {}).get("Mode") if rule else None
    want = f"Object Lock default retention (COMPLIANCE or GOVERNANCE) of at least {min_days} days"
    if lock.get("ObjectLockEnabled") != "Enabled" or days is None or mode not in _LOCK_MODES:
        return False, [Evidence("ObjectLock", lock or None, want)]
    if days < min_days:
        return False, [Evidence("ObjectLock.Rule.DefaultRetention", rule, want)]
    key_prefix = str(obj.get("S3KeyPrefix") or "")
    trail_prefix = (key_prefix.rstrip("/") + "/" if key_prefix else "") + "AWSLogs/"
    for i, lc in enumerate(res.data.get("Lifecycle") or ()):
        if not isinstance(lc, dict) or lc.get("Status") != "Enabled":
            continue
        prefix = _lifecycle_prefix(lc)
        if not (trail_prefix.startswith(prefix) or prefix.startswith(trail_prefix)):
            continue  # a rule for other objects of the bucket
        expiration = lc.get("Expiration") or {}
        expiry_days = expiration.get("Days")
        date = expiration.get("Date")
        shorter = isinstance(expiry_days, int) and expiry_days < min_days
        if date is not None:
            try:
                when = dt.date.fromisoformat(str(date)[:10])
                shorter = when < (env.now.date() + dt.timedelta(days=min_days))
            except ValueError:
                shorter = True
        if shorter:
            return False, [
                Evidence(
                    f"Lifecycle[{i}].Expiration",
                    expiration,
                    f"no expiry of the trail's objects within {min_days} days",
                )
            ]
    return True, [
        Evidence("ObjectLock.Rule.DefaultRetention", (rule or {}).get("DefaultRetention"), want)
    ]
