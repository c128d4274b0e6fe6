"""IAM administrators on CloudFormation templates: groups and their policies, memberships
through ``Groups`` and ``AWS::IAM::UserToGroupAddition``, the single-target inline policy types,
and what the template refers to but does not define — each judged as the live scan would, or
waiting for it, never passed on the part that is known."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bio2scan import api

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
READ = {
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
}
TRUST_ACCOUNT = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        }
    ]
}
RULES = (
    "aws.iam.user_no_admin_privileges",
    "aws.iam.admin_role_trust_named",
    "aws.iam.role_inline_policy_no_admin",
)


def _scan(tmp_path: Path, resources: dict, parameters: dict | None = None) -> dict:
    doc = {"Parameters": parameters or {}, "Resources": resources}
    (tmp_path / "t.yaml").write_text(json.dumps(doc))  # JSON: no YAML aliases for shared parts
    rules = [r for r in api.load_rules().values() if r.id in RULES]
    _, results = api.scan(
        "cloudformation",
        {"paths": [str(tmp_path / "t.yaml")], "parameter": ["AWS::AccountId=111122223333"]},
        rules=rules,
        verbose_results=True,
    )
    return {
        (r["rule_id"], r["resource_name"]): (r["status"], r["message"]) for r in results["results"]
    }


def _user(name: str, **props) -> dict:
    return {"Type": "AWS::IAM::User", "Properties": {"UserName": name, **props}}


def test_a_user_is_an_administrator_through_a_group_of_the_template(tmp_path):
    got = _scan(
        tmp_path,
        {
            "Ops": {
                "Type": "AWS::IAM::Group",
                "Properties": {"Policies": [{"PolicyName": "all", "PolicyDocument": ADMIN}]},
            },
            "Readers": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "readers"}},
            "ReadersPolicy": {
                "Type": "AWS::IAM::GroupPolicy",
                "Properties": {
                    "GroupName": {"Ref": "Readers"},
                    "PolicyName": "r",
                    "PolicyDocument": READ,
                },
            },
            "Alice": _user("alice", Groups=[{"Ref": "Ops"}]),  # a generated group name
            "Bob": _user("bob"),
            "Carol": _user("carol", Groups=["readers"]),
            "BobOps": {
                "Type": "AWS::IAM::UserToGroupAddition",
                "Properties": {"GroupName": {"Ref": "Ops"}, "Users": [{"Ref": "Bob"}]},
            },
        },
    )
    rule = "aws.iam.user_no_admin_privileges"
    assert got[(rule, "alice")][0] == "FAIL" and "group ${Ops}" in got[(rule, "alice")][1]
    assert got[(rule, "bob")][0] == "FAIL"  # through AWS::IAM::UserToGroupAddition
    assert got[(rule, "carol")][0] == "PASS"  # the readers group holds s3:GetObject only


def test_an_escalation_through_a_managed_policy_attached_to_a_group(tmp_path):
    escalate = {"Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}]}
    got = _scan(
        tmp_path,
        {
            "Helpdesk": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "helpdesk"}},
            "Escalate": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": escalate, "Groups": [{"Ref": "Helpdesk"}]},
            },
            "Dave": _user("dave", Groups=["helpdesk"]),
        },
    )
    status, message = got[("aws.iam.user_no_admin_privileges", "dave")]
    assert status == "FAIL" and "privilege escalation #10" in message


def test_what_the_template_does_not_define_waits_for_the_live_scan(tmp_path):
    """A group of another stack, an AWS managed policy whose document bio2scan does not carry, a
    customer policy of another stack: the verdict is NOT_APPLICABLE (read from the account once
    deployed), never PASS on the policies that are known."""
    got = _scan(
        tmp_path,
        {
            "Erin": _user("erin", Groups=["platform-admins"]),
            "Frank": _user("frank", ManagedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"]),
            "Grace": _user("grace", ManagedPolicyArns=["arn:aws:iam::111122223333:policy/ops"]),
            "Ops": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "ops",
                    "AssumeRolePolicyDocument": TRUST_ACCOUNT,
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/Custom"],
                },
            },
        },
    )
    rule = "aws.iam.user_no_admin_privileges"
    for user, named in (
        ("erin", "platform-admins"),
        ("frank", "PowerUserAccess"),
        ("grace", "policy/ops"),
    ):
        status, message = got[(rule, user)]
        assert status == "NOT_APPLICABLE" and message.startswith("known only after deployment"), (
            user
        )
        assert named in message, message
    assert got[("aws.iam.admin_role_trust_named", "ops")][0] == "NOT_APPLICABLE"


def test_aws_managed_policies_bio2scan_knows_are_judged(tmp_path):
    got = _scan(
        tmp_path,
        {
            "Root": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "admin",
                    "AssumeRolePolicyDocument": TRUST_ACCOUNT,
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                },
            },
            "Auditor": _user(
                "auditor", ManagedPolicyArns=["arn:aws:iam::aws:policy/SecurityAudit"]
            ),
        },
    )
    assert got[("aws.iam.admin_role_trust_named", "admin")][0] == "FAIL"  # the whole account
    assert got[("aws.iam.user_no_admin_privileges", "auditor")][0] == "PASS"


def test_a_policy_whose_statements_are_known_only_after_deployment_is_not_judged(tmp_path):
    """Looks harmless: the known statement reads one bucket — but the other one is an SSM
    parameter's value. The rules wait; they do not pass the policy on its known half."""
    doc = {
        "Statement": [
            READ["Statement"][0],
            {"Effect": "Allow", "Action": {"Ref": "Actions"}, "Resource": "*"},
        ]
    }
    got = _scan(
        tmp_path,
        {
            "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc}},
            "Heidi": _user("heidi", ManagedPolicyArns=[{"Ref": "P"}]),
            "Svc": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "svc", "AssumeRolePolicyDocument": TRUST_ACCOUNT},
            },
            "SvcPolicy": {
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {
                    "RoleName": {"Ref": "Svc"},
                    "PolicyName": "p",
                    "PolicyDocument": doc,
                },
            },
        },
        parameters={"Actions": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/iam/a"}},
    )
    assert got[("aws.iam.user_no_admin_privileges", "heidi")][0] == "NOT_APPLICABLE"
    assert got[("aws.iam.role_inline_policy_no_admin", "svc")][0] == "NOT_APPLICABLE"
    assert got[("aws.iam.admin_role_trust_named", "svc")][0] == "NOT_APPLICABLE"


def test_an_inline_policy_naming_nobody_is_a_notice(tmp_path):
    (tmp_path / "t.yaml").write_text(
        yaml.safe_dump(
            {
                "Resources": {
                    "P": {
                        "Type": "AWS::IAM::Policy",
                        "Properties": {"PolicyName": "p", "PolicyDocument": ADMIN},
                    }
                }
            }
        )
    )
    inv = api.collect("cloudformation", {"paths": [str(tmp_path / "t.yaml")]})
    (notice,) = inv.notices
    assert notice.name == "P" and "names no role, user or group" in notice.reason
