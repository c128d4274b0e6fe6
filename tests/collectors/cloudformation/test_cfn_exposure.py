"""Exposure on CloudFormation templates, read the attacker's way: security groups that open a
port through a prefix list, Lambda permissions that look narrow but are not (and ones that are
narrow in an unusual way), and what the template cannot show — each judged as the live scan
would, or waiting for deployment, never passed on the part that is known."""

from __future__ import annotations

import json
from pathlib import Path

from bio2scan import api


def _scan(tmp_path: Path, resources: dict, rules: tuple[str, ...], **parameters) -> dict:
    doc = {"Parameters": parameters, "Resources": resources}
    (tmp_path / "t.json").write_text(json.dumps(doc))
    chosen = [r for r in api.load_rules().values() if r.id in rules]
    _, results = api.scan(
        "cloudformation",
        {"paths": [str(tmp_path / "t.json")], "parameter": ["AWS::AccountId=111122223333"]},
        rules=chosen,
        verbose_results=True,
    )
    return {
        (r["rule_id"], r["resource_name"]): (r["status"], r["message"]) for r in results["results"]
    }


def _group(name: str, **rule) -> dict:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": name,
            "VpcId": "vpc-1",
            "Tags": [{"Key": "Name", "Value": name}],
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **rule}],
        },
    }


def _prefix_list(name: str, *cidrs: object) -> dict:
    return {
        "Type": "AWS::EC2::PrefixList",
        "Properties": {
            "PrefixListName": name,
            "AddressFamily": "IPv4",
            "MaxEntries": 5,
            "Entries": [{"Cidr": c, "Description": "x"} for c in cidrs],
        },
    }


def test_ssh_through_a_prefix_list_is_judged_on_its_entries(tmp_path):
    ssm = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/net/cidr"}
    got = _scan(
        tmp_path,
        {
            # looks narrow: a named list — but its two halves are the whole internet
            "Halves": _prefix_list("halves", "0.0.0.0/1", "128.0.0.0/1"),
            "Office": _prefix_list("office", "198.51.100.0/24"),
            "Later": _prefix_list("later", "198.51.100.0/24", {"Ref": "Cidr"}),
            "Open": _group("open", SourcePrefixListId={"Ref": "Halves"}),
            "Narrow": _group(
                "narrow", SourcePrefixListId={"Fn::GetAtt": ["Office", "PrefixListId"]}
            ),
            "Elsewhere": _group("elsewhere", SourcePrefixListId="pl-0123456789abcdef0"),
            "Unknown": _group("unknown", SourcePrefixListId={"Ref": "Later"}),
        },
        ("aws.ec2.sg_admin_ports_not_public",),
        Cidr=ssm,
    )
    rule = "aws.ec2.sg_admin_ports_not_public"
    assert got[(rule, "open")][0] == "FAIL"
    assert got[(rule, "narrow")][0] == "PASS"
    status, message = got[(rule, "elsewhere")]  # a list of the account (or an AWS-managed one)
    assert status == "NOT_APPLICABLE" and "pl-0123456789abcdef0" in message
    status, message = got[(rule, "unknown")]
    assert status == "NOT_APPLICABLE" and "Entries[1]" in message


def test_a_prefix_list_record_is_the_live_one(tmp_path):
    (tmp_path / "t.json").write_text(
        json.dumps({"Resources": {"PL": _prefix_list("office", "198.51.100.0/24")}})
    )
    inv = api.collect("cloudformation", {"paths": [str(tmp_path / "t.json")]})
    (pl,) = inv.resources
    assert pl.type == "aws.ec2.prefix_list" and pl.name == "office"
    assert pl.data["Entries"] == [{"Cidr": "198.51.100.0/24", "Description": "x"}]
    assert pl.data["MaxEntries"] == 5 and pl.data["AddressFamily"] == "IPv4"
    assert pl.data["PrefixListId"] == "${PL}"


def _function(name: str) -> dict:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": "arn:aws:iam::111122223333:role/fn",
            "Code": {"ZipFile": "x"},
        },
    }


def _permission(fn: str, principal: str, **extra) -> dict:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": {"Ref": fn},
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
            **extra,
        },
    }


def test_lambda_permissions_as_the_resource_policy_aws_makes_of_them(tmp_path):
    got = _scan(
        tmp_path,
        {
            "Bucketed": _function("bucketed"),
            # looks narrow (a service): any customer's bucket could invoke it without a source
            "FromS3": _permission("Bucketed", "s3.amazonaws.com"),
            "Sourced": _function("sourced"),
            "FromOwnBucket": _permission(
                "Sourced",
                "s3.amazonaws.com",
                SourceArn="arn:aws:s3:::uploads-111122223333",
                SourceAccount="111122223333",
            ),
            "Partner": _function("partner"),
            "FromPartner": _permission("Partner", "444455556666"),  # an account id: its root
            "Org": _function("org"),
            "FromOrg": _permission("Org", "*", PrincipalOrgID="o-abc123def4"),
            # looks restricted by a condition: the URL is anonymous (auth type NONE)
            "Url": _function("url"),
            "UrlAnyone": _permission("Url", "*", FunctionUrlAuthType="NONE"),
            "Twice": _function("twice"),
            "TwiceA": _permission("Twice", "444455556666"),
            "TwiceB": _permission("Twice", "*"),
        },
        ("aws.lambda.not_public",),
    )
    rule = "aws.lambda.not_public"
    assert got[(rule, "bucketed")][0] == "FAIL"
    assert got[(rule, "sourced")][0] == "PASS"
    assert got[(rule, "partner")][0] == "PASS"
    assert got[(rule, "org")][0] == "PASS"
    assert got[(rule, "url")][0] == "FAIL"
    status, message = got[(rule, "twice")]  # both permissions are one policy; one is public
    assert status == "FAIL" and "TwiceB" in message


def test_lambda_settings_known_only_at_deployment_wait(tmp_path):
    got = _scan(
        tmp_path,
        {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "fn",
                    "Runtime": "python3.12",
                    "Handler": "h",
                    "Role": "r",
                    "Code": {"ZipFile": "x"},
                    "Environment": {"Ref": "Env"},
                },
            }
        },
        ("aws.lambda.no_credentials_in_env",),
        Env={"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/fn/env"},
    )
    status, message = got[("aws.lambda.no_credentials_in_env", "fn")]
    assert status == "NOT_APPLICABLE" and "Environment" in message
