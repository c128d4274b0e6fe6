"""AWS rule functions: IAM policy analysis, credentials, tags, network exposure, service status."""

from __future__ import annotations

import datetime as _dt
import json

import pytest

from bio2scan.engine.conditions import compile_condition
from bio2scan.engine.env import Env, Index
from bio2scan.engine.functions import (
    CannotJudge,
    aws,
    aws_admin,
    aws_exposure,
    aws_policy,
    aws_services,
    load_builtin_functions,
)
from bio2scan.model import CollectionError, Inventory, Resource, ScanMeta

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def env_for(subject: dict, rtype: str, related=(), tags=None, errors=None, coll_errors=()):
    """A real engine Env over a small inventory: the subject plus related resources."""
    res = Resource(
        type=rtype,
        id="subject",
        name="subject",
        scope="111122223333",
        data=subject,
        tags=tags or {},
        errors=errors or {},
    )
    others = tuple(
        Resource(type=t, id=f"r{i}", name=f"r{i}", scope="111122223333", data=d, errors=e or {})
        for i, (t, d, e) in enumerate(related)
    )
    inv = Inventory(
        ScanMeta("test", NOW.isoformat(), NOW.isoformat()),
        (res,) + others,
        errors=tuple(coll_errors),
    )
    env = Env(Index(inv), NOW)
    env.enter(res)
    return env


def through_engine(name, subject, env, **args):
    """``(truth, evidence)`` of ``{call: name, args: …}`` as the engine runs it: declared reads
    and related types checked first (None: unknown)."""
    return compile_condition({"call": name, "args": args}, {})(subject, "", env)


def ok(result):
    return result[0] if isinstance(result, tuple) else result


# --- policy documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc,expected",
    [
        ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, True),
        ({"Statement": {"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}}, True),
        ({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}, False),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]},
            False,
        ),
        # everything outside IAM still includes lambda:UpdateFunctionCode (escalation #17)
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:iam::*:*"}]},
            True,
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::*:*"}
                ]
            },
            False,
        ),
        # every action but IAM still updates any function's code (escalation #17)
        ({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}, True),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, False),
        (None, False),
    ],
)
def test_policy_grants_admin(doc, expected):
    assert aws_admin.policy_grants_admin(doc) is expected


def test_a_policy_that_is_not_a_policy_is_an_error_not_a_no():
    with pytest.raises(aws_policy.PolicyError):
        aws_admin.policy_grants_admin("not a policy")
    with pytest.raises(aws_policy.PolicyError):
        aws.policy_is_public("{broken")


@pytest.mark.parametrize(
    "doc",
    ["{broken", "not a policy", {"Statement": "Allow everything"}, {"Statement": ["*"]}],
)
def test_what_is_no_policy_cannot_be_judged(doc):
    """A document that is no policy says nothing: unknown (never "not admin")."""
    with pytest.raises(aws_policy.PolicyError):
        aws.policy_is_public(doc)
    truth, _ = compile_condition({"path": "d", "call": "policy_grants_admin"}, {})(
        {"d": doc}, "", None
    )
    assert truth is None


@pytest.mark.parametrize(
    "principal,condition,expected",
    [
        ("*", None, True),
        ({"AWS": "*"}, None, True),
        ({"AWS": ["arn:aws:iam::1:root", "*"]}, None, True),
        ({"CanonicalUser": "*"}, None, True),
        ({"AWS": "arn:aws:iam::111122223333:root"}, None, False),
        ({"Service": "s3.amazonaws.com"}, None, False),
        ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, False),
        ("*", {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}}, False),
        ("*", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, False),
        ("*", {"StringEquals": {"aws:UserAgent": "x"}}, True),  # not a restriction on the caller
    ],
)
def test_policy_is_public(principal, condition, expected):
    st = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "*"}
    if condition:
        st["Condition"] = condition
    assert aws.policy_is_public({"Statement": [st]}) is expected


