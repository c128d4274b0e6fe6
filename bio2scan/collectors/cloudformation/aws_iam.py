"""CloudFormation → live shapes for IAM: roles, users and groups with their attached and inline
policies (``ManagedPolicyArns``, ``Policies``, and the ``AWS::IAM::Policy``,
``AWS::IAM::RolePolicy``/``UserPolicy``/``GroupPolicy`` and ``AWS::IAM::ManagedPolicy``
resources that name them), group membership (``Groups`` of a user and
``AWS::IAM::UserToGroupAddition``), customer managed policies and access keys.

What only exists once people use the account — MFA devices, when a key was created or last
used, the credential report — is deferred. A policy or group the template refers to but does not
define (an AWS managed policy, a group of another stack) is read by the live scan: the
administrator rules wait for it rather than judge without it.
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown, unresolved
from .shapes import BOOL, ENUM, INT, STR, Build, F, Item, Out, fill, name_of, policy


def _policy_name(arn: Any) -> Any:
    if isinstance(arn, Sym):
        return Sym(f"{arn}.PolicyName") if arn.ref else Sym(str(arn).rsplit("/", 1)[-1])
    return arn.rsplit("/", 1)[-1] if isinstance(arn, str) else arn


def _attached(arns: Any) -> Any:
    if isinstance(arns, Unknown):
        return arns
    return [{"PolicyName": _policy_name(a), "PolicyArn": a} for a in (arns or [])]


def _inline(policies: Any) -> Any:
    """``Policies`` as the live ``{name: document}``. A policy whose name is not known yet is
    kept under ``Policies[i]`` (its statements count all the same)."""
    if isinstance(policies, Unknown):
        return policies
    if not isinstance(policies, list):
        return unresolved(f"Policies must be a list, found {type(policies).__name__}")
    out: dict[str, Any] = {}
    for i, pol in enumerate(policies):
        if not isinstance(pol, dict):
            out[f"Policies[{i}]"] = (
                pol if isinstance(pol, Unknown) else unresolved(f"Policies[{i}] must be a mapping")
            )
            continue
        name = pol.get("PolicyName")
        out[name if isinstance(name, str) else f"Policies[{i}]"] = policy(pol.get("PolicyDocument"))
    return out


def _principal(out: Out, item: Item, name_field: str, kind: str) -> None:
    p = item.props
    d = out.data
    d[name_field] = name_of(out, name_field, item.physical)
    d["Arn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    d[f"{kind}Id"] = Sym(f"${{{item.logical}.{kind}Id}}")
    fill(d, item, [F("Path", "Path", STR, "/")])
    d["AttachedPolicies"] = _attached(p.get("ManagedPolicyArns", []))
    d["InlinePolicies"] = _inline(p.get("Policies", []))


def role(item: Item, b: Build) -> None:
    out = b.add(Out("aws.iam.role", item, item.physical, {}, tags=item.props.get("Tags")))
    _principal(out, item, "RoleName", "Role")
    fill(
        out.data,
        item,
        [
            F("AssumeRolePolicyDocument", "AssumeRolePolicyDocument", policy),
            F("MaxSessionDuration", "MaxSessionDuration", INT, 3600),
            F("Description", "Description", STR),
        ],
    )


def group(item: Item, b: Build) -> None:
    out = b.add(Out("aws.iam.group", item, item.physical, {}))
    _principal(out, item, "GroupName", "Group")
    out.later.pop("GroupName", None)  # an identity: users name their groups by the same symbol


def user(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.iam.user", item, item.physical, {}, tags=p.get("Tags")))
    _principal(out, item, "UserName", "User")
    groups = p.get("Groups", [])
    out.data["Groups"] = (
        groups if isinstance(groups, Unknown) else [{"GroupName": g} for g in groups]
    )
    login = p.get("LoginProfile")
    if isinstance(login, dict):
        out.data["LoginProfile"] = {
            "UserName": out.data["UserName"],
            "PasswordResetRequired": BOOL(login.get("PasswordResetRequired", False)),
        }
    else:
        out.data["LoginProfile"] = login if isinstance(login, Unknown) else None
    out.data["AccessKeys"] = []
    for key in ("MFADevices", "CredentialReport"):
        out.defer(key, "only once the user signs in and registers devices, after deployment")


def access_key(item: Item, b: Build) -> None:
    out = b.target(item.props.get("UserName"), ["AWS::IAM::User"])
    if out is None:
        b.skip(item, f"its user {item.props.get('UserName')} is not defined in this template")
        return
    out.data["AccessKeys"].append(
        {
            "UserName": out.data.get("UserName"),
            "AccessKeyId": item.physical,
            "Status": ENUM(item.props.get("Status", "Active")),
        }
    )
    out.defer("AccessKeys", "a key's creation and last use are known only after deployment")


def managed_policy(item: Item, b: Build) -> None:
    p = item.props
    name = p.get("ManagedPolicyName", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.iam.policy", item, name, {}))
    d = out.data
    d["PolicyName"] = name_of(out, "PolicyName", name)
    d["Arn"] = item.physical
    d["DefaultVersionId"] = "v1"
    d["IsAttachable"] = True
    fill(
        d,
        item,
        [
            F("Path", "Path", STR, "/"),
            F("Document", "PolicyDocument", policy),
            F("Description", "Description", STR),
        ],
    )
    n = sum(len(p[k]) for k in ("Roles", "Users", "Groups") if isinstance(p.get(k), list))
    d["AttachmentCount"] = n


_TARGETS = {
    "Roles": "AWS::IAM::Role",
    "Users": "AWS::IAM::User",
    "Groups": "AWS::IAM::Group",
    "RoleName": "AWS::IAM::Role",
    "UserName": "AWS::IAM::User",
    "GroupName": "AWS::IAM::Group",
}


def _each(item: Item, b: Build, fn: Any) -> None:
    """``fn`` on the record of every role, user and group the policy resource names
    (``Roles``/``Users``/``Groups`` lists, or the one ``RoleName``/``UserName``/``GroupName``)."""
    if item.type != "AWS::IAM::ManagedPolicy" and not any(k in item.props for k in _TARGETS):
        b.skip(item, "it names no role, user or group")
        return
    for key, rtype in _TARGETS.items():
        names = item.props.get(key, [])
        if key.endswith("Name") and key in item.props:
            names = [names]
        if isinstance(names, Unknown):
            b.skip(item, f"its {key} cannot be resolved: {names}")
            continue
        for n in names if isinstance(names, list) else []:
            out = b.target(n, [rtype])
            if out is None:
                what = key[:-4] if key.endswith("Name") else key[:-1]
                b.skip(item, f"{what.lower()} {n} is not defined in this template")
            else:
                fn(out)


def attach_managed_policy(item: Item, b: Build) -> None:
    entry = {
        "PolicyName": item.props.get("ManagedPolicyName", _policy_name(item.physical)),
        "PolicyArn": item.physical,
    }
    _each(
        item,
        b,
        lambda o: (
            o.data["AttachedPolicies"].append(dict(entry))
            if isinstance(o.data["AttachedPolicies"], list)
            else None
        ),
    )


def inline_policy(item: Item, b: Build) -> None:
    name, doc = item.props.get("PolicyName"), policy(item.props.get("PolicyDocument"))
    if not isinstance(name, str):  # the statements count all the same
        name = f"${{{item.logical}}}"
    _each(
        item,
        b,
        lambda o: (
            o.data["InlinePolicies"].__setitem__(name, doc)
            if isinstance(o.data["InlinePolicies"], dict)
            else None
        ),
    )


def instance_profile(item: Item, b: Build) -> None:
    """Read through the instances that use it."""


def group_membership(item: Item, b: Build) -> None:
    """``AWS::IAM::UserToGroupAddition``: the group joins each user's ``Groups``."""
    group_name = item.props.get("GroupName")
    users = item.props.get("Users", [])
    if isinstance(users, Unknown) or not isinstance(users, list):
        b.skip(item, f"its Users cannot be resolved: {users}")
        return
    for n in users:
        out = b.target(n, ["AWS::IAM::User"])
        if out is None:
            b.skip(item, f"user {n} is not defined in this template")
        elif isinstance(out.data.get("Groups"), list):
            out.data["Groups"].append({"GroupName": group_name})


HANDLERS = {
    "AWS::IAM::Role": role,
    "AWS::IAM::User": user,
    "AWS::IAM::Group": group,
    "AWS::IAM::ManagedPolicy": managed_policy,
    "AWS::IAM::InstanceProfile": instance_profile,
}
JOINS = {
    "AWS::IAM::ManagedPolicy": attach_managed_policy,
    "AWS::IAM::Policy": inline_policy,
    "AWS::IAM::RolePolicy": inline_policy,
    "AWS::IAM::UserPolicy": inline_policy,
    "AWS::IAM::GroupPolicy": inline_policy,
    "AWS::IAM::UserToGroupAddition": group_membership,
    "AWS::IAM::AccessKey": access_key,
}
