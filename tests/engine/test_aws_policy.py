"""Table-driven cases for the AWS policy analysis (``aws_policy``): every Principal form,
NotPrincipal, condition operators and keys, wildcard values, Deny statements that narrow, shared
identity providers, transport Denies, and administrator equivalence. Each row is one policy and
the verdict docs/exposure.md promises for it."""

from __future__ import annotations

import pytest

from bio2scan.engine.functions import CannotJudge, aws_admin, aws_exposure, aws_policy


def allow(principal=None, condition=None, action="s3:GetObject", **extra):
    s = {"Effect": "Allow", "Action": action, "Resource": "*", **extra}
    if principal is not None:
        s["Principal"] = principal
    if condition is not None:
        s["Condition"] = condition
    return s


def pub(*statements, **kw) -> bool:
    return bool(aws_policy.public_grants({"Statement": list(statements)}, **kw))


ORG = "o-a1b2c3d4e5"
ACCT = "111122223333"

PRINCIPALS = [
    ("star string", "*", True),
    ("AWS star", {"AWS": "*"}, True),
    ("AWS star in a list", {"AWS": [f"arn:aws:iam::{ACCT}:root", "*"]}, True),
    ("canonical user star", {"CanonicalUser": "*"}, True),
    ("account wildcard in an ARN", {"AWS": "arn:aws:iam::*:root"}, True),
    ("role in any account", {"AWS": "arn:aws:iam::*:role/deploy"}, True),
    ("one account root", {"AWS": f"arn:aws:iam::{ACCT}:root"}, False),
    ("one account id", {"AWS": ACCT}, False),
    ("one role", {"AWS": f"arn:aws:iam::{ACCT}:role/app"}, False),
    ("two accounts", {"AWS": [ACCT, "444455556666"]}, False),
    ("service principal", {"Service": "cloudtrail.amazonaws.com"}, False),
    ("service list", {"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]}, False),
    ("SAML provider of the account", {"Federated": f"arn:aws:iam::{ACCT}:saml-provider/ad"}, False),
    (
        "EKS OIDC issuer of one cluster",
        {"Federated": f"arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
        False,
    ),
    (
        "GitHub OIDC without a subject",
        {"Federated": f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"},
        True,
    ),
    ("Cognito without an audience", {"Federated": "cognito-identity.amazonaws.com"}, True),
    ("Google without a subject", {"Federated": "accounts.google.com"}, True),
    ("AWS star beside a service", {"AWS": "*", "Service": "ec2.amazonaws.com"}, True),
]


@pytest.mark.parametrize("name,principal,public", PRINCIPALS, ids=[p[0] for p in PRINCIPALS])
def test_principal_forms(name, principal, public):
    assert pub(allow(principal)) is public


def test_not_principal_in_an_allow_is_everyone_else():
    assert pub({"Effect": "Allow", "NotPrincipal": {"AWS": ACCT}, "Action": "s3:*"})


def test_no_principal_is_an_identity_policy_and_not_public():
    assert not pub(allow())


CONDITIONS = [
    # (name, condition, public)
    ("no condition", None, True),
    ("source IP office range", {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, False),
    ("source IP 0.0.0.0/0", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, True),
    ("source IP ::/0", {"IpAddress": {"aws:SourceIp": "::/0"}}, True),
    ("source IP two halves", {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}, True),
    ("source IP a /4", {"IpAddress": {"aws:SourceIp": "16.0.0.0/4"}}, True),
    (
        "source IP a /24 and a /48",
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/48"]}},
        False,
    ),
    ("source IP unparsable", {"IpAddress": {"aws:SourceIp": "office"}}, True),
    (
        "NotIpAddress office in an Allow",
        {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        True,
    ),
    ("source IP IfExists", {"IpAddressIfExists": {"aws:SourceIp": "198.51.100.0/24"}}, True),
    ("VPC source IP", {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}, False),
    ("VPC endpoint", {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}, False),
    ("VPC endpoint wildcard", {"StringLike": {"aws:SourceVpce": "vpce-*"}}, True),
    ("VPC", {"StringEquals": {"aws:SourceVpc": "vpc-0abc"}}, False),
    ("org id", {"StringEquals": {"aws:PrincipalOrgID": ORG}}, False),
    ("org id star", {"StringEquals": {"aws:PrincipalOrgID": "*"}}, True),
    ("org id prefix wildcard", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}, True),
    ("org id case-insensitive key", {"StringEquals": {"AWS:principalorgid": ORG}}, False),
    ("org id IfExists", {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}}, True),
    ("org id negated in an Allow", {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, True),
    ("org id ForAllValues", {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG}}, True),
    ("org id ForAnyValue", {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ORG}}, False),
    ("org path", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-ab12/*"}}, False),
    ("org path star", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*"}}, True),
    ("principal account", {"StringEquals": {"aws:PrincipalAccount": ACCT}}, False),
    ("principal account star", {"StringLike": {"aws:PrincipalAccount": "*"}}, True),
    ("source account", {"StringEquals": {"aws:SourceAccount": ACCT}}, False),
    ("source owner wildcard", {"StringLike": {"AWS:SourceOwner": "*"}}, True),
    ("source ARN of a bucket", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}, False),
    (
        "source ARN bucket prefix wildcard",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads*"}},
        True,
    ),
    (
        "source ARN any account",
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:*:topic"}},
        True,
    ),
    ("source ARN one account", {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{ACCT}:*"}}, False),
    (
        "principal ARN one account pattern",
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/*"}},
        False,
    ),
    ("principal ARN star", {"ArnLike": {"aws:PrincipalArn": "*"}}, True),
    (
        "principal ARN negated",
        {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/x"}},
        True,
    ),
    ("user id with a role prefix", {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}, False),
    ("user id star", {"StringLike": {"aws:userid": "*"}}, True),
    ("user name is not unique across accounts", {"StringEquals": {"aws:username": "alice"}}, True),
    ("KMS caller account", {"StringEquals": {"kms:CallerAccount": ACCT}}, False),
    (
        "KMS via service alone",
        {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        True,
    ),
    ("external id alone", {"StringEquals": {"sts:ExternalId": "abc"}}, True),
    ("function URL auth type NONE", {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}, True),
    (
        "function URL auth type AWS_IAM",
        {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
        True,
    ),
    ("referer is spoofable", {"StringLike": {"aws:Referer": "https://example.nl/*"}}, True),
    ("user agent is spoofable", {"StringEquals": {"aws:UserAgent": "app"}}, True),
    ("principal tag is set by the caller", {"StringEquals": {"aws:PrincipalTag/team": "a"}}, True),
    ("secure transport is not about the caller", {"Bool": {"aws:SecureTransport": "true"}}, True),
    (
        "MFA is not about the caller's account",
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        True,
    ),
    ("an AWS service only", {"Bool": {"aws:PrincipalIsAWSService": "true"}}, False),
    ("not an AWS service", {"Bool": {"aws:PrincipalIsAWSService": "false"}}, True),
    ("Null check on the org id", {"Null": {"aws:PrincipalOrgID": "false"}}, True),
    ("unknown key", {"StringEquals": {"example:Whatever": "x"}}, True),
    ("time window", {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, True),
    (
        "open IP AND org id: keys are ANDed",
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}, "StringEquals": {"aws:PrincipalOrgID": ORG}},
        False,
    ),
    (
        "wildcard org AND open IP",
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}, "StringEquals": {"aws:PrincipalOrgID": "*"}},
        True,
    ),
    ("SNS endpoint concrete", {"StringEquals": {"sns:Endpoint": "ops@example.nl"}}, False),
    ("access point account", {"StringEquals": {"s3:DataAccessPointAccount": ACCT}}, False),
]


@pytest.mark.parametrize("name,condition,public", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_conditions_restrict_only_with_trusted_keys_and_concrete_values(name, condition, public):
    assert pub(allow("*", condition)) is public


NARROWING_DENIES = [
    ("deny outside the org", {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, "*", "*", False),
    (
        "deny outside the org IfExists",
        {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}},
        "*",
        "*",
        False,
    ),
    (
        "deny outside the VPC endpoint",
        {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
        "s3:*",
        "*",
        False,
    ),
    (
        "deny outside the office",
        {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
        "*",
        "*",
        False,
    ),
    (
        "deny outside the internet denies nothing",
        {"NotIpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        "*",
        "*",
        True,
    ),
    ("deny outside a wildcard org", {"StringNotLike": {"aws:PrincipalOrgID": "*"}}, "*", "*", True),
    (
        "deny of other actions only",
        {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        "s3:PutObject",
        "*",
        True,
    ),
    (
        "deny of one other bucket",
        {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        "*",
        "arn:aws:s3:::other/*",
        True,
    ),
    (
        "deny with a positive condition",
        {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        "*",
        "*",
        True,
    ),
    (
        "deny with an extra narrowing key",
        {"StringNotEquals": {"aws:PrincipalOrgID": ORG}, "Bool": {"aws:SecureTransport": "false"}},
        "*",
        "*",
        True,
    ),
]


@pytest.mark.parametrize(
    "name,cond,action,resource,public", NARROWING_DENIES, ids=[d[0] for d in NARROWING_DENIES]
)
def test_a_deny_narrows_only_when_it_covers_and_names_callers(name, cond, action, resource, public):
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": cond,
    }
    assert pub(allow("*"), deny) is public


def test_deny_by_a_named_principal_narrows_nothing():
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": ACCT},
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    }
    assert pub(allow("*"), deny)


IDP = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
IDPS = [
    (
        "sub of one repository",
        {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}},
        False,
    ),
    ("sub repo:*", {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}, True),
    ("sub *", {"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}, True),
    (
        "aud only",
        {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
        True,
    ),
    (
        "sub IfExists",
        {"StringLikeIfExists": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}},
        True,
    ),
    (
        "sub negated",
        {"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:evil/*"}},
        True,
    ),
    ("sub of another provider", {"StringLike": {"gitlab.com:sub": "project_path:g/p:*"}}, True),
]


@pytest.mark.parametrize("name,cond,public", IDPS, ids=[i[0] for i in IDPS])
def test_shared_identity_providers_need_a_concrete_subject(name, cond, public):
    st = allow({"Federated": IDP}, cond, action="sts:AssumeRoleWithWebIdentity")
    assert pub(st) is public


def test_cognito_is_bound_by_its_audience():
    cond = {"StringEquals": {"cognito-identity.amazonaws.com:aud": "eu-west-1:1234-abcd"}}
    assert not pub(allow({"Federated": "cognito-identity.amazonaws.com"}, cond))


SERVICES = [
    ("service without source", None, True),
    ("service with source ARN", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}, False),
    ("service with source account", {"StringEquals": {"aws:SourceAccount": ACCT}}, False),
    ("service with wildcard source account", {"StringLike": {"aws:SourceAccount": "*"}}, True),
]


@pytest.mark.parametrize("name,cond,public", SERVICES, ids=[s[0] for s in SERVICES])
def test_service_principals_as_confused_deputies(name, cond, public):
    st = allow({"Service": "s3.amazonaws.com"}, cond, action="lambda:InvokeFunction")
    assert pub(st, services_public=True) is public
    assert pub(st) is False  # by default a named service is not "everyone"


BAD = [
    ("not JSON", "{broken"),
    ("statement is text", {"Statement": ["x"]}),
    ("principal is a number", {"Statement": [{"Effect": "Allow", "Principal": 5, "Action": "*"}]}),
    ("condition is a list", {"Statement": [allow("*", ["x"])]}),
    ("operator holds a list", {"Statement": [allow("*", {"StringEquals": ["x"]})]}),
    ("collector could not parse it", {"_unparsed": "%%%"}),
]


@pytest.mark.parametrize("name,doc", BAD, ids=[b[0] for b in BAD])
def test_what_is_not_a_policy_raises(name, doc):
    with pytest.raises(aws_policy.PolicyError):
        aws_policy.analyse(doc)


def test_json_text_and_single_statement_objects_are_read():
    assert pub() is False
    assert aws_policy.public_grants(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}}'
    )


def test_evidence_names_the_statement_and_who():
    doc = {"Statement": [allow({"AWS": ACCT}), dict(allow("*"), Sid="Open")]}
    (g,) = aws_policy.public_grants(doc)
    assert g.index == 1 and g.label == "Statement[1] (Sid Open)" and "anyone" in g.who.text


# --- transport (S3) ------------------------------------------------------------------------------

B = "arn:aws:s3:::data"
TLS = {"Bool": {"aws:SecureTransport": "false"}}
TRANSPORT = [
    ("s3:* on bucket and objects", "*", "s3:*", [B, f"{B}/*"], TLS, True),
    ("* on *", "*", "*", "*", TLS, True),
    ("AWS * principal", {"AWS": "*"}, "s3:*", [B, f"{B}/*"], TLS, True),
    (
        "BoolIfExists",
        "*",
        "s3:*",
        [B, f"{B}/*"],
        {"BoolIfExists": {"aws:SecureTransport": "false"}},
        True,
    ),
    ("bucket prefix pattern data*", "*", "s3:*", f"{B}*", TLS, True),
    ("GetObject only", "*", "s3:GetObject", [B, f"{B}/*"], TLS, False),
    ("objects only", "*", "s3:*", f"{B}/*", TLS, False),
    ("bucket only", "*", "s3:*", B, TLS, False),
    ("some objects only", "*", "s3:*", [B, f"{B}/public/*"], TLS, False),
    ("one role only", {"AWS": f"arn:aws:iam::{ACCT}:role/app"}, "s3:*", "*", TLS, False),
    ("SecureTransport true", "*", "s3:*", "*", {"Bool": {"aws:SecureTransport": "true"}}, False),
    (
        "TLS below 1.0 denies nothing",
        "*",
        "s3:*",
        "*",
        {"NumericLessThan": {"s3:TlsVersion": "1.0"}},
        False,
    ),
    (
        "TLS below 1.2 lets plain HTTP through",
        "*",
        "s3:*",
        "*",
        {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        False,
    ),
    (
        "TLS below 1.2 IfExists",
        "*",
        "s3:*",
        "*",
        {"NumericLessThanIfExists": {"s3:TlsVersion": "1.2"}},
        True,
    ),
    (
        "TLS below 1.1 IfExists is no real minimum",
        "*",
        "s3:*",
        "*",
        {"NumericLessThanIfExists": {"s3:TlsVersion": "1.1"}},
        False,
    ),
    (
        "extra narrowing condition",
        "*",
        "s3:*",
        "*",
        dict(TLS, StringEquals={"aws:SourceVpce": "vpce-1"}),
        False,
    ),
]


@pytest.mark.parametrize(
    "name,principal,action,resource,cond,ok", TRANSPORT, ids=[t[0] for t in TRANSPORT]
)
def test_s3_tls_enforced(name, principal, action, resource, cond, ok):
    st = {
        "Effect": "Deny",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        "Condition": cond,
    }
    bucket = {"Name": "data", "Policy": {"Statement": [st]}}
    assert aws_exposure.aws_s3_tls_enforced(bucket, None)[0] is ok


def test_s3_tls_not_action_and_allow_do_not_count():
    st = {
        "Effect": "Deny",
        "Principal": "*",
        "NotAction": "s3:GetObject",
        "Resource": "*",
        "Condition": TLS,
    }
    assert (
        aws_exposure.aws_s3_tls_enforced({"Name": "data", "Policy": {"Statement": [st]}}, None)[0]
        is False
    )
    st = dict(st, Effect="Allow", Action="s3:*")
    del st["NotAction"]
    assert (
        aws_exposure.aws_s3_tls_enforced({"Name": "data", "Policy": {"Statement": [st]}}, None)[0]
        is False
    )
    with pytest.raises(CannotJudge):  # a policy that was not recorded at all: unknown
        aws_exposure.aws_s3_tls_enforced({"Name": "data"}, None)


# --- administrators ------------------------------------------------------------------------------

ADMIN = [
    ("* on *", [{"Effect": "Allow", "Action": "*", "Resource": "*"}], True),
    ("*:* on *", [{"Effect": "Allow", "Action": "*:*", "Resource": "*"}], True),
    ("iam:* on *", [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], True),
    ("iam:Put* on *", [{"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}], True),
    ("NotAction s3", [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}], True),
    ("s3:* on *", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}], False),
    (
        "read only IAM",
        [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}],
        False,
    ),
    (
        "* on one bucket",
        [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}],
        False,
    ),
    (
        "PassRole + RunInstances",
        [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}],
        True,
    ),
    (
        "PassRole on one role + RunInstances",
        [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{ACCT}:role/app",
            },
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        ],
        False,
    ),
    (
        "PassRole on roles/* + RunInstances",
        [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{ACCT}:role/*",
            },
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        ],
        True,
    ),
    (
        "PassRole + CreateFunction + Invoke",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": "*",
            }
        ],
        True,
    ),
    (
        "PassRole + CreateFunction only",
        [{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}],
        False,
    ),
    (
        "PassRole + CreateStack",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "cloudformation:CreateStack"],
                "Resource": "*",
            }
        ],
        True,
    ),
    (
        "CreatePolicyVersion",
        [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}],
        True,
    ),
    (
        "SetDefaultPolicyVersion",
        [{"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": "*"}],
        True,
    ),
    (
        "AttachUserPolicy on users/*",
        [
            {
                "Effect": "Allow",
                "Action": "iam:AttachUserPolicy",
                "Resource": f"arn:aws:iam::{ACCT}:user/*",
            }
        ],
        True,
    ),
    (
        "AttachUserPolicy on oneself",
        [
            {
                "Effect": "Allow",
                "Action": "iam:AttachUserPolicy",
                "Resource": f"arn:aws:iam::{ACCT}:user/${{aws:username}}",
            }
        ],
        True,
    ),
    (
        "CreateAccessKey on oneself",
        [
            {
                "Effect": "Allow",
                "Action": "iam:CreateAccessKey",
                "Resource": f"arn:aws:iam::{ACCT}:user/${{aws:username}}",
            }
        ],
        False,
    ),
    (
        "CreateAccessKey on all users",
        [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}],
        True,
    ),
    (
        "AddUserToGroup",
        [{"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": "*"}],
        True,
    ),
    (
        "UpdateAssumeRolePolicy without AssumeRole",
        [{"Effect": "Allow", "Action": "iam:UpdateAssumeRolePolicy", "Resource": "*"}],
        False,
    ),
    (
        "UpdateAssumeRolePolicy with AssumeRole",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
                "Resource": "*",
            }
        ],
        True,
    ),
    (
        "UpdateFunctionCode",
        [{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}],
        True,
    ),
    (
        "glue UpdateDevEndpoint",
        [{"Effect": "Allow", "Action": "glue:UpdateDevEndpoint", "Resource": "*"}],
        True,
    ),
    (
        "* on * cancelled by Deny *",
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        ],
        False,
    ),
    (
        "* on * with a Deny on IAM writes",
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:*", "lambda:*", "glue:*"], "Resource": "*"},
        ],
        False,
    ),
    ("Deny only", [{"Effect": "Deny", "Action": "*", "Resource": "*"}], False),
    (
        "NotResource outside IAM, iam:*",
        [{"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::*:*"}],
        False,
    ),
]


@pytest.mark.parametrize("name,statements,admin", ADMIN, ids=[a[0] for a in ADMIN])
def test_admin_equivalence(name, statements, admin):
    assert aws_admin.policy_grants_admin({"Statement": statements}) is admin