def test_policy_is_public_reads_json_text_and_ignores_denies():
    text = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]})
    assert aws.policy_is_public(text) is True
    assert (
        aws.policy_is_public({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*"}]})
        is False
    )


def test_policy_denies_insecure_transport():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert aws.policy_denies_insecure_transport({"Statement": [deny]}) is True
    # a plain-HTTP request has no TLS version: only the IfExists form denies it
    tls = dict(deny, Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}})
    assert aws.policy_denies_insecure_transport({"Statement": [tls]}) is False
    tls = dict(deny, Condition={"NumericLessThanIfExists": {"s3:TlsVersion": "1.2"}})
    assert aws.policy_denies_insecure_transport({"Statement": [tls]}) is True
    only_get = dict(deny, Action="s3:GetObject")
    assert aws.policy_denies_insecure_transport({"Statement": [only_get]}) is False
    allow = dict(deny, Effect="Allow")
    assert aws.policy_denies_insecure_transport({"Statement": [allow]}) is False
    narrow = dict(deny, Principal={"AWS": "arn:aws:iam::1:role/x"})
    assert aws.policy_denies_insecure_transport({"Statement": [narrow]}) is False
    with pytest.raises(aws_policy.PolicyError):
        aws.policy_denies_insecure_transport({"Statement": [{"Effect": "Deny"}]})


def test_policy_allows_public_action():
    doc = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:Put*", "Resource": "*"}]
    }
    assert aws.policy_allows_public_action(doc, ["s3:PutObject"]) is True
    assert aws.policy_allows_public_action(doc, ["s3:GetObject"]) is False
    star = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    assert aws.policy_allows_public_action(star, ["s3:DeleteObject"]) is True


# --- IAM users, root, roles ----------------------------------------------------------------------

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
CUSTOM = "arn:aws:iam::111122223333:policy/full"


