"""Functions for AWS data: IAM policy documents, IAM users and roles, credential reports, tags.

IAM policy documents arrive parsed (the collector turns the URL-encoded JSON into a mapping).
``Statement``, ``Action``, ``Resource`` and ``Principal`` may each be a single value or a list;
``_statements`` and ``_as_list`` smooth that over so each test reads like the rule it implements.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import CannotJudge, Read, function
from .common import parse_time

ADMIN_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
    "arn:aws-cn:iam::aws:policy/AdministratorAccess",
)

# Condition keys that tie a statement to known callers: with one of them a Principal "*" is not
# open to the world (source account/organisation/network, or a calling AWS service's resource).
RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOwner",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:ResourceOrgID",
        "aws:ResourceAccount",
        "aws:userid",
        "aws:username",
        "kms:CallerAccount",
        "kms:ViaService",
        "sts:ExternalId",
        "lambda:FunctionUrlAuthType",
        "aws:CalledVia",
        "s3:DataAccessPointAccount",
        "sns:Endpoint",
        "token.actions.githubusercontent.com:sub",
    )
)


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


class Unreadable(CannotJudge):
    """A policy document that is not one: text that is no JSON, no ``Statement``, a statement
    that is no mapping. Nothing can be said about what it allows (unknown, never "not public")."""


def _statements(doc: Any, *needs: tuple[str, ...]) -> list[dict[str, Any]]:
    """The statements of a policy document. Each must be a mapping with an ``Effect`` and, for
    each tuple of ``needs``, one of its keys (``("Action", "NotAction")``): a statement without
    them is not one IAM would accept, and nothing can be concluded from it."""
    if isinstance(doc, str):  # SNS and SQS return their policies as JSON text
        try:
            doc = json.loads(doc)
        except ValueError:
            raise Unreadable("the policy is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Statement"), (list, dict)):
        raise Unreadable("a policy document has a Statement (a list or one mapping)")
    statements = _as_list(doc["Statement"])
    for s in statements:
        if not isinstance(s, dict) or not isinstance(s.get("Effect"), str):
            raise Unreadable("every statement of a policy is a mapping with an Effect")
        for alternatives in needs:
            if not any(k in s and s[k] not in (None, {}, []) for k in alternatives):
                raise Unreadable(f"a statement without {' or '.join(alternatives)}")
    return statements


_ACTION = ("Action", "NotAction")
_RESOURCE = ("Resource", "NotResource")
_PRINCIPAL = ("Principal", "NotPrincipal")


def _allows(s: dict[str, Any]) -> bool:
    return str(s.get("Effect", "")).lower() == "allow"


def statement_grants_admin(s: dict[str, Any]) -> bool:
    """An Allow of every action on every resource (``*`` or ``*:*`` on ``*``). ``NotAction``
    statements are not counted: what they leave out cannot be judged without the service list."""
    if not _allows(s) or "NotResource" in s:
        return False
    actions = [str(a) for a in _as_list(s.get("Action"))]
    resources = [str(r) for r in _as_list(s.get("Resource"))]
    return any(a in ("*", "*:*") for a in actions) and "*" in resources


@function("policy_grants_admin", value="mapping|string")
def policy_grants_admin(value: Any) -> bool:
    """True when an IAM policy document has an Allow statement for ``*`` (or ``*:*``) actions on
    ``*`` resources — full administrator rights (``{path: Document, call: policy_grants_admin}``).
    A document without statements is unknown."""
    return any(statement_grants_admin(s) for s in _statements(value, _ACTION, _RESOURCE))


def _principal_is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        for key in ("AWS", "CanonicalUser"):
            if "*" in [str(p) for p in _as_list(principal.get(key))]:
                return True
    return False


def _restricting(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for _op, pairs in condition.items():
        if isinstance(pairs, dict) and any(
            str(k).lower() in RESTRICTING_CONDITION_KEYS for k in pairs
        ):
            return True
    return False


def public_statements(doc: Any) -> list[dict[str, Any]]:
    """Allow statements whose principal is everyone and that no restricting condition narrows."""
    return [
        s
        for s in _statements(doc, _ACTION, _PRINCIPAL)
        if _allows(s)
        and _principal_is_everyone(s.get("Principal"))
        and not _restricting(s.get("Condition"))
    ]


@function("policy_is_public", value="mapping|string")
def policy_is_public(value: Any) -> bool:
    """True when a resource or trust policy lets anyone (Principal ``*``) act without a condition
    on the caller's account, organisation, network or source (``aws:SourceAccount``,
    ``aws:PrincipalOrgID``, ``aws:SourceVpce`` …) (``{path: Policy, call: policy_is_public}``)."""
    return bool(public_statements(value))


@function("policy_denies_insecure_transport", value="mapping|string")
def policy_denies_insecure_transport(value: Any) -> bool:
    """True when a resource policy denies, for every principal, requests that do not use TLS:
    a Deny statement with ``Bool: {aws:SecureTransport: false}`` (or a minimum
    ``s3:TlsVersion`` with NumericLessThan) (``{path: Policy, call: policy_denies_insecure_transport}``)."""
    for s in _statements(value, _PRINCIPAL):
        if str(s.get("Effect", "")).lower() != "deny" or not _principal_is_everyone(
            s.get("Principal")
        ):
            continue
        cond = s.get("Condition")
        if not isinstance(cond, dict):
            continue
        for op, pairs in cond.items():
            if not isinstance(pairs, dict):
                continue
            for k, v in pairs.items():
                vals = [str(x).lower() for x in _as_list(v)]
                if (
                    op.lower() in ("bool", "boolifexists")
                    and k.lower() == "aws:securetransport"
                    and "false" in vals
                ):
                    return True
                if op.lower().startswith("numericlessthan") and k.lower() == "s3:tlsversion":
                    return True
    return False


@function("policy_allows_public_action", args=("actions",), value="mapping|string")
def policy_allows_public_action(value: Any, actions: Iterable[str] = ("*",)) -> bool:
    """True when an unrestricted public statement allows one of ``actions`` (prefix wildcards
    such as ``s3:Put*`` and ``*`` in the statement count)."""
    wanted = [a.lower() for a in actions]
    for s in public_statements(value):
        for a in (str(x).lower() for x in _as_list(s.get("Action"))):
            for w in wanted:
                if (
                    a == "*"
                    or a == w
                    or (a.endswith("*") and w.startswith(a[:-1]))
                    or (w.endswith("*") and a.startswith(w[:-1]))
                ):
                    return True
    return False


@function(
    "iam_user_is_admin",
    kind="subject",
    reads=(
        Read("AttachedPolicies", "list"),
        Read("AttachedPolicies[*]", "mapping"),
        Read("AttachedPolicies[*].PolicyArn", "string"),
        Read("InlinePolicies", "mapping"),
        Read("InlinePolicies[*]", "mapping|string"),
    ),
    related=("aws.iam.policy",),
)
def iam_user_is_admin(obj: Any, env: Any) -> Any:
    """True when an IAM user holds administrator rights directly: the AWS managed
    AdministratorAccess policy attached, an inline policy granting ``*`` on ``*``, or an attached
    customer-managed policy (looked up among the ``aws.iam.policy`` resources of the same account)
    that does so. Rights through groups are not resolved here."""
    from ...model import Evidence

    for i, p in enumerate(_as_list(obj.get("AttachedPolicies"))):
        arn = p.get("PolicyArn") if isinstance(p, dict) else None
        if arn in ADMIN_POLICY_ARNS:
            return True, [Evidence(f"AttachedPolicies[{i}].PolicyArn", arn, "administrator policy")]
    for name, doc in (obj.get("InlinePolicies") or {}).items():
        if policy_grants_admin(doc):
            return True, [Evidence(f"InlinePolicies['{name}']", "*:*", "administrator policy")]
    attached = {
        p.get("PolicyArn") for p in _as_list(obj.get("AttachedPolicies")) if isinstance(p, dict)
    }
    customer = sorted(a for a in attached if a and ":aws:policy/" not in a)
    unreadable = []
    for arn in customer if env is not None else ():
        for res in env.lookup("aws.iam.policy", "Arn", arn):
            if "Document" in res.errors or "*" in res.errors:
                unreadable.append(arn)
            elif policy_grants_admin(res.data.get("Document")):
                return True, [Evidence("AttachedPolicies", arn, "administrator policy")]
    if unreadable:
        return None, [Evidence("AttachedPolicies", unreadable, "policy documents that were read")]
    return False, [
        Evidence(
            "AttachedPolicies",
            [
                p.get("PolicyName")
                for p in _as_list(obj.get("AttachedPolicies"))
                if isinstance(p, dict)
            ],
            "administrator policy",
        )
    ]


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
