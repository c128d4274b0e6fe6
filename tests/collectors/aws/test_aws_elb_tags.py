"""Load balancer tags: read with ``DescribeTags`` in batches of at most 20 (the API's limit), for
ALB/NLB and classic load balancers, so that ``aws.elb.internet_facing_declared`` can pass on a
live account; tags that could not be read make the rule ERROR, never FAIL or PASS. Lambda
environment values keep what is not secret (``bio2scan.credentials``)."""

from __future__ import annotations

import json

from awsfixtures import REGIONS, by_type, collect
from test_aws_policies_stubber import StubSession, _run

from bio2scan import api

RULE = "aws.elb.internet_facing_declared"


def _network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGIONS[0]}{z}"
        )["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]


def _evaluate(inv, *rule_ids: str) -> list:
    from bio2scan.engine import compile_rule, evaluate

    rules = api.load_rules()
    return evaluate(inv, [compile_rule(rules[r]) for r in rule_ids or (RULE,)])


def test_tags_of_every_load_balancer_in_batches_of_twenty(moto):
    import boto3

    session = boto3.Session(region_name=REGIONS[0])
    subnets = _network(session.client("ec2"))
    elbv2 = session.client("elbv2")
    for i in range(23):  # two batches: 20 + 3
        tags = {"Tags": [{"Key": "exposure", "Value": "internet"}]} if i % 2 == 0 else {}
        elbv2.create_load_balancer(
            Name=f"alb-{i:02d}", Subnets=subnets, Scheme="internet-facing", **tags
        )
    elbv2.create_load_balancer(Name="alb-inner", Subnets=subnets, Scheme="internal")
    classic = session.client("elb")
    listener = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]
    classic.create_load_balancer(
        LoadBalancerName="old-web",
        Listeners=listener,
        AvailabilityZones=[f"{REGIONS[0]}a"],
        Scheme="internet-facing",
        Tags=[{"Key": "Exposure", "Value": "Public"}],
    )
    classic.create_load_balancer(
        LoadBalancerName="old-api", Listeners=listener, AvailabilityZones=[f"{REGIONS[0]}a"]
    )
    inv = collect({"aws.elbv2.load_balancer", "aws.elb.load_balancer"}, regions=[REGIONS[0]])
    v2 = by_type(inv, "aws.elbv2.load_balancer")
    assert len(v2) == 24 and not inv.errors
    assert v2["alb-00"].tags == {"exposure": "internet"}
    assert v2["alb-00"].data["Tags"] == [{"Key": "exposure", "Value": "internet"}]
    assert v2["alb-01"].tags == {} and v2["alb-01"].data["Tags"] == []
    assert v2["alb-22"].tags == {"exposure": "internet"}  # the second batch
    assert by_type(inv, "aws.elb.load_balancer")["old-web"].tags == {"Exposure": "Public"}
    calls = inv.meta.api_calls
    assert calls["elbv2:DescribeTags"] == 2 and calls["elb:DescribeTags"] == 1  # 24 = 20 + 4
    got = {r.resource_name: r.status.value for r in _evaluate(inv)}
    assert got["alb-00"] == "PASS" and got["alb-01"] == "FAIL" and got["alb-22"] == "PASS"
    assert got["alb-inner"] == "NOT_APPLICABLE"  # internal: nothing to declare
    assert got["old-web"] == "PASS"  # key and value compared without case
    # a classic ELB created without a scheme is internet-facing, and declares nothing
    assert got["old-api"] == "FAIL"


def _denied(stub):
    arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1"
    lb = {"LoadBalancerArn": arn, "LoadBalancerName": "web", "Scheme": "internet-facing"}
    stub.add_response("describe_load_balancers", {"LoadBalancers": [lb]}, {})
    stub.add_client_error(
        "describe_tags",
        service_error_code="AccessDenied",
        service_message="not authorized to perform: elasticloadbalancing:DescribeTags",
        expected_params={"ResourceArns": [arn]},
    )
    stub.add_response("describe_listeners", {"Listeners": []}, {"LoadBalancerArn": arn})
    stub.add_response(
        "describe_load_balancer_attributes", {"Attributes": []}, {"LoadBalancerArn": arn}
    )


def test_tags_that_cannot_be_read_are_an_error_of_the_rule_not_a_fail():
    rec = _run("elb", "aws.elbv2.load_balancer", StubSession("elbv2", _denied))
    (lb,) = rec.resources
    assert lb.data["Tags"] is None and "AccessDenied" in lb.errors["Tags"]
    (result,) = _evaluate(rec.inventory())
    assert result.status.value == "ERROR" and "DescribeTags" in result.message


def test_lambda_environment_keeps_what_is_not_secret(moto):
    """Only the secret part of a value goes (``postgres://app:<redacted>@db``); a value whose
    name names a secret goes whole; no hash of either is kept."""
    import boto3

    session = boto3.Session(region_name=REGIONS[0])
    role = session.client("iam").create_role(
        RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Statement": []})
    )["Role"]["Arn"]
    env = {
        "DATABASE_URL": "postgres://app:Welkom01-not-real@db.internal:5432/orders",
        "API_TOKEN": "tok-not-real-1234",
        "LOG_LEVEL": "info",
        "PASSWORD_FILE": "/run/secrets/db",
    }
    session.client("lambda").create_function(
        FunctionName="orders",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        Environment={"Variables": env},
    )
    inv = collect({"aws.lambda.function"}, regions=[REGIONS[0]])
    got = by_type(inv, "aws.lambda.function")["orders"].data["Environment"]["Variables"]
    assert got["DATABASE_URL"] == "postgres://app:<redacted>@db.internal:5432/orders"
    assert got["API_TOKEN"] == "<redacted>"
    assert got["LOG_LEVEL"] == "info" and got["PASSWORD_FILE"] == "/run/secrets/db"
    text = json.dumps(inv.to_dict())
    assert "Welkom01-not-real" not in text and "tok-not-real" not in text
    (result,) = _evaluate(inv, "aws.lambda.no_credentials_in_env")
    assert result.status.value == "FAIL"
    assert {e.path for e in result.evidence} >= {
        "Environment.Variables.DATABASE_URL",
        "Environment.Variables.API_TOKEN",
    }
