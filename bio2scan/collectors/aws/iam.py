"""IAM (global): the account's password policy, summary and root user; users, groups and roles
with the policies attached to them; customer-managed policies, and the AWS-managed policies that
are attached to someone (their documents decide who is an administrator).

The credential report is generated and read once per account and shared by ``aws.iam.account``
(the ``<root_account>`` row) and ``aws.iam.user`` (each user's row).
"""

from __future__ import annotations

import csv
import io
import time
from functools import partial
from typing import Any

from .calls import AwsError, policy
from .service import Ctx, Kind, Service

_REPORT_OPS = ("GenerateCredentialReport", "GetCredentialReport")
REPORT_WAIT_S = 60.0


def credential_report(ctx: Ctx) -> dict[str, dict[str, str]]:
    """The credential report as ``{user name: row}`` (generated if needed, once per account)."""

    def fetch() -> dict[str, dict[str, str]]:
        deadline = time.monotonic() + REPORT_WAIT_S
        delay = 0.5
        while True:
            state = ctx.call("GenerateCredentialReport").get("State")
            if state == "COMPLETE":
                break
            if time.monotonic() > deadline:
                raise AwsError(
                    "Timeout",
                    "ReportInProgress",
                    f"credential report not ready after {REPORT_WAIT_S:.0f} s",
                    ctx.api("GenerateCredentialReport"),
                )
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
        content = ctx.call("GetCredentialReport").get("Content") or ""
        rows = csv.DictReader(io.StringIO(content))
        return {str(r.get("user")): dict(r) for r in rows}

    report: dict[str, dict[str, str]] = ctx.account.shared("iam.credential_report", fetch)
    return report


def _account(ctx: Ctx) -> None:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "PasswordPolicy",
        lambda: ctx.call("GetAccountPasswordPolicy").get("PasswordPolicy"),
        absent=("NoSuchEntity",),
    )
    ctx.detail(data, errors, "Summary", lambda: ctx.call("GetAccountSummary").get("SummaryMap"))
    ctx.detail(data, errors, "RootUser", lambda: _root_row(ctx))
    ctx.add(
        f"arn:aws:iam::{ctx.account.id}:root",
        ctx.account.id,
        data,
        api="GetAccountSummary",
        region=None,
        errors=errors,
    )


def _root_row(ctx: Ctx) -> dict[str, str]:
    """The root user's row; a report without one (moto's) cannot say anything about root."""
    row = credential_report(ctx).get("<root_account>")
    if row is None:
        raise AwsError(
            "NotFound",
            "NoRootRow",
            "the credential report has no <root_account> row",
            ctx.api("GetCredentialReport"),
        )
    return row


def _users(ctx: Ctx) -> None:
    for user in ctx.pages("ListUsers", "Users"):
        ctx.spawn(partial(_user, ctx, user))


def _user(ctx: Ctx, user: dict[str, Any]) -> None:
    name = user["UserName"]
    data = dict(user)
    errors: dict[str, str] = {}
    ctx.detail(
        data, errors, "MFADevices", lambda: ctx.pages("ListMFADevices", "MFADevices", UserName=name)
    )
    ctx.detail(data, errors, "AccessKeys", lambda: _access_keys(ctx, name))
    _principal_policies(ctx, data, errors, "User", name)
    ctx.detail(
        data, errors, "Groups", lambda: ctx.pages("ListGroupsForUser", "Groups", UserName=name)
    )
    ctx.detail(
        data,
        errors,
        "LoginProfile",
        lambda: ctx.call("GetLoginProfile", UserName=name).get("LoginProfile"),
        absent=("NoSuchEntity",),
    )
    ctx.detail(data, errors, "CredentialReport", lambda: credential_report(ctx).get(name))
    ctx.add(
        user["Arn"], name, data, api="ListUsers", region=None, tags=user.get("Tags"), errors=errors
    )