def test_iam_user_is_admin_paths():
    user = {"AttachedPolicies": [{"PolicyArn": ADMIN}], "InlinePolicies": {}}
    assert ok(aws_admin.iam_user_is_admin(user, env_for(user, "aws.iam.user"))) is True
    user = {"AttachedPolicies": [{"PolicyArn": CUSTOM}], "InlinePolicies": {}}
    star = {
        "Arn": CUSTOM,
        "Document": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    }
    env = env_for(user, "aws.iam.user", related=[("aws.iam.policy", star, None)])
    assert ok(aws_admin.iam_user_is_admin(user, env)) is True
    narrow = dict(
        star, Document={"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    )
    env = env_for(user, "aws.iam.user", related=[("aws.iam.policy", narrow, None)])
    assert ok(aws_admin.iam_user_is_admin(user, env)) is False


def test_iam_user_is_admin_cannot_say_no_without_the_policies():
    user = {
        "Arn": "arn:aws:iam::111122223333:user/u",
        "AttachedPolicies": [{"PolicyArn": CUSTOM}],
        "InlinePolicies": {},
    }
    err = CollectionError("aws", "aws.iam.policy", "111122223333", "denied", "AccessDenied")
    env = env_for(user, "aws.iam.user", coll_errors=[err])
    truth, ev = through_engine("iam_user_is_admin", user, env)
    assert truth is None and "aws.iam.policy not collected" in ev[0].expected
    unreadable = {"Arn": CUSTOM, "Document": None}
    env = env_for(
        user, "aws.iam.user", related=[("aws.iam.policy", unreadable, {"Document": "AccessDenied"})]
    )
    assert through_engine("iam_user_is_admin", user, env)[0] is None


def _user(**kw):
    base = {
        "UserName": "u",
        "CreateDate": "2024-01-01T00:00:00Z",
        "LoginProfile": None,
        "AccessKeys": [],
        "CredentialReport": None,
    }
    base.update(kw)
    return base


def test_stale_credentials():
    fn = aws.iam_user_stale_credentials
    fresh = _user(
        LoginProfile={"CreateDate": "2024-01-01T00:00:00Z"},
        CredentialReport={
            "password_enabled": "true",
            "password_last_used": "2025-12-20T00:00:00+00:00",
        },
    )
    assert ok(fn(fresh, env_for(fresh, "aws.iam.user"), days=45)) is False
    never = _user(
        LoginProfile={"CreateDate": "2025-01-01T00:00:00Z"},
        CredentialReport={"password_enabled": "true", "password_last_used": "N/A"},
    )
    assert ok(fn(never, env_for(never, "aws.iam.user"), days=45)) is True
    new_never = _user(
        LoginProfile={"CreateDate": "2025-12-30T00:00:00Z"},
        CredentialReport={"password_enabled": "true", "password_last_used": "N/A"},
    )
    assert ok(fn(new_never, env_for(new_never, "aws.iam.user"), days=45)) is False
    key = _user(
        AccessKeys=[
            {
                "Status": "Active",
                "CreateDate": "2025-01-01T00:00:00Z",
                "LastUsed": {"LastUsedDate": "2025-06-01T00:00:00Z"},
            }
        ]
    )
    assert ok(fn(key, env_for(key, "aws.iam.user"), days=45)) is True
    assert ok(fn(key, env_for(key, "aws.iam.user"), days=365)) is False


def test_root_used_within_days():
    fn = aws.root_used_within_days
    acct = {"RootUser": {"password_last_used": "2025-12-31T00:00:00+00:00"}}
    assert ok(fn(acct, env_for(acct, "aws.iam.account"), days=90)) is True
    gone = {"RootUser": None}  # the report could not be read: required, so unknown
    assert (
        through_engine("root_used_within_days", gone, env_for(gone, "aws.iam.account"))[0] is None
    )
    acct = {
        "RootUser": {
            "password_last_used": "no_information",
            "access_key_2_last_used_date": "2025-01-01T00:00:00+00:00",
        }
    }
    assert ok(fn(acct, env_for(acct, "aws.iam.account"), days=90)) is False


def test_role_with_policy_exists():
    audit = {
        "RoleName": "a",
        "AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}],
    }
    env = env_for({}, "aws.iam.account", related=[("aws.iam.role", audit, None)])
    assert ok(aws.iam_role_with_policy_exists({}, env, ["arn:aws:iam::aws:policy/SecurityAudit"]))
    err = CollectionError("aws", "aws.iam.role", "111122223333", "denied", "AccessDenied")
    env = env_for({}, "aws.iam.account", coll_errors=[err])
    assert through_engine("iam_role_with_policy_exists", {}, env, policy_arns=["x"])[0] is None


# --- tags -------------------------------------------------------------------------------------


def test_has_tag_prefers_resource_tags_then_provider_lists():
    env = env_for({}, "aws.s3.bucket", tags={"Environment": "Prod"})
    assert ok(aws.has_tag({}, env, "environment", ["prod"])) is True
    assert ok(aws.has_tag({}, env, "environment", ["test"])) is False
    assert ok(aws.has_tag({}, env, "environment")) is True
    data = {"TagList": [{"Key": "env", "Value": "production"}]}
    assert ok(aws.has_tag(data, env_for(data, "aws.rds.db_instance"), "env", ["production"]))
    assert ok(aws.has_tag({}, env_for({}, "aws.rds.db_instance"), "env")) is False


# --- network ------------------------------------------------------------------------------------


def _acl(*entries):
    return {"Entries": list(entries)}


def test_nacl_closed_in_rule_number_order():
    allow = {
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 0, "To": 65535},
    }
    deny22 = {
        "RuleNumber": 50,
        "Protocol": "6",
        "RuleAction": "deny",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 22, "To": 22},
    }
    fn = aws_exposure.aws_nacl_closed
    acl = _acl(deny22, allow)
    env = env_for(acl, "aws.ec2.network_acl")
    assert ok(fn(acl, env, [22])) is True
    assert ok(fn(acl, env, [22, 3389])) is False
    late = _acl(allow, dict(deny22, RuleNumber=200))
    assert ok(fn(late, env_for(late, "aws.ec2.network_acl"), [22])) is False
    egress = _acl(dict(allow, Egress=True))
    assert ok(fn(egress, env_for(egress, "aws.ec2.network_acl"), [22])) is True


