"""The intrinsic functions, parameters and conditions of a template, evaluated without AWS: a
value is data, a symbol of something fixed at deployment (``${Bucket}``), or unknown — deferred
or unresolved — and never a guess."""

from __future__ import annotations

import pytest

from bio2scan.collectors.cloudformation import aws_types
from bio2scan.collectors.cloudformation.stack import Stack
from bio2scan.collectors.template_values import (
    DEFERRED,
    NOVALUE,
    UNRESOLVED,
    Sym,
    Unknown,
    materialize,
)

TEMPLATE = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod", "AllowedValues": ["prod", "test"]},
        "Cidr": {"Type": "String"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "subnet-1, subnet-2"},
        "Password": {"Type": "String", "NoEcho": True, "Default": "Welkom01!"},
        "Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/aws/ami"},
        "Size": {"Type": "Number", "Default": 20},
    },
    "Mappings": {
        "Region": {
            "eu-west-1": {"Ami": "ami-1", "Tier": "gold"},
            "eu-central-1": {"Ami": "ami-2", "Tier": "gold"},
        },
    },
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsTest": {"Fn::Not": [{"Condition": "IsProd"}]},
        "InIreland": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
        "ProdOrIreland": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "InIreland"}]},
        "ProdAndIreland": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "InIreland"}]},
        "TestAndIreland": {"Fn::And": [{"Condition": "IsTest"}, {"Condition": "InIreland"}]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
        "NeedsCidr": {"Fn::Equals": [{"Ref": "Cidr"}, "0.0.0.0/0"]},
    },
    "Resources": {
        "Named": {
            "Type": "AWS::S3::Bucket",
            "Properties": {"BucketName": {"Fn::Sub": "${Env}-data"}},
        },
        "Unnamed": {"Type": "AWS::S3::Bucket"},
        "Group": {"Type": "AWS::EC2::SecurityGroup"},
        "Db": {"Type": "AWS::RDS::DBInstance"},
    },
}


def stack(**overrides: str) -> Stack:
    return Stack(TEMPLATE, overrides, aws_types.ref_name, aws_types.getatt_is_ref)


def r(value, **overrides):
    return stack(**overrides).resolve(value)


def test_parameters_defaults_overrides_and_what_has_no_value():
    assert r({"Ref": "Env"}) == "prod"
    assert r({"Ref": "Env"}, Env="test") == "test"
    assert r({"Ref": "Subnets"}) == ["subnet-1", "subnet-2"]
    assert r({"Ref": "Size"}) == "20"  # Ref of a Number parameter is text, as in CloudFormation
    missing = r({"Ref": "Cidr"})
    assert isinstance(missing, Unknown) and missing.kind == UNRESOLVED
    assert "--parameter Cidr=VALUE" in missing.reason
    bad = r({"Ref": "Env"}, Env="staging")
    assert bad.kind == UNRESOLVED and "AllowedValues" in bad.reason
    ssm = r({"Ref": "Ami"})
    assert ssm.kind == DEFERRED


def test_a_noecho_parameter_never_becomes_data():
    value = r({"Fn::Join": [":", ["user", {"Ref": "Password"}]]}, Password="s3cret")
    assert isinstance(value, Sym) and "s3cret" not in value and "Welkom01!" not in value


def test_pseudo_parameters_are_symbols_unless_given():
    assert r({"Ref": "AWS::Region"}) == "${AWS::Region}" and isinstance(
        r({"Ref": "AWS::Region"}), Sym
    )
    assert r({"Ref": "AWS::Region"}, **{"AWS::Region": "eu-west-1"}) == "eu-west-1"
    assert r({"Ref": "AWS::NoValue"}) is NOVALUE
    assert r({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}) == {"b": [1]}


def test_ref_and_getatt_of_resources():
    named = r({"Ref": "Named"})
    assert named == "prod-data"
    unnamed = r({"Ref": "Unnamed"})
    assert unnamed == "${Unnamed}" and unnamed.ref == "Unnamed"
    assert r({"Fn::GetAtt": ["Group", "GroupId"]}) == "${Group}"  # GroupId is what Ref gives
    arn = r({"Fn::GetAtt": ["Unnamed", "Arn"]})
    assert arn == "${Unnamed.Arn}" and arn.ref == "Unnamed"
    port = r({"Fn::GetAtt": ["Db", "Endpoint.Port"]})
    assert port.kind == DEFERRED  # a value a rule could interpret: not a symbol
    nothing = r({"Ref": "Nothing"})
    assert nothing.kind == UNRESOLVED and "Nothing" in nothing.reason
    assert r({"Fn::GetAtt": ["Nothing", "Arn"]}).kind == UNRESOLVED