def _principal_policies(
    ctx: Ctx, data: dict[str, Any], errors: dict[str, str], kind: str, name: str
) -> None:
    """``AttachedPolicies`` and ``InlinePolicies`` (name → parsed document) of a user, group or
    role (``kind``: ``User``, ``Group`` or ``Role``; the IAM operations differ only in that word)."""
    who = {f"{kind}Name": name}
    ctx.detail(
        data,
        errors,
        "AttachedPolicies",
        lambda: ctx.pages(f"ListAttached{kind}Policies", "AttachedPolicies", **who),
    )
    ctx.detail(
        data,
        errors,
        "InlinePolicies",
        lambda: {
            p: policy(ctx.call(f"Get{kind}Policy", PolicyName=p, **who).get("PolicyDocument"))
            for p in ctx.pages(f"List{kind}Policies", "PolicyNames", **who)
        },
    )


def _access_keys(ctx: Ctx, name: str) -> list[dict[str, Any]]:
    keys = ctx.pages("ListAccessKeys", "AccessKeyMetadata", UserName=name)
    for k in keys:
        k["LastUsed"] = ctx.call("GetAccessKeyLastUsed", AccessKeyId=k["AccessKeyId"]).get(
            "AccessKeyLastUsed"
        )
    return keys


def _roles(ctx: Ctx) -> None:
    for role in ctx.pages("ListRoles", "Roles"):
        ctx.spawn(partial(_role, ctx, role))


def _role(ctx: Ctx, role: dict[str, Any]) -> None:
    name = role["RoleName"]
    data = dict(role, AssumeRolePolicyDocument=policy(role.get("AssumeRolePolicyDocument")))
    errors: dict[str, str] = {}
    _principal_policies(ctx, data, errors, "Role", name)
    ctx.add(
        role["Arn"], name, data, api="ListRoles", region=None, tags=role.get("Tags"), errors=errors
    )


def _groups(ctx: Ctx) -> None:
    for group in ctx.pages("ListGroups", "Groups"):
        ctx.spawn(partial(_group, ctx, group))


def _group(ctx: Ctx, group: dict[str, Any]) -> None:
    data = dict(group)
    errors: dict[str, str] = {}
    _principal_policies(ctx, data, errors, "Group", group["GroupName"])
    ctx.add(group["Arn"], group["GroupName"], data, api="ListGroups", region=None, errors=errors)


def _policies(ctx: Ctx) -> None:
    for pol in ctx.pages("ListPolicies", "Policies", Scope="Local"):
        ctx.spawn(partial(_policy, ctx, pol))
    for pol in ctx.pages("ListPolicies", "Policies", Scope="AWS", OnlyAttached=True):
        ctx.spawn(partial(_policy, ctx, pol))


def _policy(ctx: Ctx, pol: dict[str, Any]) -> None:
    data = dict(pol)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Document",
        lambda: policy(
            ctx.call("GetPolicyVersion", PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])[
                "PolicyVersion"
            ].get("Document")
        ),
    )
    ctx.add(
        pol["Arn"],
        pol["PolicyName"],
        data,
        api="ListPolicies",
        region=None,
        tags=pol.get("Tags"),
        errors=errors,
    )


SERVICES = (
    Service(
        "iam",
        "iam",
        regional=False,
        kinds=(
            Kind(
                "aws.iam.account",
                _account,
                ("GetAccountPasswordPolicy", "GetAccountSummary", *_REPORT_OPS),
            ),
            Kind(
                "aws.iam.user",
                _users,
                (
                    "ListUsers",
                    "ListMFADevices",
                    "ListAccessKeys",
                    "GetAccessKeyLastUsed",
                    "ListAttachedUserPolicies",
                    "ListUserPolicies",
                    "GetUserPolicy",
                    "ListGroupsForUser",
                    "GetLoginProfile",
                    *_REPORT_OPS,
                ),
            ),
            Kind(
                "aws.iam.role",
                _roles,
                ("ListRoles", "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy"),
            ),
            Kind(
                "aws.iam.group",
                _groups,
                ("ListGroups", "ListAttachedGroupPolicies", "ListGroupPolicies", "GetGroupPolicy"),
            ),
            Kind("aws.iam.policy", _policies, ("ListPolicies", "GetPolicyVersion")),
        ),
    ),
)