def test_instance_exposes_ports():
    sg = {
        "GroupId": "sg-1",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 20,
                "ToPort": 25,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    }
    inst = {"SecurityGroups": [{"GroupId": "sg-1"}]}
    env = env_for(inst, "aws.ec2.instance", related=[("aws.ec2.security_group", sg, None)])
    assert ok(aws_exposure.instance_exposes_ports(inst, env, [22])) is True
    assert ok(aws_exposure.instance_exposes_ports(inst, env, [3306])) is False
    everything = {
        "GroupId": "sg-1",
        "IpPermissions": [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    }
    env = env_for(inst, "aws.ec2.instance", related=[("aws.ec2.security_group", everything, None)])
    assert ok(aws_exposure.instance_exposes_ports(inst, env, [5432])) is True
    # a group that is not in the inventory: unknown, never "not exposed"
    assert (
        ok(aws_exposure.instance_exposes_ports(inst, env_for(inst, "aws.ec2.instance"), [22]))
        is None
    )


# --- services -----------------------------------------------------------------------------------


def test_classic_negotiation_and_rating():
    pol = {
        "PolicyName": "p",
        "PolicyAttributeDescriptions": [
            {"AttributeName": "Protocol-TLSv1.2", "AttributeValue": "true"},
            {"AttributeName": "Protocol-TLSv1", "AttributeValue": "false"},
            {"AttributeName": "Server-Defined-Cipher-Order", "AttributeValue": "true"},
            {
                "AttributeName": "Reference-Security-Policy",
                "AttributeValue": "ELBSecurityPolicy-2016-08",
            },
            {"AttributeName": "ECDHE-RSA-AES128-GCM-SHA256", "AttributeValue": "true"},
            {"AttributeName": "AES128-SHA", "AttributeValue": "false"},
        ],
    }
    assert aws_services.classic_negotiation(pol) == (["TLSv1.2"], ["ECDHE-RSA-AES128-GCM-SHA256"])
    lb = {
        "ListenerDescriptions": [{"Listener": {"Protocol": "HTTPS"}, "PolicyNames": ["p"]}],
        "Policies": [pol],
    }
    env = env_for(lb, "aws.elb.load_balancer")
    assert ok(aws_services.elb_classic_tls_at_least(lb, env)) is True
    assert ok(aws_services.elb_classic_tls_at_least(lb, env, level="goed")) is False


def test_inspector_and_eks_and_versions():
    st = {
        "Status": {
            "state": {"status": "ENABLED"},
            "resourceState": {"ec2": {"status": "ENABLED"}, "ecr": {"status": "DISABLED"}},
        }
    }
    env = env_for(st, "aws.inspector2.region")
    assert ok(aws_services.inspector_scans_enabled(st, env, ["ec2"])) is True
    assert ok(aws_services.inspector_scans_enabled(st, env, ["ec2", "ecr"])) is False
    assert ok(aws_services.inspector_scans_enabled({"Status": None}, env, ["ec2"])) is False
    cl = {
        "logging": {
            "clusterLogging": [
                {"types": ["api", "audit"], "enabled": True},
                {"types": ["authenticator"], "enabled": False},
            ]
        }
    }
    env = env_for(cl, "aws.eks.cluster")
    assert ok(aws_services.eks_log_types_enabled(cl, env, ["audit"])) is True
    assert ok(aws_services.eks_log_types_enabled(cl, env, ["audit", "authenticator"])) is False
    assert aws_services.version_at_least("1.10", "1.9") is True
    assert aws_services.version_at_least("v1.29", "1.30") is False
    assert aws_services.version_at_least(None, "1.0") is False
    with pytest.raises(ValueError):
        aws_services.version_at_least("latest", "1.0")


def test_all_aws_functions_are_registered():
    reg = load_builtin_functions()
    for name in (
        "policy_grants_admin",
        "policy_is_public",
        "policy_denies_insecure_transport",
        "policy_allows_public_action",
        "iam_user_is_admin",
        "iam_user_stale_credentials",
        "root_used_within_days",
        "has_tag",
        "iam_role_with_policy_exists",
        "aws_nacl_closed",
        "aws_sg_closed",
        "aws_policy_private",
        "aws_s3_tls_enforced",
        "iam_principal_not_admin",
        "instance_exposes_ports",
        "elb_classic_tls_at_least",
        "inspector_scans_enabled",
        "eks_log_types_enabled",
        "version_at_least",
    ):
        assert name in reg, name
        assert reg[name].doc, name


def test_trail_bucket_functions():
    bucket = {
        "Name": "logs",
        "Logging": None,
        "ObjectLock": {"ObjectLockEnabled": "Enabled"},
        "PublicAccessBlock": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        ),
        "PolicyStatus": {"IsPublic": False},
        "Policy": None,
    }
    trail = {"S3BucketName": "logs"}
    env = env_for(trail, "aws.cloudtrail.trail", related=[("aws.s3.bucket", bucket, None)])
    assert ok(aws_services.trail_bucket_collected(trail, env)) is True
    assert ok(aws_services.trail_bucket_is(trail, env, "object_lock")) is True
    assert ok(aws_services.trail_bucket_is(trail, env, "not_public")) is True
    assert ok(aws_services.trail_bucket_is(trail, env, "access_logging")) is False
    with pytest.raises(ValueError):
        aws_services.trail_bucket_is(trail, env, "shiny")
    other = {"S3BucketName": "elsewhere"}
    assert (
        ok(aws_services.trail_bucket_collected(other, env_for(other, "aws.cloudtrail.trail")))
        is False
    )
    err = CollectionError("aws", "aws.s3.bucket", "111122223333", "denied", "AccessDenied")
    env = env_for(other, "aws.cloudtrail.trail", coll_errors=[err])
    assert through_engine("trail_bucket_collected", other, env)[0] is None
    assert ok(aws_services.trail_bucket_is(other, env, "object_lock")) is None  # not scanned


