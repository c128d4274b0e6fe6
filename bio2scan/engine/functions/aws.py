"""Functions for AWS data: resource policies (through ``aws_policy``), IAM users' credentials,
credential reports, tags. Administrators: ``aws_admin``; network and policy exposure with
evidence: ``aws_exposure``.

IAM policy documents arrive parsed (the collector turns the URL-encoded JSON into a mapping).
``Statement``, ``Action``, ``Resource`` and ``Principal`` may each be a single value or a list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import Read, aws_policy, function
from .aws_exposure import _tls_condition
from .aws_policy import as_list
from .common import parse_time


def _as_list(v: Any) -> list[Any]:
    return as_list(v)


@function("policy_is_public", value="mapping|string")
def policy_is_public(value: Any) -> bool:
    """True when a resource or trust policy has an Allow statement open to anyone: a principal
    of everyone that no restricting condition with concrete values, and no Deny, narrows
    (``aws_policy``; ``docs/exposure.md``). A policy that cannot be parsed is unknown (ERROR)
    (``{path: Policy, call: policy_is_public}``)."""
    return bool(aws_policy.public_grants(value))


@function("policy_denies_insecure_transport", value="mapping|string")
def policy_denies_insecure_transport(value: Any) -> bool:
    """True when a resource policy has a Deny for every principal on every action (``*`` or
    ``<service>:*``) and every resource (``*``), whose only condition matches every request
    without TLS (``Bool aws:SecureTransport false``). For S3 buckets use the subject function
    ``aws_s3_tls_enforced``, which knows the bucket's own ARNs."""
    for s in aws_policy.statements(value):
        if aws_policy.effect(s) != "deny" or aws_policy.principal(s).kind != "everyone":
            continue
        acts = [str(a) for a in as_list(s.get("Action"))]
        every = "NotAction" not in s and any(a == "*" or a.endswith(":*") for a in acts)
        on_all = "*" in [str(r) for r in as_list(s.get("Resource"))] or "Resource" not in s
        if every and on_all and "NotResource" not in s and _tls_condition(s.get("Condition")):
            return True
    return False


@function("policy_allows_public_action", args=("actions",), value="mapping|string")
def policy_allows_public_action(value: Any, actions: Iterable[str] = ("*",)) -> bool:
    """True when a statement open to anyone (``policy_is_public``) allows one of ``actions``
    (wildcards on either side count: ``s3:Put*`` in the statement allows ``s3:PutObject``)."""
    for g in aws_policy.public_grants(value):
        s = aws_policy.statements(value)[g.index]
        for w in actions:
            if aws_policy.action_allowed_by(s, w) or any(
                aws_policy._glob(w, str(a)) for a in as_list(s.get("Action"))
            ):
                return True
    return False


_NEVER = ("n/a", "no_information", "not_supported", "")