def test_sub():
    assert r({"Fn::Sub": "arn:aws:s3:::${Named}/*"}) == "arn:aws:s3:::prod-data/*"
    s = r({"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"})
    assert isinstance(s, Sym) and s == "arn:aws:iam::${AWS::AccountId}:root" and s.ref is None
    assert r({"Fn::Sub": "${Unnamed}"}).ref == "Unnamed"
    assert r({"Fn::Sub": "${Unnamed.Arn}/x"}) == "${Unnamed.Arn}/x"
    assert r({"Fn::Sub": "${!Literal}-${Env}"}) == "${Literal}-prod"
    assert r({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "Env"}}]}) == "x-prod"
    assert r({"Fn::Sub": "${Cidr}"}).kind == UNRESOLVED
    assert r({"Fn::Sub": 42}).kind == UNRESOLVED


def test_join_select_split_cidr_base64_length_json():
    assert r({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}) == "a-prod-3"
    assert isinstance(r({"Fn::Join": ["", ["x", {"Ref": "AWS::Region"}]]}), Sym)
    assert r({"Fn::Join": ["-", ["a", {"Ref": "Cidr"}]]}).kind == UNRESOLVED
    assert r({"Fn::Select": ["1", ["a", "b"]]}) == "b"
    assert r({"Fn::Select": [5, ["a"]]}).kind == UNRESOLVED
    assert r({"Fn::Select": [0, {"Fn::GetAZs": ""}]}).kind == DEFERRED
    assert r({"Fn::Split": [",", "a,b"]}) == ["a", "b"]
    assert r({"Fn::Split": [",", {"Ref": "AWS::StackName"}]}).kind == DEFERRED
    assert r({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert r({"Fn::Base64": "ab"}) == "YWI="
    assert r({"Fn::Length": [1, 2, 3]}) == 3
    assert r({"Fn::ToJsonString": {"a": [1]}}) == '{"a":[1]}'
    assert r({"Fn::ImportValue": "shared-key"}) == "${ImportValue:shared-key}"
    assert r({"Fn::Nope": 1}).kind == UNRESOLVED


def test_find_in_map():
    assert r({"Fn::FindInMap": ["Region", "eu-west-1", "Ami"]}) == "ami-1"
    # the region is not known, but every region gives the same tier
    assert r({"Fn::FindInMap": ["Region", {"Ref": "AWS::Region"}, "Tier"]}) == "gold"
    assert r({"Fn::FindInMap": ["Region", {"Ref": "AWS::Region"}, "Ami"]}).kind == DEFERRED
    assert r({"Fn::FindInMap": ["Region", "us-east-1", "Ami"]}).kind == UNRESOLVED
    assert (
        r({"Fn::FindInMap": ["Region", "us-east-1", "Ami", {"DefaultValue": "ami-0"}]}) == "ami-0"
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("IsProd", True),
        ("IsTest", False),
        ("ProdOrIreland", True),  # true whatever the region
        ("TestAndIreland", False),  # false whatever the region
        ("InIreland", DEFERRED),
        ("ProdAndIreland", DEFERRED),
        ("Loop", UNRESOLVED),
        ("NeedsCidr", UNRESOLVED),
        ("Undefined", UNRESOLVED),
    ],
)
def test_conditions_are_three_valued(name, expected):
    value = stack().condition(name)
    if isinstance(expected, bool):
        assert value is expected
    else:
        assert isinstance(value, Unknown) and value.kind == expected


def test_conditions_decided_by_given_pseudo_parameters():
    assert stack(**{"AWS::Region": "eu-west-1"}).condition("ProdAndIreland") is True


def test_if():
    assert r({"Fn::If": ["IsProd", "a", "b"]}) == "a"
    assert r({"Fn::If": ["IsTest", "a", {"Ref": "AWS::NoValue"}]}) is NOVALUE
    assert r({"Fn::If": ["InIreland", "same", "same"]}) == "same"  # both branches agree
    undecided = r({"Fn::If": ["InIreland", "a", "b"]})
    assert undecided.kind == DEFERRED and "InIreland" in undecided.reason


def test_materialize_takes_unknowns_out_and_records_their_paths():
    data = {
        "A": {"B": Unknown(DEFERRED, "later"), "C": [1, Unknown(UNRESOLVED, "unresolved: x"), 3]},
        "odd.key": Unknown(DEFERRED, "later too"),
        "S": Sym("${X}"),
    }
    clean, errors, later = materialize(data)
    assert clean == {"A": {"C": [1, 3]}, "S": "${X}"} and type(clean["S"]) is str
    assert errors == {"A.C[1]": "unresolved: x"}
    assert later == {"A.B": "later", "['odd.key']": "later too"}