# --- administrators through roles, groups and trusts -------------------------------------------

USER_ARN = "arn:aws:iam::111122223333:user/dev"
ROLE_ARN = "arn:aws:iam::111122223333:role/ops"
ASSUME = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}]}


def _role(trust_principal, attached=("arn:aws:iam::aws:policy/AdministratorAccess",)):
    return {
        "RoleName": "ops",
        "Arn": ROLE_ARN,
        "AssumeRolePolicyDocument": {
            "Statement": [
                {"Effect": "Allow", "Principal": trust_principal, "Action": "sts:AssumeRole"}
            ]
        },
        "AttachedPolicies": [{"PolicyArn": a} for a in attached],
        "InlinePolicies": {},
    }


@pytest.mark.parametrize(
    "principal,admin",
    [
        ({"AWS": USER_ARN}, True),
        ({"AWS": "111122223333"}, True),
        ({"AWS": "arn:aws:iam::111122223333:root"}, True),
        ({"AWS": "arn:aws:iam::444455556666:root"}, False),
        ({"Service": "ec2.amazonaws.com"}, False),
        ("*", True),
    ],
)
def test_user_admin_through_an_assumable_role(principal, admin):
    user = {"Arn": USER_ARN, "AttachedPolicies": [], "InlinePolicies": {"a": ASSUME}}
    env = env_for(user, "aws.iam.user", related=[("aws.iam.role", _role(principal), None)])
    assert ok(aws_admin.iam_user_is_admin(user, env)) is admin


def test_user_admin_role_unreadable_or_not_allowed():
    user = {"Arn": USER_ARN, "AttachedPolicies": [], "InlinePolicies": {"a": ASSUME}}
    role = _role({"AWS": USER_ARN})
    env = env_for(user, "aws.iam.user", related=[("aws.iam.role", role, {"InlinePolicies": "x"})])
    with pytest.raises(CannotJudge):
        aws_admin.iam_user_is_admin(user, env)
    truth, ev = through_engine("iam_user_is_admin", user, env)
    assert truth is None and "could not be read" in ev[0].expected
    other = dict(user, InlinePolicies={})
    env = env_for(other, "aws.iam.user", related=[("aws.iam.role", role, None)])
    assert ok(aws_admin.iam_user_is_admin(other, env)) is False
    denied = dict(
        user,
        InlinePolicies={
            "a": ASSUME,
            "d": {"Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]},
        },
    )
    env = env_for(denied, "aws.iam.user", related=[("aws.iam.role", role, None)])
    assert ok(aws_admin.iam_user_is_admin(denied, env)) is False
    not_resource = dict(
        user,
        InlinePolicies={
            "a": {
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": ROLE_ARN}
                ]
            }
        },
    )
    env = env_for(not_resource, "aws.iam.user", related=[("aws.iam.role", role, None)])
    assert ok(aws_admin.iam_user_is_admin(not_resource, env)) is False


def test_principal_and_policy_not_admin_need_their_data():
    with pytest.raises(CannotJudge):
        aws_admin.iam_principal_not_admin({"InlinePolicies": {}}, env_for({}, "aws.iam.role"))
    with pytest.raises(CannotJudge):
        aws_admin.iam_policy_not_admin({}, env_for({}, "aws.iam.policy"))
    # through the engine: a required list that is absent is unknown before the function runs
    role = {"InlinePolicies": {}}
    assert through_engine("iam_principal_not_admin", role, env_for(role, "aws.iam.role"))[0] is None
    assert through_engine("iam_policy_not_admin", {}, env_for({}, "aws.iam.policy"))[0] is None
    pol = {"Document": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}
    assert aws_admin.iam_policy_not_admin(pol, env_for(pol, "aws.iam.policy"))[0] is True
    user = {"Arn": USER_ARN, "AttachedPolicies": [], "InlinePolicies": {}}
    env = env_for(user, "aws.iam.user", errors={"Groups": "AccessDenied"})
    truth, ev = through_engine("iam_principal_not_admin", user, env, kind="user")
    assert truth is None and ev[0].path == "Groups"