def _last_use(row: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        v = row.get(k)
        if v is not None and str(v).lower() not in _NEVER:
            return parse_time(v)
    return None


@function(
    "iam_user_stale_credentials",
    kind="subject",
    args=("days",),
    reads=(
        Read("CredentialReport", "mapping", absent="no report row: the user's own fields decide"),
        Read("CreateDate", "string"),
        Read("LoginProfile", "mapping", absent="no console password"),
        Read("LoginProfile.CreateDate", "string"),
        Read("PasswordLastUsed", "string", absent="never used (or no password)"),
        Read("AccessKeys", "list"),
        Read("AccessKeys[*]", "mapping"),
        Read("AccessKeys[*].Status", "string"),
        Read("AccessKeys[*].LastUsed", "mapping", absent="never used"),
    ),
)
def iam_user_stale_credentials(obj: Any, env: Any, days: float = 45) -> Any:
    """True when an IAM user has an enabled credential (console password or active access key)
    that has not been used for more than ``days`` days — or never, when it is older than that.
    Reads the credential report row (``CredentialReport``) and falls back on ``PasswordLastUsed``
    and ``AccessKeys[].LastUsed``."""
    from ...model import Evidence

    limit = days * 86400
    stale: list[Evidence] = []
    now = env.now
    row = obj.get("CredentialReport") or {}
    created = parse_time(obj.get("CreateDate"))
    if obj.get("LoginProfile") or str(row.get("password_enabled", "")).lower() == "true":
        used = _last_use(row, "password_last_used") or parse_time(obj.get("PasswordLastUsed"))
        since = used or parse_time((obj.get("LoginProfile") or {}).get("CreateDate")) or created
        if since is not None and (now - since).total_seconds() > limit:
            stale.append(
                Evidence(
                    "PasswordLastUsed",
                    used.isoformat() if used else "never",
                    f"used within {days} days",
                )
            )
    for i, key in enumerate(_as_list(obj.get("AccessKeys"))):
        if not isinstance(key, dict) or key.get("Status") != "Active":
            continue
        used = parse_time((key.get("LastUsed") or {}).get("LastUsedDate"))
        since = used or parse_time(key.get("CreateDate"))
        if since is not None and (now - since).total_seconds() > limit:
            stale.append(
                Evidence(
                    f"AccessKeys[{i}].LastUsed.LastUsedDate",
                    used.isoformat() if used else "never",
                    f"used within {days} days",
                )
            )
    if stale:
        return True, stale
    return False, [Evidence("CredentialReport", "recent or none", f"used within {days} days")]


@function(
    "root_used_within_days",
    kind="subject",
    args=("days", "path"),
    reads=(
        Read("{path}", "mapping"),
        # a credential-report row has every column ("N/A", "no_information" when unused)
        Read("{path}.password_last_used", "string"),
        Read("{path}.access_key_1_last_used_date", "string"),
        Read("{path}.access_key_2_last_used_date", "string"),
    ),
)
def root_used_within_days(obj: Any, env: Any, days: float = 90, path: str = "RootUser") -> Any:
    """True when the root user's password or access keys were used within the last ``days``
    days, according to the credential-report row at ``path``. The row is required: every
    account has a root row, so its absence means the report could not be read (unknown)."""
    from ...model import Evidence

    row = obj[path]
    for key in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date"):
        t = _last_use(row, key)
        if t is not None and (env.now - t).total_seconds() < days * 86400:
            return True, [Evidence(f"{path}.{key}", row.get(key), f"not used within {days} days")]
    return False, [
        Evidence(
            f"{path}.password_last_used",
            row.get("password_last_used"),
            f"not used within {days} days",
        )
    ]


def _resource_tags(obj: Any, env: Any) -> dict[str, str]:
    """Tags of the resource under evaluation: the ``tags`` the collector set on the resource,
    else the provider's own ``Tags``/``TagList`` list (``[{Key, Value}]``) or mapping."""
    res = getattr(env, "resource", None)
    if res is not None and res.tags:
        return {str(k): str(v) for k, v in res.tags.items()}
    raw = obj.get("Tags") or obj.get("TagList") or obj.get("tags") or {}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(t.get("Key")): str(t.get("Value")) for t in _as_list(raw) if isinstance(t, dict)}


@function(
    "has_tag",
    kind="subject",
    args=("key", "values"),
    reads=(
        Read("Tags", "list|mapping", absent="no tags"),
        Read("Tags[*]", "mapping|string", absent="the tag is not set"),
        Read("TagList", "list|mapping", absent="no tags"),
        Read("TagList[*]", "mapping|string", absent="the tag is not set"),
        Read("tags", "list|mapping", absent="no tags"),
        Read("tags[*]", "mapping|string", absent="the tag is not set"),
    ),
)
def has_tag(obj: Any, env: Any, key: str, values: Iterable[str] = ()) -> Any:
    """True when the resource carries tag ``key`` (case-insensitive) with one of ``values``
    (case-insensitive; an empty list accepts any value)
    (``{call: has_tag, args: {key: env, values: [production, prod]}}``)."""
    from ...model import Evidence

    tags = {k.lower(): v for k, v in _resource_tags(obj, env).items()}
    value = tags.get(str(key).lower())
    wanted = [str(v).lower() for v in values]
    ok = value is not None and (not wanted or value.lower() in wanted)
    return ok, [Evidence(f"tags.{key}", value, f"one of {list(values)}" if wanted else "present")]


@function(
    "iam_role_with_policy_exists",
    kind="subject",
    args=("policy_arns",),
    reads=(),
    related=("aws.iam.role",),
)
def iam_role_with_policy_exists(obj: Any, env: Any, policy_arns: Iterable[str] = ()) -> Any:
    """True when the account (the ``aws.iam.role`` resources of the same scope) has a role with
    one of ``policy_arns`` attached."""
    from ...model import Evidence

    wanted = set(policy_arns)
    for res in env.related("aws.iam.role"):
        for p in _as_list(res.data.get("AttachedPolicies")):
            if isinstance(p, dict) and p.get("PolicyArn") in wanted:
                return True, [
                    Evidence("roles", res.data.get("RoleName"), f"a role with {sorted(wanted)}")
                ]
    return False, [Evidence("roles", None, f"a role with {sorted(wanted)}")]
